// Pure logic of the add-on: plain values in, plain values out, no Apps Script service calls.
// Everything here is unit-tested in Node (tests/js/).

/**
 * @typedef {Object} ColumnDef
 * @property {string} key stable key used in code.
 * @property {string} en English header.
 * @property {string} pt Portuguese header.
 *
 * @typedef {Object} TabDef
 * @property {string} role 'workers' | 'queue' | 'history' | 'dlq' | 'leader'.
 * @property {string} kind 'task' | 'source' | 'worker' | 'leader'.
 * @property {ColumnDef[]} columns
 *
 * @typedef {Object} ColumnIndex
 * @property {string} tab the tab title.
 * @property {Object<string, number>} index 0-based position of each known column found.
 * @property {'en' | 'pt'} language 'pt' when any Portuguese-only header was found.
 * @property {number} width the number of header cells read.
 *
 * @typedef {Object<string, any>} RowRecord values of one row by column key (user columns absent).
 */

/** Colour of a Sources URL cell that failed validation. */
const INVALID_HIGHLIGHT = '#f4cccc';
/** Every note the add-on writes starts with this, so that people's own notes are left alone. */
const NOTE_PREFIX = 'Orchestrator: ';
/** Columns of a queue row that describe its processing; cleared when its URL changes. */
const STATE_KEYS = Object.freeze([
  'id',
  'status',
  'attempts',
  'error',
  'lease',
  'claimed_at',
  'completed_at',
  'worker',
]);

/**
 * The definition of one tab from the generated schema.
 *
 * @param {string} title
 * @return {TabDef}
 */
function tabDef_(title) {
  const tabs = /** @type {Object<string, TabDef>} */ (SCHEMA.tabs);
  const def = tabs[title];
  if (!def) throw new Error(`Unknown tab "${title}"`);
  return def;
}

/**
 * Titles of the tabs with a role (and kind), in schema order.
 *
 * @param {string} role
 * @param {string=} kind
 * @return {string[]}
 */
function tabsWithRole_(role, kind) {
  const tabs = /** @type {Object<string, TabDef>} */ (SCHEMA.tabs);
  return Object.keys(tabs).filter(
    (title) => tabs[title].role === role && (!kind || tabs[title].kind === kind),
  );
}

/**
 * The one tab with a role and kind.
 *
 * @param {string} role
 * @param {string=} kind
 * @return {string}
 */
function tabWithRole_(role, kind) {
  const titles = tabsWithRole_(role, kind);
  if (titles.length !== 1) throw new Error(`No single ${role} tab for ${kind}`);
  return titles[0];
}

/** @return {string} the title of the Sources queue tab. */
function sourcesTab_() {
  return tabWithRole_('queue', 'source');
}

/** @return {string[]} titles of the dead-letter tabs. */
function dlqTabs_() {
  return tabsWithRole_('dlq');
}

/**
 * The queue tab that rows of a DLQ tab go back to.
 *
 * @param {string} dlqTitle
 * @return {string}
 */
function queueTabForDlq_(dlqTitle) {
  const def = tabDef_(dlqTitle);
  if (def.role !== 'dlq') throw new Error(`"${dlqTitle}" is not a DLQ tab`);
  return tabWithRole_('queue', def.kind);
}

/**
 * Finds each known column of a tab in its header row, by English or Portuguese header text.
 * Unknown (user) columns are ignored; a known header that appears twice is an error.
 *
 * @param {string} title tab title.
 * @param {unknown[]} headerRow the cells of row 1.
 * @return {ColumnIndex}
 */
function indexColumns_(title, headerRow) {
  const def = tabDef_(title);
  /** @type {Object<string, number>} */
  const seen = {};
  headerRow.forEach((cell, position) => {
    const text = cellText_(cell).trim();
    if (text === '') return;
    const known = def.columns.some((c) => c.en === text || c.pt === text);
    if (known && text in seen) {
      throw new Error(`Tab "${title}": header "${text}" appears twice`);
    }
    if (!(text in seen)) seen[text] = position;
  });
  /** @type {Object<string, number>} */
  const index = {};
  let portuguese = false;
  for (const column of def.columns) {
    if (column.en in seen) {
      index[column.key] = seen[column.en];
    } else if (column.pt in seen) {
      index[column.key] = seen[column.pt];
      portuguese = true;
    }
  }
  return { tab: title, index, language: portuguese ? 'pt' : 'en', width: headerRow.length };
}

