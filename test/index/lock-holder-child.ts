/** Child process for the write-lock test: takes the write lock of argv[2], prints `locked`, then idles until killed. */
import { acquireWriteLock } from '../../src/index/write-lock.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: lock-holder-child.ts <dir>');
await acquireWriteLock(dir);
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);
