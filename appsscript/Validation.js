// Source URL rules, shared with the Python agent (agent/sources/) through the examples in
// tests/fixtures/source_urls.json. Pure functions: a string in, a plain object out.

/**
 * @typedef {'playlist' | 'channel' | 'video'} SourceKind
 *
 * @typedef {Object} UrlVerdict
 * @property {boolean} ok true when the URL is an accepted YouTube source.
 * @property {string} url the input, trimmed.
 * @property {string} reason '' when ok, else a reason code (see URL_REASONS).
 * @property {SourceKind | ''} kind what the URL points at ('' when rejected).
 * @property {string} videoId the 11-character video ID when the URL names one, else ''.
 * @property {string} playlistId the playlist ID when the URL names one, else ''.
 * @property {string} key a canonical key: two URLs with the same key are the same source.
 */

/** The longest URL accepted, in characters (after trimming). */
const MAX_URL_CHARS = 2048;

/**
 * Reason codes and their explanations for people. The codes are shared with the Python side;
 * `duplicate` and `too_many` are the add-on's own (they depend on the sheet, not on the URL).
 */
const URL_REASONS = Object.freeze({
  empty: 'Empty: paste a YouTube playlist, channel or video URL.',
  not_url: 'Not a URL: it must start with https://',
  bad_scheme: 'Only http:// and https:// links are accepted.',
  unsupported_host: 'Not a YouTube address.',
  unsupported_path: 'A YouTube page that is not a playlist, a channel or a video.',
  bad_video_id: 'The video ID must be 11 letters, digits, - or _.',
  too_long: `Longer than ${MAX_URL_CHARS} characters.`,
  duplicate: 'Already in Sources (or listed twice).',
  too_many: 'Too many URLs in one go: add the rest in another batch.',
});

/** Hosts that serve youtube.com pages. */
const YOUTUBE_HOSTS = Object.freeze([
  'youtube.com',
  'www.youtube.com',
  'm.youtube.com',
  'music.youtube.com',
]);

/** Hosts that only serve embedded players. */
const NOCOOKIE_HOSTS = Object.freeze(['youtube-nocookie.com', 'www.youtube-nocookie.com']);

/** The short-link host. */
const SHORT_HOST = 'youtu.be';

/** Channel tabs that list videos; a channel URL may end in one of them. */
const CHANNEL_TABS = Object.freeze(['videos', 'shorts', 'streams']);

const VIDEO_ID_RE = /^[A-Za-z0-9_-]{11}$/;
const PLAYLIST_ID_RE = /^[A-Za-z0-9_-]{2,64}$/;
const CHANNEL_ID_RE = /^UC[A-Za-z0-9_-]{22}$/;
const HANDLE_RE = /^@[A-Za-z0-9._%-]{1,100}$/;
const LEGACY_NAME_RE = /^[A-Za-z0-9._%-]{1,100}$/;

/**
 * Checks one source URL.
 *
 * @param {unknown} raw what a person typed or pasted (any cell value).
 * @return {UrlVerdict}
 */
function checkSourceUrl_(raw) {
  const url = raw === null || raw === undefined ? '' : String(raw).trim();
  if (url === '') return rejectUrl_(url, 'empty');
  if (url.length > MAX_URL_CHARS) return rejectUrl_(url, 'too_long');
  if (/\s/.test(url)) return rejectUrl_(url, 'not_url');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (!scheme) return rejectUrl_(url, 'not_url');
  const name = scheme[1].toLowerCase();
  if (name !== 'http' && name !== 'https') return rejectUrl_(url, 'bad_scheme');
  const parts = splitHttpUrl_(url);
  if (!parts) return rejectUrl_(url, 'not_url');
  if (!isYoutubeHost_(parts.host)) return rejectUrl_(url, 'unsupported_host');
  return classifyPath_(url, parts);
}

/**
 * @param {string} url
 * @param {string} reason
 * @return {UrlVerdict}
 */
function rejectUrl_(url, reason) {
  return { ok: false, url, reason, kind: '', videoId: '', playlistId: '', key: '' };
}

/**
 * @typedef {Object} UrlParts
 * @property {string} host lower-case host name, without port or trailing dot.
 * @property {string[]} segments the non-empty path segments, as written.
 * @property {Object<string, string>} query first value of each query parameter, decoded.
 */

/**
 * Splits an absolute http(s) URL into host, path segments and query.
 *
 * @param {string} url
 * @return {UrlParts | null} null when the URL has no `//host` part or a bad port.
 */
function splitHttpUrl_(url) {
  const match = /^[A-Za-z]+:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!match) return null;
  const authority = match[1];
  if (authority === '') return null;
  if (authority.includes('@')) return { host: '', segments: [], query: {} };
  const hostPort = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d*))?$/.exec(authority);
  if (!hostPort) return null;
  const port = hostPort[2];
  if (port && port !== '80' && port !== '443') {
    return { host: '', segments: [], query: {} };
  }
  const host = hostPort[1].toLowerCase().replace(/\.$/, '');
  const segments = match[2].split('/').filter((s) => s !== '');
  return { host, segments, query: parseQuery_(match[3] || '') };
}

/**
 * @param {string} text the part of a URL between `?` and `#`.
 * @return {Object<string, string>} the first value of each parameter.
 */
