// What happens when people type or paste into the Sources tab: each edited URL cell is checked
// at once (a note and a highlight when it is refused); stamping the row (ID, PENDING or INVALID,
// lease) is the leader's (docs/protocol.md). Rows are read once, and read again right before any
// write, which is made only if the row still holds what was read.

/** How long onEdit waits for another execution (simple triggers have 30 s in all). */
const EDIT_LOCK_WAIT_MS = 10000;

/**
 * @typedef {Object} SingleEdit
 * @property {unknown=} value the typed value (a single-cell edit; undefined when cleared).
 * @property {unknown=} oldValue the value before (a single-cell edit; undefined when empty).
 */

/**
 * Handles an edit if it touched the URL column of the Sources tab below the header.
 *
 * @param {GoogleAppsScript.Spreadsheet.Range} range the edited range.
 * @param {SingleEdit=} single what the event says about a single-cell edit.
 * @return {number} rows handled (0 when the edit is elsewhere).
 */
function handleSourcesEdit_(range, single) {
  const title = sourcesTab_();
  if (range.getSheet().getName() !== title) return 0;
  const table = openTable_(title);
  if (!table || !('url' in table.columns.index)) return 0;
  const urlColumn = table.columns.index.url + 1;
  if (urlColumn < range.getColumn() || urlColumn > range.getLastColumn()) return 0;
  const first = Math.max(2, range.getRow());
  const last = range.getLastRow();
  if (last < first) return 0;
  requireColumns_(table.columns, ['id', 'status', 'lease']);
  const lock = LockService.getDocumentLock();
  if (!lock || !lock.tryLock(EDIT_LOCK_WAIT_MS)) {
    activeSpreadsheet_().toast(
      'Busy: these URLs were not checked. Use Orchestrator > Check typed URLs.',
      MENU_TITLE,
    );
    return 0;
  }
  try {
    const records = readRecords_(table);
    const oneCell = range.getNumRows() === 1 && range.getNumColumns() === 1 && single;
    /** @type {number[]} */
    let indices = [];
    for (let row = first; row <= last; row++) indices.push(row - 2);
    if (oneCell) {
      // Rows may have moved since the edit (the leader removes finished sources): find the
      // typed URL again by content, or give up and say so.
      const typed = cellText_(single.value).trim();
      const at = records[first - 2];
      if (!at || cellText_(at.url).trim() !== typed) {
        const found = typed === '' ? -1 : findTypedRow_(records, typed);
        if (found < 0) {
          activeSpreadsheet_().toast(MOVED_MESSAGE, MENU_TITLE);
          return 0;
        }
        indices = [found];
      }
    }
    const plans = planEdits_(records, indices, oneCell ? single.oldValue : undefined);
    const applied = applySourcePlans_(table, plans, records);
    SpreadsheetApp.flush();
    return applied;
  } finally {
    lock.releaseLock();
  }
}

/** Told when rows moved between the edit and the check, and the edited row was not found. */
const MOVED_MESSAGE =
  'Rows moved while this edit was being checked: use Orchestrator > Check typed URLs.';

/**
 * The index of the row that holds a typed URL and no lease (the person's new row).
 *
 * @param {RowRecord[]} records
 * @param {string} url
 * @return {number} -1 when there is none.
 */
function findTypedRow_(records, url) {
  return records.findIndex(
    (r) => cellText_(r.url).trim() === url && cellText_(r.lease).trim() === '',
  );
}

/**
 * Plans for the records at `indices` (ascending), with the other rows' sources as taken.
 *
 * @param {RowRecord[]} records
 * @param {number[]} indices
 * @param {unknown=} oldUrl the URL before a single-cell edit.
 * @return {RowPlan[]}
 */
function planEdits_(records, indices, oldUrl) {
  const edited = indices.map((i) => ({
    row: i + 2,
    url: records[i] ? records[i].url : '',
    id: records[i] ? records[i].id : '',
    lease: records[i] ? records[i].lease : '',
    status: records[i] ? records[i].status : '',
    oldUrl,
  }));
  return planSourceEdits_(edited, takenSourceKeys_(records, new Set(indices)), () =>
    Utilities.getUuid(),
  );
}

/**
 * Checks every Sources row that has a URL but no status (rows onEdit never saw), with the
 * same plans as onEdit.
 *
 * @return {number} rows checked.
 */
function validateUnmarkedSources_() {
  const table = openTable_(sourcesTab_());
  if (!table) return 0;
  requireColumns_(table.columns, ['id', 'url', 'status', 'lease']);
  return withDocumentLock_(() => {
    const records = readRecords_(table);
    /** @type {number[]} */
    const unmarked = [];
    records.forEach((r, i) => {
      if (cellText_(r.url).trim() !== '' && cellText_(r.status).trim() === '') unmarked.push(i);
    });
    if (unmarked.length === 0) return 0;
    return applySourcePlans_(table, planEdits_(records, unmarked), records);
  });
}

