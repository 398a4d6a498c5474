// The URL rules, driven by the fixture the Python tests read too.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it } = require('node:test');
const { loadProject } = require('./support/project');

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'source_urls.json');
const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
const project = loadProject();
const check = (url) => project.call('checkSourceUrl_', url);

describe('source URL rules (tests/fixtures/source_urls.json)', () => {
  it('uses the fixture maximum length', () => {
    assert.equal(project.evaluate('MAX_URL_CHARS'), fixture.max_length);
  });

  for (const example of fixture.accepted) {
    it(`accepts ${JSON.stringify(example.url).slice(0, 90)}`, () => {
      const verdict = check(example.url);
      assert.equal(verdict.ok, true, `rejected with ${verdict.reason}`);
      assert.equal(verdict.reason, '');
      assert.equal(verdict.kind, example.kind);
      assert.equal(verdict.url, example.url.trim());
      if ('video_id' in example) assert.equal(verdict.videoId, example.video_id);
      if ('playlist_id' in example) assert.equal(verdict.playlistId, example.playlist_id);
    });
  }

  for (const example of fixture.rejected) {
    it(`rejects ${JSON.stringify(example.url).slice(0, 90)} as ${example.reason}`, () => {
      const verdict = check(example.url);
      assert.equal(verdict.ok, false);
      assert.equal(verdict.reason, example.reason);
      assert.equal(verdict.kind, '');
    });
  }

  it('has an explanation for every reason code of the fixture', () => {
    const reasons = project.evaluate('URL_REASONS');
    for (const example of fixture.rejected) {
      assert.ok(reasons[example.reason], `no message for ${example.reason}`);
    }
  });

  it('validateUrls gives one {url, ok, reason} per fixture example, in order', () => {
    const urls = [...fixture.accepted, ...fixture.rejected].map((e) => e.url);
    const results = project.call('validateUrls', urls);
    assert.equal(results.length, urls.length);
    fixture.accepted.forEach((e, i) => {
      // Accepted examples that name the same source are duplicates of the first one.
      assert.ok(results[i].ok || results[i].reason === 'duplicate', e.url);
    });
    fixture.rejected.forEach((e, i) => {
      const r = results[fixture.accepted.length + i];
      assert.deepEqual([r.ok, r.reason], [false, e.reason]);
    });
  });
});

describe('source keys (what counts as the same source)', () => {
  const key = (url) => check(url).key;

  it('treats every form of one video as the same source', () => {
    const forms = [
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      'https://youtu.be/dQw4w9WgXcQ?si=xyz',
      'https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42s',
      'https://www.youtube.com/shorts/dQw4w9WgXcQ',
    ];
    assert.deepEqual(new Set(forms.map(key)), new Set(['video:dQw4w9WgXcQ']));
  });

  it('treats a playlist and a video of it with its list as the same playlist', () => {
    assert.equal(
      key('https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf'),
      key('https://youtube.com/playlist?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf&si=abc'),
    );
  });

  it('keeps channel tabs apart but ignores host and case', () => {
    assert.equal(key('https://www.youtube.com/@Handle'), key('https://m.youtube.com/@handle/'));
    assert.notEqual(
      key('https://www.youtube.com/@handle'),
      key('https://www.youtube.com/@handle/shorts'),
    );
  });

  it('rejects look-alike hosts, credentials and odd ports', () => {
    assert.equal(
      check('https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ').reason,
      'unsupported_host',
    );
    assert.equal(
      check('https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ').reason,
      'unsupported_host',
    );
    assert.equal(check('https://www.youtube.com:443/watch?v=dQw4w9WgXcQ').ok, true);
    assert.equal(check('https://www.youtube.com/@handle/about').reason, 'unsupported_path');
    assert.equal(
      check('https://www.youtube.com/channel/not-a-channel-id').reason,
      'unsupported_path',
    );
  });

  it('agrees with the Python rules on cases the fixture does not cover', () => {
    const cases = {
      'https://www.youtube.com/embed/videoseries': 'unsupported_path',
      'https://www.youtube.com/embed/videoseries?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf': '',
      'http://[::1]/watch?v=dQw4w9WgXcQ': 'unsupported_host',
      'https://www.youtube.com:abc/watch?v=dQw4w9WgXcQ': 'not_url',
      'https://www.youtube.com/watch?v=bad&list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf': 'bad_video_id',
      'https://youtu.be/dQw4w9WgXcQ/x': 'unsupported_path',
      'https:www.youtube.com/watch?v=dQw4w9WgXcQ': 'not_url',
      'mailto:someone@example.com': 'bad_scheme',
    };
    for (const [url, reason] of Object.entries(cases)) assert.equal(check(url).reason, reason, url);
  });

  it('reads non-string cells as text', () => {
    assert.equal(check(null).reason, 'empty');
    assert.equal(check(42).reason, 'not_url');
  });
});
