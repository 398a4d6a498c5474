// Synchronous HTTP for the Apps Script runtime: Apps Script services are synchronous, Node's
// HTTP is not. A worker thread runs fetch while the calling thread waits on Atomics.wait
// (synckit), so one blocked call costs one request and no process start (spawnSync would).

const path = require('node:path');
const { createSyncFn } = require('synckit');

/** @typedef {{method: string, url: string, body?: string}} HttpRequest */
/** @typedef {{status: number, text: string}} HttpResponse */

/** @type {((request: HttpRequest) => HttpResponse) | null} */
let call = null;

/**
 * Sends one request and waits for its answer.
 *
 * @param {HttpRequest} request
 * @return {HttpResponse}
 */
function requestSync(request) {
  if (!call) call = createSyncFn(path.join(__dirname, 'http-worker.js'), { timeout: 30000 });
  return call(request);
}

module.exports = { requestSync };
