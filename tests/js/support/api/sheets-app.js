// SpreadsheetApp backed by the Sheets API (the emulator): Spreadsheet, Sheet, Range and
// TextFinder with the real service's semantics where the add-on depends on them. Every method
// reads or writes the spreadsheet at the moment it is called, so rows move under the script
// when an agent deletes some, exactly as on the platform. Each class implements the part of
// @types/google-apps-script the add-on uses, so their signatures cannot drift.

const { columnLetters, quoteTitle } = require('./sheets-api');

/** @typedef {import('./sheets-api').SheetsApi} SheetsApi */
/** @typedef {{method: string, sheet: string, locked: boolean, hold: number}} CallEntry */
/**
 * @typedef {Object} AppContext
 * @property {SheetsApi} api
 * @property {function(string, string): void} record tells the runtime about one service call.
 * @property {{toasts: {message: string, title: string | undefined}[], active: string | null,
 *   selection: string[]}} ui the state a person's session has (toasts, active tab, selection).
 */

/**
 * The platform object a fake stands for (the fake implements only what the add-on uses).
 *
 * @template T
 * @param {unknown} fake
 * @return {T}
 */
function gas(fake) {
  return /** @type {T} */ (fake);
}

/**
 * @param {{red?: number, green?: number, blue?: number} | undefined} colour
 * @return {string} '#rrggbb' (white when unset, as getBackgrounds reports).
 */
