// The menu, the sidebar template and the functions the sidebar calls, over the fake spreadsheet.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { loadProject } = require('./support/project');

const VIDEO = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
const PLAYLIST = 'https://www.youtube.com/playlist?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf';
const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');

function fullProject(language = 'en') {
  const project = loadProject();
  const tabs = {};
  for (const title of Object.keys(project.SCHEMA.tabs)) {
    tabs[title] = project.addTab(title, language);
  }
  return { project, tabs };
}

describe('menu and sidebar', () => {
  it('onOpen adds the Orchestrator menu, each item named for what it does', () => {
    const project = loadProject();
    project.call('onOpen', { authMode: 'LIMITED' });
    const [menu] = project.ss.ui.menus;
    assert.equal(menu.title, 'Orchestrator');
    const items = menu.items.filter((i) => !i.separator);
    assert.deepEqual(
      items.map((i) => i.caption),
      ['Open dashboard and add sources', 'Requeue selected DLQ rows', 'Check typed URLs'],
    );
    assert.equal(new Set(items.map((i) => i.functionName)).size, items.length, 'one entry each');
    for (const item of items) {
      assert.equal(typeof project.context[item.functionName], 'function', item.functionName);
      assert.ok(!item.functionName.endsWith('_'));
    }
  });

  it('showSidebar renders the template: partials included, config escaped, 300 px', () => {
    const project = loadProject();
    project.call('showSidebar');
    const [output] = project.ss.ui.sidebars;
    assert.equal(output.getTitle(), 'Orchestrator');
    assert.equal(output.width, 300);
    const html = output.getContent();
    assert.ok(!html.includes('<?'), 'no scriptlet is left');
    assert.match(html, /<style>/);
    assert.match(html, /google\.script\.run/);
    const attr = /data-config="([^"]*)"/.exec(html)[1];
    assert.ok(!attr.includes('"'), 'the JSON is escaped inside the attribute');
    const config = JSON.parse(
      attr
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    );
    assert.equal(config.focus, 'dashboard');
    assert.equal(config.staleHeartbeatSeconds, project.SCHEMA.staleHeartbeatSeconds);
    assert.deepEqual(config.dlqTabs, ['Tasks DLQ', 'Sources DLQ']);
    assert.ok(config.reasons.bad_video_id);
  });

  it('Check typed URLs notes the refused ones and leaves stamping to the leader', () => {
    const { project, tabs } = fullProject();
    tabs.Sources.add(
      { url: VIDEO },
      { url: 'https://vimeo.com/1' },
      { id: 'kept', url: PLAYLIST, status: 'CLAIMED', lease: 'CLAIMED|kept|1|a|9' },
      { url: 'https://youtu.be/dQw4w9WgXcQ' },
    );
    project.call('checkTypedUrls');
    const rows = tabs.Sources.records();
    assert.equal(rows[0].status, '', 'the leader stamps it');
    assert.match(tabs.Sources.cell(3, 'url').getNote(), /unsupported_host/);
    assert.equal(rows[2].lease, 'CLAIMED|kept|1|a|9', 'rows with a status are left alone');
    assert.match(tabs.Sources.cell(5, 'url').getNote(), /duplicate/, 'a duplicate of row 2');
    assert.match(project.ss.toasts[0].message, /Checked 3 typed URL/);
  });

  it('include_() returns a project file as is', () => {
    const project = loadProject();
    assert.match(project.call('include_', 'SidebarStyle'), /^<style>/);
  });
});