/**
 * Writes plans, in runs of adjacent rows. Each run is read again first, and a row whose URL,
 * ID or Lease is no longer what was read (rows moved, or an agent wrote it) is left alone and
 * the person is told. Leases change only by compare-and-set (TextFinder over the one cell).
 *
 * @param {Table} table
 * @param {RowPlan[]} plans ascending rows.
 * @param {RowRecord[]} records what the plans were made from (index = row - 2).
 * @return {number} rows written.
 */
function applySourcePlans_(table, plans, records) {
  let written = 0;
  let moved = 0;
  for (const block of adjacentBlocks_(plans)) {
    const now = readBlock_(table, block[0].row, block.length);
    const still = block.filter((p, i) => sameRow_(records[p.row - 2], now[i]));
    moved += block.length - still.length;
    /** @type {RowPlan[]} */
    const done = [];
    for (const plan of still) {
      if (plan.action === 'withdraw' && !withdrawLease_(table, plan, records[plan.row - 2])) {
        moved += 1;
      } else {
        done.push(plan);
      }
    }
    const stamps = done.filter((p) => p.action === 'reset' || p.action === 'label');
    for (const run of adjacentBlocks_(stamps)) {
      writeColumns_(
        table,
        run[0].row,
        run.map((p) => p.state),
        STAMP_KEYS,
      );
    }
    for (const run of adjacentBlocks_(done)) annotateUrlCells_(table, run[0].row, run);
    written += done.length;
  }
  if (moved > 0) activeSpreadsheet_().toast(MOVED_MESSAGE, MENU_TITLE);
  return written;
}

/**
 * @param {Table} table
 * @param {number} firstRow
 * @param {number} count
 * @return {RowRecord[]} the rows as they are now.
 */
function readBlock_(table, firstRow, count) {
  const width = Math.max(1, table.columns.width);
  return table.sheet
    .getRange(firstRow, 1, count, width)
    .getValues()
    .map((row) => rowToRecord_(table.columns, row));
}

/**
 * @param {RowRecord | undefined} before
 * @param {RowRecord | undefined} now
 * @return {boolean} whether a row still holds the URL, ID and Lease it was read with.
 */
function sameRow_(before, now) {
  if (!before || !now) return false;
  return ['url', 'id', 'lease'].every(
    (key) => cellText_(before[key]).trim() === cellText_(now[key]).trim(),
  );
}

/**
 * Removes a PENDING lease by compare-and-set: only if the cell still holds exactly the lease
 * that was read (an agent that claimed the row meanwhile keeps it).
 *
 * @param {Table} table
 * @param {RowPlan} plan
 * @param {RowRecord} record
 * @return {boolean} whether the lease was removed.
 */
function withdrawLease_(table, plan, record) {
  const cell = table.sheet.getRange(plan.row, table.columns.index.lease + 1);
  const replaced = cell
    .createTextFinder(cellText_(record.lease).trim())
    .matchCase(true)
    .matchEntireCell(true)
    .replaceAllWith('');
  if (replaced !== 1) return false;
  writeColumns_(table, plan.row, [plan.state], ['status']);
  return true;
}

/**
 * Sets or removes the add-on's note and highlight on URL cells; notes and colours that people
 * set themselves are kept.
 *
 * @param {Table} table
 * @param {number} first
 * @param {RowPlan[]} plans
 */
function annotateUrlCells_(table, first, plans) {
  const cells = table.sheet.getRange(first, table.columns.index.url + 1, plans.length, 1);
  const oldNotes = cells.getNotes();
  const oldColours = cells.getBackgrounds();
  const notes = plans.map((p, i) => {
    const old = oldNotes[i][0] || '';
    if (p.note) return [p.note];
    return [old.startsWith(NOTE_PREFIX) ? null : old || null];
  });
  const colours = plans.map((p, i) => {
    const old = (oldColours[i][0] || '').toLowerCase();
    if (p.highlight) return [INVALID_HIGHLIGHT];
    return [old === INVALID_HIGHLIGHT || old === '#ffffff' ? null : old || null];
  });
  const same = (/** @type {(string|null)[][]} */ a, /** @type {string[][]} */ b) =>
    a.every((row, i) => (row[0] || '') === (b[i][0] || ''));
  if (!same(notes, oldNotes)) cells.setNotes(notes);
  const oldNormalised = oldColours.map((row) => [
    row[0] && row[0].toLowerCase() !== '#ffffff' ? row[0].toLowerCase() : '',
  ]);
  if (!same(colours, oldNormalised)) cells.setBackgrounds(colours);
}

/**
 * Splits plans (ascending rows) into runs of adjacent rows.
 *
 * @param {RowPlan[]} plans
 * @return {RowPlan[][]}
 */
function adjacentBlocks_(plans) {
  /** @type {RowPlan[][]} */
  const blocks = [];
  for (const plan of plans) {
    const block = blocks[blocks.length - 1];
    if (block && block[block.length - 1].row === plan.row - 1) block.push(plan);
    else blocks.push([plan]);
  }
  return blocks;
}
