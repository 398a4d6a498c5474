// The races between the add-on and the agents (issue 14), each on the API-backed runtime: the
// add-on's real code against the emulator, with "the others" (the leader's compaction, the real
// leader's adoption in Python, another execution) acting between two of its calls.

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const { startEmulator, createWorld, pausedAdoption } = require('../support/api/world');

const A = 'https://www.youtube.com/watch?v=aaaaaaaaaaa';
const B = 'https://www.youtube.com/watch?v=bbbbbbbbbbb';
const C = 'https://www.youtube.com/watch?v=ccccccccccc';
const VIMEO = 'https://vimeo.com/123456';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.stop();
});

/** @param {string} id */
const claimed = (id) => `CLAIMED|${id}|1|agent-1#beef|4102444800`;
/** @param {string} id */
const pending = (id) => `PENDING|${id}|0|-|0`;

/** A source row an agent holds (or that waits), as the agents write it. */
function queuedRow(/** @type {string} */ id, /** @type {string} */ url, lease = claimed(id)) {
  return { id, url, status: lease.split('|')[0], attempts: lease.split('|')[2], lease };
}

function world() {
  const w = createWorld(emulator.url, { userColumns: ['My Notes'] });
  const sources = w.tab('Sources');
  const urlColumn = sources.col('url');
  const letter = String.fromCharCode(64 + urlColumn);
  return { ...w, sources, letter };
}

describe('races between the add-on and the agents, on one spreadsheet', () => {
  it('onEdit after the leader removed rows above the edit never touches the row that moved up', () => {
    const { sources, runtime } = world();
    // A person types a URL into row 3, between two sources the agents hold; before the
    // trigger runs, the leader moves A (row 2) out, so B moves up to row 3.
    sources.add(queuedRow('a', A), { 'My Notes': 'row for a new source' }, queuedRow('b', B));
    const typed = sources.type(3, 'url', VIMEO);
    sources.deleteRows(2);
    runtime.fireOnEdit('Sources', typed, { value: VIMEO });
    const rows = sources.records();
    const b = rows.find((r) => r.url === B);
    assert.ok(b);
    assert.equal(b.id, 'b', "B's ID is untouched");
    assert.equal(b.lease, claimed('b'), "B's live lease is untouched");
    // The person's row is found again by its content and told why the URL is refused.
    const mine = rows.findIndex((r) => r.url === VIMEO);
    assert.ok(mine >= 0);
    assert.match(sources.cellMeta(mine + 2, 'url').note, /unsupported_host/);
  });

  it('typing or pasting the same URL again on a claimed row changes nothing', () => {
    const { sources, runtime, letter } = world();
    sources.add(queuedRow('a', A), queuedRow('b', B, pending('b')));
    const before = sources.records();
    sources.type(2, 'url', A);
    runtime.fireOnEdit('Sources', `${letter}2`, { value: A, oldValue: A });
    runtime.fireOnEdit('Sources', `${letter}2:${letter}3`);
    assert.deepEqual(sources.records(), before);
  });

  it('the leader and onEdit on one hand-typed row: the leader alone stamps it, IDs agree', () => {
    const { sources, runtime, spreadsheetId } = world();
    sources.add({ url: 'placeholder so that row 2 is taken', id: 'x', lease: pending('x') });
    const typed = sources.type(3, 'url', VIMEO);
    const typedValid = sources.type(4, 'url', C);
    const leader = pausedAdoption(emulator.hostPort, spreadsheetId);
    try {
      leader.waitRead(); // the leader has read rows 3 and 4 as raw
      runtime.fireOnEdit('Sources', typed, { value: VIMEO });
      runtime.fireOnEdit('Sources', typedValid, { value: C });
      leader.resume();
    } finally {
      leader.child.kill();
    }
    const [, invalid, valid] = sources.records();
    // The leader alone stamped both rows: each ID is the ID in its lease, and no verdict from a
    // second writer is left beside the leader's stamp.
    for (const row of [invalid, valid]) {
      assert.equal(row.status, 'PENDING');
      assert.equal(row.lease, pending(row.id), 'the ID cell is the ID in the lease');
      assert.equal(row.error, '', 'no INVALID verdict left under a PENDING status');
    }
    // The person was told at once; the agents' own check sends the row to Sources DLQ as
    // INVALID with this reason when they expand it (tests/hostile/test_source_urls.py).
    assert.match(sources.cellMeta(3, 'url').note, /unsupported_host/);
  });

  it("clearing URLs keeps the person's other cells through the agents' duplicate cleanup", () => {
    const { sources, runtime, letter, others } = world();
    sources.add(
      { ...queuedRow('p', A, pending('p')), 'My Notes': 'ask Ana' },
      { url: B, 'My Notes': 'typed before the add-on' },
      { url: C, 'My Notes': 'also mine' },
    );
    for (const row of [2, 3, 4]) {
      sources.type(row, 'url', '');
      runtime.fireOnEdit('Sources', `${letter}${row}`, {});
    }
    // The leader's compaction: rows whose (ID, Lease) repeat an earlier row's are removed.
    const sheetId = sources.sheetId;
    others.batchUpdate([
      {
        deleteDuplicates: {
          range: { sheetId, startRowIndex: 0 },
          comparisonColumns: ['id', 'lease'].map((key) => ({
            sheetId,
            dimension: 'COLUMNS',
            startIndex: sources.col(key) - 1,
            endIndex: sources.col(key),
          })),
        },
      },
    ]);
    const notes = sources.records().map((r) => r['My Notes']);
    assert.deepEqual(notes, ['ask Ana', 'typed before the add-on', 'also mine']);
    const withdrawn = sources.records()[0];
    assert.equal(withdrawn.id, 'p');
    assert.equal(withdrawn.lease, '', 'a cleared PENDING source is withdrawn: nothing claims it');
  });

  it('requeue takes the document lock only for short batches: an onEdit gets it in between', () => {
    const { runtime, ...w } = world();
    const dlq = w.tab('Tasks DLQ');
    const ids = Array.from({ length: 60 }, (_, i) => `t${i}`);
    dlq.add(...ids.map((id) => ({ id, url: `${A}&i=${id}`, error: 'boom', attempts: '5' })));
    /** @type {Object<number, number>} appends per lock hold */
    const perHold = {};
    let appended = 0;
    let gotInAfter = -1;
    runtime.afterCall = (entry) => {
      if (entry.method !== 'appendRow' || entry.sheet !== 'Tasks') return;
      appended += 1;
      perHold[entry.hold] = (perHold[entry.hold] ?? 0) + 1;
    };
    runtime.onLock = (taken) => {
      if (taken || gotInAfter >= 0) return;
      // Another execution (a person's edit) tries the lock as soon as the requeue lets go.
      const other = runtime.load();
      if (other.lock.tryLock(0)) gotInAfter = appended;
      other.lock.releaseLock();
    };
    const result = runtime.execute('requeueRows', 'Tasks DLQ', ids);
    runtime.afterCall = null;
    runtime.onLock = null;
    assert.equal(result.requeued.length, 60);
    assert.equal(w.tab('Tasks').records().length, 60);
    assert.equal(dlq.records().length, 0);
    assert.ok(!(0 in perHold), 'every append is made under the lock');
    const longest = Math.max(...Object.values(perHold));
    assert.ok(longest <= 25, `at most one batch of appends per lock hold (${longest})`);
    assert.ok(
      gotInAfter >= 0 && gotInAfter < 60,
      `another execution took the lock before the requeue's last append (${gotInAfter})`,
    );
  });
});