describe('addSources and validateUrls', () => {
  it('appends valid new URLs as PENDING rows and reports the others with a reason', () => {
    const { project, tabs } = fullProject();
    tabs.Sources.add({ id: 'old', url: PLAYLIST, status: 'PENDING' });
    const result = project.call('addSources', [
      VIDEO,
      'https://vimeo.com/1',
      'https://youtu.be/dQw4w9WgXcQ',
      `${PLAYLIST}&si=1`,
      'https://www.youtube.com/@handle',
    ]);
    assert.deepEqual(
      result.added.map((a) => a.url),
      [VIDEO, 'https://www.youtube.com/@handle'],
    );
    assert.deepEqual(
      result.rejected.map((r) => [r.url, r.reason]),
      [
        ['https://vimeo.com/1', 'unsupported_host'],
        ['https://youtu.be/dQw4w9WgXcQ', 'duplicate'],
        [`${PLAYLIST}&si=1`, 'duplicate'],
      ],
    );
    const rows = tabs.Sources.records();
    assert.deepEqual(
      rows.map((r) => r.id),
      ['old', ...result.added.map((a) => a.id)],
    );
    for (const row of rows.slice(1)) {
      assert.equal(row.status, 'PENDING');
      assert.equal(row.attempts, 0);
      assert.equal(row.lease, `PENDING|${row.id}|0|-|0`);
    }
    const appends = project.ss.calls('appendRow');
    assert.equal(appends.length, 2);
    assert.ok(appends.every((a) => a.locked));
  });

  it('takes text with one URL per line too', () => {
    const { project } = fullProject();
    const result = project.call('addSources', `${VIDEO}\n\n  ${PLAYLIST}  \n`);
    assert.equal(result.added.length, 2);
    assert.deepEqual(result.rejected, []);
  });

  it('validateUrls checks without writing, and knows what Sources holds', () => {
    const { project, tabs } = fullProject();
    tabs.Sources.add({ id: 'old', url: VIDEO, status: 'DONE' });
    tabs.Sources.add({ id: '', url: PLAYLIST, status: 'INVALID' });
    const results = project.call('validateUrls', [VIDEO, PLAYLIST, PLAYLIST, 'nope', '']);
    assert.deepEqual(
      results.map((r) => [r.ok, r.reason]),
      [
        [false, 'duplicate'],
        [true, ''],
        [false, 'duplicate'],
        [false, 'not_url'],
        [false, 'empty'],
      ],
    );
    assert.equal(results[1].kind, 'playlist');
    assert.ok(results[3].message.length > 0);
    assert.equal(project.ss.log.filter((e) => e.method.startsWith('set')).length, 0);
  });

  it('fails with a clear message when the Sources tab is missing', () => {
    const project = loadProject();
    assert.throws(() => project.call('addSources', [VIDEO]), /no "Sources" tab.*orc init/);
  });
});

