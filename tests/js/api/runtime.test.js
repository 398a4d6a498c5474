// The API-backed Apps Script runtime itself: SpreadsheetApp over the emulator keeps the real
// service's semantics that the add-on depends on.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { after, before, describe, it } = require('node:test');
const { startEmulator, createWorld } = require('../support/api/world');

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.stop();
});

describe('SpreadsheetApp over the Sheets API', () => {
  it('row positions shift when someone else deletes rows above', () => {
    const world = createWorld(emulator.url);
    const sources = world.tab('Sources');
    sources.add({ url: 'https://youtu.be/aaaaaaaaaaa' }, { url: 'https://youtu.be/bbbbbbbbbbb' });
    const rt = world.runtime;
    const { context } = rt.load();
    const sheet = context.SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Sources');
    const cell = sheet.getRange(3, sources.col('url'));
    assert.equal(cell.getValue(), 'https://youtu.be/bbbbbbbbbbb');
    sources.deleteRows(2);
    assert.equal(cell.getValue(), '', 'row 3 now holds nothing: the row moved up');
    assert.equal(sheet.getRange(2, sources.col('url')).getValue(), 'https://youtu.be/bbbbbbbbbbb');
  });

  it('appendRow goes after the last row with content, and getLastRow counts a formula showing ""', () => {
    const world = createWorld(emulator.url);
    const rt = world.runtime;
    const { context } = rt.load();
    const sheet = context.SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Tasks');
    assert.equal(sheet.getLastRow(), 1);
    world.others.updateValues("'Tasks'!B4", [['=""']]);
    assert.equal(sheet.getLastRow(), 4);
    sheet.appendRow(['x', "'0012", '=1+1', '42', 'TRUE']);
    const row = world.others.getValues("'Tasks'!A5:E5", 'UNFORMATTED_VALUE')[0];
    assert.deepEqual(row, ['x', '0012', 2, 42, true]);
  });

  it('setValues parses typed text; a leading apostrophe forces text and is not stored', () => {
    const world = createWorld(emulator.url);
    const { context } = world.runtime.load();
    const sheet = context.SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Tasks');
    sheet.getRange(2, 1, 1, 3).setValues([["'=IMPORTXML(1)", '0012', "'0012"]]);
    const row = world.others.getValues("'Tasks'!A2:C2", 'FORMULA')[0];
    assert.deepEqual(row, ['=IMPORTXML(1)', 12, '0012']);
  });

  it('notes and backgrounds round-trip, and null clears them', () => {
    const world = createWorld(emulator.url);
    const { context } = world.runtime.load();
    const sheet = context.SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Sources');
    const cells = sheet.getRange(2, 1, 2, 1);
    cells.setNotes([['first'], [null]]);
    cells.setBackgrounds([['#f4cccc'], [null]]);
    assert.deepEqual(cells.getNotes(), [['first'], ['']]);
    assert.deepEqual(cells.getBackgrounds(), [['#f4cccc'], ['#ffffff']]);
    cells.setNotes([[null], [null]]);
    assert.deepEqual(cells.getNotes(), [[''], ['']]);
  });

  it('TextFinder.replaceAllWith is a compare-and-set on the cells of its range', () => {
    const world = createWorld(emulator.url);
    const { context } = world.runtime.load();
    const sheet = context.SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Tasks');
    const cell = sheet.getRange(2, 1);
    cell.setValue('PENDING|a|0|-|0');
    const cas = (/** @type {string} */ from, /** @type {string} */ to) =>
      cell.createTextFinder(from).matchCase(true).matchEntireCell(true).replaceAllWith(to);
    assert.equal(cas('PENDING|a|0|-|0', 'CLAIMED|a|1|w|9'), 1);
    assert.equal(cas('PENDING|a|0|-|0', 'X'), 0, 'the old value is gone: nothing replaced');
    assert.equal(cell.getValue(), 'CLAIMED|a|1|w|9');
  });

  it('the document lock is held by one execution at a time and released when it ends', () => {
    const world = createWorld(emulator.url);
    const one = world.runtime.load();
    const two = world.runtime.load();
    assert.equal(one.context.LockService.getDocumentLock().tryLock(0), true);
    assert.equal(two.context.LockService.getDocumentLock().tryLock(20), false);
    one.lock.releaseLock();
    assert.equal(two.context.LockService.getDocumentLock().tryLock(0), true);
    two.lock.releaseLock();
    world.runtime.execute('onOpen');
    assert.equal(one.context.LockService.getDocumentLock().tryLock(0), true);
    one.lock.releaseLock();
  });

  it('the document lock excludes executions in another Node process, and a dead holder loses it', async () => {
    const world = createWorld(emulator.url);
    const holder = spawn(process.execPath, [
      path.join(__dirname, '..', 'support', 'api', 'hold-lock.js'),
      world.lockDir,
      world.spreadsheetId,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const { context, lock } = world.runtime.load();
    assert.equal(
      context.LockService.getDocumentLock().tryLock(0),
      false,
      'held by the other process',
    );
    holder.stdin.end();
    await new Promise((resolve) => holder.once('exit', resolve));
    assert.equal(lock.tryLock(5000), true);
    lock.releaseLock();

    const killed = spawn(process.execPath, [
      path.join(__dirname, '..', 'support', 'api', 'hold-lock.js'),
      world.lockDir,
      world.spreadsheetId,
    ]);
    await new Promise((resolve) => killed.stdout.once('data', resolve));
    assert.equal(lock.tryLock(0), false);
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.once('exit', resolve));
    assert.equal(lock.tryLock(5000), true, 'an execution that died no longer holds the lock');
    lock.releaseLock();
  });
});
