/**
 * @OnlyCurrentDoc
 *
 * Entry points of the yt-gsheet-orchestrator add-on: the simple triggers, the Orchestrator
 * menu and the sidebar. The functions the sidebar calls are in Server.js; the rules are in
 * Validation.js, Records.js, SourcePlans.js, RequeuePlan.js and Dashboard.js; SheetAccess.js is
 * the only layer that reads and writes cells.
 */

/** Title of the menu and of the sidebar. */
const MENU_TITLE = 'Orchestrator';
/** Sidebars are about 300 px wide whatever is asked; the page is laid out for that. */
const SIDEBAR_WIDTH_PX = 300;

/**
 * Adds the Orchestrator menu (simple trigger).
 *
 * @param {GoogleAppsScript.Events.SheetsOnOpen=} _e
 */
function onOpen(_e) {
  SpreadsheetApp.getUi()
    .createMenu(MENU_TITLE)
    .addItem('Open dashboard and add sources', 'showSidebar')
    .addItem('Requeue selected DLQ rows', 'requeueSelected')
    .addSeparator()
    .addItem('Check typed URLs', 'checkTypedUrls')
    .addToUi();
}

/**
 * Validates URLs typed or pasted into the Sources URL column (simple trigger). Script and API
 * writes do not fire it, so the agents validate what they read as well.
 *
 * @param {GoogleAppsScript.Events.SheetsOnEdit} e
 */
function onEdit(e) {
  if (!e || !e.range) return;
  try {
    handleSourcesEdit_(e.range, e);
  } catch (err) {
    // A simple trigger's exception reaches only the executions log: tell the person too.
    console.error(err);
    activeSpreadsheet_().toast(err instanceof Error ? err.message : String(err), MENU_TITLE);
  }
}

/** Opens the sidebar: the dashboard, with the Add sources box (menu: Open dashboard…). */
function showSidebar() {
  openSidebar_('dashboard');
}

/**
 * Requeues the DLQ rows selected in the active DLQ tab (menu: Requeue selected DLQ rows). The
 * selection is turned into IDs at once; the requeue itself finds the rows by ID under the lock.
 */
function requeueSelected() {
  const ss = activeSpreadsheet_();
  const ui = SpreadsheetApp.getUi();
  const title = ss.getActiveSheet().getName();
  if (!dlqTabs_().includes(title)) {
    ui.alert(MENU_TITLE, `Select rows in ${dlqTabs_().join(' or ')} first.`, ui.ButtonSet.OK);
    return;
  }
  const table = requireTable_(title, ['id']);
  const idCells = readColumn_(table, 'id');
  const ids = selectedRows_(ss.getActiveRangeList())
    .map((row) => cellText_(idCells[row - 2]).trim())
    .filter((id) => id !== '');
  if (ids.length === 0) {
    ui.alert(MENU_TITLE, 'The selection holds no DLQ row with an ID.', ui.ButtonSet.OK);
    return;
  }
  const result = requeueRows(title, ids);
  ss.toast(requeueSummary_(result), MENU_TITLE);
}

/**
 * Checks Sources rows that have a URL but no status yet (typed while the script was not
 * installed, or while the lock was busy): notes and highlights on refused URLs; the leader
 * stamps the rows (menu: Check typed URLs).
 */
function checkTypedUrls() {
  const checked = validateUnmarkedSources_();
  activeSpreadsheet_().toast(
    checked === 0 ? 'No typed URL waits for a check.' : `Checked ${checked} typed URL(s).`,
    MENU_TITLE,
  );
}

/**
 * The content of an HTML file of this project, for `<?!= include_('Name') ?>` in templates
 * (private: the sidebar cannot call it through google.script.run).
 * Only trusted project files go through here, never data.
 *
 * @param {string} name file name without `.html`.
 * @return {string}
 */
function include_(name) {
  return HtmlService.createHtmlOutputFromFile(name).getContent();
}

/**
 * @param {'dashboard' | 'add'} focus the part of the sidebar to show first.
 */
function openSidebar_(focus) {
  const template = HtmlService.createTemplateFromFile('Sidebar');
  template.config = JSON.stringify(sidebarConfig_(focus));
  const output = template.evaluate().setTitle(MENU_TITLE).setWidth(SIDEBAR_WIDTH_PX);
  SpreadsheetApp.getUi().showSidebar(output);
}

/**
 * Constants the sidebar needs, injected through the template (never copied into its code).
 *
 * @param {'dashboard' | 'add'} focus
 * @return {Object<string, unknown>}
 */
function sidebarConfig_(focus) {
  return {
    focus,
    staleHeartbeatSeconds: SCHEMA.staleHeartbeatSeconds,
    reasons: URL_REASONS,
    dlqTabs: dlqTabs_(),
    maxUrls: MAX_URLS_PER_CALL,
  };
}

/**
 * Row numbers (below the header) touched by a selection, ascending and unique.
 *
 * @param {GoogleAppsScript.Spreadsheet.RangeList | null} rangeList
 * @return {number[]}
 */
function selectedRows_(rangeList) {
  if (!rangeList) return [];
  /** @type {Set<number>} */
  const rows = new Set();
  for (const range of rangeList.getRanges()) {
    const last = range.getLastRow();
    for (let row = Math.max(2, range.getRow()); row <= last; row++) rows.add(row);
  }
  return [...rows].sort((a, b) => a - b);
}

/**
 * @param {{requeued: string[], skipped: {id: string, reason: string}[]}} result
 * @return {string}
 */
function requeueSummary_(result) {
  const skipped = result.skipped.length ? `, ${result.skipped.length} skipped` : '';
  return `Requeued ${result.requeued.length} row(s)${skipped}.`;
}
