// Pure functions for the sidebar's answers to "how far along is it?": progress per source,
// throughput and ETA from History timestamps, the fleet banner, INVALID sources, DLQ filters.
// Plain JSON-able values out (no Date: google.script.run cannot carry one).

/** Throughput buckets shown by the sidebar's chart: 12 of 10 minutes (the last two hours). */
const THROUGHPUT_BUCKETS = 12;
const THROUGHPUT_BUCKET_MS = 10 * 60 * 1000;
/** Sources shown with their progress (those in Sources first, then the newest finished). */
const SOURCES_SHOWN = 30;

/**
 * @typedef {Object} SourceProgress
 * @property {string} id
 * @property {string} name
 * @property {string} url
 * @property {string} status the source's own status ('DONE' once it is in Sources History).
 * @property {number} pending tasks waiting.
 * @property {number} running tasks claimed.
 * @property {number} done tasks in Tasks History.
 * @property {number} failed tasks in Tasks DLQ.
 *
 * @typedef {Object} Throughput
 * @property {number[]} buckets tasks completed per 10 minutes, oldest first, the last 2 h.
 * @property {number} perHour tasks completed in the last hour.
 * @property {number} remaining tasks pending or running.
 * @property {number | null} etaSeconds remaining / rate; null when nothing completes.
 *
 * @typedef {Object} FleetBanner
 * @property {'' | 'no_workers' | 'cooling'} kind '' when the fleet is working.
 * @property {string} until for cooling: the earliest time a waiting row may be taken again.
 * @property {number} waiting rows waiting for their retry time.
 */

/**
 * @param {unknown[]} ids cells of a source ID column.
 * @return {Object<string, number>} rows per source ID.
 */
function countBySource_(ids) {
  /** @type {Object<string, number>} */
  const counts = {};
  for (const cell of ids) {
    const id = cellText_(cell).trim();
    if (id !== '') counts[id] = (counts[id] || 0) + 1;
  }
  return counts;
}

/**
 * Progress per source: the tasks of each source by where they are.
 *
 * @param {RowRecord[]} sources rows of Sources, then of Sources History (newest last).
 * @param {Set<string>} finished IDs of the sources that are in Sources History.
 * @param {{sourceIds: unknown[], statuses: unknown[]}} tasks the Tasks tab's two columns.
 * @param {Object<string, number>} done tasks per source in Tasks History.
 * @param {Object<string, number>} failed tasks per source in Tasks DLQ.
 * @return {SourceProgress[]}
 */
function sourceProgress_(sources, finished, tasks, done, failed) {
  /** @type {Object<string, {pending: number, running: number}>} */
  const live = {};
  tasks.sourceIds.forEach((cell, i) => {
    const id = cellText_(cell).trim();
    if (id === '') return;
    const status = cellText_(tasks.statuses[i]).trim().toUpperCase();
    if (!live[id]) live[id] = { pending: 0, running: 0 };
    const entry = live[id];
    if (status === 'CLAIMED') entry.running += 1;
    else if (status === 'PENDING' || status === '') entry.pending += 1;
  });
  /** @type {Map<string, SourceProgress>} */
  const byId = new Map();
  for (const record of sources) {
    const id = cellText_(record.id).trim();
    if (id === '' || byId.has(id)) continue;
    byId.set(id, {
      id,
      name: clip_(record.name, 200),
      url: clip_(record.url, 500),
      status: finished.has(id) ? 'DONE' : cellText_(record.status).trim().toUpperCase(),
      pending: live[id] ? live[id].pending : 0,
      running: live[id] ? live[id].running : 0,
      done: done[id] || 0,
      failed: failed[id] || 0,
    });
  }
  const all = [...byId.values()];
  const open = all.filter((p) => !finished.has(p.id));
  const closed = all.filter((p) => finished.has(p.id)).reverse();
  return [...open, ...closed].slice(0, SOURCES_SHOWN);
}

/**
 * Throughput and ETA from the completion times in Tasks History.
 *
 * @param {unknown[]} completedAt Completed At cells (text timestamps).
 * @param {number} remaining tasks pending or running.
 * @param {number} nowMs
 * @return {Throughput}
 */
