// Pure logic of a requeue: which DLQ rows go back to their queue tab, in what state, and which
// rows to delete afterwards (found by ID, bottom-up, in runs). No service calls.

/**
 * @typedef {Object} RequeuePlan
 * @property {RowRecord[]} append records to append to the queue tab, in request order.
 * @property {string[]} remove IDs to delete from the DLQ tab.
 * @property {string[]} requeued IDs now queued (appended now, or found already queued).
 * @property {{id: string, reason: string}[]} skipped IDs not requeued, with a reason.
 */

/**
 * Plans a requeue: every requested ID found in the DLQ goes back to the queue once, with its
 * attempts reset and its error cleared, and leaves the DLQ. An ID the queue already holds as a
 * live row (a requeue interrupted before its DLQ delete) is not appended again. An ID whose
 * queue row is DONE or FAILED is still on its way out of the queue (an agent removes it right
 * after writing the DLQ row): it is skipped and stays in the DLQ, to be requeued a moment later.
 *
 * @param {string[]} ids requested IDs.
 * @param {RowRecord[]} dlqRecords the DLQ tab's rows.
 * @param {unknown[]} queueIds the ID cells of the queue tab.
 * @param {unknown[]=} queueLeases the Lease cells of the queue tab, row for row.
 * @return {RequeuePlan}
 */
function planRequeue_(ids, dlqRecords, queueIds, queueLeases = []) {
  const queued = new Set();
  const leaving = new Set();
  queueIds.forEach((cell, i) => {
    const id = cellText_(cell).trim();
    const lease = cellText_(queueLeases[i]);
    // A tombstone (Lease cell = the Lease header) is a moved row waiting to be removed: it
    // keeps its ID cell, but the task is no longer queued there.
    if (isTombstoneLease_(lease)) return;
    const state = lease.split(SCHEMA.leaseSeparator)[0];
    (state === 'DONE' || state === 'FAILED' ? leaving : queued).add(id);
  });
  /** @type {Map<string, RowRecord>} */
  const inDlq = new Map();
  for (const record of dlqRecords) {
    const id = unmarkedId_(record.id);
    if (id !== '' && !inDlq.has(id)) inDlq.set(id, record);
  }
  /** @type {RequeuePlan} */
  const plan = { append: [], remove: [], requeued: [], skipped: [] };
  const done = new Set();
  for (const raw of ids) {
    const id = unmarkedId_(raw);
    if (id === '' || done.has(id)) continue;
    done.add(id);
    const record = inDlq.get(id);
    if (!record) {
      plan.skipped.push({ id, reason: 'not_in_dlq' });
      continue;
    }
    if (leaving.has(id) && !queued.has(id)) {
      plan.skipped.push({ id, reason: 'leaving_queue' });
      continue;
    }
    if (!queued.has(id)) plan.append.push(requeuedRecord_(record, id));
    plan.remove.push(id);
    plan.requeued.push(id);
  }
  return plan;
}

/**
 * Whether a Lease cell marks a tombstone: it holds the Lease header's text (either language).
 *
 * @param {string} lease the Lease cell's text.
 * @return {boolean}
 */
function isTombstoneLease_(lease) {
  return Object.values(SCHEMA.tabs).some((tab) =>
    tab.columns.some((c) => c.key === 'lease' && (c.en === lease || c.pt === lease)),
  );
}

/**
 * The queue row for a DLQ row: its data kept, its processing state reset.
 *
 * @param {RowRecord} dlqRecord
 * @param {string} id
 * @return {RowRecord}
 */
function requeuedRecord_(dlqRecord, id) {
  /** @type {RowRecord} */
  const record = {};
  for (const key of Object.keys(dlqRecord)) {
    if (!STATE_KEYS.includes(key)) record[key] = dlqRecord[key];
  }
  return { ...record, ...queuedState_(id) };
}

/**
 * The ID in a DLQ ID cell, without the mark an interrupted agent-side requeue leaves on the
 * rows it was about to remove (`requeuing:<id>`, see agent/coordination/enqueue.py).
 *
 * @param {unknown} cell
 * @return {string}
 */
function unmarkedId_(cell) {
  const text = cellText_(cell).trim();
  return text.startsWith(SCHEMA.requeueMark) ? text.slice(SCHEMA.requeueMark.length) : text;
}

/**
 * 1-based row numbers (row 1 is the header) of the cells holding one of the IDs (marked or
 * not), bottom first, so that deleting them in order never shifts a row still to be deleted.
 * With `counts`, only the topmost `counts[id]` rows of an ID are taken: the rows the requeue
 * read. Agents only append to a DLQ, so a row of the same task dead-lettered again meanwhile
 * is below them, and stays.
 *
 * @param {unknown[]} idColumn the ID cells from row 2 down.
 * @param {string[]} ids
 * @param {Object<string, number>=} counts how many rows of each ID to take, topmost first.
 * @return {number[]}
 */
function rowsToDelete_(idColumn, ids, counts) {
  const wanted = new Set(ids);
  /** @type {Object<string, number>} */
  const taken = {};
  /** @type {number[]} */
  const rows = [];
  idColumn.forEach((cell, i) => {
    const id = unmarkedId_(cell);
    if (!wanted.has(id)) return;
    taken[id] = (taken[id] || 0) + 1;
    if (!counts || taken[id] <= (counts[id] || 0)) rows.push(i + 2);
  });
  return rows.reverse();
}

/**
 * How many rows hold each ID (marked or not), from a tab's records.
 *
 * @param {RowRecord[]} records
 * @return {Object<string, number>}
 */
function idCounts_(records) {
  /** @type {Object<string, number>} */
  const counts = {};
  for (const record of records) {
    const id = unmarkedId_(record.id);
    if (id !== '') counts[id] = (counts[id] || 0) + 1;
  }
  return counts;
}

/**
 * Groups descending row numbers into runs of adjacent rows, for deleteRows(start, count).
 *
 * @param {number[]} rowsDescending
 * @return {{start: number, count: number}[]} bottom run first.
 */
function rowRuns_(rowsDescending) {
  /** @type {{start: number, count: number}[]} */
  const runs = [];
  for (const row of rowsDescending) {
    const last = runs[runs.length - 1];
    if (last && last.start === row + 1) {
      last.start = row;
      last.count += 1;
    } else {
      runs.push({ start: row, count: 1 });
    }
  }
  return runs;
}
