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
 * @property {unknown} id the ID cell as read.
 * @property {unknown} lease the Lease cell as read.
 * @property {unknown=} status the Status cell as read.
 * @property {unknown=} oldUrl the URL before a single-cell edit (undefined: unknown).
 *
 * @typedef {Object} RowPlan
 * @property {number} row
 * @property {'keep' | 'reset' | 'label' | 'withdraw'} action what happens to the state cells:
 *   keep: nothing; reset: ID, Status and Error cleared (the leader validates and stamps the row
 *   again); label: a fresh ID (a URL-less row the duplicate cleanup must keep); withdraw: the
 *   PENDING lease is removed by compare-and-set, so nothing claims the row.
 * @property {RowRecord} state values for the state columns written (keys of STAMP_KEYS).
 * @property {string} note the note for the URL cell ('' for none).
 * @property {boolean} highlight whether the URL cell is highlighted.
 */

/** The state cells the add-on may write on a row without a lease (never the Lease itself). */
const STAMP_KEYS = Object.freeze(['id', 'status', 'error']);

/**
 * @param {unknown} lease a Lease cell.
 * @return {string} its state (`PENDING`, `CLAIMED`, `DONE`, `FAILED`), '' when empty.
 */
function leaseState_(lease) {
  return cellText_(lease).trim().split(SCHEMA.leaseSeparator)[0].toUpperCase();
}

/**
 * Decides what onEdit and Refresh do to edited Sources rows. Stamping a row (an ID, PENDING or
 * INVALID, a lease) belongs to the leader alone (docs/protocol.md): the add-on only tells the
 * person at once, with a note and a highlight, and hands rows back to the leader. A row with a
 * lease (the agents' row) keeps its ID, status and lease whatever is typed over its URL; a
 * cleared URL on a PENDING row withdraws it by compare-and-set.
 *
 * @param {EditedRow[]} edited rows whose URL cell was edited, top to bottom.
 * @param {string[]} takenKeys source keys (UrlVerdict.key) of the other queued rows.
 * @param {function(): string} newId returns a fresh UUID.
 * @return {RowPlan[]}
 */
function planSourceEdits_(edited, takenKeys, newId) {
  const taken = new Set(takenKeys);
  return edited.map((e) => {
    const url = cellText_(e.url).trim();
    const leased = cellText_(e.lease).trim() !== '';
    const hasId = cellText_(e.id).trim() !== '';
    /** @type {RowPlan} */
    const plan = { row: e.row, action: 'keep', state: {}, note: '', highlight: false };
    if (url === '') {
      if (leased && leaseState_(e.lease) === 'PENDING') {
        return { ...plan, action: 'withdraw', state: { status: '' } };
      }
      if (leased) {
        return { ...plan, note: `${NOTE_PREFIX}${BUSY_NOTE}` };
      }
      // No lease: give the row an ID so that the agents' duplicate cleanup (rows with neither ID
      // nor lease are copies of each other) keeps the person's other cells.
      return {
        ...plan,
        action: 'label',
        state: { id: hasId ? cellText_(e.id).trim() : newId(), status: '', error: '' },
      };
    }
    const verdict = checkSourceUrl_(url);
    const sameAsBefore =
      e.oldUrl !== undefined && verdict.ok && checkSourceUrl_(e.oldUrl).key === verdict.key;
    const reason = !verdict.ok ? verdict.reason : taken.has(verdict.key) ? 'duplicate' : '';
    if (verdict.ok) taken.add(verdict.key);
    if (reason) {
      plan.note = `${NOTE_PREFIX}${reason === 'duplicate' ? 'duplicate' : 'invalid'} source URL (${reason}). ${reasonMessage_(reason)}`;
      plan.highlight = reason !== 'duplicate';
    }
    if (leased || sameAsBefore || (!hasId && cellText_(e.status).trim() === '')) return plan;
    // A row without a lease that the leader already judged (an ID, INVALID) and whose URL the
    // person changed: hand it back to the leader, who validates and stamps it again.
    return { ...plan, action: 'reset', state: { id: '', status: '', error: '' } };
  });
}

/** The note on the URL cell of a row an agent is working on when its URL is cleared. */
const BUSY_NOTE =
  'an agent is working on this source (or has finished it); clearing its URL does not stop it.';

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
