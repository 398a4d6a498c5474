// Pure functions that turn tab records into what the sidebar shows (plain JSON-able objects,
// every cell value as text: google.script.run cannot carry Date objects).

/** Characters of an error message sent to the sidebar (the cell keeps all of it). */
const DLQ_ERROR_CHARS = 500;
/** DLQ rows sent to the sidebar per tab (the newest ones). */
const DLQ_ROWS_SHOWN = 200;

/**
 * @typedef {Object} WorkerView
 * @property {string} id
 * @property {string} name
 * @property {string} status the Status cell as written (ACTIVE, INACTIVE, …).
 * @property {'active' | 'stale' | 'inactive'} state
 * @property {string} lastHeartbeat the Last Heartbeat cell, as text.
 * @property {number | null} ageSeconds seconds since the last heartbeat (null: unreadable).
 * @property {string} tasksProcessed
 * @property {string} sourcesProcessed
 *
 * @typedef {Object} LeaderView
 * @property {'held' | 'expired' | 'none'} state
 * @property {string} workerId
 * @property {string} workerName the name of the leader's worker row ('' when unknown).
 * @property {string} expiresAt
 * @property {string} term
 *
 * @typedef {Object} DlqRowView
 * @property {string} tab
 * @property {string} id
 * @property {string} url
 * @property {string} name
 * @property {string} error
 * @property {string} errorKind what the DLQ filter groups by (errorKind_).
 * @property {string} errorClass the Error Class the agent wrote ('' for older rows, Sources DLQ).
 * @property {boolean} errorCut whether `error` is cut (getDlqError gives all of it).
 * @property {string} attempts
 */

/**
 * @param {RowRecord[]} records rows of the Workers tab.
 * @param {number} nowMs
 * @param {number} staleSeconds
 * @return {WorkerView[]} one view per row with a worker ID or name, in sheet order.
 */
function workerViews_(records, nowMs, staleSeconds) {
  return records
    .filter((r) => cellText_(r.worker_id).trim() || cellText_(r.worker_name).trim())
    .map((r) => ({
      id: cellText_(r.worker_id),
      name: cellText_(r.worker_name),
      status: cellText_(r.status),
      state: workerState_(r.status, r.last_heartbeat, nowMs, staleSeconds),
      lastHeartbeat: cellText_(r.last_heartbeat),
      ageSeconds: heartbeatAgeSeconds_(r.last_heartbeat, nowMs),
      tasksProcessed: cellText_(r.tasks_processed),
      sourcesProcessed: cellText_(r.sources_processed),
    }));
}

/**
 * @param {RowRecord[]} records rows of the Leader Election tab.
 * @param {WorkerView[]} workers
 * @param {number} nowMs
 * @return {LeaderView}
 */
function leaderView_(records, workers, nowMs) {
  const row = records.find((r) => cellText_(r.election_name).trim() === SCHEMA.leaderElectionName);
  const workerId = row ? cellText_(row.worker_id).trim() : '';
  if (!row || workerId === '') {
    return { state: 'none', workerId: '', workerName: '', expiresAt: '', term: '' };
  }
  const worker = workers.find((w) => w.id.trim() === workerId);
  const expires = parseTimestamp_(row.expires_at);
  return {
    state: !Number.isNaN(expires) && expires > nowMs ? 'held' : 'expired',
    workerId,
    workerName: worker ? worker.name : '',
    expiresAt: cellText_(row.expires_at),
    term: cellText_(row.term),
  };
}

/**
 * @param {unknown[]} statuses Status cells.
 * @return {Object<string, number>} rows per status (upper case; '' for an empty status).
 */
function statusCounts_(statuses) {
  /** @type {Object<string, number>} */
  const counts = {};
  for (const cell of statuses) {
    const status = cellText_(cell).trim().toUpperCase();
    counts[status] = (counts[status] || 0) + 1;
  }
  return counts;
}

/**
 * The depth of a queue tab: rows waiting or being worked on.
 *
 * @param {Object<string, number>} counts
 * @return {number}
 */
function queueDepth_(counts) {
  return (counts.PENDING || 0) + (counts.CLAIMED || 0);
}

/**
 * The rows of a DLQ tab that carry an ID (only those can be requeued), in sheet order.
 *
 * @param {string} tab
 * @param {RowRecord[]} records
 * @return {DlqRowView[]}
 */
function dlqViews_(tab, records) {
  return records
    .filter((r) => cellText_(r.id).trim() !== '')
    .map((r) => ({
      tab,
      id: cellText_(r.id).trim(),
      url: clip_(r.url, 500),
      name: clip_(r.name, 300),
      error: clip_(r.error, DLQ_ERROR_CHARS),
      errorKind: errorKind_(r.error, r.error_class),
      errorClass: clip_(r.error_class, 40),
      errorCut: cellText_(r.error).length > DLQ_ERROR_CHARS,
      attempts: cellText_(r.attempts),
    }));
}

/**
 * The display state of a worker: INACTIVE -> inactive; ACTIVE with a heartbeat at most
 * `staleSeconds` old -> active; ACTIVE with an older, missing or unreadable heartbeat -> stale.
 * A status that is neither counts as ACTIVE (the heartbeat decides).
 *
 * @param {unknown} status the Status cell.
 * @param {unknown} heartbeat the Last Heartbeat cell.
 * @param {number} nowMs
 * @param {number} staleSeconds
 * @return {'active' | 'stale' | 'inactive'}
 */
function workerState_(status, heartbeat, nowMs, staleSeconds) {
  if (cellText_(status).trim().toUpperCase() === 'INACTIVE') return 'inactive';
  const age = heartbeatAgeSeconds_(heartbeat, nowMs);
  return age !== null && age <= staleSeconds ? 'active' : 'stale';
}

/**
 * @param {unknown} heartbeat
 * @param {number} nowMs
 * @return {number | null} whole seconds since the heartbeat, null when unreadable.
 */
function heartbeatAgeSeconds_(heartbeat, nowMs) {
  const at = parseTimestamp_(heartbeat);
  return Number.isNaN(at) ? null : Math.floor((nowMs - at) / 1000);
}
