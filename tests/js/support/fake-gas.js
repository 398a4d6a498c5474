// In-memory fakes of the Apps Script services the add-on uses: SpreadsheetApp (a spreadsheet
// with sheets, ranges, values, notes, backgrounds, selection, menus), LockService, HtmlService,
// Utilities, Session, Logger. They follow the real services' documented behaviour where the
// add-on depends on it (see comments), and record what happened so tests can assert on it.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const PROJECT_DIR = path.resolve(__dirname, '..', '..', '..', 'appsscript');

// The classes below implement the parts of @types/google-apps-script that the add-on uses
// (`@implements {Pick<…>}` plus the platform's signature on each method), so `npm run
// typecheck` fails when a fake's signature drifts from the real service's. A method that
// returns the platform's object for chaining returns the fake, cast with `gas()`.

/** @typedef {{value: any, note: string, background: string}} Cell */
/** @typedef {{method: string, sheet?: string, locked: boolean, [k: string]: unknown}} LogEntry */

/**
 * The fake as the platform type it stands for (the fakes implement only what the add-on uses).
 *
 * @template T
 * @param {unknown} fake
 * @return {T}
 */
function gas(fake) {
  return /** @type {T} */ (fake);
}

/** A formula that reached the sheet shows as an error value, so tests notice it. */
const FORMULA_VALUE = '#FORMULA!';

/**
 * What Sheets stores when a script writes `value` with setValue(s)/appendRow: strings are
 * parsed like typing, a leading apostrophe forces text (and is not stored), `=` starts a
 * formula, number- and boolean-looking text becomes a number or a boolean.
 */
/**
 * @param {unknown} value
 * @param {function(string): void} onFormula
 * @return {any}
 */
function entered(value, onFormula) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return value;
  if (value.startsWith("'")) return value.slice(1);
  if (value.startsWith('=')) {
    onFormula(value);
    return FORMULA_VALUE;
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^(true|false)$/i.test(value)) return value.toUpperCase() === 'TRUE';
  return value;
}

/** @return {Cell} */
function emptyCell() {
  return { value: '', note: '', background: '#ffffff' };
}

/**
 * @param {number} column
 * @return {string}
 */
