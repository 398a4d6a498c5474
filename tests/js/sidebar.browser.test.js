// The sidebar in a real headless Chromium (Debian's, driven by playwright-core), rendered from
// its template in Node, with google.script.run bridged to the server functions running in the
// vm context over the fake spreadsheet.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, it } = require('node:test');
const { chromium } = require('playwright-core');
const { startBridge } = require('./support/bridge');
const { loadProject } = require('./support/project');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const XSS = '<img src=x onerror=window.__xss=1>';
const NEW_VIDEO = 'https://youtu.be/9bZkp7q19f0';
const QUEUED_PLAYLIST = 'https://www.youtube.com/playlist?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf';
const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A spreadsheet with workers in the three states, a leader, queues and both DLQ tabs. */
function seededProject() {
  const project = loadProject();
  const tabs = {};
  for (const title of Object.keys(project.SCHEMA.tabs)) tabs[title] = project.addTab(title);
  tabs.Workers.add(
    {
      worker_id: 'w1',
      worker_name: 'alpha',
      last_heartbeat: iso(20_000),
      status: 'ACTIVE',
      tasks_processed: 41,
      sources_processed: 3,
    },
    {
      worker_id: 'w2',
      worker_name: 'beta',
      last_heartbeat: iso(900_000),
      status: 'ACTIVE',
      tasks_processed: 7,
      sources_processed: 1,
    },
    {
      worker_id: 'w3',
      worker_name: XSS,
      last_heartbeat: iso(3_600_000),
      status: 'INACTIVE',
      tasks_processed: 2,
      sources_processed: 0,
    },
  );
  tabs['Leader Election'].add({
    election_name: 'orchestrator-leader',
    worker_id: 'w1',
    expires_at: iso(-240_000),
    term: 4,
    lease: 'LEADER|orchestrator-leader|4|w1|0',
  });
  tabs.Tasks.add(
    { id: 't1', source_id: 's1', url: 'https://youtu.be/aaaaaaaaaaa', status: 'PENDING' },
    { id: 't2', source_id: 's1', url: 'https://youtu.be/bbbbbbbbbbb', status: 'PENDING' },
    { id: 't3', source_id: 's1', url: 'https://youtu.be/ccccccccccc', status: 'PENDING' },
    {
      id: 't4',
      source_id: 's1',
      url: 'https://youtu.be/ddddddddddd',
      status: 'CLAIMED',
      attempts: 1,
      worker: 'alpha',
    },
  );
  tabs.Sources.add(
    { id: 's1', url: QUEUED_PLAYLIST, name: 'Conference talks', status: 'CLAIMED', attempts: 1 },
    {
      id: 's-bad',
      url: 'https://vimeo.com/1',
      status: 'INVALID',
      error: 'unsupported_host: Not a YouTube address.',
    },
  );
  tabs['Tasks DLQ'].add(
    {
      id: 't-dead-1',
      source_id: 's0',
      url: 'https://www.youtube.com/watch?v=eeeeeeeeeee',
      name: 'Conference keynote (full)',
      status: 'FAILED',
      error: 'ERROR: [youtube] eeeeeeeeeee: Private video. Sign in if you have access',
      attempts: 5,
      video_key: 'eeeeeeeeeee',
      error_class: 'private',
    },
    {
      id: 't-dead-2',
      url: 'https://www.youtube.com/watch?v=fffffffffff',
      name: XSS,
      status: 'FAILED',
      error: '<b>boom</b> handler raised ValueError',
      attempts: 5,
    },
    {
      id: 't-dead-3',
      source_id: 's1',
      url: 'https://youtu.be/ggggggggggg',
      error: 'HTTPError: 429 Too Many Requests',
      attempts: 5,
      error_class: 'rate_limited',
    },
    {
      id: 't-dead-4',
      source_id: 's1',
      url: 'https://youtu.be/hhhhhhhhhhh',
      error: 'HTTPError: 429 again',
      attempts: 5,
      error_class: 'rate_limited',
    },
    {
      id: 't-dead-5',
      url: 'https://youtu.be/iiiiiiiiiii',
      error: 'Discard me: unwanted',
      attempts: 5,
    },
    {
      id: 't-dead-6',
      url: 'https://youtu.be/jjjjjjjjjjj',
      name: 'Long story',
      error: `ExtractorError: ${'the page changed; '.repeat(40)}END`,
      attempts: 5,
    },
    {
      // Same text kind as t-dead-3 and t-dead-4 (HTTPError), another class: the class decides.
      id: 't-dead-7',
      url: 'https://youtu.be/kkkkkkkkkkk',
      error: 'HTTPError: 403 Sign in to confirm you are not a bot',
      attempts: 1,
      error_class: 'bot_check',
    },
  );
  tabs['Sources DLQ'].add({
    id: 's-dead-1',
    url: 'https://www.youtube.com/@gone-channel',
    status: 'FAILED',
    error: 'ERROR: [youtube:tab] This channel does not exist.',
    attempts: 3,
  });
  tabs['Tasks History'].add(
    { id: 'h1', source_id: 's1', status: 'DONE', completed_at: iso(300_000) },
    { id: 'h2', source_id: 's1', status: 'DONE', completed_at: iso(900_000) },
  );
  project.ss.timeZone = 'America/Sao_Paulo';
  return { project, tabs };
}

