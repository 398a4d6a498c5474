// Pure logic of Sources edits: what onEdit and Refresh write for each edited row, and the
// checks of a batch of URLs (duplicates within it and against the tab). No service calls.

/** Colour of a Sources URL cell that failed validation. */
const INVALID_HIGHLIGHT = '#f4cccc';

/** Every note the add-on writes starts with this, so that people's own notes are left alone. */
const NOTE_PREFIX = 'Orchestrator: ';

/**
 * @typedef {Object} EditedRow
 * @property {number} row 1-based row number (used only within one locked execution).
 * @property {unknown} url the URL cell after the edit.
 *
 * @typedef {Object} RowPlan
 * @property {number} row
 * @property {'clear' | 'queue' | 'invalid'} action
 * @property {RowRecord} state values for STATE_KEYS columns.
 * @property {string} note the note for the URL cell ('' for none).
 * @property {boolean} highlight whether the URL cell is highlighted.
 */

/**
 * Decides what onEdit writes for edited Sources rows.
 *
 * @param {EditedRow[]} edited rows whose URL cell was edited, top to bottom.
 * @param {string[]} takenKeys source keys (UrlVerdict.key) of the other queued rows.
 * @param {function(): string} newId returns a fresh UUID.
 * @return {RowPlan[]}
 */
function planSourceEdits_(edited, takenKeys, newId) {
  const taken = new Set(takenKeys);
  return edited.map(({ row, url }) => {
    if (cellText_(url).trim() === '') {
      return { row, action: 'clear', state: blankState_(), note: '', highlight: false };
    }
    const verdict = checkSourceUrl_(url);
    const reason = !verdict.ok ? verdict.reason : taken.has(verdict.key) ? 'duplicate' : '';
    if (reason) {
      const message = reasonMessage_(reason);
      // An ID but no lease: no agent claims the row, and the agents' duplicate-row cleanup
      // (which treats rows with neither ID nor lease as copies of each other) leaves it alone.
      const state = {
        ...blankState_(),
        id: newId(),
        status: 'INVALID',
        error: `${reason}: ${message}`,
      };
      return {
        row,
        action: 'invalid',
        state,
        note: `${NOTE_PREFIX}invalid source URL (${reason}). ${message}`,
        highlight: true,
      };
    }
    taken.add(verdict.key);
    return { row, action: 'queue', state: queuedState_(newId()), note: '', highlight: false };
  });
}

/**
 * @param {string} reason a reason code.
 * @return {string} its explanation.
 */
function reasonMessage_(reason) {
  const messages = /** @type {Object<string, string>} */ (URL_REASONS);
  return messages[reason] || reason;
}

/**
 * @typedef {Object} UrlCheck
 * @property {string} url
 * @property {boolean} ok
 * @property {string} reason
 * @property {string} message
 * @property {string} kind
 * @property {string} key
 */

/**
 * Validates a batch of URLs, marking repeats within the batch and sources already queued as
 * `duplicate`.
 *
 * @param {unknown[]} urls
 * @param {string[]} takenKeys keys of the sources already in the Sources tab.
 * @return {UrlCheck[]}
 */
function checkUrlBatch_(urls, takenKeys) {
  const taken = new Set(takenKeys);
  return urls.map((raw) => {
    const verdict = checkSourceUrl_(raw);
    let reason = verdict.reason;
    if (verdict.ok && taken.has(verdict.key)) reason = 'duplicate';
    if (verdict.ok) taken.add(verdict.key);
    return {
      url: verdict.url,
      ok: reason === '',
      reason,
      message: reason ? reasonMessage_(reason) : '',
      kind: reason ? '' : verdict.kind,
      key: verdict.key,
    };
  });
}

/**
 * Keys of the sources a Sources tab already holds (rows with a URL that is not INVALID).
 *
 * @param {RowRecord[]} records
 * @param {Set<number>=} skip indices of records to leave out.
 * @return {string[]}
 */
function takenSourceKeys_(records, skip) {
  /** @type {string[]} */
  const keys = [];
  records.forEach((record, i) => {
    if (skip && skip.has(i)) return;
    if (cellText_(record.status).trim().toUpperCase() === 'INVALID') return;
    const verdict = checkSourceUrl_(record.url);
    if (verdict.ok) keys.push(verdict.key);
  });
  return keys;
}

/**
 * Splits what a person pasted into URLs: one per line, or separated by spaces (a URL holds
 * none). Blank entries are dropped.
 *
 * @param {unknown} input a string, or an array of strings.
 * @return {string[]}
 */
function splitUrls_(input) {
  const items = Array.isArray(input) ? input : [input];
  /** @type {string[]} */
  const urls = [];
  for (const item of items) {
    for (const part of cellText_(item).split(/\s+/)) {
      if (part !== '') urls.push(part);
    }
  }
  return urls;
}
