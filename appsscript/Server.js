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

/**
 * Everything the sidebar shows, read in one go.
 *
 * @return {{generatedAt: string, staleHeartbeatSeconds: number, workers: WorkerView[],
 *           leader: LeaderView, queues: Object<string, number>,
 *           statusCounts: Object<string, Object<string, number>>, dlq: DlqRowView[],
 *           dlqTotals: Object<string, number>, missingTabs: string[]}}
 */
function getDashboard() {
  const now = Date.now();
  const staleSeconds = SCHEMA.staleHeartbeatSeconds;
  /** @type {string[]} */
  const missingTabs = [];
  /** @param {string} title @param {string[]} keys @return {RowRecord[]} */
  const recordsOf = (title, keys) => {
    const table = openTable_(title);
    if (!table) {
      missingTabs.push(title);
      return [];
    }
    requireColumns_(table.columns, keys);
    return readRecords_(table);
  };
  const workers = workerViews_(
    recordsOf(tabWithRole_('workers'), ['worker_id', 'last_heartbeat', 'status']),
    now,
    staleSeconds,
  );
  const leader = leaderView_(
    recordsOf(tabWithRole_('leader'), ['election_name', 'worker_id', 'expires_at']),
    workers,
    now,
  );
  /** @type {Object<string, number>} */
  const queues = {};
  /** @type {Object<string, Object<string, number>>} */
  const statusCounts = {};
  for (const title of tabsWithRole_('queue')) {
    const table = openTable_(title);
    if (!table) {
      missingTabs.push(title);
      continue;
    }
    requireColumns_(table.columns, ['status']);
    statusCounts[title] = statusCounts_(readColumn_(table, 'status'));
    queues[title] = queueDepth_(statusCounts[title]);
  }
  /** @type {DlqRowView[]} */
  const dlq = [];
  /** @type {Object<string, number>} */
  const dlqTotals = {};
  for (const title of dlqTabs_()) {
    const views = dlqViews_(title, recordsOf(title, ['id']));
    dlq.push(...views.slice(-DLQ_ROWS_SHOWN));
    dlqTotals[title] = views.length;
  }
  for (const title of [...dlqTabs_(), ...tabsWithRole_('history')]) {
    const table = openTable_(title);
    if (table) queues[title] = dataRowCount_(table);
    else if (!missingTabs.includes(title)) missingTabs.push(title);
  }
  return {
    generatedAt: isoSeconds_(now),
    staleHeartbeatSeconds: staleSeconds,
    workers,
    leader,
    queues,
    statusCounts,
    dlq,
    dlqTotals,
    missingTabs,
  };
}

/**
 * @param {Table} table the Sources tab.
 * @return {string[]} keys of the sources it holds (INVALID rows aside).
 */
function sourceKeys_(table) {
  return takenSourceKeys_(readRecords_(table));
}
