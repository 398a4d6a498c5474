// Pure logic of the tabs' rows: the schema's tabs and columns, header indexing, records and
// cell text, and the state a queued row starts with. Plain values in, plain values out, no Apps
// Script service calls; unit-tested in Node (tests/js/).

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

/** @return {RowRecord} every state column empty. */
function blankState_() {
  /** @type {RowRecord} */
  const state = {};
  for (const key of STATE_KEYS) state[key] = '';
  return state;
}
