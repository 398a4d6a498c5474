// The add-on's server functions over loopback, for tests written in other languages (the chaos
// person in Python): each request is one Apps Script execution on the API-backed runtime.
//
//   node tests/js/support/api/serve.js --emulator http://127.0.0.1:PORT --spreadsheet ID
//     [--lock-dir DIR]
//
// prints `listening http://127.0.0.1:PORT` once ready. POST /call {name, args} runs a public
// global function (a name ending in `_` is refused, as google.script.run refuses it);
// POST /edit {tab, a1, value?, oldValue?} fires onEdit for an edit of that range. Answers are
// {ok: true, value} or {ok: false, error}. SIGTERM stops it.

const http = require('node:http');
const os = require('node:os');
const { ApiRuntime } = require('./runtime');

/**
 * @param {string[]} argv
 * @return {{emulator: string, spreadsheet: string, lockDir: string}}
 */
function parseArgs(argv) {
  /** @type {Object<string, string>} */
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!args.emulator || !args.spreadsheet) {
    throw new Error('usage: serve.js --emulator URL --spreadsheet ID [--lock-dir DIR]');
  }
  return {
    emulator: args.emulator,
    spreadsheet: args.spreadsheet,
    lockDir: args['lock-dir'] ?? os.tmpdir(),
  };
}

/**
 * Runs one request's execution.
 *
 * @param {ApiRuntime} runtime
 * @param {string} path
 * @param {any} body
 * @return {unknown}
 */
function handle(runtime, path, body) {
  if (path === '/call') {
    const name = String(body.name ?? '');
    if (!/^[A-Za-z]\w*$/.test(name) || name.endsWith('_')) {
      throw new Error(`Script function not found: ${name}`);
    }
    return runtime.execute(name, ...(Array.isArray(body.args) ? body.args : []));
  }
  if (path === '/edit') {
    /** @type {{value?: unknown, oldValue?: unknown}} */
    const single = {};
    if ('value' in body) single.value = body.value;
    if ('oldValue' in body) single.oldValue = body.oldValue;
    runtime.fireOnEdit(String(body.tab), String(body.a1), single);
    return runtime.ui.toasts.splice(0).map((t) => t.message);
  }
  throw new Error(`No such endpoint: ${path}`);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const runtime = new ApiRuntime({
    baseUrl: args.emulator,
    spreadsheetId: args.spreadsheet,
    lockDir: args.lockDir,
    token: 'apps-script',
  });
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      /** @type {{ok: boolean, value?: unknown, error?: string}} */
      let answer;
      try {
        answer = { ok: true, value: handle(runtime, req.url ?? '', JSON.parse(text || '{}')) };
      } catch (err) {
        answer = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