function throughput_(completedAt, remaining, nowMs) {
  const buckets = new Array(THROUGHPUT_BUCKETS).fill(0);
  let perHour = 0;
  for (const cell of completedAt) {
    const at = parseTimestamp_(cell);
    if (Number.isNaN(at) || at > nowMs) continue;
    const age = nowMs - at;
    if (age < 3600 * 1000) perHour += 1;
    const slot = THROUGHPUT_BUCKETS - 1 - Math.floor(age / THROUGHPUT_BUCKET_MS);
    if (slot >= 0) buckets[slot] += 1;
  }
  const etaSeconds = perHour > 0 ? Math.round((remaining / perHour) * 3600) : null;
  return { buckets, perHour, remaining, etaSeconds: remaining === 0 ? 0 : etaSeconds };
}

/**
 * The banner over the dashboard: no live worker, or a fleet that waits (every waiting row has
 * a retry time in the future and none is being worked on).
 *
 * @param {WorkerView[]} workers
 * @param {unknown[]} leases Lease cells of the Tasks tab.
 * @param {number} nowMs
 * @return {FleetBanner}
 */
function fleetBanner_(workers, leases, nowMs) {
  if (!workers.some((w) => w.state === 'active'))
    return { kind: 'no_workers', until: '', waiting: 0 };
  let claimed = 0;
  let ready = 0;
  let earliest = Number.POSITIVE_INFINITY;
  for (const cell of leases) {
    const parts = cellText_(cell).trim().split(SCHEMA.leaseSeparator);
    if (parts[0] === 'CLAIMED') claimed += 1;
    if (parts[0] !== 'PENDING') continue;
    const notBefore = Number(parts[4]) * 1000;
    if (Number.isFinite(notBefore) && notBefore > nowMs) earliest = Math.min(earliest, notBefore);
    else ready += 1;
  }
  if (claimed === 0 && ready === 0 && Number.isFinite(earliest)) {
    const waiting = leases.filter((c) => cellText_(c).startsWith('PENDING')).length;
    return { kind: 'cooling', until: isoSeconds_(earliest), waiting };
  }
  return { kind: '', until: '', waiting: 0 };
}

/**
 * @typedef {Object} InvalidView
 * @property {string} tab
 * @property {string} id
 * @property {string} url
 * @property {string} reason
 */

/**
 * INVALID sources, with their reason, from Sources and Sources DLQ.
 *
 * @param {string} tab
 * @param {RowRecord[]} records
 * @return {InvalidView[]}
 */
function invalidViews_(tab, records) {
  return records
    .filter((r) => cellText_(r.status).trim().toUpperCase() === 'INVALID')
    .map((r) => ({
      tab,
      id: cellText_(r.id).trim(),
      url: clip_(r.url, 500),
      reason: clip_(r.error, DLQ_ERROR_CHARS) || 'no reason recorded',
    }));
}

/**
 * The kind of an error, for the DLQ filter: the row's Error Class when the agent wrote one
 * (private, bot_check, timeout...), else its text up to the first colon, or its first words.
 *
 * @param {unknown} error
 * @param {unknown} [errorClass] the Error Class cell (Tasks DLQ only).
 * @return {string}
 */
function errorKind_(error, errorClass) {
  const cls = cellText_(errorClass).trim();
  if (cls !== '') return clip_(cls, 40);
  const text = cellText_(error).trim();
  if (text === '') return 'no error';
  const colon = text.indexOf(':');
  const head =
    colon > 0 && colon <= 40 ? text.slice(0, colon) : text.split(/\s+/).slice(0, 3).join(' ');
  return clip_(head, 40);
}

/**
 * Whether a DLQ row matches the sidebar's search text and error filter.
 *
 * @param {RowRecord} record
 * @param {string} text searched in the ID, URL, name and error, case aside ('' matches all).
 * @param {string} kind an errorKind_ value ('' matches all).
 * @return {boolean}
 */
function dlqMatches_(record, text, kind) {
  if (kind && errorKind_(record.error, record.error_class) !== kind) return false;
  const needle = text.trim().toLowerCase();
  if (needle === '') return true;
  return ['id', 'url', 'name', 'error'].some((k) =>
    cellText_(record[k]).toLowerCase().includes(needle),
  );
}