/**
 * Throws an error naming the tab and the missing header when a needed column is absent.
 *
 * @param {ColumnIndex} columns
 * @param {ReadonlyArray<string>} keys
 */
function requireColumns_(columns, keys) {
  const def = tabDef_(columns.tab);
  for (const key of keys) {
    if (key in columns.index) continue;
    const column = def.columns.find((c) => c.key === key);
    const header = column ? column[columns.language] : key;
    throw new Error(
      `Tab "${columns.tab}" has no "${header}" column: run \`orc init\` to repair its headers.`,
    );
  }
}

/**
 * @param {ColumnIndex} columns
 * @param {unknown[]} row
 * @return {RowRecord} the known cells of a row by key (raw values).
 */
function rowToRecord_(columns, row) {
  /** @type {RowRecord} */
  const record = {};
  for (const key of Object.keys(columns.index)) {
    const value = row[columns.index[key]];
    record[key] = value === undefined || value === null ? '' : value;
  }
  return record;
}

/**
 * A full-width row for a record: known keys in their columns, '' elsewhere (user columns).
 * Text is protected with sheetText_ so that Sheets stores it as written.
 *
 * @param {ColumnIndex} columns
 * @param {RowRecord} record
 * @return {unknown[]}
 */
function recordToRow_(columns, record) {
  const row = new Array(Math.max(columns.width, 1)).fill('');
  for (const key of Object.keys(record)) {
    if (key in columns.index) row[columns.index[key]] = sheetText_(record[key]);
  }
  return row;
}

/**
 * A cell value as text: dates as ISO 8601 UTC, booleans as TRUE/FALSE, empty as ''.
 *
 * @param {unknown} value
 * @return {string}
 */
