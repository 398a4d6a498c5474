// The worker thread behind sync-http.js: performs one HTTP request with fetch and hands the
// answer back to the blocked main thread (synckit's Atomics.wait + receiveMessageOnPort).

const { runAsWorker } = require('synckit');

runAsWorker(
  /**
   * @param {{method: string, url: string, body?: string}} request
   * @return {Promise<{status: number, text: string}>}
   */
  async (request) => {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
      body: request.body,
    });
    return { status: response.status, text: await response.text() };
  },
);
