// Requeue: DLQ rows go back to their queue tab, found by ID under the document lock.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { FORMULA_VALUE } = require('./support/fake-gas');
const { loadProject } = require('./support/project');

const MUTATIONS = ['setValues', 'appendRow', 'deleteRows', 'insertRows'];

function deadTask(id, extra = {}) {
  return {
    id,
    source_id: `src-${id}`,
    url: `https://www.youtube.com/watch?v=${id.padEnd(11, 'x').slice(0, 11)}`,
    name: `Video ${id}`,
    duration: '213',
    created_at: '2026-11-29T09:00:00Z',
    claimed_at: '2026-11-29T09:30:00Z',
    completed_at: '',
    status: 'FAILED',
    worker: 'agent-1',
    video_key: id.padEnd(11, 'x').slice(0, 11),
    error: `yt-dlp: failed ${id}`,
    attempts: 5,
    ...extra,
  };
}

function setup(language = 'en', opts = {}) {
  const project = loadProject();
  const tasks = project.addTab('Tasks', language, opts);
  const dlq = project.addTab('Tasks DLQ', language, opts);
  const sources = project.addTab('Sources', language, opts);
  const sourcesDlq = project.addTab('Sources DLQ', language, opts);
  tasks.add(
    { id: 'live-1', url: 'https://youtu.be/aaaaaaaaaaa', status: 'PENDING', attempts: 0 },
    { id: 'live-2', url: 'https://youtu.be/bbbbbbbbbbb', status: 'CLAIMED', attempts: 1 },
  );
  dlq.add(deadTask('a'), deadTask('b'), deadTask('c'));
  return { project, tasks, dlq, sources, sourcesDlq };
}

const ids = (handle) => handle.records().map((r) => r.id);

function assertRequeued(row, original) {
  assert.equal(row.id, original.id);
  assert.equal(row.status, 'PENDING');
  assert.equal(row.attempts, 0);
  assert.equal(row.error, '');
  assert.equal(row.lease, `PENDING|${original.id}|0|-|0`);
  assert.equal(row.worker, '');
  assert.equal(row.claimed_at, '');
  for (const key of ['url', 'name', 'source_id', 'video_key', 'created_at', 'duration']) {
    if (key in original && key in row) assert.equal(row[key], original[key], key);
  }
}

