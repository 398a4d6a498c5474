// In-memory fakes of the Apps Script services the add-on uses: SpreadsheetApp (a spreadsheet
// with sheets, ranges, values, notes, backgrounds, selection, menus), LockService, HtmlService,
// Utilities, Session, Logger. They follow the real services' documented behaviour where the
// add-on depends on it (see comments), and record what happened so tests can assert on it.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const PROJECT_DIR = path.resolve(__dirname, '..', '..', '..', 'appsscript');

/** A formula that reached the sheet shows as an error value, so tests notice it. */
const FORMULA_VALUE = '#FORMULA!';

/**
 * What Sheets stores when a script writes `value` with setValue(s)/appendRow: strings are
 * parsed like typing, a leading apostrophe forces text (and is not stored), `=` starts a
 * formula, number- and boolean-looking text becomes a number or a boolean.
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

function emptyCell() {
  return { value: '', note: '', background: '#ffffff' };
}

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

function parseA1(a1) {
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(a1);
  if (!m) throw new Error(`Unsupported A1 notation in fake: ${a1}`);
  const col = (letters) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  const row = Number(m[2]);
  const column = col(m[1]);
  const lastRow = m[4] ? Number(m[4]) : row;
  const lastColumn = m[3] ? col(m[3]) : column;
  return [row, column, lastRow - row + 1, lastColumn - column + 1];
}

class FakeRange {
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
  getRow() {
    return this.row;
  }
  getColumn() {
    return this.column;
  }
  getLastRow() {
    return this.row + this.numRows - 1;
  }
  getLastColumn() {
    return this.column + this.numColumns - 1;
  }
  getNumRows() {
    return this.numRows;
  }
  getNumColumns() {
    return this.numColumns;
  }
  getSheet() {
    return this.sheet;
  }
  getA1Notation() {
    const start = `${columnLetter(this.column)}${this.row}`;
    if (this.numRows === 1 && this.numColumns === 1) return start;
    return `${start}:${columnLetter(this.getLastColumn())}${this.getLastRow()}`;
  }
  map(fn) {
    const out = [];
    for (let r = 0; r < this.numRows; r++) {
      const row = [];
      for (let c = 0; c < this.numColumns; c++) {
        row.push(fn(this.sheet.cell(this.row + r, this.column + c)));
      }
      out.push(row);
    }
    return out;
  }
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
  getValues() {
    this.sheet.spreadsheet.record('getValues', this);
    return this.map((cell) => (cell.value instanceof Date ? new Date(cell.value) : cell.value));
  }
  getValue() {
    return this.getValues()[0][0];
  }
  getDisplayValues() {
    return this.getValues().map((row) => row.map((v) => String(v)));
  }
  setValues(values) {
    const onFormula = (f) => this.sheet.spreadsheet.formulas.push(f);
    return this.write(values, 'setValues', (cell, v) => {
      cell.value = entered(v, onFormula);
    });
  }
  setValue(value) {
    return this.setValues(this.map(() => value));
  }
  clearContent() {
    return this.setValues(this.map(() => ''));
  }
  getNotes() {
    this.sheet.spreadsheet.record('getNotes', this);
    return this.map((cell) => cell.note);
  }
  getNote() {
    return this.getNotes()[0][0];
  }
  setNotes(notes) {
    return this.write(notes, 'setNotes', (cell, v) => {
      cell.note = v === null || v === undefined ? '' : String(v);
    });
  }
  setNote(note) {
    return this.setNotes(this.map(() => note));
  }
  getBackgrounds() {
    this.sheet.spreadsheet.record('getBackgrounds', this);
    return this.map((cell) => cell.background);
  }
  getBackground() {
    return this.getBackgrounds()[0][0];
  }
  setBackgrounds(colours) {
    return this.write(colours, 'setBackgrounds', (cell, v) => {
      cell.background = v === null || v === undefined ? '#ffffff' : String(v).toLowerCase();
    });
  }
  setBackground(colour) {
    return this.setBackgrounds(this.map(() => colour));
  }
}

class FakeSheet {
  constructor(spreadsheet, name) {
    this.spreadsheet = spreadsheet;
    this.name = name;
    /** @type {{value: any, note: string, background: string}[][]} */
    this.rows = [];
    /** The grid's size in rows (content may use fewer); a new sheet has 1000, as in Sheets. */
    this.maxRows = 1000;
    this.frozenRows = 0;
  }
  getName() {
    return this.name;
  }
  getParent() {
    return this.spreadsheet;
  }
  getSheetId() {
    return this.spreadsheet.sheets.indexOf(this);
  }
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
  getMaxRows() {
    return Math.max(this.maxRows, this.rows.length);
  }
  getFrozenRows() {
    return this.frozenRows;
  }
  setFrozenRows(rows) {
    this.frozenRows = rows;
  }
  getMaxColumns() {
    return Math.max(26, this.getLastColumn());
  }
  getRange(rowOrA1, column, numRows, numColumns) {
    if (typeof rowOrA1 === 'string') return new FakeRange(this, ...parseA1(rowOrA1));
    return new FakeRange(this, rowOrA1, column, numRows ?? 1, numColumns ?? 1);
  }
  getDataRange() {
    return new FakeRange(
      this,
      1,
      1,
      Math.max(1, this.getLastRow()),
      Math.max(1, this.getLastColumn()),
    );
  }
  appendRow(values) {
    const row = this.getLastRow() + 1;
    this.maxRows = Math.max(this.maxRows, row);
    const onFormula = (f) => this.spreadsheet.formulas.push(f);
    values.forEach((v, i) => {
      this.cell(row, i + 1, true).value = entered(v, onFormula);
    });
    this.spreadsheet.record('appendRow', this, { row });
    return this;
  }
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
  deleteRow(row) {
    this.deleteRows(row, 1);
    return this;
  }
  insertRowsBefore(before, howMany) {
    while (this.rows.length < before - 1) this.rows.push([]);
    const fresh = Array.from({ length: howMany }, () => []);
    this.rows.splice(before - 1, 0, ...fresh);
    this.maxRows = Math.max(this.maxRows, before - 1) + howMany;
    this.spreadsheet.record('insertRows', this, { before, howMany });
    return this;
  }
  insertRows(rowIndex, numRows) {
    return this.insertRowsBefore(rowIndex, numRows ?? 1);
  }
  insertRowBefore(before) {
    return this.insertRowsBefore(before, 1);
  }
  insertRowAfter(after) {
    return this.insertRowsBefore(after + 1, 1);
  }
  insertRowsAfter(after, howMany) {
    return this.insertRowsBefore(after + 1, howMany);
  }
  activate() {
    this.spreadsheet.active = this;
    return this;
  }
  /** Test helper: the values of every row, as stored. */
  dump() {
    const width = this.getLastColumn();
    return this.rows
      .slice(0, this.getLastRow())
      .map((cells) => Array.from({ length: width }, (_, i) => cells[i]?.value ?? ''));
  }
}

