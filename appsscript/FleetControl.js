// Fleet control from the spreadsheet: RUNNING, PAUSED or DRAIN for every agent, kept in the
// Lease cell of the `fleet-control` row of Leader Election (the tab every agent's heartbeat
// reads). The same cell `orc pause`, `orc resume` and `orc drain` write.

/** @return {string} the title of the Leader Election tab, from the generated schema. */
function leaderTabTitle_() {
  const tabs = /** @type {Object<string, {role: string}>} */ (SCHEMA.tabs);
  const title = Object.keys(tabs).find((t) => tabs[t].role === 'leader');
  if (!title) throw new Error('Schema.js has no leader tab: regenerate it with `orc schema-js`.');
  return title;
}

/**
 * @param {unknown} text what the cell holds.
 * @return {string} the state it means ('RUNNING' when empty), or '' when it is none.
 */
function parseFleetState_(text) {
  const cleaned = cellText_(text).trim().toUpperCase();
  if (cleaned === '') return 'RUNNING';
  return SCHEMA.fleetStates.includes(cleaned) ? cleaned : '';
}

/**
 * @typedef {Object} FleetView
 * @property {string} state RUNNING, PAUSED, DRAIN or UNREADABLE.
 * @property {string} cell the Lease cell of the fleet-control row as text ('' when none).
 */

/**
 * The fleet control setting held by rows of Leader Election already read (getDashboard reads
 * that tab anyway, so the setting costs no extra read).
 *
 * @param {RowRecord[]} records rows of the Leader Election tab.
 * @return {FleetView}
 */
function fleetView_(records) {
  const row = records.find((r) => cellText_(r.election_name).trim() === SCHEMA.fleetControlName);
  if (!row) return { state: 'RUNNING', cell: '' };
  const cell = cellText_(row.lease);
  return { state: parseFleetState_(cell) || 'UNREADABLE', cell };
}

/**
 * Reads the fleet control setting.
 *
 * @return {FleetView} state is RUNNING, PAUSED, DRAIN or UNREADABLE.
 */
function getFleetControl() {
  const table = requireTable_(leaderTabTitle_(), ['election_name', 'lease']);
  const names = readColumn_(table, 'election_name');
  const index = names.findIndex((n) => cellText_(n).trim() === SCHEMA.fleetControlName);
  if (index < 0) return { state: 'RUNNING', cell: '' };
  const cell = cellText_(readColumn_(table, 'lease')[index]);
  return { state: parseFleetState_(cell) || 'UNREADABLE', cell };
}

/**
 * Sets the fleet control setting, under the document lock: the row is found by its name in
 * the same locked execution (appended when missing) and its Lease cell written as text.
 *
 * @param {string} state RUNNING, PAUSED or DRAIN (any case).
 * @return {{state: string, previous: string}} what was written, and the cell's text before.
 */
function setFleetControl(state) {
  const wanted = typeof state === 'string' ? state.trim().toUpperCase() : '';
  if (!SCHEMA.fleetStates.includes(wanted)) {
    const shown = clip_(state, 40);
    throw new Error(`"${shown}" is not a fleet state: use ${SCHEMA.fleetStates.join(', ')}.`);
  }
  return withDocumentLock_(() => {
    const table = requireTable_(leaderTabTitle_(), ['election_name', 'lease']);
    const names = readColumn_(table, 'election_name');
    const index = names.findIndex((n) => cellText_(n).trim() === SCHEMA.fleetControlName);
    if (index < 0) {
      appendRecord_(table, { election_name: SCHEMA.fleetControlName, lease: wanted });
      return { state: wanted, previous: '' };
    }
    const previous = cellText_(readColumn_(table, 'lease')[index]);
    writeColumns_(table, index + 2, [{ lease: wanted }], ['lease']);
    return { state: wanted, previous };
  });
}
