// An Apps Script runtime for tests in which SpreadsheetApp is the Sheets API (through the
// emulator): the add-on's real files run, one execution per call as on the platform, against
// the same spreadsheet that real `orc run` processes change at the same moment.
//
// - Each execute() is one execution: a fresh global scope with the project's files loaded in
//   push order, and its document lock released when it ends (the platform does the same).
// - LockService.getDocumentLock() is one lock file per spreadsheet, shared by every execution
//   in every Node process that uses the same lock folder.
// - afterCall(entry) runs after each spreadsheet call of the script, so a test can act as
//   "someone else" (an agent's API write, another execution) between two of its calls.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { createServices } = require('../fake-gas');
const { projectScripts, renderTemplate, plain } = require('../scripts');
const { PROJECT_DIR } = require('../fake-gas');
const { FileLock, documentLockFile } = require('./doc-lock');
const { SheetsApi } = require('./sheets-api');
const { ApiSpreadsheet } = require('./sheets-app');

/** @typedef {import('./sheets-app').CallEntry} CallEntry */

/**
 * @typedef {Object} RuntimeOptions
 * @property {string} baseUrl the emulator's URL.
 * @property {string} spreadsheetId
 * @property {string=} lockDir folder of the document lock file (shared by processes).
 * @property {(function(): string)=} uuids Utilities.getUuid.
 * @property {string=} token the bearer token of this runtime's requests.
 */

/** The project's scripts, read once per process. */
const SOURCES = projectScripts().map((file) => ({
  file,
  code: fs.readFileSync(path.join(PROJECT_DIR, file), 'utf8'),
}));

class ApiRuntime {
  /** @param {RuntimeOptions} options */
  constructor(options) {
    this.api = new SheetsApi(options.baseUrl, options.spreadsheetId, options.token);
    this.lockFile = documentLockFile(options.lockDir ?? os.tmpdir(), options.spreadsheetId);
    this.uuids = options.uuids ?? (() => crypto.randomUUID());
    /** What a person's session shows: toasts, the active tab, the selection (A1 ranges). */
    this.ui = {
      /** @type {{message: string, title: string | undefined}[]} */ toasts: [],
      /** @type {string | null} */ active: null,
      /** @type {string[]} */ selection: [],
    };
    /** @type {CallEntry[]} */
    this.log = [];
    /** @type {(function(CallEntry): void) | null} */
    this.afterCall = null;
    /** @type {(function(boolean): void) | null} told when an execution takes or lets go the lock. */
    this.onLock = null;
    /** Document-lock acquisitions so far (each CallEntry made under the lock names its one). */
    this.holds = 0;
    /** Executions run so far. */
    this.executions = 0;
  }

  /**
   * Runs one execution: a fresh global scope with the project's files, then `name(...args)`.
   *
   * @param {string} name a global function of the project.
   * @param {...unknown} args
   * @return {any} the result as plain JSON (what google.script.run would carry).
   */
  execute(name, ...args) {
    const { context, lock } = this.load();
    this.executions += 1;
    try {
      const fn = context[name];
      if (typeof fn !== 'function') throw new Error(`No global function ${name}`);
      return plain(fn(...args));
    } finally {
      lock.releaseLock();
    }
  }

  /**
   * Calls onEdit in its own execution, with the event the platform sends for an edit of
   * `a1` on `tab` (value and oldValue only for a single cell, as on the platform).
   *
   * @param {string} tab
   * @param {string} a1
   * @param {{value?: unknown, oldValue?: unknown}=} single
   */
  fireOnEdit(tab, a1, single = {}) {
    const { context, lock } = this.load();
    this.executions += 1;
    try {
      const ss = context.SpreadsheetApp.getActiveSpreadsheet();
      const sheet = ss.getSheetByName(tab);
      if (!sheet) throw new Error(`No tab ${tab}`);
      const range = sheet.getRange(a1);
      /** @type {Object<string, unknown>} */
      const event = { range, source: ss, authMode: 'LIMITED', user: { getEmail: () => '' } };
      if ('value' in single) event.value = single.value;
      if ('oldValue' in single) event.oldValue = single.oldValue;
      context.onEdit(event);
    } finally {
      lock.releaseLock();
    }
  }

  /**
   * A fresh global scope for one execution.
   *
   * @return {{context: any, lock: FileLock}}
   */
  load() {
    /** @type {any} */
    let context = null;
    const services = createServices({
      renderTemplate: (text, props) => renderTemplate(context, text, props),
      uuids: this.uuids,
    });
    let hold = 0;
    const lock = new FileLock(this.lockFile, (taken) => {
      if (taken) {
        this.holds += 1;
        hold = this.holds;
      }
      if (this.onLock) this.onLock(taken);
    });
    const ctx = {
      api: this.api,
      ui: this.ui,
      record: (/** @type {string} */ method, /** @type {string} */ sheet) => {
        const locked = lock.hasLock();
        const entry = { method, sheet, locked, hold: locked ? hold : 0 };
        this.log.push(entry);
        if (this.afterCall) this.afterCall(entry);
      },
    };
    const spreadsheet = new ApiSpreadsheet(ctx);
    const SpreadsheetApp = {
      getActiveSpreadsheet: () => spreadsheet,
      getActive: () => spreadsheet,
      getUi: () => services.spreadsheet.ui,
      // Every call above is sent at once, so there is nothing pending to apply.
      flush: () => {},
    };
    const LockService = {
      getDocumentLock: () => lock,
      getScriptLock: () => lock,
      getUserLock: () => new FileLock(`${this.lockFile}-user`),
    };
    context = vm.createContext({
      ...services.globals,
      SpreadsheetApp,
      LockService,
      console,
      Date,
    });
    for (const { file, code } of SOURCES) vm.runInContext(code, context, { filename: file });
    return { context, lock };
  }
}

module.exports = { ApiRuntime };