class FakeRangeList {
  constructor(ranges) {
    this.ranges = ranges;
  }
  getRanges() {
    return this.ranges.slice();
  }
}

class FakeMenu {
  constructor(ui, title) {
    this.ui = ui;
    this.title = title;
    this.items = [];
  }
  addItem(caption, functionName) {
    this.items.push({ caption, functionName });
    return this;
  }
  addSeparator() {
    this.items.push({ separator: true });
    return this;
  }
  addSubMenu(menu) {
    this.items.push({ subMenu: menu });
    return this;
  }
  addToUi() {
    this.ui.menus.push(this);
  }
}

class FakeUi {
  constructor() {
    this.menus = [];
    this.sidebars = [];
    this.alerts = [];
    this.ButtonSet = { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO' };
    this.Button = { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' };
  }
  createMenu(title) {
    return new FakeMenu(this, title);
  }
  createAddonMenu() {
    return new FakeMenu(this, 'Add-ons');
  }
  showSidebar(output) {
    this.sidebars.push(output);
  }
  showModalDialog(output, title) {
    this.sidebars.push({ dialog: true, output, title });
  }
  alert(...args) {
    this.alerts.push(args.length === 1 ? { prompt: args[0] } : { title: args[0], prompt: args[1] });
    return this.Button.OK;
  }
}

class FakeSpreadsheet {
  constructor(lock) {
    this.sheets = [];
    this.active = null;
    this.rangeList = null;
    this.toasts = [];
    this.formulas = [];
    this.log = [];
    this.lock = lock;
    this.ui = new FakeUi();
  }
  /** Counts a service call and notes whether the document lock was held during it. */
  record(method, target, extra) {
    const entry = {
      method,
      sheet: target instanceof FakeSheet ? target.name : target.sheet.name,
      locked: this.lock.held,
      ...extra,
    };
    this.log.push(entry);
    // Tests use this to let "someone else" change the sheet between two calls of the script.
    if (this.afterCall) this.afterCall(entry);
  }
  calls(method) {
    return this.log.filter((e) => e.method === method);
  }
  getId() {
    return 'fake-spreadsheet-id';
  }
  getName() {
    return 'Fake orchestrator';
  }
  getSheets() {
    return this.sheets.slice();
  }
  getSheetByName(name) {
    return this.sheets.find((s) => s.name === name) ?? null;
  }
  insertSheet(name) {
    if (this.getSheetByName(name))
      throw new Error(`A sheet with the name "${name}" already exists.`);
    const sheet = new FakeSheet(this, name);
    this.sheets.push(sheet);
    return sheet;
  }
  getActiveSheet() {
    return this.active ?? this.sheets[0];
  }
  setActiveSheet(sheet) {
    this.active = sheet;
    return sheet;
  }
  getActiveRangeList() {
    return this.rangeList;
  }
  /** Test helper: select ranges (A1 strings or [row, column, rows, columns]) on a tab. */
  select(sheetName, ...ranges) {
    const sheet = this.getSheetByName(sheetName);
    this.active = sheet;
    this.rangeList = new FakeRangeList(
      ranges.map((r) => (typeof r === 'string' ? sheet.getRange(r) : sheet.getRange(...r))),
    );
  }
  toast(message, title) {
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

class FakeLock {
  constructor(state) {
    this.state = state;
    this.mine = false;
  }
  tryLock(_timeoutMs) {
    if (this.state.held) return false;
    this.state.held = true;
    this.state.acquired += 1;
    this.mine = true;
    return true;
  }
  waitLock(timeoutMs) {
    if (!this.tryLock(timeoutMs))
      throw new Error('Lock timeout: another process was holding the lock for too long.');
  }
  hasLock() {
    return this.mine;
  }
  releaseLock() {
    if (this.mine) this.state.held = false;
    this.mine = false;
  }
}

class FakeHtmlOutput {
  constructor(content) {
    this.content = content;
    this.title = '';
    this.width = null;
  }
  getContent() {
    return this.content;
  }
  setTitle(title) {
    this.title = title;
    return this;
  }
  getTitle() {
    return this.title;
  }
  setWidth(width) {
    this.width = width;
    return this;
  }
  setHeight() {
    return this;
  }
  setSandboxMode() {
    return this;
  }
  setXFrameOptionsMode() {
    return this;
  }
}

function readProjectFile(name) {
  return fs.readFileSync(path.join(PROJECT_DIR, `${name}.html`), 'utf8');
}

/**
 * Builds the global services for one vm context.
 *
 * @param {{renderTemplate: function(string, object): string, uuids?: function(): string}} opts
 */
function createServices(opts) {
  const lock = new LockState();
  const spreadsheet = new FakeSpreadsheet(lock);
  const logs = [];
  const SpreadsheetApp = {
    getActiveSpreadsheet: () => spreadsheet,
    getActive: () => spreadsheet,
    getUi: () => spreadsheet.ui,
    flush: () => spreadsheet.log.push({ method: 'flush', locked: lock.held }),
    getActiveRangeList: () => {
      // Reported to fail under the spreadsheets.currentonly scope (APPS_SCRIPT_NOTES.md).
      throw new Error('You do not have permission to call SpreadsheetApp.getActiveRangeList');
    },
  };
  const LockService = {
    getDocumentLock: () => new FakeLock(lock),
    getScriptLock: () => new FakeLock(new LockState()),
    getUserLock: () => new FakeLock(new LockState()),
  };
  const HtmlService = {
    createTemplateFromFile: (name) => {
      const template = {
        evaluate() {
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
    createHtmlOutputFromFile: (name) => new FakeHtmlOutput(readProjectFile(name)),
    createHtmlOutput: (html) => new FakeHtmlOutput(html ?? ''),
    SandboxMode: { IFRAME: 'IFRAME', NATIVE: 'NATIVE', EMULATED: 'EMULATED' },
  };
  const Utilities = {
    getUuid: opts.uuids ?? (() => crypto.randomUUID()),
  };
  const Session = {
    getScriptTimeZone: () => 'Etc/UTC',
    getActiveUser: () => ({ getEmail: () => '' }),
    getEffectiveUser: () => ({ getEmail: () => '' }),
  };
  const Logger = { log: (...args) => logs.push(args) };
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
