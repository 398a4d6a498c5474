// The world of an API-backed test: a real emulator process on 127.0.0.1, a spreadsheet with
// the schema's tabs, and the people and agents who change it through the API (not through the
// add-on) between two calls of the script.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { PROJECT_DIR } = require('../fake-gas');
const { sleepSync } = require('./doc-lock');
const { ApiRuntime } = require('./runtime');
const { SheetsApi, createSpreadsheet, quoteTitle, columnLetters } = require('./sheets-api');

const ROOT = path.resolve(PROJECT_DIR, '..');
const PYTHON = process.env.ORC_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');

/** @return {any} the generated SCHEMA constant. */
function loadSchema() {
  const context = vm.createContext({});
  const code = fs.readFileSync(path.join(PROJECT_DIR, 'Schema.js'), 'utf8');
  vm.runInContext(`${code}\nthis.SCHEMA = SCHEMA;`, context);
  return context.SCHEMA;
}

const SCHEMA = loadSchema();

/**
 * Starts `python -m sheets_emulator --port 0` and waits for the address it prints.
 *
 * @return {Promise<{url: string, hostPort: string, stop: function(): Promise<void>}>}
 */
function startEmulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'sheets_emulator', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${err}`)), 20000);
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /export SHEETS_EMULATOR_HOST=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: `http://${m[1]}`,
        hostPort: m[1],
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}: ${err}`));
    });
  });
}

/** A tab as people and agents see it through the API, by column key. */
class ApiTab {
  /**
   * @param {SheetsApi} api
   * @param {string} title
   */
  constructor(api, title) {
    this.api = api;
    this.title = title;
    this.def = SCHEMA.tabs[title];
    const header = api.getValues(`${quoteTitle(title)}!1:1`, 'FORMATTED_VALUE')[0] ?? [];
    /** @type {string[]} */
    this.headers = header.map(String);
    const sheets = api.get('sheets.properties(sheetId,title)').sheets ?? [];
    this.sheetId = sheets.find(
      (/** @type {any} */ s) => s.properties.title === title,
    ).properties.sheetId;
  }

  /**
   * @param {string} key
   * @return {number} the 1-based column of a known key.
   */
  col(key) {
    const column = this.def.columns.find((/** @type {any} */ c) => c.key === key);
    const i = this.headers.findIndex((h) => h === column.en || h === column.pt);
    if (i < 0) throw new Error(`${this.title} has no column ${key}`);
    return i + 1;
  }

  /**
   * Appends rows given as {key or user header: text}, RAW, as the agents write them.
   *
   * @param {...Object<string, string>} records
   * @return {this}
   */
  add(...records) {
    const rows = records.map((record) => {
      const row = this.headers.map(() => '');
      for (const [key, value] of Object.entries(record)) {
        const i = this.headers.indexOf(key);
        row[i >= 0 ? i : this.col(key) - 1] = value;
      }
      return { values: row.map((v) => ({ userEnteredValue: { stringValue: v } })) };
    });
    this.api.batchUpdate([
      { appendCells: { sheetId: this.sheetId, rows, fields: 'userEnteredValue' } },
    ]);
    return this;
  }

  /**
   * A person types `text` into column `key` of sheet row `row` (parsed as typed).
   *
   * @param {number} row
   * @param {string} key
   * @param {string} text
   */
  type(row, key, text) {
    const a1 = `${columnLetters(this.col(key))}${row}`;
    this.api.updateValues(`${quoteTitle(this.title)}!${a1}`, [[text]]);
    return a1;
  }

  /**
   * @param {number} row first sheet row.
   * @param {number} count
   */
  deleteRows(row, count = 1) {
    this.api.batchUpdate([
      {
        deleteDimension: {
          range: {
            sheetId: this.sheetId,
            dimension: 'ROWS',
            startIndex: row - 1,
            endIndex: row - 1 + count,
          },
        },
      },
    ]);
  }

  /** @return {Object<string, string>[]} every data row by key (and user header), as text. */
  records() {
    const rows = this.api.getValues(quoteTitle(this.title), 'FORMATTED_VALUE').slice(1);
    return rows.map((row) => {
      /** @type {Object<string, string>} */
      const record = {};
      this.headers.forEach((h, i) => {
        const column = this.def.columns.find((/** @type {any} */ c) => c.en === h || c.pt === h);
        record[column ? column.key : h] = String(row[i] ?? '');
      });
      return record;
    });
  }

  /**
   * @param {number} row
   * @param {string} key
   * @return {{note: string, background: string}}
   */
  cellMeta(row, key) {
    const a1 = `${quoteTitle(this.title)}!${columnLetters(this.col(key))}${row}`;
    const json = this.api.get(
      'sheets.data.rowData.values(note,userEnteredFormat.backgroundColor)',
      [a1],
    );
    const cell = json.sheets?.[0]?.data?.[0]?.rowData?.[0]?.values?.[0] ?? {};
    const bg = cell.userEnteredFormat?.backgroundColor;
    const hex = bg
      ? `#${[bg.red, bg.green, bg.blue]
          .map((v) =>
            Math.round((v ?? 0) * 255)
              .toString(16)
              .padStart(2, '0'),
          )
          .join('')}`
      : '#ffffff';
    return { note: cell.note ?? '', background: hex };
  }
}

/**
 * A new spreadsheet on the emulator with every tab of the schema (English headers plus
 * `userColumns` on Sources), an API client for "the others" and a runtime for the add-on.
 *
 * @param {string} baseUrl
 * @param {{userColumns?: string[], lockDir?: string}=} opts
 */
function createWorld(baseUrl, opts = {}) {
  const tabs = Object.keys(SCHEMA.tabs).map((title) => {
    const headers = SCHEMA.tabs[title].columns.map((/** @type {any} */ c) => c.en);
    if (title === 'Sources') headers.push(...(opts.userColumns ?? []));
    return { title, headers };
  });
  const spreadsheetId = createSpreadsheet(baseUrl, 'add-on on the API', tabs);
  const lockDir = opts.lockDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gas-lock-'));
  const others = new SheetsApi(baseUrl, spreadsheetId, 'others');
  const runtime = new ApiRuntime({ baseUrl, spreadsheetId, lockDir });
  return {
    spreadsheetId,
    lockDir,
    others,
    runtime,
    /** @param {string} title */
    tab: (title) => new ApiTab(others, title),
  };
}

/**
 * Runs Python code against the spreadsheet (the real agent modules), synchronously, with
 * SHEETS_EMULATOR_HOST and SPREADSHEET_ID set.
 *
 * @param {string} hostPort
 * @param {string} spreadsheetId
 * @param {string} code
 * @return {string} what it printed.
 */
function runPython(hostPort, spreadsheetId, code) {
  const result = spawnSync(PYTHON, ['-c', code], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      SHEETS_EMULATOR_HOST: hostPort,
      SPREADSHEET_ID: spreadsheetId,
      WORKER_NAME: 'leader-under-test',
    },
    timeout: 60000,
  });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Polls until `file` exists (synchronously: the caller may be inside an Apps Script call).
 *
 * @param {string} file
 * @param {number} timeoutMs
 */
function waitForFile(file, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    sleepSync(10);
  }
}

/**
 * The real leader's adoption of hand-typed Sources rows (leader_adopt.py), in its own process,
 * paused after its read: `waitRead()` returns once it has read and planned, `resume()` lets it
 * write and returns how many rows it adopted. Both are synchronous.
 *
 * @param {string} hostPort
 * @param {string} spreadsheetId
 */
function pausedAdoption(hostPort, spreadsheetId) {
  const signals = fs.mkdtempSync(path.join(os.tmpdir(), 'adopt-'));
  const child = spawn(PYTHON, [path.join(__dirname, 'leader_adopt.py'), signals], {
    cwd: ROOT,
    env: { ...process.env, SHEETS_EMULATOR_HOST: hostPort, SPREADSHEET_ID: spreadsheetId },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    child,
    waitRead: () => waitForFile(path.join(signals, 'read'), 30000),
    resume: () => {
      fs.writeFileSync(path.join(signals, 'go'), 'go');
      waitForFile(path.join(signals, 'done'), 30000);
      return Number(fs.readFileSync(path.join(signals, 'done'), 'utf8'));
    },
  };
}

module.exports = {
  startEmulator,
  createWorld,
  runPython,
  pausedAdoption,
  ApiTab,
  SCHEMA,
  ROOT,
};
