// setFleetControl / getFleetControl: the fleet-control row of Leader Election, under the lock.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { loadProject } = require('./support/project');

const LEADER = 'Leader Election';
const MUTATIONS = ['setValues', 'setValue', 'appendRow', 'deleteRows', 'deleteRow'];

function setup({ withControlRow = true, language = 'en' } = {}) {
  const project = loadProject();
  const leader = project.addTab(LEADER, language);
  leader.add({
    election_name: 'orchestrator-leader',
    term: '3',
    lease: 'orchestrator-leader|3|a#1|9',
  });
  if (withControlRow) leader.add({ election_name: 'fleet-control', lease: 'RUNNING' });
  return { project, leader };
}

function controlRecord(leader) {
  return leader.records().find((r) => r.election_name === 'fleet-control');
}

describe('setFleetControl', () => {
  it('writes the state into the fleet-control row, under the document lock', () => {
    const { project, leader } = setup();
    assert.deepEqual(project.call('setFleetControl', 'paused'), {
      state: 'PAUSED',
      previous: 'RUNNING',
    });
    assert.equal(controlRecord(leader).lease, 'PAUSED');
    const election = leader.records().find((r) => r.election_name === 'orchestrator-leader');
    assert.equal(election.lease, 'orchestrator-leader|3|a#1|9', 'the election is left alone');
    const mutations = project.ss.log.filter((e) => MUTATIONS.includes(e.method));
    assert.ok(mutations.length > 0 && mutations.every((e) => e.locked), 'written under the lock');
    assert.equal(project.lock.held, false, 'the lock is released');
    assert.deepEqual(project.call('getFleetControl'), { state: 'PAUSED', cell: 'PAUSED' });
  });

  it('finds the row where it is now, after rows moved above it', () => {
    const { project, leader } = setup();
    leader.sheet.insertRowsBefore(2, 2);
    project.call('setFleetControl', 'DRAIN');
    assert.equal(controlRecord(leader).lease, 'DRAIN');
    assert.equal(leader.records().filter((r) => r.lease === 'DRAIN').length, 1);
  });

  it('appends the row when it is missing, with Portuguese headers too', () => {
    const { project, leader } = setup({ withControlRow: false, language: 'pt' });
    assert.deepEqual(project.call('getFleetControl'), { state: 'RUNNING', cell: '' });
    assert.deepEqual(project.call('setFleetControl', ' drain '), { state: 'DRAIN', previous: '' });
    assert.equal(controlRecord(leader).lease, 'DRAIN');
  });

  it('refuses anything but the three states, writing nothing', () => {
    const { project, leader } = setup();
    for (const bad of ['STOP', '=HYPERLINK("x")', '', null, 42]) {
      assert.throws(
        () => project.call('setFleetControl', bad),
        /is not a fleet state: use RUNNING, PAUSED, DRAIN/,
      );
    }
    assert.equal(controlRecord(leader).lease, 'RUNNING');
    assert.equal(project.ss.log.filter((e) => MUTATIONS.includes(e.method)).length, 0);
  });

  it('shows a typo in the cell as UNREADABLE, and a write repairs it', () => {
    const { project, leader } = setup();
    leader.sheet.getRange(3, leader.col('lease')).setValue('PAUSE');
    assert.deepEqual(project.call('getFleetControl'), { state: 'UNREADABLE', cell: 'PAUSE' });
    project.call('setFleetControl', 'RUNNING');
    assert.deepEqual(project.call('getFleetControl'), { state: 'RUNNING', cell: 'RUNNING' });
  });

  it('says to run orc init when the tab is missing', () => {
    const project = loadProject();
    assert.throws(() => project.call('setFleetControl', 'PAUSED'), /orc init/);
  });
});

describe('getDashboard fleet', () => {
  it('carries the fleet state from the Leader Election rows it reads anyway', () => {
    const { project, leader } = setup();
    project.call('setFleetControl', 'PAUSED');
    project.ss.log.length = 0;
    assert.deepEqual(project.call('getDashboard').fleet, { state: 'PAUSED', cell: 'PAUSED' });
    const reads = project.ss.calls('getValues').filter((e) => e.sheet === LEADER);
    assert.equal(reads.length, 2, 'the header and the rows, once each: no read for the fleet');
    leader.sheet.getRange(3, leader.col('lease')).setValue('PAUSE');
    assert.deepEqual(project.call('getDashboard').fleet, { state: 'UNREADABLE', cell: 'PAUSE' });
  });

  it('is RUNNING when the fleet-control row does not exist yet', () => {
    const { project } = setup({ withControlRow: false });
    assert.deepEqual(project.call('getDashboard').fleet, { state: 'RUNNING', cell: '' });
  });
});