describe('sidebar in headless Chromium', () => {
  const { project, tabs } = seededProject();
  project.call('showSidebar');
  const html = project.ss.ui.sidebars.at(-1).getContent();
  const pageErrors = [];
  let bridge;
  let browser;
  let page;

  before(async () => {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH)`,
    );
    bridge = await startBridge(project, () => html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
    });
    const context = await browser.newContext({
      viewport: { width: 300, height: 800 },
      deviceScaleFactor: 2,
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Offline: the page may reach the test server and nothing else.
    await page.route('**/*', (route) =>
      route.request().url().startsWith(bridge.url) ? route.continue() : route.abort(),
    );
    await page.addInitScript(bridge.shim);
    await page.goto(bridge.url);
  });

  after(async () => {
    await browser?.close();
    await bridge?.close();
  });

  it('shows workers with state, heartbeat and counts, the leader, and queue depths', async () => {
    await page.locator('#workers li.worker').nth(2).waitFor();
    const workers = await page.$$eval('#workers li.worker', (items) =>
      items.map((li) => [
        li.querySelector('.name').textContent,
        li.querySelector('.badge').textContent,
        li.querySelectorAll('.meta')[1].textContent,
      ]),
    );
    assert.deepEqual(workers, [
      ['alpha', 'active', '41 tasks · 3 sources'],
      ['beta', 'stale', '7 tasks · 1 source'],
      [XSS, 'inactive', '2 tasks · 0 sources'],
    ]);
    assert.match(
      await page.locator('#workers li.worker .meta').first().textContent(),
      /Heartbeat \d+ s ago/,
    );
    assert.match(
      await page.textContent('#leader'),
      /Leader: alpha · term 4 · until \d\d:\d\d:\d\d \(America\/Sao_Paulo\) · \d\d:\d\d:\d\d UTC/,
    );
    assert.equal(await page.textContent('#workers-count'), '1/3 active');
    const queues = await page.$$eval('#queues tr', (rows) =>
      rows.map((tr) => [tr.cells[0].firstChild.textContent, tr.cells[1].textContent]),
    );
    assert.deepEqual(queues, [
      ['Tasks', '4'],
      ['Sources', '1'],
      ['Tasks DLQ', '7'],
      ['Sources DLQ', '1'],
      ['Tasks History', '2'],
      ['Sources History', '0'],
    ]);
  });

  it('renders cell values as text: markup in a worker name or a title runs nothing', async () => {
    assert.equal(await page.getByText(XSS, { exact: true }).count(), 2);
    assert.equal(await page.getByText('<b>boom</b> handler raised ValueError').count(), 1);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, b').length), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.ok(!bridge.requests.some((r) => r.startsWith('GET /x')), 'no image was requested');
  });

  it('lists the DLQ rows of both DLQ tabs with their errors', async () => {
    const rows = await page.$$eval('#dlq .dlq-row', (labels) =>
      labels.map((l) => [
        l.querySelector('input').dataset.tab,
        l.querySelector('input').value,
        l.querySelector('.err').textContent,
      ]),
    );
    assert.deepEqual(
      rows.map((r) => r.slice(0, 2)),
      [
        ['Tasks DLQ', 't-dead-1'],
        ['Tasks DLQ', 't-dead-2'],
        ['Tasks DLQ', 't-dead-3'],
        ['Tasks DLQ', 't-dead-4'],
        ['Tasks DLQ', 't-dead-5'],
        ['Tasks DLQ', 't-dead-6'],
        ['Tasks DLQ', 't-dead-7'],
        ['Sources DLQ', 's-dead-1'],
      ],
    );
    assert.match(rows[0][2], /Private video/);
    assert.match(rows[7][2], /does not exist/);
  });

  it('shows the Error Class of each dead letter, and none for rows without one', async () => {
    const classes = await page.$$eval('#dlq .dlq-row', (labels) =>
      labels.map((l) => [
        l.querySelector('input').value,
        l.querySelector('.class')?.textContent ?? '',
        l.querySelector('.meta').textContent,
      ]),
    );
    assert.deepEqual(
      classes.map((c) => c.slice(0, 2)),
      [
        ['t-dead-1', 'private'],
        ['t-dead-2', ''],
        ['t-dead-3', 'rate_limited'],
        ['t-dead-4', 'rate_limited'],
        ['t-dead-5', ''],
        ['t-dead-6', ''],
        ['t-dead-7', 'bot_check'],
        ['s-dead-1', ''],
      ],
    );
    assert.equal(classes[0][2], 'private5 attempts · t-dead-1');
    const groups = await page.$$eval('#dlq-kind optgroup', (gs) =>
      gs.map((g) => [g.label, [...g.querySelectorAll('option')].map((o) => o.value)]),
    );
    assert.deepEqual(groups, [
      ['Error class', ['bot_check', 'private', 'rate_limited']],
      ['Error text', ['<b>boom</b> handler raised', 'Discard me', 'ERROR', 'ExtractorError']],
    ]);
  });

  it('checks pasted URLs before adding, then adds only the valid ones', async () => {
    await page.fill(
      '#urls',
      [NEW_VIDEO, 'https://vimeo.com/123456', QUEUED_PLAYLIST, 'youtube.com/watch?v=x'].join('\n'),
    );
    await page.locator('#url-checks li').nth(3).waitFor();
    const checks = await page.$$eval('#url-checks li', (items) =>
      items.map((li) => [
        li.className,
        li.querySelector('.url').textContent,
        li.lastChild.textContent,
      ]),
    );
    assert.deepEqual(checks, [
      ['ok', NEW_VIDEO, 'video'],
      ['bad', 'https://vimeo.com/123456', 'Not a YouTube address.'],
      ['bad', QUEUED_PLAYLIST, 'Already in Sources (or listed twice).'],
      ['bad', 'youtube.com/watch?v=x', 'Not a URL: it must start with https://'],
    ]);
    assert.equal(await page.textContent('#url-summary'), '1 valid · 3 invalid');
    assert.equal(await page.textContent('#add'), 'Add 1');
    const before = tabs.Sources.records().length;
    assert.equal(before, 2, 'nothing is written before Add');

    await page.click('#add');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Added 1 source.',
    );
    const added = tabs.Sources.records().at(-1);
    assert.equal(added.url, NEW_VIDEO);
    assert.equal(added.status, 'PENDING');
    assert.equal(added.lease, `PENDING|${added.id}|0|-|0`);
    assert.equal(tabs.Sources.records().length, before + 1);
    const left = (await page.inputValue('#urls')).split('\n');
    assert.deepEqual(left, ['https://vimeo.com/123456', QUEUED_PLAYLIST, 'youtube.com/watch?v=x']);
  });

  it('requeues a selected DLQ row: the sheet has it in Tasks and not in the DLQ', async () => {
    await page.check('#dlq input[value="t-dead-1"]');
    assert.equal(await page.textContent('#requeue'), 'Requeue 1');
    await page.click('#requeue');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Requeued 1 row.',
    );
    const last = tabs.Tasks.records().at(-1);
    assert.equal(last.id, 't-dead-1');
    assert.equal(last.status, 'PENDING');
    assert.equal(last.attempts, 0);
    assert.equal(last.error, '');
    assert.equal(last.lease, 'PENDING|t-dead-1|0|-|0');
    assert.equal(last.video_key, 'eeeeeeeeeee');
    assert.deepEqual(
      tabs['Tasks DLQ'].records().map((r) => r.id),
      ['t-dead-2', 't-dead-3', 't-dead-4', 't-dead-5', 't-dead-6', 't-dead-7'],
    );
    await page.locator('#dlq input[value="t-dead-1"]').waitFor({ state: 'detached' });
    assert.equal(await page.textContent('#requeue'), 'Requeue');
    assert.equal(await page.isDisabled('#requeue'), true);
  });

  it('shows the progress of each source: pending, running, done and failed', async () => {
    const source = page.locator('#progress li.source').first();
    assert.equal(await source.locator('.name').textContent(), 'Conference talks');
    assert.equal(
      await source.locator('.counts').textContent(),
      '3 pending · 1 running · 2 done · 2 failed',
    );
    assert.equal(await source.locator('.seg').count(), 4);
  });

  it('draws throughput as a chart of 12 columns with the rate and an ETA', async () => {
    assert.equal(await page.locator('#chart .col').count(), 12);
    const remaining = tabs.Tasks.records().filter((r) => /PENDING|CLAIMED/.test(r.status)).length;
    assert.match(
      await page.textContent('#rate'),
      new RegExp(`^2 tasks/hour · ETA \\d+ h for ${remaining} tasks$`),
    );
    const heights = await page.$$eval('#chart .col', (cols) => cols.map((c) => c.style.height));
    assert.deepEqual(heights.slice(-2), ['100%', '100%']);
  });

  it('lists INVALID sources with their reason', async () => {
    const items = await page.$$eval('#invalid li', (lis) =>
      lis.map((li) => [
        li.querySelector('.url').textContent,
        li.querySelector('.reason').textContent,
      ]),
    );
    assert.deepEqual(items, [['https://vimeo.com/1', 'unsupported_host: Not a YouTube address.']]);
    assert.equal(await page.textContent('#invalid-count'), '1');
  });

  it('shows times in the spreadsheet time zone beside UTC', async () => {
    assert.match(
      await page.textContent('#updated'),
      /^Updated \d\d:\d\d:\d\d \(America\/Sao_Paulo\) · \d\d:\d\d:\d\d UTC$/,
    );
  });

  it('searches and filters dead letters by class, and requeues all matching', async () => {
    await page.fill('#dlq-search', 'long story');
    assert.deepEqual(await page.$$eval('#dlq .dlq-row input', (i) => i.map((x) => x.value)), [
      't-dead-6',
    ]);
    await page.fill('#dlq-search', 'HTTPError');
    assert.deepEqual(await page.$$eval('#dlq .dlq-row input', (i) => i.map((x) => x.value)), [
      't-dead-3',
      't-dead-4',
      't-dead-7',
    ]);
    await page.fill('#dlq-search', '');
    await page.selectOption('#dlq-kind', 'rate_limited');
    assert.deepEqual(await page.$$eval('#dlq .dlq-row input', (i) => i.map((x) => x.value)), [
      't-dead-3',
      't-dead-4',
    ]);
    await page.click('#requeue-matching');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Requeued 2 matching rows.',
    );
    const queued = tabs.Tasks.records().map((r) => r.id);
    assert.ok(queued.includes('t-dead-3') && queued.includes('t-dead-4'));
    assert.deepEqual(
      tabs['Tasks DLQ'].records().map((r) => r.id),
      ['t-dead-2', 't-dead-5', 't-dead-6', 't-dead-7'],
      'the bot_check row with the same error text stays',
    );
    const call = bridge.calls.filter((c) => c.name === 'requeueMatching').at(-1);
    assert.deepEqual(call.args, ['Tasks DLQ', '', 'rate_limited']);
    await page.selectOption('#dlq-kind', '');
  });

  it('shows the full error text on request, as text', async () => {
    const row = page.locator('#dlq .dlq-row', { has: page.locator('input[value="t-dead-6"]') });
    assert.ok((await row.locator('.err').textContent()).length <= 500);
    await row.locator('.full-error-button').click();
    await row.locator('.err.full-error').waitFor();
    const full = await row.locator('.err').textContent();
    assert.ok(full.endsWith('END') && full.length > 500, `${full.length} characters`);
  });

  it('jumps to the row of a dead letter in its tab', async () => {
    const row = page.locator('#dlq .dlq-row', { has: page.locator('input[value="t-dead-2"]') });
    await row.locator('.goto').click();
    await page.waitForFunction(() =>
      document.getElementById('status').textContent.startsWith('Selected row'),
    );
    assert.equal(project.ss.getActiveSheet().getName(), 'Tasks DLQ');
    const [range] = project.ss.getActiveRangeList().getRanges();
    assert.equal(tabs['Tasks DLQ'].records()[range.getRow() - 2].id, 't-dead-2');
  });

  it('discards selected dead letters after a second click', async () => {
    await page.check('#dlq input[value="t-dead-5"]');
    await page.click('#discard');
    assert.equal(await page.textContent('#discard'), 'Discard 1 for good?');
    assert.ok(
      tabs['Tasks DLQ'].records().some((r) => r.id === 't-dead-5'),
      'not yet',
    );
    await page.click('#discard');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Discarded 1 row.',
    );
    assert.ok(!tabs['Tasks DLQ'].records().some((r) => r.id === 't-dead-5'));
  });

  it('pauses the fleet after a confirmation: PAUSED is in the cell and shown', async () => {
    const control = () =>
      tabs['Leader Election'].records().find((r) => r.election_name === 'fleet-control');
    assert.equal(await page.textContent('#fleet-state'), 'RUNNING');
    assert.equal(await page.isDisabled('#fleet-resume'), true);
    assert.equal(control(), undefined, 'no fleet-control row yet');

    await page.click('#fleet-drain');
    await page.waitForSelector('#fleet-confirm:not([hidden])');
    assert.match(await page.textContent('#fleet-confirm-text'), /^Drain the fleet\? Agents run/);
    await page.click('#fleet-confirm-no');
    await page.waitForSelector('#fleet-confirm', { state: 'hidden' });
    assert.equal(control(), undefined, 'Cancel writes nothing');

    await page.click('#fleet-pause');
    assert.match(
      await page.textContent('#fleet-confirm-text'),
      /^Pause the fleet\? Agents finish the callbacks already running and claim nothing new/,
    );
    assert.equal(control(), undefined, 'nothing is written before the confirmation');
    await page.click('#fleet-confirm-yes');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Fleet set to PAUSED.',
    );
    assert.equal(control().lease, 'PAUSED');
    await page.waitForFunction(
      () => document.getElementById('fleet-state').textContent === 'PAUSED',
    );
    assert.equal(await page.isDisabled('#fleet-pause'), true);
    assert.match(await page.textContent('#fleet-meaning'), /claim nothing new/);

    await page.click('#fleet-resume');
    await page.waitForFunction(
      () => document.getElementById('status').textContent === 'Fleet set to RUNNING (was PAUSED).',
    );
    assert.equal(control().lease, 'RUNNING', 'Resume needs no confirmation');
    assert.equal(await page.textContent('#fleet-state'), 'RUNNING');
  });

  it('shows a refused fleet write as an error and keeps the state shown', async () => {
    bridge.failNext('setFleetControl', 'Lock timeout: another process was holding the lock');
    await page.click('#fleet-pause');
    await page.click('#fleet-confirm-yes');
    await page.waitForSelector('#error:not([hidden])');
    assert.equal(
      await page.textContent('#error-text'),
      'Could not set the fleet state: Lock timeout: another process was holding the lock',
    );
    assert.equal(await page.textContent('#fleet-state'), 'RUNNING');
    await page.click('#error-close');
    // Paused again for the screenshot.
    await page.click('#fleet-pause');
    await page.click('#fleet-confirm-yes');
    await page.waitForFunction(
      () => document.getElementById('fleet-state').textContent === 'PAUSED',
    );
    await page.waitForSelector('#status:not(.busy)');
  });

  it('shows a banner when no worker is live, and none once one is back', async () => {
    const alpha = tabs.Workers.cell(2, 'status');
    alpha.setValue('INACTIVE');
    await page.click('#refresh');
    await page.waitForSelector('#banner.no_workers:not([hidden])');
    assert.match(await page.textContent('#banner'), /No worker is live/);
    alpha.setValue('ACTIVE');
    await page.click('#refresh');
    await page.waitForSelector('#banner', { state: 'hidden' });
  });

  it('tells the person what to do when several Google accounts break the call', async () => {
    bridge.failNext(
      'getDashboard',
      "We're sorry, a server error occurred while reading from storage. Error code PERMISSION_DENIED.",
    );
    await page.click('#refresh');
    await page.waitForSelector('#error:not([hidden])');
    const text = await page.textContent('#error-text');
    assert.match(text, /several Google accounts are signed in/);
    assert.match(text, /private window/);
    await page.click('#refresh');
    await page.waitForSelector('#error', { state: 'hidden' });
    await page.waitForSelector('#status:not(.busy)');
  });

  it('shows a loading state while a call is in flight', async () => {
    bridge.delayNext('getDashboard', 700);
    await page.click('#refresh');
    await page.waitForSelector('#status.busy');
    assert.equal(await page.textContent('#status'), 'Load the dashboard…');
    await page.waitForSelector('#status:not(.busy)');
  });

  it('shows a server failure as an error, and recovers on Refresh', async () => {
    bridge.failNext('getDashboard', 'Service Spreadsheets timed out while accessing document');
    await page.click('#refresh');
    await page.waitForSelector('#error:not([hidden])');
    assert.equal(
      await page.textContent('#error-text'),
      'Could not load the dashboard: Service Spreadsheets timed out while accessing document',
    );
    await page.click('#refresh');
    await page.waitForSelector('#error', { state: 'hidden' });
    await page.waitForSelector('#status:not(.busy)');
  });

  it('sent every server call with a failure handler, and raised no page error', () => {
    const names = new Set(bridge.calls.map((c) => c.name));
    for (const name of [
      'getDashboard',
      'validateUrls',
      'addSources',
      'requeueRows',
      'requeueMatching',
      'discardRows',
      'getDlqError',
      'showRow',
      'setFleetControl',
    ]) {
      assert.ok(names.has(name), `${name} was called`);
    }
    assert.ok(bridge.calls.every((c) => c.hasFailureHandler));
    assert.deepEqual(pageErrors, []);
    assert.equal(project.lock.held, false);
  });

  it('saves a screenshot to tests/artifacts/sidebar.png', async () => {
    const another = 'https://www.youtube.com/watch?v=kJQP7kiw5Fk';
    await page.fill('#urls', `${another}\nhttps://vimeo.com/76979871`);
    await page.waitForSelector('#url-checks:not(.stale)');
    assert.equal(await page.textContent('#url-checks li .url'), another);
    await page.check('#dlq input[value="s-dead-1"]');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'sidebar.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 10_000);
  });
});
