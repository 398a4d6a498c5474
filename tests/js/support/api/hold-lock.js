// A second Node process for the lock test: one execution that takes the document lock, says
// so on stdout, and holds it until its stdin closes.

const { FileLock, documentLockFile } = require('./doc-lock');

const [lockDir, spreadsheetId] = process.argv.slice(2);
const lock = new FileLock(documentLockFile(lockDir, spreadsheetId));
if (!lock.tryLock(5000)) process.exit(3);
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  lock.releaseLock();
  process.exit(0);
});
