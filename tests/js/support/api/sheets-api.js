// A small synchronous client of the Sheets API v4 (the emulator's, over loopback): the calls the
// API-backed SpreadsheetApp makes, each one HTTP request answered before it returns.

const { requestSync } = require('./sync-http');

/** @typedef {Object<string, any>} Json */

/**
 * An error from the API, with Google's message (Apps Script shows the same text in its
 * `Exception: …`).
 */
class SheetsApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Quotes a sheet title for A1 notation as the API expects ('It''s').
 *
 * @param {string} title
 * @return {string}
 */
function quoteTitle(title) {
  return `'${title.replace(/'/g, "''")}'`;
}

/**
 * @param {number} column 1-based.
 * @return {string} its letters (1 -> A, 27 -> AA).
 */
function columnLetters(column) {
  let n = column;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

class SheetsApi {
  /**
   * @param {string} baseUrl e.g. http://127.0.0.1:8085
   * @param {string} spreadsheetId
   * @param {string=} token the bearer token (the emulator counts quota per token).
   */
  constructor(baseUrl, spreadsheetId, token = 'apps-script') {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.spreadsheetId = spreadsheetId;
    this.token = token;
    /** Requests sent, for tests that count them. */
    this.requests = 0;
  }

  /**
   * @param {string} method
   * @param {string} suffix path below /v4/spreadsheets/{id} (with its query).
   * @param {Json=} body
   * @return {Json}
   */
  send(method, suffix, body) {
    this.requests += 1;
    const url = `${this.baseUrl}/v4/spreadsheets/${encodeURIComponent(this.spreadsheetId)}${suffix}`;
    const response = requestSync({
      method,
      url,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = response.text ? JSON.parse(response.text) : {};
    if (response.status >= 400) {
      const message = json.error?.message ?? `HTTP ${response.status}`;
      throw new SheetsApiError(response.status, message);
    }
    return json;
  }

  /**
   * @param {string} fields a field mask.
   * @param {string[]=} ranges A1 ranges whose grid data to include.
   * @return {Json}
   */
  get(fields, ranges = []) {
    const query = new URLSearchParams({ fields });
    for (const range of ranges) query.append('ranges', range);
    if (ranges.length > 0) query.set('includeGridData', 'true');
    return this.send('GET', `?${query}`);
  }

  /**
   * @param {Json[]} requests
   * @return {Json[]} the replies.
   */
  batchUpdate(requests) {
    return this.send('POST', ':batchUpdate', { requests }).replies ?? [];
  }

  /**
   * @param {string} range A1 with the sheet title.
   * @param {'UNFORMATTED_VALUE' | 'FORMATTED_VALUE' | 'FORMULA'} render
   * @return {unknown[][]}
   */
  getValues(range, render) {
    const query = new URLSearchParams({
      valueRenderOption: render,
      dateTimeRenderOption: 'FORMATTED_STRING',
    });
    return this.send('GET', `/values/${encodeURIComponent(range)}?${query}`).values ?? [];
  }

  /**
   * Writes values as if typed (USER_ENTERED), the way Range.setValues does.
   *
   * @param {string} range
   * @param {unknown[][]} values
   */
  updateValues(range, values) {
    const query = new URLSearchParams({ valueInputOption: 'USER_ENTERED' });
    this.send('PUT', `/values/${encodeURIComponent(range)}?${query}`, { range, values });
  }

  /** @param {string} range */
  clearValues(range) {
    this.send('POST', `/values/${encodeURIComponent(range)}:clear`, {});
  }
}

/**
 * Creates a spreadsheet with tabs and their header rows.
 *
 * @param {string} baseUrl
 * @param {string} title
 * @param {{title: string, headers: string[]}[]} tabs
 * @return {string} the new spreadsheet's ID.
 */
function createSpreadsheet(baseUrl, title, tabs) {
  const response = requestSync({
    method: 'POST',
    url: `${baseUrl.replace(/\/$/, '')}/v4/spreadsheets`,
    body: JSON.stringify({
      properties: { title },
      sheets: tabs.map((tab) => ({ properties: { title: tab.title } })),
    }),
  });
  if (response.status >= 400) throw new SheetsApiError(response.status, response.text);
  const id = JSON.parse(response.text).spreadsheetId;
  const api = new SheetsApi(baseUrl, id, 'setup');
  for (const tab of tabs) {
    const range = `${quoteTitle(tab.title)}!A1:${columnLetters(tab.headers.length)}1`;
    api.send('PUT', `/values/${encodeURIComponent(range)}?valueInputOption=RAW`, {
      range,
      values: [tab.headers],
    });
  }
  return id;
}

module.exports = { SheetsApi, SheetsApiError, createSpreadsheet, quoteTitle, columnLetters };