function columnLetter(column) {
  let n = column;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/**
 * @param {string} a1
 * @return {[number, number, number, number]}
 */
function parseA1(a1) {
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(a1);
  if (!m) throw new Error(`Unsupported A1 notation in fake: ${a1}`);
  const col = (/** @type {string} */ letters) =>
    [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  const row = Number(m[2]);
  const column = col(m[1]);
  const lastRow = m[4] ? Number(m[4]) : row;
  const lastColumn = m[3] ? col(m[3]) : column;
  return [row, column, lastRow - row + 1, lastColumn - column + 1];
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Range, 'getRow' | 'getColumn' | 'getLastRow' | 'getLastColumn' | 'getNumRows'
 *   | 'getNumColumns' | 'getSheet' | 'getA1Notation' | 'getValues' | 'getValue'
 *   | 'getDisplayValues' | 'setValues' | 'setValue' | 'clearContent' | 'getNotes' | 'getNote'
 *   | 'setNotes' | 'setNote' | 'getBackgrounds' | 'getBackground' | 'setBackgrounds'
 *   | 'setBackground' | 'createTextFinder' | 'activate'>}
 */
class FakeRange {
  /**
   * @param {FakeSheet} sheet
   * @param {number} row
   * @param {number} column
   * @param {number} numRows
   * @param {number} numColumns
   */
  constructor(sheet, row, column, numRows, numColumns) {
    if (row < 1 || column < 1 || numRows < 1 || numColumns < 1) {
      throw new Error(`The coordinates of the range are outside the dimensions of the sheet.`);
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
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getLastRow']} */
  getLastRow() {
    return this.row + this.numRows - 1;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getLastColumn']} */
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getLastColumn']} */
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
    const start = `${columnLetter(this.column)}${this.row}`;
    if (this.numRows === 1 && this.numColumns === 1) return start;
    return `${start}:${columnLetter(this.getLastColumn())}${this.getLastRow()}`;
  }
  /**
   * @template T
   * @param {function(Cell): T} fn
   * @return {T[][]}
   */
  map(fn) {
    /** @type {T[][]} */
    const out = [];
    for (let r = 0; r < this.numRows; r++) {
      /** @type {T[]} */
      const row = [];
      for (let c = 0; c < this.numColumns; c++) {
        row.push(fn(this.sheet.cell(this.row + r, this.column + c)));
      }
      out.push(row);
    }
    return out;
  }
  /**
   * @param {unknown[][]} grid
   * @param {string} what
   * @param {function(Cell, any): void} fn
   * @return {any} this range, as the platform's Range.
   */
  write(grid, what, fn) {
    if (!Array.isArray(grid) || grid.length !== this.numRows) {
      throw new Error(
        `The number of rows in the data does not match the number of rows in the range. The data has ${grid?.length} but the range has ${this.numRows}.`,
      );
    }
    grid.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== this.numColumns) {
        throw new Error(
          `The number of columns in the data does not match the number of columns in the range. The data has ${row?.length} but the range has ${this.numColumns}.`,
        );
      }
      row.forEach((v, c) => {
        fn(this.sheet.cell(this.row + r, this.column + c, true), v);
      });
    });
    this.sheet.spreadsheet.record(what, this);
    return this;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getValues']} */
  getValues() {
    this.sheet.spreadsheet.record('getValues', this);
    return this.map((cell) => (cell.value instanceof Date ? new Date(cell.value) : cell.value));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getValue']} */
  getValue() {
    return this.getValues()[0][0];
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getDisplayValues']} */
  getDisplayValues() {
    return this.getValues().map((row) => row.map((v) => String(v)));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setValues']} */
  setValues(values) {
    const onFormula = (/** @type {string} */ f) => {
      this.sheet.spreadsheet.formulas.push(f);
    };
    return this.write(values, 'setValues', (cell, v) => {
      cell.value = entered(v, onFormula);
    });
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setValue']} */
  setValue(value) {
    return this.setValues(this.map(() => value));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['clearContent']} */
  clearContent() {
    return this.setValues(this.map(() => ''));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getNotes']} */
  getNotes() {
    this.sheet.spreadsheet.record('getNotes', this);
    return this.map((cell) => cell.note);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getNote']} */
  getNote() {
    return this.getNotes()[0][0];
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setNotes']} */
  setNotes(notes) {
    return this.write(notes, 'setNotes', (cell, v) => {
      cell.note = v === null || v === undefined ? '' : String(v);
    });
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setNote']} */
  setNote(note) {
    return this.setNotes(this.map(() => note));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getBackgrounds']} */
  getBackgrounds() {
    this.sheet.spreadsheet.record('getBackgrounds', this);
    return this.map((cell) => cell.background);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['getBackground']} */
  getBackground() {
    return this.getBackgrounds()[0][0];
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setBackgrounds']} */
  setBackgrounds(colours) {
    return this.write(colours, 'setBackgrounds', (cell, v) => {
      cell.background = v === null || v === undefined ? '#ffffff' : String(v).toLowerCase();
    });
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['setBackground']} */
  setBackground(colour) {
    return this.setBackgrounds(this.map(() => colour));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['createTextFinder']} */
  createTextFinder(findText) {
    return gas(new FakeTextFinder(this, findText));
  }
  /** @type {GoogleAppsScript.Spreadsheet.Range['activate']} */
  activate() {
    this.sheet.spreadsheet.active = this.sheet;
    this.sheet.spreadsheet.rangeList = new FakeRangeList([gas(this)]);
    return gas(this);
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.TextFinder, 'matchCase' | 'matchEntireCell'
 *   | 'replaceAllWith'>}
 */
// Entire-cell matches only: the add-on uses TextFinder for compare-and-set on one cell.
class FakeTextFinder {
  /**
   * @param {FakeRange} range
   * @param {string} text
   */
  constructor(range, text) {
    this.range = range;
    this.text = text;
    this.caseSensitive = false;
    this.entireCell = false;
  }
  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['matchCase']} */
  matchCase(matchCase) {
    this.caseSensitive = matchCase;
    return gas(this);
  }
  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['matchEntireCell']} */
  matchEntireCell(matchEntireCell) {
    this.entireCell = matchEntireCell;
    return gas(this);
  }
  /** @type {GoogleAppsScript.Spreadsheet.TextFinder['replaceAllWith']} */
  replaceAllWith(replaceText) {
    const fold = (/** @type {string} */ t) => (this.caseSensitive ? t : t.toLowerCase());
    let replaced = 0;
    this.range.map((cell) => {
      const text = String(cell.value ?? '');
      if (text !== '' && this.entireCell && fold(text) === fold(this.text)) {
        cell.value = replaceText;
        replaced += 1;
      }
      return null;
    });
    this.range.sheet.spreadsheet.record('replaceAllWith', this.range);
    return replaced;
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Sheet, 'getName' | 'getParent' | 'getSheetId' | 'getLastRow'
 *   | 'getLastColumn' | 'getMaxRows' | 'getFrozenRows' | 'setFrozenRows' | 'getMaxColumns'
 *   | 'getRange' | 'getDataRange' | 'appendRow' | 'deleteRows' | 'deleteRow'
 *   | 'insertRowsBefore' | 'insertRows' | 'insertRowBefore' | 'insertRowAfter'
 *   | 'insertRowsAfter' | 'activate'>}
 */
class FakeSheet {
  /**
   * @param {FakeSpreadsheet} spreadsheet
   * @param {string} name
   */
  constructor(spreadsheet, name) {
    this.spreadsheet = spreadsheet;
    this.name = name;
    /** @type {Cell[][]} */
    this.rows = [];
    /** The grid's size in rows (content may use fewer); a new sheet has 1000, as in Sheets. */
    this.maxRows = 1000;
    this.frozenRows = 0;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getName']} */
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getName']} */
  getName() {
    return this.name;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getParent']} */
  getParent() {
    return gas(this.spreadsheet);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getSheetId']} */
  getSheetId() {
    return this.spreadsheet.sheets.indexOf(this);
  }
  /**
   * @param {number} row
   * @param {number} column
   * @param {boolean=} create
   * @return {Cell}
   */
  cell(row, column, create) {
    if (create) {
      while (this.rows.length < row) this.rows.push([]);
      const cells = this.rows[row - 1];
      while (cells.length < column) cells.push(emptyCell());
      return cells[column - 1];
    }
    return this.rows[row - 1]?.[column - 1] ?? emptyCell();
  }
  getLastRow() {
    for (let r = this.rows.length; r > 0; r--) {
      if (this.rows[r - 1].some((cell) => cell.value !== '')) return r;
    }
    return 0;
  }
  getLastColumn() {
    let last = 0;
    for (const cells of this.rows) {
      for (let c = cells.length; c > last; c--) {
        if (cells[c - 1].value !== '') {
          last = c;
          break;
        }
      }
    }
    return last;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getMaxRows']} */
  getMaxRows() {
    return Math.max(this.maxRows, this.rows.length);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getFrozenRows']} */
  getFrozenRows() {
    return this.frozenRows;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['setFrozenRows']} */
  setFrozenRows(rows) {
    this.frozenRows = rows;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getMaxColumns']} */
  getMaxColumns() {
    return Math.max(26, this.getLastColumn());
  }
  /**
   * @param {number | string} rowOrA1
   * @param {number=} column
   * @param {number=} numRows
   * @param {number=} numColumns
   * @return {any} a FakeRange, as the platform's Range.
   */
  getRange(rowOrA1, column, numRows, numColumns) {
    if (typeof rowOrA1 === 'string') return new FakeRange(this, ...parseA1(rowOrA1));
    return new FakeRange(this, rowOrA1, column ?? 1, numRows ?? 1, numColumns ?? 1);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['getDataRange']} */
  getDataRange() {
    return gas(
      new FakeRange(this, 1, 1, Math.max(1, this.getLastRow()), Math.max(1, this.getLastColumn())),
    );
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['appendRow']} */
  appendRow(values) {
    const row = this.getLastRow() + 1;
    this.maxRows = Math.max(this.maxRows, row);
    const onFormula = (/** @type {string} */ f) => {
      this.spreadsheet.formulas.push(f);
    };
    values.forEach((v, i) => {
      this.cell(row, i + 1, true).value = entered(v, onFormula);
    });
    this.spreadsheet.record('appendRow', this, { row });
    return gas(this);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['deleteRows']} */
  deleteRows(start, howMany) {
    const max = this.getMaxRows();
    if (start < 1 || howMany < 1 || start + howMany - 1 > max) {
      throw new Error('Those rows are out of bounds.');
    }
    if (max - howMany - this.frozenRows < 1) {
      throw new Error("You can't delete all the rows in the sheet that are not frozen.");
    }
    this.spreadsheet.record('deleteRows', this, { start, howMany });
    this.rows.splice(start - 1, howMany);
    this.maxRows = max - howMany;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['deleteRow']} */
  deleteRow(row) {
    this.deleteRows(row, 1);
    return gas(this);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowsBefore']} */
  insertRowsBefore(before, howMany) {
    while (this.rows.length < before - 1) this.rows.push([]);
    const fresh = Array.from({ length: howMany }, () => /** @type {Cell[]} */ ([]));
    this.rows.splice(before - 1, 0, ...fresh);
    this.maxRows = Math.max(this.maxRows, before - 1) + howMany;
    this.spreadsheet.record('insertRows', this, { before, howMany });
    return gas(this);
  }
  /**
   * @param {number} rowIndex
   * @param {number=} numRows
   */
  insertRows(rowIndex, numRows) {
    this.insertRowsBefore(rowIndex, numRows ?? 1);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowBefore']} */
  insertRowBefore(before) {
    return this.insertRowsBefore(before, 1);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowAfter']} */
  insertRowAfter(after) {
    return this.insertRowsBefore(after + 1, 1);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['insertRowsAfter']} */
  insertRowsAfter(after, howMany) {
    return this.insertRowsBefore(after + 1, howMany);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Sheet['activate']} */
  activate() {
    this.spreadsheet.active = this;
    return gas(this);
  }
  /**
   * Test helper: the values of every row, as stored.
   *
   * @return {unknown[][]}
   */
  dump() {
    const width = this.getLastColumn();
    return this.rows
      .slice(0, this.getLastRow())
      .map((cells) => Array.from({ length: width }, (_, i) => cells[i]?.value ?? ''));
  }
}

/** @implements {Pick<GoogleAppsScript.Spreadsheet.RangeList, 'getRanges'>} */
class FakeRangeList {
  /** @param {GoogleAppsScript.Spreadsheet.Range[]} ranges */
  constructor(ranges) {
    this.ranges = ranges;
  }
  /** @type {GoogleAppsScript.Spreadsheet.RangeList['getRanges']} */
  getRanges() {
    return this.ranges.slice();
  }
}

/** @implements {Pick<GoogleAppsScript.Base.Menu, 'addItem' | 'addSeparator' | 'addSubMenu' | 'addToUi'>} */
class FakeMenu {
  /**
   * @param {FakeUi} ui
   * @param {string} title
   */
  constructor(ui, title) {
    this.ui = ui;
    this.title = title;
    /** @type {{caption?: string, functionName?: string, separator?: boolean, subMenu?: unknown}[]} */
    this.items = [];
  }
  /** @type {GoogleAppsScript.Base.Menu['addItem']} */
  addItem(caption, functionName) {
    this.items.push({ caption, functionName });
    return gas(this);
  }
  /** @type {GoogleAppsScript.Base.Menu['addSeparator']} */
  addSeparator() {
    this.items.push({ separator: true });
    return gas(this);
  }
  /** @type {GoogleAppsScript.Base.Menu['addSubMenu']} */
  addSubMenu(menu) {
    this.items.push({ subMenu: menu });
    return gas(this);
  }
  /** @type {GoogleAppsScript.Base.Menu['addToUi']} */
  addToUi() {
    this.ui.menus.push(this);
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Base.Ui, 'createMenu' | 'createAddonMenu' | 'showSidebar' | 'showModalDialog'
 *   | 'alert'>}
 */
class FakeUi {
  constructor() {
    /** @type {FakeMenu[]} */
    this.menus = [];
    /** @type {unknown[]} */
    this.sidebars = [];
    /** @type {{title?: string, prompt: string}[]} */
    this.alerts = [];
    this.ButtonSet = gas({ OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO' });
    /** @type {any} */
    this.Button = { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' };
  }
  /** @type {GoogleAppsScript.Base.Ui['createMenu']} */
  createMenu(title) {
    return gas(new FakeMenu(this, title));
  }
  /** @type {GoogleAppsScript.Base.Ui['createAddonMenu']} */
  createAddonMenu() {
    return gas(new FakeMenu(this, 'Add-ons'));
  }
  /** @type {GoogleAppsScript.Base.Ui['showSidebar']} */
  showSidebar(output) {
    this.sidebars.push(output);
  }
  /** @type {GoogleAppsScript.Base.Ui['showModalDialog']} */
  showModalDialog(output, title) {
    this.sidebars.push({ dialog: true, output, title });
  }
  /**
   * @param {...any} args (prompt) or (title, prompt, buttons).
   * @return {any}
   */
  alert(...args) {
    this.alerts.push(
      args.length === 1 ? { prompt: String(args[0]) } : { title: args[0], prompt: String(args[1]) },
    );
    return this.Button.OK;
  }
}

/**
 * @implements {Pick<GoogleAppsScript.Spreadsheet.Spreadsheet, 'getId' | 'getName' | 'getSheets'
 *   | 'getSheetByName' | 'insertSheet'
 *   | 'getActiveSheet' | 'setActiveSheet' | 'getActiveRangeList' | 'toast'
 *   | 'getSpreadsheetTimeZone'>}
 */
class FakeSpreadsheet {
  /** @param {LockState} lock */
  constructor(lock) {
    /** @type {FakeSheet[]} */
    this.sheets = [];
    /** @type {FakeSheet | null} */
    this.active = null;
    /** @type {FakeRangeList | null} */
    this.rangeList = null;
    /** @type {{message: string, title: string | undefined}[]} */
    this.toasts = [];
    /** @type {string[]} */
    this.formulas = [];
    /** @type {LogEntry[]} */
    this.log = [];
    /** @type {(function(LogEntry): void) | undefined} */
    this.afterCall = undefined;
    /** The spreadsheet's time zone (File > Settings), for the sidebar's local times. */
    this.timeZone = 'Etc/UTC';
    this.lock = lock;
    this.ui = new FakeUi();
  }
  /**
   * Counts a service call and notes whether the document lock was held during it.
   *
   * @param {string} method
   * @param {FakeSheet | FakeRange} target
   * @param {Object<string, unknown>=} extra
   */
  record(method, target, extra) {
    const entry = {
      method,
      sheet: target instanceof FakeSheet ? target.name : target.sheet.name,
      locked: this.lock.held,
      ...(target instanceof FakeRange ? { rows: target.numRows } : {}),
      ...extra,
    };
    this.log.push(entry);
    // Tests use this to let "someone else" change the sheet between two calls of the script.
    if (this.afterCall) this.afterCall(entry);
  }
  /**
   * @param {string} method
   * @return {LogEntry[]}
   */
  calls(method) {
    return this.log.filter((e) => e.method === method);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getId']} */
  getId() {
    return 'fake-spreadsheet-id';
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSpreadsheetTimeZone']} */
  getSpreadsheetTimeZone() {
    return this.timeZone;
  }
  getName() {
    return 'Fake orchestrator';
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSheets']} */
  getSheets() {
    return gas(this.sheets.slice());
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getSheetByName']} */
  getSheetByName(name) {
    return gas(this.sheets.find((s) => s.name === name) ?? null);
  }
  /**
   * @param {(string | number | {template?: GoogleAppsScript.Spreadsheet.Sheet})=} name only a
   *   name is supported by the fake.
   * @return {any} the new FakeSheet, as the platform's Sheet.
   */
  insertSheet(name) {
    const title = String(name);
    if (this.getSheetByName(title))
      throw new Error(`A sheet with the name "${title}" already exists.`);
    const sheet = new FakeSheet(this, title);
    this.sheets.push(sheet);
    return gas(sheet);
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getActiveSheet']} */
  getActiveSheet() {
    return gas(this.active ?? this.sheets[0]);
  }
  /**
   * @param {GoogleAppsScript.Spreadsheet.Sheet} sheet
   * @return {GoogleAppsScript.Spreadsheet.Sheet}
   */
  setActiveSheet(sheet) {
    this.active = /** @type {FakeSheet} */ (/** @type {unknown} */ (sheet));
    return sheet;
  }
  /** @type {GoogleAppsScript.Spreadsheet.Spreadsheet['getActiveRangeList']} */
  getActiveRangeList() {
    return gas(this.rangeList);
  }
  /** Test helper: select ranges (A1 strings or [row, column, rows, columns]) on a tab. */
  /**
   * @param {string} sheetName
   * @param {...(string | [number, number, number, number])} ranges
   */
  select(sheetName, ...ranges) {
    const sheet = /** @type {FakeSheet} */ (this.sheets.find((s) => s.name === sheetName));
    this.active = sheet;
    this.rangeList = new FakeRangeList(
      ranges.map((r) => (typeof r === 'string' ? sheet.getRange(r) : sheet.getRange(...r))),
    );
  }
  /**
   * @param {string} message
   * @param {string=} title
   * @param {(number | null)=} _timeoutSeconds
   */
  toast(message, title, _timeoutSeconds) {
    this.toasts.push({ message, title });
  }
}

/** One document lock shared by every execution of the script on the fake spreadsheet. */
class LockState {
  constructor() {
    this.held = false;
    this.acquired = 0;
  }
}

/** @implements {Pick<GoogleAppsScript.Lock.Lock, 'tryLock' | 'waitLock' | 'hasLock' | 'releaseLock'>} */
class FakeLock {
  /** @param {LockState} state */
  constructor(state) {
    this.state = state;
    this.mine = false;
  }
  /** @type {GoogleAppsScript.Lock.Lock['tryLock']} */
  tryLock(_timeoutMs) {
    if (this.state.held) return false;
    this.state.held = true;
    this.state.acquired += 1;
    this.mine = true;
    return true;
  }
  /** @type {GoogleAppsScript.Lock.Lock['waitLock']} */
  waitLock(timeoutMs) {
    if (!this.tryLock(timeoutMs))
      throw new Error('Lock timeout: another process was holding the lock for too long.');
  }
  /** @type {GoogleAppsScript.Lock.Lock['hasLock']} */
  hasLock() {
    return this.mine;
  }
  /** @type {GoogleAppsScript.Lock.Lock['releaseLock']} */
  releaseLock() {
    if (this.mine) this.state.held = false;
    this.mine = false;
  }
}

/**
 * @implements {Pick<GoogleAppsScript.HTML.HtmlOutput, 'getContent' | 'setTitle' | 'getTitle' | 'setWidth' | 'setHeight'
 *   | 'setSandboxMode' | 'setXFrameOptionsMode'>}
 */
class FakeHtmlOutput {
  /** @param {string} content */
  constructor(content) {
    this.content = content;
    this.title = '';
    /** @type {number | null} */
    this.width = null;
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['getContent']} */
  getContent() {
    return this.content;
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['setTitle']} */
  setTitle(title) {
    this.title = title;
    return gas(this);
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['getTitle']} */
  getTitle() {
    return this.title;
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['setWidth']} */
  setWidth(width) {
    this.width = width;
    return gas(this);
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['setHeight']} */
  setHeight() {
    return gas(this);
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['setSandboxMode']} */
  setSandboxMode() {
    return gas(this);
  }
  /** @type {GoogleAppsScript.HTML.HtmlOutput['setXFrameOptionsMode']} */
  setXFrameOptionsMode() {
    return gas(this);
  }
}

/**
 * @param {string} name
 * @return {string}
 */
function readProjectFile(name) {
  return fs.readFileSync(path.join(PROJECT_DIR, `${name}.html`), 'utf8');
}

/**
 * Builds the global services for one vm context.
 *
 * @param {{renderTemplate: function(string, Object<string, unknown>): string,
 *           uuids?: function(): string}} opts
 */
function createServices(opts) {
  const lock = new LockState();
  const spreadsheet = new FakeSpreadsheet(lock);
  /** @type {unknown[][]} */
  const logs = [];
  /**
   * @type {Pick<GoogleAppsScript.Spreadsheet.SpreadsheetApp, 'getActiveSpreadsheet' | 'getActive'
   *   | 'getUi' | 'flush' | 'getActiveRangeList'>}
   */
  const SpreadsheetApp = {
    getActiveSpreadsheet: () => gas(spreadsheet),
    getActive: () => gas(spreadsheet),
    getUi: () => gas(spreadsheet.ui),
    flush: () => {
      spreadsheet.log.push({ method: 'flush', locked: lock.held });
    },
    getActiveRangeList: () => {
      // Reported to fail under the spreadsheets.currentonly scope (APPS_SCRIPT_NOTES.md).
      throw new Error('You do not have permission to call SpreadsheetApp.getActiveRangeList');
    },
  };
  /** @type {GoogleAppsScript.Lock.LockService} */
  const LockService = {
    getDocumentLock: () => gas(new FakeLock(lock)),
    getScriptLock: () => gas(new FakeLock(new LockState())),
    getUserLock: () => gas(new FakeLock(new LockState())),
  };
  const HtmlService = {
    createTemplateFromFile: (/** @type {string} */ name) => {
      /** @type {Object<string, any>} */
      const template = {
        evaluate() {
          /** @type {Object<string, unknown>} */
          const props = {};
          for (const key of Object.keys(template)) {
            if (typeof template[key] !== 'function') props[key] = template[key];
          }
          return new FakeHtmlOutput(opts.renderTemplate(readProjectFile(name), props));
        },
        getRawContent: () => readProjectFile(name),
      };
      return template;
    },
    createHtmlOutputFromFile: (/** @type {string} */ name) =>
      new FakeHtmlOutput(readProjectFile(name)),
    createHtmlOutput: (/** @type {string=} */ html) => new FakeHtmlOutput(html ?? ''),
    SandboxMode: { IFRAME: 'IFRAME', NATIVE: 'NATIVE', EMULATED: 'EMULATED' },
  };
  /** @type {Pick<GoogleAppsScript.Utilities.Utilities, 'getUuid'>} */
  const Utilities = {
    getUuid: opts.uuids ?? (() => crypto.randomUUID()),
  };
  /** @type {Pick<GoogleAppsScript.Base.Session, 'getScriptTimeZone' | 'getActiveUser' | 'getEffectiveUser'>} */
  const Session = {
    getScriptTimeZone: () => 'Etc/UTC',
    getActiveUser: () => gas({ getEmail: () => '' }),
    getEffectiveUser: () => gas({ getEmail: () => '' }),
  };
  const Logger = { log: (/** @type {unknown[]} */ ...args) => logs.push(args) };
  return {
    spreadsheet,
    lock,
    logs,
    globals: { SpreadsheetApp, LockService, HtmlService, Utilities, Session, Logger },
  };
}

module.exports = {
  createServices,
  FakeSpreadsheet,
  FakeSheet,
  FakeRange,
  FORMULA_VALUE,
  PROJECT_DIR,
};