describe('requeueRows', () => {
  it('appends the row at the end of the queue tab as PENDING and removes it from the DLQ', () => {
    const { project, tasks, dlq } = setup();
    const result = project.call('requeueRows', 'Tasks DLQ', ['b']);
    assert.deepEqual(result, { requeued: ['b'], skipped: [] });
    assert.deepEqual(ids(tasks), ['live-1', 'live-2', 'b']);
    assertRequeued(tasks.records()[2], deadTask('b'));
    assert.deepEqual(ids(dlq), ['a', 'c']);
    const mutations = project.ss.log.filter((e) => MUTATIONS.includes(e.method));
    assert.ok(mutations.length > 0);
    assert.ok(
      mutations.every((e) => e.locked),
      'every write and delete is made under the lock',
    );
    assert.equal(project.lock.held, false);
  });

  it('finds rows by ID after rows were inserted and deleted above them', () => {
    const { project, tasks, dlq } = setup();
    const listed = ids(dlq); // what a sidebar showed a minute ago
    dlq.sheet.insertRowsBefore(2, 2);
    dlq.add(deadTask('d'));
    dlq.sheet.deleteRow(4); // row "a", now at row 4
    assert.deepEqual(listed, ['a', 'b', 'c']);
    project.ss.log.length = 0;
    project.call('requeueRows', 'Tasks DLQ', ['c']);
    assert.deepEqual(ids(dlq), ['', '', 'b', 'd']);
    assert.deepEqual(ids(tasks).slice(-1), ['c']);
  });

  it('deletes the right row even when rows shift between its append and its delete', () => {
    const { project, tasks, dlq } = setup();
    project.ss.afterCall = (entry) => {
      if (entry.method === 'appendRow' && entry.sheet === 'Tasks') {
        project.ss.afterCall = null;
        dlq.sheet.insertRowsBefore(2, 3); // a person inserts rows at the top of the DLQ
      }
    };
    project.call('requeueRows', 'Tasks DLQ', ['a', 'c']);
    assert.deepEqual(
      ids(dlq).filter((id) => id),
      ['b'],
    );
    assert.deepEqual(ids(tasks).slice(-2), ['a', 'c']);
  });

  it('keeps a DLQ row of the same task dead-lettered again while the requeue runs', () => {
    const { project, tasks, dlq } = setup();
    project.ss.afterCall = (entry) => {
      if (entry.method === 'appendRow' && entry.sheet === 'Tasks') {
        project.ss.afterCall = null;
        dlq.add(deadTask('b', { error: 'failed again at once' })); // an agent, meanwhile
      }
    };
    const result = project.call('requeueRows', 'Tasks DLQ', ['b']);
    assert.deepEqual(result.requeued, ['b']);
    assert.deepEqual(ids(dlq), ['a', 'c', 'b'], 'the new DLQ row stays');
    assert.equal(dlq.records()[2].error, 'failed again at once');
  });

  it('finishes a requeue the agent side left half-done (its DLQ row marked requeuing:)', () => {
    const { project, tasks, dlq } = setup();
    dlq.add(deadTask('requeuing:d'));
    const result = project.call('requeueRows', 'Tasks DLQ', ['requeuing:d']);
    assert.deepEqual(result, { requeued: ['d'], skipped: [] });
    assert.deepEqual(ids(tasks).slice(-1), ['d']);
    assert.equal(tasks.records().slice(-1)[0].lease, 'PENDING|d|0|-|0');
    assert.deepEqual(ids(dlq), ['a', 'b', 'c']);
  });

  it('is idempotent: the same ID twice, or requeued twice, is queued once', () => {
    const { project, tasks, dlq } = setup();
    const first = project.call('requeueRows', 'Tasks DLQ', ['a', 'a', ' a ']);
    assert.deepEqual(first, { requeued: ['a'], skipped: [] });
    const second = project.call('requeueRows', 'Tasks DLQ', ['a']);
    assert.deepEqual(second, { requeued: [], skipped: [{ id: 'a', reason: 'not_in_dlq' }] });
    assert.equal(ids(tasks).filter((id) => id === 'a').length, 1);
    assert.deepEqual(ids(dlq), ['b', 'c']);
  });

  it('finishes an interrupted requeue (row already queued, still in the DLQ) without a copy', () => {
    const { project, tasks, dlq } = setup();
    tasks.add({ id: 'b', status: 'PENDING', attempts: 0 });
    dlq.add(deadTask('b', { error: 'dead-lettered twice' }));
    const result = project.call('requeueRows', 'Tasks DLQ', ['b']);
    assert.deepEqual(result.requeued, ['b']);
    assert.equal(ids(tasks).filter((id) => id === 'b').length, 1);
    assert.deepEqual(ids(dlq), ['a', 'c'], 'every DLQ row with the ID is removed');
  });

  it('skips an ID whose queue row is still leaving (FAILED, not yet removed) and keeps it in the DLQ', () => {
    const { project, tasks, dlq } = setup();
    tasks.add({ id: 'b', status: 'FAILED', attempts: 5, lease: 'FAILED|b|5|agent-1#s|1700000000' });
    const result = project.call('requeueRows', 'Tasks DLQ', ['b']);
    assert.deepEqual(result, { requeued: [], skipped: [{ id: 'b', reason: 'leaving_queue' }] });
    assert.deepEqual(ids(dlq), ['a', 'b', 'c'], 'the DLQ row stays: nothing is lost');
    assert.equal(ids(tasks).filter((id) => id === 'b').length, 1);
  });

  it('requeues an ID whose queue row is a tombstone (Lease cell = its header, ID kept)', () => {
    const { project, tasks, dlq } = setup();
    tasks.add({ id: 'b', status: 'FAILED', attempts: 5, lease: 'Lease' });
    const result = project.call('requeueRows', 'Tasks DLQ', ['b']);
    assert.deepEqual(result, { requeued: ['b'], skipped: [] });
    assert.deepEqual(ids(dlq), ['a', 'c']);
    assert.equal(ids(tasks).filter((id) => id === 'b').length, 2, 'the tombstone and the new row');
  });

  it('requeues from Sources DLQ into Sources', () => {
    const { project, sources, sourcesDlq } = setup();
    sources.add({ id: 's-live', url: 'https://www.youtube.com/@one', status: 'PENDING' });
    const dead = {
      id: 's-dead',
      url: 'https://www.youtube.com/@two',
      name: 'Channel two',
      video_count: 12,
      status: 'FAILED',
      worker: 'agent-2',
      error: 'Unable to extract',
      attempts: 3,
    };
    sourcesDlq.add(dead);
    const result = project.call('requeueRows', 'Sources DLQ', ['s-dead']);
    assert.deepEqual(result.requeued, ['s-dead']);
    assert.deepEqual(ids(sources), ['s-live', 's-dead']);
    assertRequeued(sources.records()[1], dead);
    assert.deepEqual(ids(sourcesDlq), []);
  });

  it('works with Portuguese headers, another column order and user columns', () => {
    const { project, tasks, dlq } = setup('pt', {
      order: (headers) => [...headers].reverse(),
      userColumns: [[1, 'Comentário']],
    });
    assert.ok(dlq.headers.includes('Erro') && dlq.headers.includes('Tentativas'));
    dlq.sheet.getRange(3, 2).setValue('só na DLQ');
    project.call('requeueRows', 'Tasks DLQ', ['b']);
    const row = tasks.records().at(-1);
    assertRequeued(row, deadTask('b'));
    assert.equal(row._user.Comentário, '', 'user columns are not copied or touched');
    assert.deepEqual(ids(dlq), ['a', 'c']);
  });

  it('keeps text as text: titles that look like formulas or numbers', () => {
    const { project, tasks, dlq } = setup();
    dlq.add(deadTask('f', { name: '=IMPORTXML("http://x","//a")', duration: '0012' }));
    project.call('requeueRows', 'Tasks DLQ', ['f']);
    const row = tasks.records().at(-1);
    assert.equal(row.name, '=IMPORTXML("http://x","//a")');
    assert.equal(row.duration, '0012');
    assert.deepEqual(project.ss.formulas, []);
    assert.notEqual(row.name, FORMULA_VALUE);
  });

  it('empties a DLQ tab whose grid has no spare row under a frozen header', () => {
    const { project, tasks, dlq } = setup();
    dlq.sheet.setFrozenRows(1);
    dlq.sheet.maxRows = dlq.sheet.getLastRow(); // as an API-created tab grown by appends
    project.call('requeueRows', 'Tasks DLQ', ['a', 'b', 'c']);
    assert.deepEqual(ids(dlq), []);
    assert.deepEqual(ids(tasks).slice(-3), ['a', 'b', 'c']);
  });

  it('skips unknown IDs and refuses tabs that are not DLQ tabs', () => {
    const { project } = setup();
    const result = project.call('requeueRows', 'Tasks DLQ', ['nope', '']);
    assert.deepEqual(result, { requeued: [], skipped: [{ id: 'nope', reason: 'not_in_dlq' }] });
    assert.throws(() => project.call('requeueRows', 'Tasks', ['live-1']), /not a DLQ tab/);
    assert.throws(() => project.call('requeueRows', 'Nope', ['a']), /not a DLQ tab/);
  });

  it('fails cleanly when another execution holds the lock', () => {
    const { project, tasks } = setup();
    project.lock.held = true;
    assert.throws(() => project.call('requeueRows', 'Tasks DLQ', ['a']), /try again/);
    assert.deepEqual(ids(tasks), ['live-1', 'live-2']);
  });
});

describe('requeueSelected (menu)', () => {
  it('requeues the rows selected in a DLQ tab, header and blank rows aside', () => {
    const { project, tasks, dlq } = setup();
    project.ss.select('Tasks DLQ', 'A1:C2', [4, 1, 3, 1]);
    project.call('requeueSelected');
    assert.deepEqual(ids(tasks).slice(-2), ['a', 'c']);
    assert.deepEqual(ids(dlq), ['b']);
    assert.match(project.ss.toasts.at(-1).message, /Requeued 2 row/);
  });

  it('explains itself when the active tab is not a DLQ tab', () => {
    const { project, tasks } = setup();
    project.ss.select('Tasks', 'A2');
    project.call('requeueSelected');
    assert.match(project.ss.ui.alerts[0].prompt, /Tasks DLQ or Sources DLQ/);
    assert.deepEqual(ids(tasks), ['live-1', 'live-2']);
  });
});
