// Loads the files clasp pushes (appsscript/*.js) into one vm context, in the order Apps Script
// runs them (alphabetical), with the fake services as globals; renders HtmlService templates;
// builds tabs with headers taken from the generated Schema.js.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createServices, PROJECT_DIR } = require('./fake-gas');
const { assertNoDate, escapeHtml, plain, projectScripts, renderTemplate } = require('./scripts');

/**
 * A fresh add-on: the project's scripts evaluated over an empty fake spreadsheet.
 *
 * @param {{uuids?: function(): string}=} options
 */
function loadProject(options = {}) {
  let context = null;
  const services = createServices({
    renderTemplate: (text, props) => renderTemplate(context, text, props),
    uuids: options.uuids,
  });
  // Date is the host's so that dates from the fake cells pass `instanceof Date` in the scripts.
  context = vm.createContext({ ...services.globals, console, Date });
  for (const file of projectScripts()) {
    const code = fs.readFileSync(path.join(PROJECT_DIR, file), 'utf8');
    vm.runInContext(code, context, { filename: file });
  }
  const SCHEMA = vm.runInContext('SCHEMA', context);
  return {
    context,
    ss: services.spreadsheet,
    lock: services.lock,
    SCHEMA,
    /** Calls a global function and returns its result as plain host-realm JSON. */
    call(name, ...args) {
      const fn = context[name];
      if (typeof fn !== 'function') throw new Error(`No global function ${name}`);
      return plain(fn(...args));
    },
    /** Evaluates an expression in the scripts' global scope (reaches top-level const too). */
    evaluate(expr) {
      return vm.runInContext(expr, context);
    },
    /** Creates a tab with the schema's headers in `language`, plus user columns. */
    addTab(title, language = 'en', opts = {}) {
      const def = SCHEMA.tabs[title];
      let headers = def.columns.map((c) => c[language]);
      if (opts.order) headers = opts.order(headers);
      for (const [position, name] of opts.userColumns ?? []) headers.splice(position, 0, name);
      const sheet = services.spreadsheet.insertSheet(title);
      sheet.getRange(1, 1, 1, headers.length).setValues([headers.map((h) => `'${h}`)]);
      services.spreadsheet.log.length = 0;
      return new TabHandle(sheet, def, headers);
    },
    /**
     * A person types or pastes `values` at (row, column) of a tab; the simple trigger runs.
     * The event has `value`/`oldValue` only for a single cell, as on the platform.
     */
    edit(title, row, column, values) {
      const sheet = services.spreadsheet.getSheetByName(title);
      const range = sheet.getRange(row, column, values.length, values[0].length);
      const before = range.getValues();
      range.setValues(values);
      services.spreadsheet.log.length = 0;
      const e = { authMode: 'LIMITED', range, source: services.spreadsheet, user: {} };
      if (values.length === 1 && values[0].length === 1) {
        if (values[0][0] !== '') e.value = String(values[0][0]);
        if (before[0][0] !== '') e.oldValue = String(before[0][0]);
      }
      context.onEdit(e);
      return e;
    },
    tab(title) {
      const sheet = services.spreadsheet.getSheetByName(title);
      const headers = sheet.getRange(1, 1, 1, sheet.getLastColumn()).getValues()[0];
      return new TabHandle(sheet, SCHEMA.tabs[title], headers);
    },
  };
}

/** Reads and writes a tab by column key, as a person or an agent would (not the add-on). */
class TabHandle {
  constructor(sheet, def, headers) {
    this.sheet = sheet;
    this.def = def;
    this.headers = headers.map(String);
  }
  col(key) {
    const column = this.def.columns.find((c) => c.key === key);
    const position = this.headers.findIndex((h) => h === column.en || h === column.pt);
    if (position < 0) throw new Error(`no column ${key}`);
    return position + 1;
  }
  /** Appends rows given as {key: value} (RAW, like the agents: text stays text). */
  add(...records) {
    for (const record of records) {
      const row = this.headers.map(() => '');
      for (const [key, value] of Object.entries(record)) {
        row[this.col(key) - 1] = typeof value === 'string' && value !== '' ? `'${value}` : value;
      }
      this.sheet.appendRow(row);
    }
    this.sheet.spreadsheet.log.length = 0;
    return this;
  }
  /** Every data row as {key: value} for the known columns, plus `_user` for the others. */
  records() {
    const last = this.sheet.getLastRow();
    if (last < 2) return [];
    const values = this.sheet.getRange(2, 1, last - 1, this.headers.length).getValues();
    return values.map((row) => {
      const record = {};
      for (const column of this.def.columns) {
        const i = this.headers.findIndex((h) => h === column.en || h === column.pt);
        if (i >= 0) record[column.key] = row[i];
      }
      record._user = {};
      this.headers.forEach((h, i) => {
        if (!this.def.columns.some((c) => c.en === h || c.pt === h)) record._user[h] = row[i];
      });
      return record;
    });
  }
  /** The cell of column `key` in sheet row `row`. */
  cell(row, key) {
    return this.sheet.getRange(row, this.col(key));
  }
}

module.exports = {
  loadProject,
  projectScripts,
  renderTemplate,
  escapeHtml,
  plain,
  assertNoDate,
  PROJECT_DIR,
};