function parseQuery_(text) {
  /** @type {Object<string, string>} */
  const query = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const cut = pair.indexOf('=');
    const name = safeDecode_(cut < 0 ? pair : pair.slice(0, cut));
    const value = cut < 0 ? '' : safeDecode_(pair.slice(cut + 1));
    if (!(name in query)) query[name] = value;
  }
  return query;
}

/**
 * @param {string} text
 * @return {string} the URI-decoded text, or the text itself when it is malformed.
 */
function safeDecode_(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (_err) {
    return text;
  }
}

/**
 * @param {string} host
 * @return {boolean}
 */
function isYoutubeHost_(host) {
  return YOUTUBE_HOSTS.includes(host) || NOCOOKIE_HOSTS.includes(host) || host === SHORT_HOST;
}

/**
 * Decides what a YouTube URL points at from its host, path and query.
 *
 * @param {string} url
 * @param {UrlParts} parts
 * @return {UrlVerdict}
 */
function classifyPath_(url, parts) {
  const { host, segments, query } = parts;
  if (host === SHORT_HOST) {
    if (segments.length !== 1) return rejectUrl_(url, 'unsupported_path');
    return videoOrPlaylist_(url, segments[0], query.list || '');
  }
  const head = (segments[0] || '').toLowerCase();
  if (NOCOOKIE_HOSTS.includes(host)) {
    if (head !== 'embed' || segments.length !== 2) {
      return rejectUrl_(url, 'unsupported_path');
    }
    return videoOrPlaylist_(url, segments[1], '');
  }
  if (head === 'watch' && segments.length === 1) {
    const list = validPlaylistId_(query.list || '');
    if ('v' in query) return videoOrPlaylist_(url, query.v, list);
    if (list) return acceptUrl_(url, 'playlist', '', list);
    return rejectUrl_(url, 'unsupported_path');
  }
  if (head === 'playlist' && segments.length === 1) {
    const list = validPlaylistId_(query.list || '');
    if (list) return acceptUrl_(url, 'playlist', '', list);
    return rejectUrl_(url, 'unsupported_path');
  }
  if (head === 'embed' && segments.length === 2) {
    if (segments[1] === 'videoseries') {
      // An embedded playlist player; without a list it names nothing.
      const list = validPlaylistId_(query.list || '');
      if (list) return acceptUrl_(url, 'playlist', '', list);
      return rejectUrl_(url, 'unsupported_path');
    }
    return videoOrPlaylist_(url, segments[1], '');
  }
  if (['shorts', 'live', 'v'].includes(head) && segments.length === 2) {
    return videoOrPlaylist_(url, segments[1], '');
  }
  return classifyChannel_(url, segments);
}

/**
 * @param {string} url
 * @param {string[]} segments
 * @return {UrlVerdict} a channel, or `unsupported_path`.
 */
function classifyChannel_(url, segments) {
  const head = segments[0] || '';
  const lowerHead = head.toLowerCase();
  /** @type {string[]} */
  let base = [];
  if (HANDLE_RE.test(head)) {
    base = [head];
  } else if (lowerHead === 'channel' && CHANNEL_ID_RE.test(segments[1] || '')) {
    base = ['channel', segments[1]];
  } else if (
    (lowerHead === 'c' || lowerHead === 'user') &&
    LEGACY_NAME_RE.test(segments[1] || '')
  ) {
    base = [lowerHead, segments[1]];
  }
  if (base.length === 0) return rejectUrl_(url, 'unsupported_path');
  const rest = segments.slice(base.length).map((s) => s.toLowerCase());
  if (rest.length > 1 || (rest.length === 1 && !CHANNEL_TABS.includes(rest[0]))) {
    return rejectUrl_(url, 'unsupported_path');
  }
  const key = `channel:/${base.join('/')}${rest.length ? `/${rest[0]}` : ''}`;
  return { ...acceptUrl_(url, 'channel', '', ''), key: key.toLowerCase() };
}

/**
 * A video, or a playlist when a valid `list` comes with it (as in `watch?v=…&list=…`).
 *
 * @param {string} url
 * @param {string} videoId
 * @param {string} list a playlist ID already checked, or ''.
 * @return {UrlVerdict}
 */
function videoOrPlaylist_(url, videoId, list) {
  if (!VIDEO_ID_RE.test(videoId)) return rejectUrl_(url, 'bad_video_id');
  const playlistId = validPlaylistId_(list);
  if (playlistId) return acceptUrl_(url, 'playlist', videoId, playlistId);
  return acceptUrl_(url, 'video', videoId, '');
}

/**
 * @param {string} list
 * @return {string} the playlist ID when it looks like one, else ''.
 */
function validPlaylistId_(list) {
  return PLAYLIST_ID_RE.test(list) ? list : '';
}

/**
 * @param {string} url
 * @param {SourceKind} kind
 * @param {string} videoId
 * @param {string} playlistId
 * @return {UrlVerdict}
 */
function acceptUrl_(url, kind, videoId, playlistId) {
  const key = playlistId ? `playlist:${playlistId}` : `video:${videoId}`;
  return { ok: true, url, reason: '', kind, videoId, playlistId, key };
}
