// Functions the sidebar calls through google.script.run (fixed names, global). They take and
// return plain JSON-able values (never Date) and throw Error with a message for people.

/** The most URLs one addSources/validateUrls call handles. */
const MAX_URLS_PER_CALL = 500;
/** The most IDs one requeueRows call handles. */
const MAX_REQUEUE_IDS = 500;
/** Rows one locked step of a requeue appends: the lock is held for short writes only. */
const REQUEUE_BATCH = 20;
/** Columns a queue tab needs before rows can be queued in it. */
const QUEUE_KEYS = Object.freeze(['id', 'status', 'attempts', 'error', 'lease']);

/**
 * Checks URLs without adding anything: the rules, plus repeats within the list and sources
 * already in the Sources tab (`duplicate`).
 *
 * @param {unknown} urls an array of URLs (one result each), or text with one URL per line.
 * @return {{url: string, ok: boolean, reason: string, message: string, kind: string}[]}
 */
function validateUrls(urls) {
  const list = Array.isArray(urls) ? urls.map(cellText_) : splitUrls_(urls);
  if (list.length > MAX_URLS_PER_CALL) {
    throw new Error(`At most ${MAX_URLS_PER_CALL} URLs at a time.`);
  }
  const table = openTable_(sourcesTab_());
  const taken = table && 'url' in table.columns.index ? sourceKeys_(table) : [];
  return checkUrlBatch_(list, taken).map(({ url, ok, reason, message, kind }) => ({
    url,
    ok,
    reason,
    message,
    kind,
  }));
}

/**
 * Appends valid, new source URLs to the Sources tab as PENDING rows.
 *
 * @param {unknown} urls an array of URLs, or text with one URL per line.
 * @return {{added: {id: string, url: string}[],
 *           rejected: {url: string, reason: string, message: string}[]}}
 */
function addSources(urls) {
  const list = splitUrls_(urls);
  return withDocumentLock_(() => {
    const table = requireTable_(sourcesTab_(), ['url', ...QUEUE_KEYS]);
    const checks = checkUrlBatch_(list, sourceKeys_(table));
    /** @type {{id: string, url: string}[]} */
    const added = [];
    /** @type {{url: string, reason: string, message: string}[]} */
    const rejected = [];
    for (const check of checks) {
      if (check.ok && added.length < MAX_URLS_PER_CALL) {
        const id = Utilities.getUuid();
        appendRecord_(table, { ...queuedState_(id), url: check.url });
        added.push({ id, url: check.url });
      } else {
        const reason = check.ok ? 'too_many' : check.reason;
        rejected.push({ url: check.url, reason, message: reasonMessage_(reason) });
      }
    }
    return { added, rejected };
  });
}

/**
 * Moves DLQ rows back to their queue tab, found by ID under the document lock, in batches of
 * REQUEUE_BATCH (the lock is released between them, so edits waiting for it get their turn):
 * appended at the end as PENDING with attempts reset and error cleared, then deleted from the DLQ.
 * Idempotent: an ID already queued is not appended twice; an ID no longer in the DLQ is
 * skipped.
 *
 * @param {string} tabName `Tasks DLQ` or `Sources DLQ`.
 * @param {unknown} ids the IDs of the rows.
 * @return {{requeued: string[], skipped: {id: string, reason: string}[]}}
 */
function requeueRows(tabName, ids) {
  const dlqTitle = cellText_(tabName);
  if (!dlqTabs_().includes(dlqTitle)) {
    throw new Error(`"${dlqTitle}" is not a DLQ tab (${dlqTabs_().join(', ')}).`);
  }
  const wanted = (Array.isArray(ids) ? ids : [ids]).map((id) => cellText_(id).trim());
  if (wanted.length > MAX_REQUEUE_IDS) {
    throw new Error(`At most ${MAX_REQUEUE_IDS} rows at a time.`);
  }
  const dlq = requireTable_(dlqTitle, ['id']);
  const queue = requireTable_(queueTabForDlq_(dlqTitle), QUEUE_KEYS);
  // Planned without the lock (reads only); each batch is planned again under the lock, from
  // what the tabs hold then, so a batch another execution requeued meanwhile is skipped.
  const first = planRequeue_(wanted, readRecords_(dlq), [], []);
  /** @type {{requeued: string[], skipped: {id: string, reason: string}[]}} */
  const result = { requeued: [], skipped: first.skipped };
  for (let i = 0; i < first.requeued.length; i += REQUEUE_BATCH) {
    const batch = first.requeued.slice(i, i + REQUEUE_BATCH);
    const done = withDocumentLock_(() => requeueBatch_(dlq, queue, batch));
    result.requeued.push(...done.requeued);
    result.skipped.push(...done.skipped);
  }
  return result;
}

/**
 * One short locked step of a requeue: up to REQUEUE_BATCH appends, then the deletes.
 *
 * @param {Table} dlq
 * @param {Table} queue
 * @param {string[]} ids
 * @return {RequeuePlan}
 */
