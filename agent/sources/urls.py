"""URL recognition: which sources are accepted, their canonical form, and video keys.

:func:`classify_url` is the Python side of the rules shared with the Apps Script validator
(``tests/fixtures/source_urls.json`` holds the examples both must pass). :func:`video_key` gives the
key that deduplicates tasks: the 11-character YouTube id for every YouTube form, else
``url:<normalised url>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import SplitResult, parse_qs, urlsplit, urlunsplit

from agent.errors import InvalidUrlError

Policy = Literal["youtube", "any"]
SourceKind = Literal["playlist", "channel", "video", "other"]

MAX_URL_LENGTH = 2048
#: Channel tabs that hold videos (what a channel source expands over).
CHANNEL_TABS: tuple[str, ...] = ("videos", "shorts", "streams")

_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
_NOCOOKIE_HOSTS = frozenset({"youtube-nocookie.com", "www.youtube-nocookie.com"})
_VIDEO_PATHS = frozenset({"shorts", "live", "embed", "v"})
_CHANNEL_PREFIXES = frozenset({"channel", "c", "user"})
_MIX_PREFIXES = ("RD", "UL")  # auto-generated mixes only exist next to a video

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_PLAYLIST_ID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9._%-]{1,100}$")
_LEGACY_NAME = re.compile(r"^[A-Za-z0-9_.\-%]{1,100}$")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_WATCH = "https://www.youtube.com/watch?v="


@dataclass(frozen=True)
class SourceRef:
    """What a source URL points at, with its canonical URL.

    ``kind`` is ``playlist``, ``channel``, ``video`` or (policy ``any`` only) ``other``.
    ``channel_tab`` is the tab named in a channel URL (``videos``/``shorts``/``streams``), or None
    for a channel root.
    """

    kind: SourceKind
    url: str
    video_id: str | None = None
    playlist_id: str | None = None
    channel_tab: str | None = None


def classify_url(text: str, policy: Policy = "youtube") -> SourceRef:
    """Recognise a source URL, or raise :class:`InvalidUrlError` with a reason code.

    Codes: ``empty``, ``not_url``, ``bad_scheme``, ``unsupported_host``, ``unsupported_path``,
    ``bad_video_id``, ``too_long``. The text is trimmed first. Under policy ``any`` every http(s)
    URL that is not a recognised YouTube source is admitted as kind ``other``; other schemes are
    still rejected.
    """
    url = (text or "").strip()
    parts = _parse_http_url(text, url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        ref = _classify_youtube(url, parts, host)
    except InvalidUrlError:
        if policy == "any":
            return SourceRef(kind="other", url=normalise_url(url))
        raise
    if ref is not None:
        return ref
    if policy == "any":
        return SourceRef(kind="other", url=normalise_url(url))
    raise InvalidUrlError(url, "unsupported_host", f"not a YouTube address: {host}")


def _parse_http_url(original: str, url: str) -> SplitResult:
    """Checks shared by both policies: non-empty, length, scheme, a host; returns the parts."""
    if not url:
        raise InvalidUrlError(original, "empty", "the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrlError(url[:200], "too_long", f"longer than {MAX_URL_LENGTH} characters")
    if _BAD_CHARS.search(url):
        raise InvalidUrlError(url, "not_url", "a URL cannot contain spaces")
    match = _SCHEME.match(url)
    if match is None:
        raise InvalidUrlError(url, "not_url", "not a URL (it must start with https://)")
    if match.group(1).lower() not in ("http", "https"):
        raise InvalidUrlError(url, "bad_scheme", f"scheme {match.group(1)!r} is not allowed")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidUrlError(url, "not_url", f"malformed URL ({exc})") from None
    if not parts.hostname:
        raise InvalidUrlError(url, "not_url", "the URL has no host")
    return parts


def _classify_youtube(url: str, parts: SplitResult, host: str) -> SourceRef | None:
    """The YouTube rules; None when the host is not YouTube's."""
    if host not in _YOUTUBE_HOSTS | _SHORT_HOSTS | _NOCOOKIE_HOSTS:
        return None
    if parts.username is not None or parts.port not in (None, 80, 443):
        raise InvalidUrlError(url, "unsupported_host", "credentials or ports are not allowed")
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qs(parts.query, keep_blank_values=True)
    if host in _SHORT_HOSTS:
        if len(segments) != 1:
            raise _unsupported_path(url)
        return _video_or_playlist(url, segments[0], _first(query, "list"))
    if host in _NOCOOKIE_HOSTS:
        if len(segments) != 2 or segments[0].lower() != "embed":
            raise _unsupported_path(url)
        return _video_or_playlist(url, segments[1], None)
    return _classify_youtube_path(url, segments, query)


def _classify_youtube_path(url: str, segments: list[str], query: dict[str, list[str]]) -> SourceRef:
    first = segments[0].lower() if segments else ""
    if first == "watch" and len(segments) == 1:
        return _video_or_playlist(url, _first(query, "v"), _first(query, "list"))
    if first == "playlist" and len(segments) == 1:
        playlist = _playlist_ref(None, _first(query, "list"))
        if playlist is None:
            raise _unsupported_path(url, "a playlist URL needs a valid list= id")
        return playlist
    if first in _VIDEO_PATHS and len(segments) == 2:
        if first == "embed" and segments[1] == "videoseries":
            return _video_or_playlist(url, None, _first(query, "list"))
        return _video_or_playlist(url, segments[1], None)  # a list= here is ignored
    if segments and (segments[0].startswith("@") or first in _CHANNEL_PREFIXES):
        return _channel_ref(url, segments)
    raise _unsupported_path(url)


