// What happens when people type or paste into the Sources tab: each edited URL cell is
// validated; the row gets an ID and PENDING, or INVALID with a note and a highlight; a cleared
// URL clears the row's state. Everything for one edit is read once and written column by column.

/** How long onEdit waits for another execution (simple triggers have 30 s in all). */
const EDIT_LOCK_WAIT_MS = 10000;

/**
 * Handles an edit if it touched the URL column of the Sources tab below the header.
 *
 * @param {GoogleAppsScript.Spreadsheet.Range} range the edited range.
 * @return {number} rows handled (0 when the edit is elsewhere).
 */
function handleSourcesEdit_(range) {
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
      'Busy: these URLs were not validated. Use Orchestrator > Refresh.',
      MENU_TITLE,
    );
    return 0;
  }
  try {
    const records = readRecords_(table);
    /** @type {Set<number>} */
    const editedIndices = new Set();
    /** @type {EditedRow[]} */
    const edited = [];
    for (let row = first; row <= last; row++) {
      editedIndices.add(row - 2);
      edited.push({ row, url: records[row - 2] ? records[row - 2].url : '' });
    }
    const plans = planSourceEdits_(edited, takenSourceKeys_(records, editedIndices), () =>
      Utilities.getUuid(),
    );
    applySourcePlans_(table, plans);
    SpreadsheetApp.flush();
    return plans.length;
  } finally {
    lock.releaseLock();
  }
}

/**
 * Validates every Sources row that has a URL but no status (rows onEdit never saw).
 *
 * @return {number} rows validated.
 */
function validateUnmarkedSources_() {
  const table = openTable_(sourcesTab_());
  if (!table) return 0;
  requireColumns_(table.columns, ['id', 'url', 'status', 'lease']);
  return withDocumentLock_(() => {
    const records = readRecords_(table);
    /** @type {Set<number>} */
    const unmarked = new Set();
    records.forEach((r, i) => {
      if (cellText_(r.url).trim() !== '' && cellText_(r.status).trim() === '') unmarked.add(i);
    });
    if (unmarked.size === 0) return 0;
    const edited = [...unmarked].map((i) => ({ row: i + 2, url: records[i].url }));
    const plans = planSourceEdits_(edited, takenSourceKeys_(records, unmarked), () =>
      Utilities.getUuid(),
    );
    for (const block of adjacentBlocks_(plans)) applySourcePlans_(table, block);
    return plans.length;
  });
}

/**
 * Writes the plans of adjacent rows: state columns, then the URL cells' notes and highlights.
 *
 * @param {Table} table
 * @param {RowPlan[]} plans for adjacent rows, top to bottom.
 */
function applySourcePlans_(table, plans) {
  if (plans.length === 0) return;
  const first = plans[0].row;
  writeColumns_(
    table,
    first,
    plans.map((p) => p.state),
    STATE_KEYS,
  );
  annotateUrlCells_(table, first, plans);
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