function requeueBatch_(dlq, queue, ids) {
  const dlqRecords = readRecords_(dlq);
  const plan = planRequeue_(ids, dlqRecords, readColumn_(queue, 'id'), readColumn_(queue, 'lease'));
  for (const record of plan.append) appendRecord_(queue, record);
  SpreadsheetApp.flush();
  // Only the rows read above: the same task dead-lettered again meanwhile is a new row.
  deleteRowsWithIds_(dlq, plan.remove, idCounts_(dlqRecords));
  return plan;
}

/** Rows of a History tab read for progress and throughput (the newest ones). */
const HISTORY_ROWS_READ = 2000;
/** Rows of Sources History read for the progress of finished sources. */
const SOURCE_HISTORY_ROWS_READ = 50;

/**
 * Everything the sidebar shows, read in one go. Reads are bounded: the queue tabs (the live
 * work), the newest DLQ_ROWS_SHOWN rows of each DLQ and the newest rows of the History tabs;
 * no full read of a DLQ or History tab.
 *
 * @return {{generatedAt: string, timeZone: string, staleHeartbeatSeconds: number,
 *           workers: WorkerView[], leader: LeaderView, fleet: FleetView, banner: FleetBanner,
 *           queues: Object<string, number>, statusCounts: Object<string, Object<string, number>>,
 *           sources: SourceProgress[], throughput: Throughput, invalid: InvalidView[],
 *           dlq: DlqRowView[], dlqTotals: Object<string, number>, missingTabs: string[]}}
 */
function getDashboard() {
  const now = Date.now();
  const staleSeconds = SCHEMA.staleHeartbeatSeconds;
  /** @type {string[]} */
  const missingTabs = [];
  /** @type {Object<string, Table | null>} */
  const opened = {};
  /** @param {string} title @param {string[]} keys @return {Table | null} */
  const table = (title, keys) => {
    if (!(title in opened)) {
      opened[title] = openTable_(title);
      if (!opened[title]) missingTabs.push(title);
      else requireColumns_(/** @type {Table} */ (opened[title]).columns, keys);
    }
    return opened[title];
  };
  /** @param {Table | null} t @return {RowRecord[]} */
  const all = (t) => (t ? readRecords_(t) : []);
  const workers = workerViews_(
    all(table(tabWithRole_('workers'), ['worker_id', 'last_heartbeat', 'status'])),
    now,
    staleSeconds,
  );
  const leaderRecords = all(
    table(tabWithRole_('leader'), ['election_name', 'worker_id', 'expires_at']),
  );
  const leader = leaderView_(leaderRecords, workers, now);
  /** @type {Object<string, number>} */
  const queues = {};
  /** @type {Object<string, Object<string, number>>} */
  const statusCounts = {};
  for (const title of tabsWithRole_('queue')) {
    const t = table(title, ['status']);
    if (!t) continue;
    statusCounts[title] = statusCounts_(readColumn_(t, 'status'));
    queues[title] = queueDepth_(statusCounts[title]);
  }
  const tasks = table(tabWithRole_('queue', 'task'), ['status']);
  const taskLeases = tasks && 'lease' in tasks.columns.index ? readColumn_(tasks, 'lease') : [];
  /** @type {DlqRowView[]} */
  const dlq = [];
  /** @type {Object<string, number>} */
  const dlqTotals = {};
  /** @type {InvalidView[]} */
  const invalid = [];
  /** @type {unknown[]} */
  const failedSourceIds = [];
  for (const title of dlqTabs_()) {
    const t = table(title, ['id']);
    if (!t) continue;
    const tail = readTail_(t, DLQ_ROWS_SHOWN);
    dlq.push(...dlqViews_(title, tail.records));
    if (tabDef_(title).kind === 'task')
      failedSourceIds.push(...tail.records.map((r) => r.source_id));
    dlqTotals[title] = tail.total;
    queues[title] = tail.total;
    if (tabDef_(title).kind === 'source') invalid.push(...invalidViews_(title, tail.records));
  }
  for (const title of tabsWithRole_('history')) {
    const t = table(title, []);
    if (t) queues[title] = dataRowCount_(t);
  }
  const sourcesTable = table(sourcesTab_(), ['id']);
  const sourceRecords = all(sourcesTable);
  invalid.unshift(...invalidViews_(sourcesTab_(), sourceRecords));
  const sourceHistory = table(tabWithRole_('history', 'source'), ['id']);
  const finishedRecords = sourceHistory
    ? readTail_(sourceHistory, SOURCE_HISTORY_ROWS_READ).records
    : [];
  const taskHistory = table(tabWithRole_('history', 'task'), []);
  const remaining = queues[tabWithRole_('queue', 'task')] || 0;
  return {
    generatedAt: isoSeconds_(now),
    timeZone: activeSpreadsheet_().getSpreadsheetTimeZone(),
    staleHeartbeatSeconds: staleSeconds,
    workers,
    leader,
    fleet: fleetView_(leaderRecords),
    banner: fleetBanner_(workers, taskLeases, now),
    queues,
    statusCounts,
    sources: sourceProgress_(
      [...sourceRecords, ...finishedRecords],
      new Set(finishedRecords.map((r) => cellText_(r.id).trim())),
      {
        sourceIds: tasks ? readColumn_(tasks, 'source_id') : [],
        statuses: tasks ? readColumn_(tasks, 'status') : [],
      },
      countBySource_(
        taskHistory ? readColumnTail_(taskHistory, 'source_id', HISTORY_ROWS_READ) : [],
      ),
      // From the DLQ rows read above (the newest DLQ_ROWS_SHOWN): no second read of the DLQ.
      countBySource_(failedSourceIds),
    ),
    throughput: throughput_(
      taskHistory ? readColumnTail_(taskHistory, 'completed_at', HISTORY_ROWS_READ) : [],
      remaining,
      now,
    ),
    invalid,
    dlq,
    dlqTotals,
    missingTabs,
  };
}

