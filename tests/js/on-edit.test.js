// onEdit on the Sources tab: typed and pasted URLs are checked at once (notes, highlights);
// stamping rows is the leader's, and rows with a lease keep it whatever is typed.

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

/** A row left for the leader to stamp: the add-on wrote no state cell. */
function assertLeftForLeader(record, url) {
  assert.equal(record.url, url);
  for (const key of ['id', 'status', 'attempts', 'error', 'lease']) {
    assert.equal(record[key], '', `${key} is the leader's to write`);
  }
}

const claimedLease = (id) => `CLAIMED|${id}|1|agent-1#beef|4102444800`;

describe('onEdit in the Sources URL column', () => {
  it('leaves a valid URL typed into a new row to the leader: no state cell, no note', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    const [row] = sources.records();
    assertLeftForLeader(row, VIDEO);
    assert.equal(sources.cell(2, 'url').getNote(), '');
    assert.equal(sources.cell(2, 'url').getBackground(), '#ffffff');
    assert.deepEqual(
      writes(project).filter((w) => w.method === 'setValues'),
      [],
      "stamping is the leader's",
    );
    assert.equal(project.lock.held, false, 'the lock is released');
  });

  it('checks every row of a multi-cell paste, with a few column-wide writes', () => {
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
    rows.forEach((row, i) => {
      assertLeftForLeader(row, pasted[i]);
    });
    assert.match(sources.cell(3, 'url').getNote(), /invalid source URL \(unsupported_host\)/);
    assert.equal(sources.cell(3, 'url').getBackground(), project.evaluate('INVALID_HIGHLIGHT'));
    assert.match(sources.cell(5, 'url').getNote(), /duplicate source URL/);
    assert.equal(sources.cell(5, 'url').getBackground(), '#ffffff', 'a duplicate is a warning');
    for (const row of [2, 4, 6]) assert.equal(sources.cell(row, 'url').getNote(), '');
    assert.ok(
      writes(project).every((w) => w.locked),
      'writes happen under the document lock',
    );
    // Notes and colours once each, however many rows were pasted.
    assert.ok(writes(project).length <= 2, `${writes(project).length} writes`);
  });

  it('notes an invalid URL with the reason and a highlight, and hands a fixed row back to the leader', () => {
    const { project, sources, urlCol } = setup();
    project.edit('Sources', 2, urlCol, [['youtube.com/watch?v=dQw4w9WgXcQ']]);
    assertLeftForLeader(sources.records()[0], 'youtube.com/watch?v=dQw4w9WgXcQ');
    const note = sources.cell(2, 'url').getNote();
    assert.match(note, /^Orchestrator: invalid source URL \(not_url\)/);
    assert.equal(sources.cell(2, 'url').getBackground(), project.evaluate('INVALID_HIGHLIGHT'));

    // The leader judged it INVALID (an ID, no lease); the person fixes the URL.
    sources.cell(2, 'id').setValue('judged');
    sources.cell(2, 'status').setValue('INVALID');
    sources.cell(2, 'error').setValue('not_url: …');
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    assertLeftForLeader(sources.records()[0], VIDEO);
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

  it("clearing a URL keeps the person's cells, withdraws a waiting source, never a claimed one", () => {
    const { project, sources, urlCol } = setup();
    sources.add(
      { url: VIDEO, name: 'kept' },
      { id: 'p', url: PLAYLIST, status: 'PENDING', lease: 'PENDING|p|0|-|0' },
      { id: 'c', url: CHANNEL, status: 'CLAIMED', lease: claimedLease('c') },
    );
    sources.sheet.getRange(2, 3).setValue('user text');
    project.edit('Sources', 2, urlCol, [[''], [''], ['']]);
    const [raw, waiting, busy] = sources.records();
    assert.match(raw.id, UUID_RE, 'a URL-less row gets an ID, so the duplicate cleanup keeps it');
    assert.equal(raw.lease, '');
    assert.equal(raw.name, 'kept');
    assert.equal(raw._user['My Notes'], 'user text');
    assert.equal(waiting.id, 'p');
    assert.equal(waiting.lease, '', 'the PENDING lease is withdrawn by compare-and-set');
    assert.equal(waiting.status, '');
    assert.equal(busy.lease, claimedLease('c'), 'a live lease is never overwritten');
    assert.match(sources.cell(4, 'url').getNote(), /an agent is working on this source/);
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
    assertLeftForLeader(rows[0], VIDEO);
    assert.equal(rows[0]._user['My Notes'], 'first');
    assert.match(sources.cell(3, 'url').getNote(), /\(bad_scheme\)/);
  });

  it('finds columns by Portuguese header in any order', () => {
    const { project, sources, urlCol } = setup('pt', { order: (headers) => headers.reverse() });
    assert.equal(sources.headers[0], 'Concessão');
    project.edit('Sources', 2, urlCol, [[VIDEO], ['https://vimeo.com/1']]);
    const rows = sources.records();
    assertLeftForLeader(rows[0], VIDEO);
    assert.match(sources.cell(3, 'url').getNote(), /unsupported_host/);
  });

  it('warns of a URL already queued in another row; re-typing a queued row changes nothing', () => {
    const { project, sources, urlCol } = setup();
    sources.add({
      id: 'p',
      url: VIDEO,
      status: 'PENDING',
      attempts: '0',
      lease: 'PENDING|p|0|-|0',
    });
    project.edit('Sources', 3, urlCol, [['https://youtu.be/dQw4w9WgXcQ']]);
    assert.match(sources.cell(3, 'url').getNote(), /duplicate/);
    const before = sources.records();
    project.edit('Sources', 2, urlCol, [[VIDEO]]);
    assert.deepEqual(sources.records(), before);
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
    assert.match(project.ss.toasts[0].message, /Check typed URLs/);
    project.lock.held = false;
    project.edit('Sources', 3, urlCol, [['https://vimeo.com/1']]);
    project.lock.held = true;
    project.edit('Sources', 3, urlCol, [['https://vimeo.com/2']]);
    project.lock.held = false;
    assert.equal(project.call('validateUnmarkedSources_'), 2);
    assert.match(sources.cell(3, 'url').getNote(), /unsupported_host/);
  });
});