function cellText_(value) {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? '' : isoSeconds_(value.getTime());
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

/**
 * A value ready for Range.setValues/appendRow, which parse text the way a person's typing is
 * parsed: `=…` would become a formula, `0012` a number, `2026-11-29` a date. A leading
 * apostrophe makes Sheets keep such text exactly (the apostrophe itself is not stored).
 *
 * @param {unknown} value
 * @return {unknown}
 */
function sheetText_(value) {
  if (typeof value !== 'string' || value === '') return value;
  if (/^[=+\-@'$.(€£¥0-9]/.test(value) || /^(true|false)$/i.test(value)) {
    return `'${value}`;
  }
  return value;
}

/**
 * @param {unknown} text
 * @param {number} limit
 * @return {string} the text, cut to `limit` characters with an ellipsis.
 */
function clip_(text, limit) {
  const s = cellText_(text);
  return s.length <= limit ? s : `${s.slice(0, Math.max(0, limit - 1))}…`;
}

/**
 * @param {number} ms epoch milliseconds.
 * @return {string} ISO 8601 UTC without fractions, e.g. 2026-11-29T10:04:05Z.
 */
function isoSeconds_(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Parses an ISO 8601 timestamp (`2026-11-29T10:04:05Z`, fractions and offsets allowed).
 *
 * @param {unknown} value a cell value: text or a Date.
 * @return {number} epoch milliseconds, or NaN when the value is not such a timestamp.
 */
function parseTimestamp_(value) {
  if (value instanceof Date) return value.getTime();
  const text = cellText_(value).trim();
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  if (!iso.test(text)) return Number.NaN;
  return Date.parse(text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
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

/**
 * @param {string} id
 * @return {string} the Lease cell of a queued row (`PENDING|<id>|0|-|0`).
 */
function pendingLease_(id) {
  return SCHEMA.pendingLeaseTemplate.replace('{id}', id);
}

/**
 * The state columns of a row that waits in a queue tab.
 *
 * @param {string} id
 * @return {RowRecord}
 */
function queuedState_(id) {
  return {
    id,
    status: 'PENDING',
    attempts: 0,
    error: '',
    lease: pendingLease_(id),
    claimed_at: '',
    completed_at: '',
    worker: '',
  };
}

/**
 * @typedef {Object} EditedRow
 * @property {number} row 1-based row number (used only within one locked execution).
 * @property {unknown} url the URL cell after the edit.
 *
 * @typedef {Object} RowPlan
 * @property {number} row
 * @property {'clear' | 'queue' | 'invalid'} action
 * @property {RowRecord} state values for STATE_KEYS columns.
 * @property {string} note the note for the URL cell ('' for none).
 * @property {boolean} highlight whether the URL cell is highlighted.
 */

/**
 * Decides what onEdit writes for edited Sources rows.
 *
 * @param {EditedRow[]} edited rows whose URL cell was edited, top to bottom.
 * @param {string[]} takenKeys source keys (UrlVerdict.key) of the other queued rows.
 * @param {function(): string} newId returns a fresh UUID.
 * @return {RowPlan[]}
 */
function planSourceEdits_(edited, takenKeys, newId) {
  const taken = new Set(takenKeys);
  return edited.map(({ row, url }) => {
    if (cellText_(url).trim() === '') {
      return { row, action: 'clear', state: blankState_(), note: '', highlight: false };
    }
    const verdict = checkSourceUrl_(url);
    const reason = !verdict.ok ? verdict.reason : taken.has(verdict.key) ? 'duplicate' : '';
    if (reason) {
      const message = reasonMessage_(reason);
      // An ID but no lease: no agent claims the row, and the agents' duplicate-row cleanup
      // (which treats rows with neither ID nor lease as copies of each other) leaves it alone.
      const state = {
        ...blankState_(),
        id: newId(),
        status: 'INVALID',
        error: `${reason}: ${message}`,
      };
      return {
        row,
        action: 'invalid',
        state,
        note: `${NOTE_PREFIX}invalid source URL (${reason}). ${message}`,
        highlight: true,
      };
    }
    taken.add(verdict.key);
    return { row, action: 'queue', state: queuedState_(newId()), note: '', highlight: false };
  });
}

/** @return {RowRecord} every state column empty. */
function blankState_() {
  /** @type {RowRecord} */
  const state = {};
  for (const key of STATE_KEYS) state[key] = '';
  return state;
}

/**
 * @param {string} reason a reason code.
 * @return {string} its explanation.
 */
function reasonMessage_(reason) {
  const messages = /** @type {Object<string, string>} */ (URL_REASONS);
  return messages[reason] || reason;
}

/**
 * @typedef {Object} UrlCheck
 * @property {string} url
 * @property {boolean} ok
 * @property {string} reason
 * @property {string} message
 * @property {string} kind
 * @property {string} key
 */

/**
 * Validates a batch of URLs, marking repeats within the batch and sources already queued as
 * `duplicate`.
 *
 * @param {unknown[]} urls
 * @param {string[]} takenKeys keys of the sources already in the Sources tab.
 * @return {UrlCheck[]}
 */
function checkUrlBatch_(urls, takenKeys) {
  const taken = new Set(takenKeys);
  return urls.map((raw) => {
    const verdict = checkSourceUrl_(raw);
    let reason = verdict.reason;
    if (verdict.ok && taken.has(verdict.key)) reason = 'duplicate';
    if (verdict.ok) taken.add(verdict.key);
    return {
      url: verdict.url,
      ok: reason === '',
      reason,
      message: reason ? reasonMessage_(reason) : '',
      kind: reason ? '' : verdict.kind,
      key: verdict.key,
    };
  });
}

/**
 * Keys of the sources a Sources tab already holds (rows with a URL that is not INVALID).
 *
 * @param {RowRecord[]} records
 * @param {Set<number>=} skip indices of records to leave out.
 * @return {string[]}
 */
function takenSourceKeys_(records, skip) {
  /** @type {string[]} */
  const keys = [];
  records.forEach((record, i) => {
    if (skip && skip.has(i)) return;
    if (cellText_(record.status).trim().toUpperCase() === 'INVALID') return;
    const verdict = checkSourceUrl_(record.url);
    if (verdict.ok) keys.push(verdict.key);
  });
  return keys;
}

/**
 * Splits what a person pasted into URLs: one per line, or separated by spaces (a URL holds
 * none). Blank entries are dropped.
 *
 * @param {unknown} input a string, or an array of strings.
 * @return {string[]}
 */
function splitUrls_(input) {
  const items = Array.isArray(input) ? input : [input];
  /** @type {string[]} */
  const urls = [];
  for (const item of items) {
    for (const part of cellText_(item).split(/\s+/)) {
      if (part !== '') urls.push(part);
    }
  }
  return urls;
}

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