function hexColour(colour) {
  if (!colour) return '#ffffff';
  const part = (/** @type {number | undefined} */ v) =>
    Math.round((v ?? 0) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${part(colour.red)}${part(colour.green)}${part(colour.blue)}`;
}

/**
 * @param {string} hex '#rrggbb'
 * @return {{red: number, green: number, blue: number}}
 */
function rgbColour(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`Invalid color: ${hex}`);
  return {
    red: parseInt(m[1], 16) / 255,
    green: parseInt(m[2], 16) / 255,
    blue: parseInt(m[3], 16) / 255,
  };
}

/**
 * The ExtendedValue appendRow stores for a value: a string is parsed as if typed (a leading
 * apostrophe forces text and is not stored; `=` starts a formula; numbers and TRUE/FALSE are
 * read as such). Date-looking text stays text here; the add-on never appends such text
 * unprotected (sheetText_).
 *
 * @param {unknown} value
 * @return {Object<string, unknown>}
 */
function typedValue(value) {
  if (value === null || value === undefined || value === '') return {};
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  const text = value instanceof Date ? value.toISOString() : String(value);
  if (text.startsWith("'")) return { stringValue: text.slice(1) };
  if (text.startsWith('=')) return { formulaValue: text };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { numberValue: Number(text) };
  if (/^(true|false)$/i.test(text)) return { boolValue: text.toUpperCase() === 'TRUE' };
  return { stringValue: text };
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.TextFinder, 'matchCase' | 'matchEntireCell'
 *   | 'useRegularExpression' | 'replaceAllWith' | 'findAll'>}
 */
class ApiTextFinder {
  /**
   * @param {ApiRange} range
   * @param {string} text
   */
  constructor(range, text) {
    this.range = range;
    this.text = text;
    this.options = { matchCase: false, matchEntireCell: false, searchByRegex: false };
  }

  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['matchCase']} */
  matchCase(matchCase) {
    this.options.matchCase = matchCase;
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['matchEntireCell']} */
  matchEntireCell(matchEntireCell) {
    this.options.matchEntireCell = matchEntireCell;
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['useRegularExpression']} */
  useRegularExpression(useRegEx) {
    this.options.searchByRegex = useRegEx;
    return gas(this);
  }

  /**
   * One findReplace request over the range: the server compares and replaces in one step,
   * which is what makes it a compare-and-set.
   *
   * @type {GoogleAppsScript.Spreadsheet.TextFinder['replaceAllWith']}
   */
  replaceAllWith(replaceText) {
    const sheet = this.range.sheet;
    const [reply] = sheet.ctx.api.batchUpdate([
      {
        findReplace: {
          find: this.text,
          replacement: replaceText,
          range: this.range.gridRange(),
          includeFormulas: false,
          ...this.options,
        },
      },
    ]);
    sheet.ctx.record('replaceAllWith', sheet.title);
    return reply?.findReplace?.occurrencesChanged ?? 0;
  }

  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['findAll']} */
  findAll() {
    const shown = this.range.readValues('FORMATTED_VALUE');
    const flags = this.options.matchCase ? '' : 'i';
    const source = this.options.searchByRegex
      ? this.text
      : this.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(this.options.matchEntireCell ? `^(?:${source})$` : source, flags);
    /** @type {GoogleAppsScript.Spreadsheet.Range[]} */
    const found = [];
    shown.forEach((row, r) => {
      row.forEach((cell, c) => {
        const text = String(cell ?? '');
        if (text !== '' && pattern.test(text)) {
          found.push(
            gas(new ApiRange(this.range.sheet, this.range.row + r, this.range.column + c, 1, 1)),
          );
        }
      });
    });
    return found;
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Range, 'getRow' | 'getColumn' | 'getLastRow'
 *   | 'getLastColumn' | 'getNumRows' | 'getNumColumns' | 'getSheet' | 'getA1Notation'
 *   | 'getValues' | 'getValue' | 'getDisplayValues' | 'setValues' | 'setValue' | 'clearContent'
 *   | 'getNotes' | 'getNote' | 'setNotes' | 'setNote' | 'getBackgrounds' | 'getBackground'
 *   | 'setBackgrounds' | 'setBackground' | 'createTextFinder' | 'activate'>}
 */
class ApiRange {
  /**
   * @param {ApiSheet} sheet
   * @param {number} row
   * @param {number} column
   * @param {number} numRows
   * @param {number} numColumns
   */
  constructor(sheet, row, column, numRows, numColumns) {
    if (row < 1 || column < 1 || numRows < 1 || numColumns < 1) {
      throw new Error('The coordinates of the range are outside the dimensions of the sheet.');
    }
    this.sheet = sheet;
    this.row = row;
    this.column = column;
    this.numRows = numRows;
    this.numColumns = numColumns;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getRow']} */
  getRow() {
    return this.row;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getColumn']} */
  getColumn() {
    return this.column;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getLastRow']} */
  getLastRow() {
    return this.row + this.numRows - 1;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getLastColumn']} */
  getLastColumn() {
    return this.column + this.numColumns - 1;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getNumRows']} */
  getNumRows() {
    return this.numRows;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getNumColumns']} */
  getNumColumns() {
    return this.numColumns;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getSheet']} */
  getSheet() {
    return gas(this.sheet);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getA1Notation']} */
  getA1Notation() {
    const start = `${columnLetters(this.column)}${this.row}`;
    if (this.numRows === 1 && this.numColumns === 1) return start;
    return `${start}:${columnLetters(this.getLastColumn())}${this.getLastRow()}`;
  }

  /** @return {string} the A1 notation with the sheet's title, for the API. */
  a1() {
    return `${quoteTitle(this.sheet.title)}!${this.getA1Notation()}`;
  }

  /** @return {Object<string, number>} the GridRange of this range. */
  gridRange() {
    return {
      sheetId: this.sheet.sheetId,
      startRowIndex: this.row - 1,
      endRowIndex: this.row - 1 + this.numRows,
      startColumnIndex: this.column - 1,
      endColumnIndex: this.column - 1 + this.numColumns,
    };
  }

  /**
   * @template T
   * @param {unknown[][]} values as the API returned them (trailing blanks trimmed).
   * @param {function(unknown): T} fill
   * @return {T[][]} a full numRows x numColumns grid.
   */
  pad(values, fill) {
    return Array.from({ length: this.numRows }, (_, r) =>
      Array.from({ length: this.numColumns }, (_, c) => fill(values[r]?.[c])),
    );
  }

  /**
   * @param {'UNFORMATTED_VALUE' | 'FORMATTED_VALUE' | 'FORMULA'} render
   * @return {unknown[][]}
   */
  readValues(render) {
    return this.pad(this.sheet.ctx.api.getValues(this.a1(), render), (v) => v ?? '');
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getValues']} */
  getValues() {
    const values = this.readValues('UNFORMATTED_VALUE');
    this.sheet.ctx.record('getValues', this.sheet.title);
    return /** @type {any[][]} */ (values);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getValue']} */
  getValue() {
    return this.getValues()[0][0];
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getDisplayValues']} */
  getDisplayValues() {
    const values = this.readValues('FORMATTED_VALUE').map((row) => row.map(String));
    this.sheet.ctx.record('getDisplayValues', this.sheet.title);
    return values;
  }

  /**
   * @param {unknown[][]} grid
   * @param {string} what
   */
  checkShape(grid, what) {
    if (!Array.isArray(grid) || grid.length !== this.numRows) {
      throw new Error(
        `${what}: the number of rows in the data does not match the number of rows in the range. The data has ${grid?.length} but the range has ${this.numRows}.`,
      );
    }
    for (const row of grid) {
      if (!Array.isArray(row) || row.length !== this.numColumns) {
        throw new Error(
          `${what}: the number of columns in the data does not match the number of columns in the range. The data has ${row?.length} but the range has ${this.numColumns}.`,
        );
      }
    }
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setValues']} */
  setValues(values) {
    this.checkShape(values, 'setValues');
    const cells = values.map((row) =>
      row.map((v) =>
        v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : v,
      ),
    );
    this.sheet.ctx.api.updateValues(this.a1(), cells);
    this.sheet.ctx.record('setValues', this.sheet.title);
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setValue']} */
  setValue(value) {
    return this.setValues(this.pad([], () => value));
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['clearContent']} */
  clearContent() {
    this.sheet.ctx.api.clearValues(this.a1());
    this.sheet.ctx.record('clearContent', this.sheet.title);
    return gas(this);
  }

  /**
   * @param {string} fields CellData fields to read.
   * @return {Object<string, any>[][]} the CellData of each cell ({} when empty).
   */
  readCells(fields) {
    const json = this.sheet.ctx.api.get(`sheets.data.rowData.values(${fields})`, [this.a1()]);
    const rows = json.sheets?.[0]?.data?.[0]?.rowData ?? [];
    return this.pad(
      rows.map((/** @type {any} */ r) => r.values ?? []),
      (v) => /** @type {Object<string, any>} */ (v ?? {}),
    );
  }

  /**
   * @param {unknown[][]} grid
   * @param {string} what
   * @param {string} fields
   * @param {function(unknown): Object<string, unknown>} cell
   */
  writeCells(grid, what, fields, cell) {
    this.checkShape(grid, what);
    this.sheet.ctx.api.batchUpdate([
      {
        updateCells: {
          range: this.gridRange(),
          rows: grid.map((row) => ({ values: row.map(cell) })),
          fields,
        },
      },
    ]);
    this.sheet.ctx.record(what, this.sheet.title);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getNotes']} */
  getNotes() {
    const notes = this.readCells('note').map((row) => row.map((c) => String(c.note ?? '')));
    this.sheet.ctx.record('getNotes', this.sheet.title);
    return notes;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getNote']} */
  getNote() {
    return this.getNotes()[0][0];
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setNotes']} */
  setNotes(notes) {
    this.writeCells(notes, 'setNotes', 'note', (v) =>
      v === null || v === undefined || v === '' ? {} : { note: String(v) },
    );
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setNote']} */
  setNote(note) {
    return this.setNotes(this.pad([], () => note));
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getBackgrounds']} */
  getBackgrounds() {
    const colours = this.readCells('userEnteredFormat.backgroundColor').map((row) =>
      row.map((c) => hexColour(c.userEnteredFormat?.backgroundColor)),
    );
    this.sheet.ctx.record('getBackgrounds', this.sheet.title);
    return colours;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['getBackground']} */
  getBackground() {
    return this.getBackgrounds()[0][0];
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setBackgrounds']} */
  setBackgrounds(color) {
    this.writeCells(color, 'setBackgrounds', 'userEnteredFormat.backgroundColor', (v) =>
      v === null || v === undefined || v === ''
        ? {}
        : { userEnteredFormat: { backgroundColor: rgbColour(String(v)) } },
    );
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['setBackground']} */
  setBackground(color) {
    return this.setBackgrounds(this.pad([], () => color));
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['createTextFinder']} */
  createTextFinder(findText) {
    return gas(new ApiTextFinder(this, findText));
  }

  /** @type {GoogleAppsScript.Spreadsheet.Range['activate']} */
  activate() {
    this.sheet.ctx.ui.active = this.sheet.title;
    this.sheet.ctx.ui.selection = [this.getA1Notation()];
    return gas(this);
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Sheet, 'getName' | 'getParent' | 'getSheetId'
 *   | 'getLastRow' | 'getLastColumn' | 'getMaxRows' | 'getMaxColumns' | 'getFrozenRows'
 *   | 'getRange' | 'getDataRange' | 'appendRow' | 'deleteRows' | 'deleteRow' | 'insertRowsAfter'
 *   | 'insertRowsBefore' | 'activate'>}
 */
class ApiSheet {
  /**
   * @param {ApiSpreadsheet} spreadsheet
   * @param {number} sheetId
   * @param {string} title
   */
  constructor(spreadsheet, sheetId, title) {
    this.spreadsheet = spreadsheet;
    this.ctx = spreadsheet.ctx;
    this.sheetId = sheetId;
    this.title = title;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getName']} */
  getName() {
    return this.title;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getParent']} */
  getParent() {
    return gas(this.spreadsheet);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getSheetId']} */
  getSheetId() {
    return this.sheetId;
  }

  /** @return {{rowCount: number, columnCount: number, frozenRowCount?: number}} */
  grid() {
    const props = this.spreadsheet.sheetProps().find((p) => p.sheetId === this.sheetId);
    if (!props) throw new Error(`The sheet "${this.title}" no longer exists.`);
    return props.gridProperties;
  }

  /**
   * Values with formulas as written (a formula that shows "" still counts as content, as
   * getLastRow counts it), trailing empty rows and cells trimmed by the API.
   *
   * @return {unknown[][]}
   */
  contentGrid() {
    return this.ctx.api.getValues(quoteTitle(this.title), 'FORMULA');
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getLastRow']} */
  getLastRow() {
    const rows = this.contentGrid();
    this.ctx.record('getLastRow', this.title);
    return rows.length;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getLastColumn']} */
  getLastColumn() {
    const rows = this.contentGrid();
    this.ctx.record('getLastColumn', this.title);
    return rows.reduce((max, row) => Math.max(max, row.length), 0);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getMaxRows']} */
  getMaxRows() {
    return this.grid().rowCount;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getMaxColumns']} */
  getMaxColumns() {
    return this.grid().columnCount;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getFrozenRows']} */
  getFrozenRows() {
    return this.grid().frozenRowCount ?? 0;
  }

  /**
   * @param {number | string} rowOrA1
   * @param {number=} column
   * @param {number=} numRows
   * @param {number=} numColumns
   * @return {any} an ApiRange, as the platform's Range.
   */
  getRange(rowOrA1, column, numRows, numColumns) {
    if (typeof rowOrA1 === 'string') {
      const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(rowOrA1);
      if (!m) throw new Error(`Unsupported A1 notation: ${rowOrA1}`);
      const col = (/** @type {string} */ s) =>
        [...s].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
      const r = Number(m[2]);
      const c = col(m[1]);
      return new ApiRange(
        this,
        r,
        c,
        (m[4] ? Number(m[4]) : r) - r + 1,
        (m[3] ? col(m[3]) : c) - c + 1,
      );
    }
    return new ApiRange(this, rowOrA1, column ?? 1, numRows ?? 1, numColumns ?? 1);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getDataRange']} */
  getDataRange() {
    const rows = this.contentGrid();
    const width = rows.reduce((max, row) => Math.max(max, row.length), 0);
    return gas(new ApiRange(this, 1, 1, Math.max(1, rows.length), Math.max(1, width)));
  }

  /**
   * After the last row with content, in one request on the server (appendCells), so a row
   * someone else appended meanwhile is never overwritten.
   *
   * @type {GoogleAppsScript.Spreadsheet.Sheet['appendRow']}
   */
  appendRow(rowContents) {
    this.ctx.api.batchUpdate([
      {
        appendCells: {
          sheetId: this.sheetId,
          rows: [{ values: rowContents.map((v) => ({ userEnteredValue: typedValue(v) })) }],
          fields: 'userEnteredValue',
        },
      },
    ]);
    this.ctx.record('appendRow', this.title);
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['deleteRows']} */
  deleteRows(rowPosition, howMany) {
    this.ctx.api.batchUpdate([
      {
        deleteDimension: {
          range: {
            sheetId: this.sheetId,
            dimension: 'ROWS',
            startIndex: rowPosition - 1,
            endIndex: rowPosition - 1 + howMany,
          },
        },
      },
    ]);
    this.ctx.record('deleteRows', this.title);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['deleteRow']} */
  deleteRow(rowPosition) {
    this.deleteRows(rowPosition, 1);
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowsBefore']} */
  insertRowsBefore(beforePosition, howMany) {
    this.ctx.api.batchUpdate([
      {
        insertDimension: {
          range: {
            sheetId: this.sheetId,
            dimension: 'ROWS',
            startIndex: beforePosition - 1,
            endIndex: beforePosition - 1 + howMany,
          },
          inheritFromBefore: beforePosition > 1,
        },
      },
    ]);
    this.ctx.record('insertRows', this.title);
    return gas(this);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowsAfter']} */
  insertRowsAfter(afterPosition, howMany) {
    return this.insertRowsBefore(afterPosition + 1, howMany);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Sheet['activate']} */
  activate() {
    this.ctx.ui.active = this.title;
    return gas(this);
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Spreadsheet, 'getId' | 'getName' | 'getSheets'
 *   | 'getSheetByName' | 'getActiveSheet' | 'getActiveRangeList' | 'toast'
 *   | 'getSpreadsheetTimeZone'>}
 */
class ApiSpreadsheet {
  /** @param {AppContext} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    /** @type {{sheetId: number, title: string}[] | null} tabs, read once per execution */
    this.tabs = null;
  }

  /** @return {{sheetId: number, title: string, gridProperties: any}[]} */
  sheetProps() {
    const json = this.ctx.api.get('sheets.properties(sheetId,title,gridProperties)');
    const props = (json.sheets ?? []).map((/** @type {any} */ s) => s.properties);
    this.tabs = props.map((/** @type {any} */ p) => ({ sheetId: p.sheetId, title: p.title }));
    return props;
  }

  /**
   * The tabs' IDs and titles, read once per execution (the add-on neither adds nor renames
   * tabs; sizes and rows are always read afresh).
   *
   * @return {{sheetId: number, title: string}[]}
   */
  tabList() {
    if (this.tabs === null) this.sheetProps();
    return /** @type {{sheetId: number, title: string}[]} */ (this.tabs);
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getId']} */
  getId() {
    return this.ctx.api.spreadsheetId;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getName']} */
  getName() {
    return String(this.ctx.api.get('properties.title').properties?.title ?? '');
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSpreadsheetTimeZone']} */
  getSpreadsheetTimeZone() {
    return String(this.ctx.api.get('properties.timeZone').properties?.timeZone ?? 'Etc/UTC');
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSheets']} */
  getSheets() {
    return this.tabList().map((p) => gas(new ApiSheet(this, p.sheetId, p.title)));
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSheetByName']} */
  getSheetByName(name) {
    const props = this.tabList().find((p) => p.title === name);
    return props ? gas(new ApiSheet(this, props.sheetId, props.title)) : null;
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getActiveSheet']} */
  getActiveSheet() {
    const sheets = this.getSheets();
    const active = sheets.find((s) => s.getName() === this.ctx.ui.active);
    return active ?? sheets[0];
  }

  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getActiveRangeList']} */
  getActiveRangeList() {
    if (this.ctx.ui.selection.length === 0) return null;
    const sheet = /** @type {ApiSheet} */ (/** @type {unknown} */ (this.getActiveSheet()));
    const ranges = this.ctx.ui.selection.map((a1) => sheet.getRange(a1));
    return gas({ getRanges: () => ranges });
  }

  /**
   * @param {string} msg
   * @param {string=} title
   * @param {(number | null)=} _timeoutSeconds
   */
  toast(msg, title, _timeoutSeconds) {
    this.ctx.ui.toasts.push({ message: msg, title });
  }
}

module.exports = { ApiSpreadsheet, ApiSheet, ApiRange, ApiTextFinder, typedValue, hexColour };
