// Serves the rendered sidebar on 127.0.0.1 and bridges the page's google.script.run to the
// server functions running in the vm context, over the fake spreadsheet.

const http = require('node:http');
const { assertNoDate } = require('./project');

/**
 * Injected into the page before its own scripts: a google.script.run with the platform's
 * chaining (each with* call returns a new runner with its own handlers), asynchronous calls,
 * JSON arguments and results, and failure handlers that receive an Error.
 */
const SHIM = `(() => {
  const runner = (success, failure, userObject) => new Proxy({}, {
    get(_target, prop) {
      if (prop === 'withSuccessHandler') return (fn) => runner(fn, failure, userObject);
      if (prop === 'withFailureHandler') return (fn) => runner(success, fn, userObject);
      if (prop === 'withUserObject') return (obj) => runner(success, failure, obj);
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args) => {
        fetch('/rpc', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: prop, args, hasFailureHandler: typeof failure === 'function' }),
        })
          .then((response) => response.json())
          .then((reply) => {
            if (reply.ok) {
              if (success) success(reply.value, userObject);
            } else if (failure) {
              const error = new Error(reply.message);
              error.name = 'ScriptError';
              failure(error, userObject);
            }
          })
          .catch((error) => { if (failure) failure(error, userObject); });
      };
    },
  });
  window.google = {
    script: {
      run: runner(null, null, undefined),
      host: { close() {}, setHeight() {}, setWidth() {}, editor: { focus() {} } },
    },
  };
})();`;

/**
 * Starts the server.
 *
 * @param {{context: object}} project from loadProject()
 * @param {function(): string} page returns the sidebar HTML
 */
async function startBridge(project, page) {
  const calls = [];
  const requests = [];
  const failures = new Map();
  const delays = new Map();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page());
      return;
    }
    if (req.method === 'POST' && req.url === '/rpc') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const call = JSON.parse(body);
        const reply = run(call);
        const delay = delays.get(call.name) ?? 0;
        delays.delete(call.name);
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(reply));
        }, delay);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });

  function run({ name, args, hasFailureHandler }) {
    calls.push({ name, args, hasFailureHandler });
    try {
      if (failures.has(name)) {
        const message = failures.get(name);
        failures.delete(name);
        throw new Error(message);
      }
      // Private (trailing _) and unknown functions cannot be called from the client.
      const fn = name.endsWith('_') ? undefined : project.context[name];
      if (typeof fn !== 'function') throw new Error(`Script function not found: ${name}`);
      const value = fn(...args);
      assertNoDate(value, name);
      return { ok: true, value: value === undefined ? null : value };
    } catch (error) {
      return { ok: false, message: error.message };
    }
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    requests,
    shim: SHIM,
    /** The next call of `name` fails with `message` (as a server exception would). */
    failNext(name, message) {
      failures.set(name, message);
    },
    /** The answer to the next call of `name` arrives `ms` later. */
    delayNext(name, ms) {
      delays.set(name, ms);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = { startBridge };
