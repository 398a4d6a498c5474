// onEdit on the Sources tab: typed and pasted URLs are validated and queued or marked INVALID.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { loadProject } = require('./support/project');

const VIDEO = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
const PLAYLIST = 'https://www.youtube.com/playlist?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf';
const CHANNEL = 'https://www.youtube.com/@LinusTechTips';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const WRITES = ['setValues', 'setNotes', 'setBackgrounds', 'appendRow', 'deleteRows'];

/** A Sources tab with a user column ("My Notes") between URL and Name. */
function setup(language = 'en', opts = {}) {
  const project = loadProject();
  const sources = project.addTab('Sources', language, { userColumns: [[2, 'My Notes']], ...opts });
  project.addTab('Tasks', language);
  return { project, sources, urlCol: sources.col('url') };
}

function writes(project) {
  return project.ss.log.filter((e) => WRITES.includes(e.method));
}

function assertQueued(record, url) {
  assert.equal(record.url, url);
  assert.match(record.id, UUID_RE);
  assert.equal(record.status, 'PENDING');
  assert.equal(record.attempts, 0);
  assert.equal(record.error, '');
  assert.equal(record.lease, `PENDING|${record.id}|0|-|0`);
}

describe('onEdit in the Sources URL column', () => {
  it('queues a valid URL typed into one cell: UUID, PENDING, attempts 0, pending lease', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    const [row] = sources.records();
    assertQueued(row, VIDEO);
    assert.equal(sources.cell(2, 'url').getNote(), '');
    assert.equal(sources.cell(2, 'url').getBackground(), '#ffffff');
    assert.ok(
      writes(project).every((w) => w.locked),
      'writes happen under the document lock',
    );
    assert.equal(project.lock.held, false, 'the lock is released');
  });

  it('validates every row of a multi-cell paste, with a few column-wide writes', () => {
    const { project, sources, urlCol } = setup();
    const pasted = [VIDEO, 'https://vimeo.com/123456', PLAYLIST, VIDEO, CHANNEL];
    project.edit(
      'Sources',
      2,
      urlCol,
      pasted.map((u) => [u]),
    );
    const rows = sources.records();
    assert.equal(rows.length, 5);
    assertQueued(rows[0], VIDEO);
    assert.equal(rows[1].status, 'INVALID');
    assert.match(rows[1].error, /^unsupported_host: /);
    assertQueued(rows[2], PLAYLIST);
    assert.equal(rows[3].status, 'INVALID', 'the second copy of a URL is a duplicate');
    assert.match(rows[3].error, /^duplicate: /);
    assertQueued(rows[4], CHANNEL);
    assert.equal(new Set([rows[0].id, rows[2].id, rows[4].id]).size, 3);
    // One write per state column plus notes and colours, however many rows were pasted.
    assert.ok(writes(project).length <= 10, `${writes(project).length} writes`);
  });

  it('marks an invalid URL INVALID with a note giving the reason and a highlight', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [['youtube.com/watch?v=dQw4w9WgXcQ']]);
    const [row] = sources.records();
    assert.equal(row.status, 'INVALID');
    assert.equal(row.lease, '', 'an INVALID row has no lease, so no agent can claim it');
    assert.match(row.id, /^[0-9a-f-]{36}$/, 'an INVALID row has an ID, so cleanup keeps it');
    const note = sources.cell(2, 'url').getNote();
    assert.match(note, /^Orchestrator: invalid source URL \(not_url\)/);
    assert.equal(sources.cell(2, 'url').getBackground(), project.evaluate('INVALID_HIGHLIGHT'));

    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    assertQueued(sources.records()[0], VIDEO);
    assert.equal(sources.cell(2, 'url').getNote(), '', 'the note goes once the URL is fixed');
    assert.equal(sources.cell(2, 'url').getBackground(), '#ffffff');
  });

  it("keeps people's own notes and colours on URL cells", () => {
    const { project, sources, urlCol } = setup();
    sources.cell(2, 'url').setNote('ask Ana first');
    sources.cell(3, 'url').setBackground('#00ff00');
    project.edit('Sources', 2, urlCol, [[VIDEO], [PLAYLIST]]);
    assert.equal(sources.cell(2, 'url').getNote(), 'ask Ana first');
    assert.equal(sources.cell(3, 'url').getBackground(), '#00ff00');
  });

  it("clears the row's state when the URL is cleared, and only the state", () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [['not a url']]);
    project.edit('Sources', 3, urlCol, [[VIDEO]]);
    sources.cell(2, 'name').setValue('kept');
    sources.sheet.getRange(2, 3).setValue('user text');
    sources.cell(3, 'worker').setValue('agent-1');
    project.edit('Sources', 2, urlCol, [[''], ['']]);
    const cleared = sources.records();
    for (const row of cleared.slice(0, 2)) {
      for (const key of ['id', 'status', 'attempts', 'error', 'lease', 'worker']) {
        assert.equal(row[key], '', `${key} is cleared`);
      }
    }
    assert.equal(cleared[0].name, 'kept');
    assert.equal(cleared[0]._user['My Notes'], 'user text');
    assert.equal(sources.cell(2, 'url').getNote(), '');
    assert.equal(sources.cell(2, 'url').getBackground(), '#ffffff');
  });

  it('ignores edits elsewhere: other columns, the header row, other tabs', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, sources.col('name'), [['a name']]);
    project.edit('Sources', 2, 3, [['user column text']]);
    project.edit('Sources', 1, urlCol, [['URL']]);
    const tasks = project.tab('Tasks');
    project.edit('Tasks', 2, tasks.col('url'), [[VIDEO]]);
    assert.deepEqual(writes(project), []);
    assert.equal(sources.records()[0].status, '');
    assert.equal(tasks.records()[0].status, '');
  });

  it('handles a paste that covers the header row and several columns', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 1, urlCol, [
      ['URL', 'My Notes'],
      [VIDEO, 'first'],
      ['ftp://x.example/', 'second'],
    ]);
    assert.equal(sources.sheet.getRange(1, urlCol).getValue(), 'URL');
    const rows = sources.records();
    assertQueued(rows[0], VIDEO);
    assert.equal(rows[0]._user['My Notes'], 'first');
    assert.equal(rows[1].status, 'INVALID');
    assert.match(rows[1].error, /^bad_scheme/);
  });

  it('finds columns by Portuguese header in any order', () => {
    const { project, sources, urlCol } = setup('pt', { order: (headers) => headers.reverse() });
    assert.equal(sources.headers[0], 'Concessão');
    project.edit('Sources', 2, urlCol, [[VIDEO], ['https://vimeo.com/1']]);
    const rows = sources.records();
    assertQueued(rows[0], VIDEO);
    assert.equal(rows[1].status, 'INVALID');
  });

  it('flags a URL already queued in another row, but not a row re-typed with its own URL', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    project.edit('Sources', 3, urlCol, [['https://youtu.be/dQw4w9WgXcQ']]);
    assert.equal(sources.records()[1].status, 'INVALID');
    assert.match(sources.cell(3, 'url').getNote(), /duplicate/);
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    assert.equal(sources.records()[0].status, 'PENDING');
  });

  it('tells the person when the Sources tab lacks a column it needs', () => {
    const project = loadProject();
    const sheet = project.ss.insertSheet('Sources');
    sheet.getRange(1, 1, 1, 2).setValues([['URL', 'Status']]);
    const original = console.error;
    console.error = () => {};
    try {
      project.edit('Sources', 2, 1, [[VIDEO]]);
    } finally {
      console.error = original;
    }
    assert.match(project.ss.toasts[0].message, /Tab "Sources" has no "ID" column.*orc init/);
  });

  it('writes nothing and says so when another execution holds the lock', () => {
    const { project, sources, urlCol } = setup();
    project.lock.held = true;
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    assert.deepEqual(writes(project), []);
    assert.match(project.ss.toasts[0].message, /Refresh/);
    project.lock.held = false;
    project.call('validateUnmarkedSources_');
    assertQueued(sources.records()[0], VIDEO);
  });
});