/**
 * The full error text of a DLQ row (the dashboard sends it cut to DLQ_ERROR_CHARS).
 *
 * @param {string} tabName
 * @param {string} id
 * @return {string}
 */
function getDlqError(tabName, id) {
  const dlq = requireTable_(dlqTabName_(tabName), ['id', 'error']);
  const ids = readColumn_(dlq, 'id');
  const at = ids.map((c) => unmarkedId_(c)).lastIndexOf(cellText_(id).trim());
  if (at < 0) throw new Error(`No row with ID ${cellText_(id)} in ${dlq.title}.`);
  return cellText_(dlq.sheet.getRange(at + 2, dlq.columns.index.error + 1).getValue());
}

/**
 * Deletes DLQ rows by ID, for good (the sidebar's Discard), under the document lock.
 *
 * @param {string} tabName
 * @param {unknown} ids
 * @return {{discarded: number}}
 */
function discardRows(tabName, ids) {
  const title = dlqTabName_(tabName);
  const wanted = (Array.isArray(ids) ? ids : [ids]).map((id) => cellText_(id).trim());
  if (wanted.length > MAX_REQUEUE_IDS)
    throw new Error(`At most ${MAX_REQUEUE_IDS} rows at a time.`);
  const dlq = requireTable_(title, ['id']);
  let discarded = 0;
  for (let i = 0; i < wanted.length; i += REQUEUE_BATCH) {
    const batch = wanted.slice(i, i + REQUEUE_BATCH);
    discarded += withDocumentLock_(() => deleteRowsWithIds_(dlq, batch));
  }
  return { discarded };
}

/**
 * Requeues every DLQ row that matches the sidebar's search and error filter (at most 500).
 *
 * @param {string} tabName
 * @param {unknown} text
 * @param {unknown} kind
 * @return {{requeued: string[], skipped: {id: string, reason: string}[], matched: number}}
 */
function requeueMatching(tabName, text, kind) {
  const title = dlqTabName_(tabName);
  const records = readRecords_(requireTable_(title, ['id']));
  const ids = records
    .filter((r) => dlqMatches_(r, cellText_(text), cellText_(kind)))
    .map((r) => unmarkedId_(r.id))
    .filter((id) => id !== '');
  const unique = [...new Set(ids)].slice(0, MAX_REQUEUE_IDS);
  return { ...requeueRows(title, unique), matched: unique.length };
}

/**
 * Selects the row of an ID in a tab, so the person sees it (the sidebar's Go to row).
 *
 * @param {string} tabName
 * @param {string} id
 * @return {{row: number}}
 */
function showRow(tabName, id) {
  const title = cellText_(tabName);
  const t = requireTable_(title, ['id']);
  const at = readColumn_(t, 'id')
    .map((c) => unmarkedId_(c))
    .indexOf(cellText_(id).trim());
  if (at < 0) throw new Error(`No row with ID ${cellText_(id)} in ${title}.`);
  t.sheet.activate();
  t.sheet.getRange(at + 2, 1, 1, Math.max(1, t.columns.width)).activate();
  return { row: at + 2 };
}

/**
 * @param {unknown} tabName
 * @return {string} the title of a DLQ tab.
 */
function dlqTabName_(tabName) {
  const title = cellText_(tabName);
  if (!dlqTabs_().includes(title)) {
    throw new Error(`"${title}" is not a DLQ tab (${dlqTabs_().join(', ')}).`);
  }
  return title;
}

/**
 * @param {Table} table the Sources tab.
 * @return {string[]} keys of the sources it holds (INVALID rows aside).
 */
function sourceKeys_(table) {
  return takenSourceKeys_(readRecords_(table));
}
