// The thin layer between the add-on and SpreadsheetApp: open a tab, find its columns by header
// text (English or Portuguese), read rows as records, append, write state cells, delete by ID.
// Row numbers never outlive one locked execution: rows are always found again by ID.

/**
 * @typedef {Object} Table
 * @property {string} title
 * @property {GoogleAppsScript.Spreadsheet.Sheet} sheet
 * @property {ColumnIndex} columns
 */

/** Milliseconds to wait for the document lock in a menu action or sidebar call. */
const LOCK_WAIT_MS = 30000;

/** @return {GoogleAppsScript.Spreadsheet.Spreadsheet} the spreadsheet the script is bound to. */
function activeSpreadsheet_() {
  return SpreadsheetApp.getActiveSpreadsheet();
}

/**
 * Opens a tab and indexes its header row.
 *
 * @param {string} title
 * @return {Table | null} null when the spreadsheet has no such tab.
 */
function openTable_(title) {
  const sheet = activeSpreadsheet_().getSheetByName(title);
  if (!sheet) return null;
  const width = sheet.getLastColumn();
  const header = width > 0 ? sheet.getRange(1, 1, 1, width).getValues()[0] : [];
  return { title, sheet, columns: indexColumns_(title, header) };
}

/**
 * Opens a tab that must exist and have the given columns.
 *
 * @param {string} title
 * @param {ReadonlyArray<string>} keys
 * @return {Table}
 */
function requireTable_(title, keys) {
  const table = openTable_(title);
  if (!table) {
    throw new Error(`The spreadsheet has no "${title}" tab: run \`orc init\` to create it.`);
  }
  requireColumns_(table.columns, keys);
  return table;
}

/**
 * @param {Table} table
 * @return {number} the number of rows below the header row.
 */
function dataRowCount_(table) {
  return Math.max(0, table.sheet.getLastRow() - 1);
}

/**
 * Reads every row below the header, as records of the known columns.
 *
 * @param {Table} table
 * @return {RowRecord[]}
 */
function readRecords_(table) {
  const rows = dataRowCount_(table);
  const width = Math.max(1, table.columns.width);
  if (rows === 0) return [];
  const values = table.sheet.getRange(2, 1, rows, width).getValues();
  return values.map((row) => rowToRecord_(table.columns, row));
}

/**
 * Reads one known column below the header.
 *
 * @param {Table} table
 * @param {string} key
 * @return {unknown[]}
 */
function readColumn_(table, key) {
  const rows = dataRowCount_(table);
  if (rows === 0) return [];
  const column = table.columns.index[key] + 1;
  return table.sheet
    .getRange(2, column, rows, 1)
    .getValues()
    .map((row) => row[0]);
}

/**
 * Reads the last `limit` rows below the header, as records (bounded reads for the dashboard).
 *
 * @param {Table} table
 * @param {number} limit
 * @return {{records: RowRecord[], total: number}} the rows, oldest first, and how many exist.
 */
function readTail_(table, limit) {
  const total = dataRowCount_(table);
  const count = Math.min(total, limit);
  if (count === 0) return { records: [], total };
  const width = Math.max(1, table.columns.width);
  const values = table.sheet.getRange(total - count + 2, 1, count, width).getValues();
  return { records: values.map((row) => rowToRecord_(table.columns, row)), total };
}

/**
 * Reads the last `limit` cells of one known column below the header.
 *
 * @param {Table} table
 * @param {string} key
 * @param {number} limit
 * @return {unknown[]}
 */
function readColumnTail_(table, key, limit) {
  if (!(key in table.columns.index)) return [];
  const total = dataRowCount_(table);
  const count = Math.min(total, limit);
  if (count === 0) return [];
  return table.sheet
    .getRange(total - count + 2, table.columns.index[key] + 1, count, 1)
    .getValues()
    .map((row) => row[0]);
}

/**
 * Appends a record as a new last row. appendRow finds the end of the data on the server, in
 * the same call, so a row appended by someone else in between is never overwritten.
 *
 * @param {Table} table
 * @param {RowRecord} record
 */
function appendRecord_(table, record) {
  table.sheet.appendRow(recordToRow_(table.columns, record));
}

/**
 * Writes some known columns of a block of adjacent rows, one call per column, leaving every
 * other column (people's own included) untouched.
 *
 * @param {Table} table
 * @param {number} firstRow 1-based.
 * @param {RowRecord[]} records one per row, top to bottom.
 * @param {ReadonlyArray<string>} keys columns to write (those the tab lacks are skipped).
 */
function writeColumns_(table, firstRow, records, keys) {
  if (records.length === 0) return;
  for (const key of keys) {
    if (!(key in table.columns.index)) continue;
    const values = records.map((r) => [sheetText_(key in r ? r[key] : '')]);
    table.sheet
      .getRange(firstRow, table.columns.index[key] + 1, values.length, 1)
      .setValues(values);
  }
}

/**
 * Deletes the rows whose ID is one of `ids` (with `counts`, only the topmost `counts[id]` of
 * each). The ID column is read again right here, so the rows are found where they are now;
 * the caller holds the document lock.
 *
 * @param {Table} table
 * @param {string[]} ids
 * @param {Object<string, number>=} counts
 * @return {number} rows deleted.
 */
function deleteRowsWithIds_(table, ids, counts) {
  if (ids.length === 0) return 0;
  const sheet = table.sheet;
  const rows = rowsToDelete_(readColumn_(table, 'id'), ids, counts);
  // Sheets refuses to delete every row that is not frozen: keep one spare row.
  const max = sheet.getMaxRows();
  if (rows.length > 0 && max - sheet.getFrozenRows() - rows.length < 1) {
    sheet.insertRowsAfter(max, 1);
  }
  for (const run of rowRuns_(rows)) {
    sheet.deleteRows(run.start, run.count);
  }
  return rows.length;
}

/**
 * Runs `work` holding the document lock, which serialises this script's executions on this
 * spreadsheet (not the Python agents: they rely on compare-and-set cells instead).
 *
 * @template T
 * @param {function(): T} work
 * @param {number=} waitMs
 * @return {T}
 */
function withDocumentLock_(work, waitMs) {
  const lock = LockService.getDocumentLock();
  if (!lock) throw new Error('No document lock: the script must be bound to the spreadsheet.');
  if (!lock.tryLock(waitMs === undefined ? LOCK_WAIT_MS : waitMs)) {
    throw new Error('Another change to the spreadsheet is in progress: try again in a moment.');
  }
  try {
    const result = work();
    SpreadsheetApp.flush();
    return result;
  } finally {
    lock.releaseLock();
  }
}
