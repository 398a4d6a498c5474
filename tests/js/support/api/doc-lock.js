// LockService.getDocumentLock() shared by every execution of the add-on on one spreadsheet, in
// any number of Node processes: a lock file created with O_EXCL. An execution that dies holding
// it (its process gone) loses it, as the platform releases a lock when an execution ends.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const POLL_MS = 5;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(pause, 0, 0, ms);
}

/**
 * @param {number} pid
 * @return {boolean}
 */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** @implements {Pick<GoogleAppsScript.Lock.Lock, 'tryLock' | 'waitLock' | 'hasLock' | 'releaseLock'>} */
class FileLock {
  /**
   * @param {string} file the lock file (one per spreadsheet).
   * @param {function(boolean): void=} onChange told when this lock is taken (true) or let go.
   */
  constructor(file, onChange) {
    this.file = file;
    this.token = `${process.pid}:${crypto.randomUUID()}`;
    this.mine = false;
    this.onChange = onChange ?? (() => {});
  }

  /** @return {boolean} whether the file was created by this call. */
  attempt() {
    try {
      fs.writeFileSync(this.file, JSON.stringify({ token: this.token, pid: process.pid }), {
        flag: 'wx',
      });
      return true;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    try {
      const owner = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (!alive(owner.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      // Being written or removed by its owner right now: try again shortly.
    }
    return false;
  }

  /** @type {GoogleAppsScript.Lock.Lock['tryLock']} */
  tryLock(timeoutInMillis) {
    if (this.mine) return true;
    const deadline = Date.now() + Math.max(0, timeoutInMillis);
    for (;;) {
      if (this.attempt()) {
        this.mine = true;
        this.onChange(true);
        return true;
      }
      if (Date.now() >= deadline) return false;
      sleepSync(POLL_MS);
    }
  }

  /** @type {GoogleAppsScript.Lock.Lock['waitLock']} */
  waitLock(timeoutInMillis) {
    if (!this.tryLock(timeoutInMillis)) {
      throw new Error('Lock timeout: another process was holding the lock for too long.');
    }
  }

  /** @type {GoogleAppsScript.Lock.Lock['hasLock']} */
  hasLock() {
    return this.mine;
  }

  /** @type {GoogleAppsScript.Lock.Lock['releaseLock']} */
  releaseLock() {
    if (!this.mine) return;
    this.mine = false;
    try {
      const owner = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (owner.token === this.token) fs.rmSync(this.file, { force: true });
    } catch {
      // Already gone.
    }
    this.onChange(false);
  }
}

/**
 * @param {string} dir a folder shared by the processes.
 * @param {string} spreadsheetId
 * @return {string} the lock file of that spreadsheet's document lock.
 */
function documentLockFile(dir, spreadsheetId) {
  return path.join(dir, `document-lock-${spreadsheetId.replace(/[^\w-]/g, '_')}`);
}

module.exports = { FileLock, documentLockFile, sleepSync };