def _video_or_playlist(url: str, video_id: str | None, list_id: str | None) -> SourceRef:
    """A video, or the playlist ``list_id`` names (which wins, as in ``watch?v=…&list=…``).

    ``video_id`` None means the URL names no video (``watch?list=…``); a video id that is
    present must be valid even when a playlist comes with it.
    """
    if video_id is None:
        playlist = _playlist_ref(None, list_id)
        if playlist is None:
            raise _unsupported_path(url, "the URL names no video and no playlist")
        return playlist
    if not _VIDEO_ID.match(video_id):
        raise InvalidUrlError(url, "bad_video_id", f"{video_id[:40]!r} is not an 11-character id")
    playlist = _playlist_ref(video_id, list_id)
    if playlist is not None:
        return playlist
    return SourceRef(kind="video", url=_WATCH + video_id, video_id=video_id)


def _playlist_ref(video_id: str | None, playlist_id: str | None) -> SourceRef | None:
    if not playlist_id or not _PLAYLIST_ID.match(playlist_id):
        return None
    if video_id and playlist_id.startswith(_MIX_PREFIXES):
        url = f"{_WATCH}{video_id}&list={playlist_id}"
    else:
        url = f"https://www.youtube.com/playlist?list={playlist_id}"
    return SourceRef(kind="playlist", url=url, video_id=video_id, playlist_id=playlist_id)


def _channel_ref(url: str, segments: list[str]) -> SourceRef:
    """``/@handle``, ``/channel/UC…``, ``/c/name``, ``/user/name``, each with an optional tab."""
    if segments[0].startswith("@"):
        base, rest = segments[:1], segments[1:]
        valid = bool(_HANDLE.match(segments[0]))
    else:
        base, rest = segments[:2], segments[2:]
        name = segments[1] if len(segments) > 1 else ""
        pattern = _CHANNEL_ID if segments[0].lower() == "channel" else _LEGACY_NAME
        valid = bool(pattern.match(name))
        base = [segments[0].lower(), name]
    if not valid or len(rest) > 1:
        raise _unsupported_path(url, "not a channel address YouTube has")
    tab = rest[0].lower() if rest else None
    if tab is not None and tab not in CHANNEL_TABS:
        raise _unsupported_path(url, f"the channel tab {tab!r} holds no videos")
    canonical = "https://www.youtube.com/" + "/".join(base) + (f"/{tab}" if tab else "")
    return SourceRef(kind="channel", url=canonical, channel_tab=tab)


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _unsupported_path(
    url: str, reason: str = "not a playlist, channel or video"
) -> InvalidUrlError:
    return InvalidUrlError(url, "unsupported_path", reason)


def normalise_url(url: str) -> str:
    """``url`` trimmed, with scheme and host lower-cased, default port and fragment dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc += f":{port}"
    if parts.username is not None:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def is_video_id(text: str | None) -> bool:
    """True when ``text`` has the shape of a YouTube video id (11 of ``A-Za-z0-9_-``)."""
    return bool(text) and bool(_VIDEO_ID.match(text or ""))


def watch_url(video_id: str) -> str:
    """The canonical watch URL of a YouTube video id."""
    return _WATCH + video_id


def video_key(url_or_entry: str | Mapping[str, Any] | None) -> str | None:
    """The dedup key of a URL or a yt-dlp entry.

    YouTube (every form: ``watch?v=``, ``youtu.be/``, ``/shorts/``, ``/live/``, ``/embed/``,
    youtube-nocookie, invidious mirrors yt-dlp knows, with yt-dlp's smuggled suffix removed): the
    11-character video id. Any other http(s) URL: ``url:<normalised url>``. Anything else: None.
    """
    if url_or_entry is None:
        return None
    if isinstance(url_or_entry, str):
        return _key_from_url(url_or_entry)
    return _key_from_entry(url_or_entry)


def youtube_id(url: str) -> str | None:
    """The 11-character id of a YouTube video URL (any form), else None."""
    return _youtube_lookup(url)[1]


def _youtube_lookup(url: str) -> tuple[bool, str | None]:
    """(is the URL YouTube's, its video id or None)."""
    from yt_dlp.extractor.youtube import YoutubeIE
    from yt_dlp.utils import unsmuggle_url

    url, _ = unsmuggle_url(url.strip())
    if not _SCHEME.match(url):
        return False, None
    try:
        return True, classify_url(url).video_id
    except InvalidUrlError as exc:
        youtube_host = exc.code not in ("unsupported_host", "not_url", "bad_scheme", "too_long")
    temp_id = YoutubeIE.get_temp_id(url)
    if isinstance(temp_id, str) and is_video_id(temp_id):
        return True, temp_id
    return youtube_host, None


def _key_from_url(url: str) -> str | None:
    from yt_dlp.utils import unsmuggle_url

    url, _ = unsmuggle_url(url.strip())
    is_youtube, video_id = _youtube_lookup(url)
    if is_youtube:
        return video_id  # a YouTube playlist or channel is not a video
    match = _SCHEME.match(url)
    if match is None or match.group(1).lower() not in ("http", "https"):
        return None
    try:
        return "url:" + normalise_url(url)
    except ValueError:
        return None


def _key_from_entry(entry: Mapping[str, Any]) -> str | None:
    ie_key = str(entry.get("ie_key") or entry.get("extractor_key") or "")
    entry_id = entry.get("id")
    if ie_key == "Youtube" and isinstance(entry_id, str) and is_video_id(entry_id):
        return entry_id
    fields = ("url",) if entry.get("_type") in ("url", "url_transparent") else ()
    for field in (*fields, "webpage_url", "original_url", "url"):
        value = entry.get(field)
        if isinstance(value, str) and value:
            key = _key_from_url(value)
            if key:
                return key
    if isinstance(entry_id, (str, int)) and ie_key:
        return f"{ie_key.lower()}:{entry_id}"
    return None