describe('getDashboard', () => {
  function dashboardProject(language = 'en') {
    const { project, tabs } = fullProject(language);
    tabs.Workers.add(
      {
        worker_id: 'w1',
        worker_name: 'alpha',
        last_heartbeat: iso(30_000),
        status: 'ACTIVE',
        tasks_processed: 12,
        sources_processed: 2,
      },
      {
        worker_id: 'w2',
        worker_name: 'beta',
        last_heartbeat: iso(600_000),
        status: 'ACTIVE',
        tasks_processed: 3,
        sources_processed: 0,
      },
      {
        worker_id: 'w3',
        worker_name: 'gamma',
        last_heartbeat: iso(5_000),
        status: 'INACTIVE',
        tasks_processed: 0,
        sources_processed: 0,
      },
      { worker_id: 'w4', worker_name: 'delta', last_heartbeat: 'yesterday', status: 'ACTIVE' },
    );
    tabs['Leader Election'].add({
      election_name: 'orchestrator-leader',
      worker_id: 'w1',
      expires_at: iso(-120_000),
      term: 7,
      lease: 'LEADER|orchestrator-leader|7|w1|0',
    });
    tabs.Tasks.add(
      { id: 't1', status: 'PENDING' },
      { id: 't2', status: 'PENDING' },
      { id: 't3', status: 'CLAIMED' },
    );
    tabs.Sources.add({ id: 's1', url: VIDEO, status: 'PENDING' }, { url: 'x', status: 'INVALID' });
    tabs['Tasks DLQ'].add({
      id: 'd1',
      name: 'Video',
      url: VIDEO,
      error: 'Private video',
      attempts: 5,
    });
    tabs['Sources DLQ'].add({ id: 'd2', url: PLAYLIST, error: 'Unable to extract', attempts: 3 });
    tabs['Tasks History'].add({ id: 'h1', status: 'DONE' }, { id: 'h2', status: 'DONE' });
    return { project, tabs };
  }

  it('derives worker state from heartbeat age and status', () => {
    const { project } = dashboardProject();
    const { workers } = project.call('getDashboard');
    assert.deepEqual(
      workers.map((w) => [w.name, w.state]),
      [
        ['alpha', 'active'],
        ['beta', 'stale'],
        ['gamma', 'inactive'],
        ['delta', 'stale'],
      ],
    );
    assert.equal(workers[0].tasksProcessed, '12');
    assert.ok(workers[0].ageSeconds >= 29 && workers[0].ageSeconds <= 35);
    assert.equal(workers[3].ageSeconds, null);
  });

  it('shows the leader, queue depths, status counts and both DLQ tabs', () => {
    const { project } = dashboardProject();
    const d = project.call('getDashboard');
    assert.equal(d.leader.state, 'held');
    assert.equal(d.leader.workerName, 'alpha');
    assert.equal(d.leader.term, '7');
    assert.equal(d.queues.Tasks, 3);
    assert.equal(d.queues.Sources, 1);
    assert.equal(d.queues['Tasks DLQ'], 1);
    assert.equal(d.queues['Sources DLQ'], 1);
    assert.equal(d.queues['Tasks History'], 2);
    assert.deepEqual(d.statusCounts.Sources, { PENDING: 1, INVALID: 1 });
    assert.deepEqual(
      d.dlq.map((r) => [r.tab, r.id, r.error]),
      [
        ['Tasks DLQ', 'd1', 'Private video'],
        ['Sources DLQ', 'd2', 'Unable to extract'],
      ],
    );
    assert.deepEqual(d.missingTabs, []);
    assert.match(d.generatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reads Portuguese tabs the same way', () => {
    const { project, tabs } = dashboardProject('pt');
    assert.ok(tabs.Workers.headers.includes('Último Heartbeat'));
    const d = project.call('getDashboard');
    assert.deepEqual(
      d.workers.map((w) => w.state),
      ['active', 'stale', 'inactive', 'stale'],
    );
    assert.equal(d.queues.Tasks, 3);
    assert.equal(d.dlq.length, 2);
  });

  it('returns no Date even when a person typed dates into cells', () => {
    const { project, tabs } = dashboardProject();
    tabs.Workers.cell(2, 'last_heartbeat').setValue(new Date(Date.now() - 10_000));
    tabs['Leader Election'].cell(2, 'expires_at').setValue(new Date(Date.now() - 10_000));
    const d = project.call('getDashboard'); // plain() throws on any Date
    assert.equal(d.workers[0].state, 'active');
    assert.match(d.workers[0].lastHeartbeat, /Z$/);
    assert.equal(d.leader.state, 'expired');
  });

  it('lists missing tabs instead of failing, and names a missing header', () => {
    const project = loadProject();
    const d = project.call('getDashboard');
    assert.equal(d.workers.length, 0);
    assert.equal(d.leader.state, 'none');
    assert.ok(d.missingTabs.includes('Workers') && d.missingTabs.includes('Tasks DLQ'));
    const sheet = project.ss.insertSheet('Workers');
    sheet.getRange(1, 1, 1, 2).setValues([['Worker ID', 'Status']]);
    assert.throws(
      () => project.call('getDashboard'),
      /Tab "Workers" has no "Last Heartbeat" column/,
    );
  });
});

describe('pure helpers', () => {
  const project = loadProject();
  const call = project.call;

  it('workerState_: boundaries of the stale threshold', () => {
    const now = Date.parse('2026-11-29T10:04:05Z');
    const stale = project.SCHEMA.staleHeartbeatSeconds;
    const at = (s) => new Date(now - s * 1000).toISOString();
    assert.equal(call('workerState_', 'ACTIVE', at(stale), now, stale), 'active');
    assert.equal(call('workerState_', 'ACTIVE', at(stale + 1), now, stale), 'stale');
    assert.equal(call('workerState_', 'ACTIVE', at(-30), now, stale), 'active');
    assert.equal(call('workerState_', ' inactive ', at(0), now, stale), 'inactive');
    assert.equal(call('workerState_', 'ACTIVE', '', now, stale), 'stale');
    assert.equal(call('workerState_', 'ACTIVE', '2026-11-29T10:04:05+01:00', now, stale), 'stale');
    assert.equal(call('workerState_', 'ACTIVE', '2026-11-29T10:03:05.123Z', now, stale), 'active');
  });

  it('sheetText_ protects text that Sheets would parse', () => {
    for (const text of [
      '=1+1',
      '+33 1',
      '-x',
      '@x',
      "'x",
      '0012',
      '2026-11-29T10:04:05Z',
      'TRUE',
    ]) {
      assert.equal(call('sheetText_', text), `'${text}`);
    }
    for (const value of ['PENDING', 'https://youtu.be/x', '', 0, 5]) {
      assert.equal(call('sheetText_', value), value);
    }
  });

  it('pendingLease_ follows the schema template', () => {
    assert.equal(call('pendingLease_', 'abc'), 'PENDING|abc|0|-|0');
  });

  it('rowsToDelete_ and rowRuns_ delete bottom-up in runs', () => {
    const rows = call('rowsToDelete_', ['a', 'x', 'b', 'b', 'y', 'a'], ['a', 'b']);
    assert.deepEqual(rows, [7, 5, 4, 2]);
    assert.deepEqual(call('rowRuns_', rows), [
      { start: 7, count: 1 },
      { start: 4, count: 2 },
      { start: 2, count: 1 },
    ]);
  });

  it('indexColumns_ accepts mixed languages and refuses a known header twice', () => {
    const index = call('indexColumns_', 'Workers', [
      'Notes',
      'ID do Worker',
      'Worker Name',
      'Status',
    ]);
    assert.deepEqual(index.index, { worker_id: 1, worker_name: 2, status: 3 });
    assert.equal(index.language, 'pt');
    assert.throws(() => call('indexColumns_', 'Workers', ['Status', 'Status']), /appears twice/);
    assert.doesNotThrow(() => call('indexColumns_', 'Workers', ['Notes', 'Notes', 'Status']));
  });
});

describe('dashboard insights', () => {
  it('progress per source: pending, running, done and failed tasks of each source', () => {
    const { project, tabs } = fullProject();
    tabs.Sources.add(
      { id: 's1', url: PLAYLIST, name: 'Talks', status: 'CLAIMED' },
      { id: 's2', url: VIDEO, status: 'INVALID', error: 'not_url: bad' },
    );
    tabs['Sources History'].add({ id: 's0', url: 'https://www.youtube.com/@old', name: 'Old' });
    tabs.Tasks.add(
      { id: 't1', source_id: 's1', status: 'PENDING' },
      { id: 't2', source_id: 's1', status: 'PENDING' },
      { id: 't3', source_id: 's1', status: 'CLAIMED' },
    );
    tabs['Tasks History'].add(
      { id: 'h1', source_id: 's1', status: 'DONE', completed_at: iso(60_000) },
      { id: 'h2', source_id: 's0', status: 'DONE', completed_at: iso(7_200_000) },
    );
    tabs['Tasks DLQ'].add({ id: 'd1', source_id: 's1', status: 'FAILED', error: 'boom' });
    const d = project.call('getDashboard');
    const progress = Object.fromEntries(d.sources.map((s) => [s.id, s]));
    assert.deepEqual(
      ['pending', 'running', 'done', 'failed'].map((k) => progress.s1[k]),
      [2, 1, 1, 1],
    );
    assert.equal(progress.s1.name, 'Talks');
    assert.equal(progress.s0.status, 'DONE', 'a finished source is listed after the open ones');
    assert.equal(d.sources.at(-1).id, 's0');
    assert.deepEqual(d.invalid, [{ tab: 'Sources', id: 's2', url: VIDEO, reason: 'not_url: bad' }]);
  });

  it('throughput per 10 minutes over two hours, the rate of the last hour and an ETA', () => {
    const { project, tabs } = fullProject();
    tabs.Tasks.add(...Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, status: 'PENDING' })));
    tabs['Tasks History'].add(
      ...[1, 2, 3].map((m) => ({ id: `h${m}`, status: 'DONE', completed_at: iso(m * 60_000) })),
      { id: 'h9', status: 'DONE', completed_at: iso(95 * 60_000) },
    );
    const { throughput } = project.call('getDashboard');
    assert.equal(throughput.buckets.length, 12);
    assert.equal(throughput.buckets[11], 3, 'the last ten minutes');
    assert.equal(throughput.buckets[2], 1, '95 minutes ago');
    assert.equal(throughput.perHour, 3);
    assert.equal(throughput.remaining, 6);
    assert.equal(throughput.etaSeconds, 7200);
  });

  it('the banner: no live worker; a fleet cooling down until its first retry time', () => {
    const { project, tabs } = fullProject();
    assert.equal(project.call('getDashboard').banner.kind, 'no_workers');
    tabs.Workers.add({ worker_id: 'w1', last_heartbeat: iso(5_000), status: 'ACTIVE' });
    const retryAt = Math.floor(Date.now() / 1000) + 600;
    tabs.Tasks.add({ id: 't1', status: 'PENDING', lease: `PENDING|t1|2|-|${retryAt}` });
    const { banner } = project.call('getDashboard');
    assert.equal(banner.kind, 'cooling');
    assert.equal(banner.until, new Date(retryAt * 1000).toISOString().replace('.000Z', 'Z'));
    tabs.Tasks.add({ id: 't2', status: 'PENDING', lease: 'PENDING|t2|0|-|0' });
    assert.equal(project.call('getDashboard').banner.kind, '', 'a row is ready: working');
  });

  it('reads only the newest rows of a DLQ tab, and gives the full error on request', () => {
    const { project, tabs } = fullProject();
    const long = `HTTPError: ${'x'.repeat(900)} the end`;
    tabs['Tasks DLQ'].add(
      ...Array.from({ length: 250 }, (_, i) => ({ id: `d${i}`, error: i === 249 ? long : 'boom' })),
    );
    project.ss.log.length = 0;
    const d = project.call('getDashboard');
    assert.equal(d.dlqTotals['Tasks DLQ'], 250);
    const dlqReads = project.ss.calls('getValues').filter((e) => e.sheet === 'Tasks DLQ');
    assert.ok(dlqReads.length > 0);
    assert.ok(
      dlqReads.every((e) => e.rows <= 200),
      `no read of more than the newest 200 rows: ${dlqReads.map((e) => e.rows)}`,
    );
    const last = d.dlq.filter((r) => r.tab === 'Tasks DLQ').at(-1);
    assert.equal(last.id, 'd249');
    assert.equal(last.errorCut, true);
    assert.equal(last.errorKind, 'HTTPError');
    assert.equal(project.call('getDlqError', 'Tasks DLQ', 'd249'), long);
  });

  it('groups Tasks DLQ rows by the Error Class the agent wrote', () => {
    const { project, tabs } = fullProject();
    tabs['Tasks DLQ'].add(
      { id: 'p', error: 'ERROR: [youtube] x: Private video', error_class: 'private' },
      { id: 'o', error: 'HTTPError: 500' },
    );
    const rows = project.call('getDashboard').dlq.filter((r) => r.tab === 'Tasks DLQ');
    assert.deepEqual(
      rows.map((r) => [r.id, r.errorKind, r.errorClass]),
      [
        ['p', 'private', 'private'],
        ['o', 'HTTPError', ''],
      ],
    );
  });

  it('requeue all matching, discard, and go to row', () => {
    const { project, tabs } = fullProject();
    tabs['Tasks DLQ'].add(
      { id: 'a', url: VIDEO, error: 'HTTPError: 429' },
      { id: 'b', url: PLAYLIST, error: 'HTTPError: 403' },
      { id: 'c', url: VIDEO, error: 'Private video' },
    );
    const result = project.call('requeueMatching', 'Tasks DLQ', '', 'HTTPError');
    assert.deepEqual(result.requeued, ['a', 'b']);
    assert.equal(result.matched, 2);
    assert.deepEqual(
      tabs.Tasks.records().map((r) => r.id),
      ['a', 'b'],
    );
    assert.deepEqual(project.call('showRow', 'Tasks', 'b'), { row: 3 });
    assert.equal(project.ss.getActiveSheet().getName(), 'Tasks');
    assert.equal(project.ss.getActiveRangeList().getRanges()[0].getRow(), 3);
    assert.deepEqual(project.call('discardRows', 'Tasks DLQ', ['c']), { discarded: 1 });
    assert.deepEqual(tabs['Tasks DLQ'].records(), []);
    assert.throws(() => project.call('discardRows', 'Tasks', ['a']), /not a DLQ tab/);
  });

  it('reports the spreadsheet time zone for times shown beside UTC', () => {
    const { project } = fullProject();
    project.ss.timeZone = 'America/Sao_Paulo';
    assert.equal(project.call('getDashboard').timeZone, 'America/Sao_Paulo');
  });
});
