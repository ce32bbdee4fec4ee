/**
 * Single-writer lock for a knowledge folder: `<dir>/index/write.lock` holds the writer's pid, host and a random
 * token. A knowledge base takes it when it first stores an original or commits, and gives it back once
 * everything it wrote is committed; the cleanup at open (which deletes partial generations and stray
 * originals a writer may still need) runs only when it can take the lock. Reading never needs it, so a
 * server keeps answering while `yingji ingest` writes, and the reverse.
 *
 * Acquisition is atomic: the lock content is written to a private temp file and hard-linked to
 * `write.lock` (link fails with EEXIST when someone holds it). A lock whose pid is dead on this host is stale
 * (the writer was killed): it is renamed aside — so two processes cannot both "break" it and then delete each
 * other's fresh lock — checked once more, and removed. The lock lives in `index/` (which backups copy only
 * the current generation of, so a restored folder never inherits a lock); its scratch files sit beside the
 * folder's other temp files with a `.tmp` suffix, which backups skip.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { writeFileDurably } from '../core/durable-files.js';

/** The lock file, relative to the knowledge folder. */
export const WRITE_LOCK_FILE = 'index/write.lock';
/** Its name inside index/ (generation clean-up leaves it alone). */
export const WRITE_LOCK_NAME = 'write.lock';
/** Breaking a stale lock races with other breakers; a few rounds settle it. */
const ACQUIRE_ATTEMPTS = 4;

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

/** A held lock; release() is idempotent and only ever removes this holder's own lock. */
export interface WriteLock {
  release(): Promise<void>;
}

/** Pause between attempts while another writer holds the lock. */
const RETRY_INTERVAL_MS = 200;

/**
 * Takes the folder's write lock, waiting up to `waitMs` for a live holder to let go, or throws
 * KNOWLEDGE_BASE_BUSY naming it.
 * @throws AppError KNOWLEDGE_BASE_BUSY
 */
export async function acquireWriteLock(dir: string, options: { waitMs?: number } = {}): Promise<WriteLock> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let lock = await tryAcquireWriteLock(dir);
  while (!lock.held && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_INTERVAL_MS, Math.max(1, deadline - Date.now()))));
    lock = await tryAcquireWriteLock(dir);
  }
  if (lock.held) return lock.lock;
  const owner = lock.owner;
  throw new AppError(
    'KNOWLEDGE_BASE_BUSY',
    `另一个 yingji 进程（pid ${owner.pid}${owner.host !== os.hostname() ? `，主机 ${owner.host}` : ''}）正在写入知识库 ${dir}，本次修改未保存。` +
      '请等它完成后重试；若确认该进程已不存在，可删除知识库目录中的 index/write.lock 文件。',
  );
}

/** Like acquireWriteLock, but reports a live holder instead of throwing. */
export async function tryAcquireWriteLock(dir: string): Promise<{ held: true; lock: WriteLock } | { held: false; owner: LockOwner }> {
  const file = path.join(dir, WRITE_LOCK_FILE);
  await mkdir(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex'), acquiredAt: new Date().toISOString() };
  const tmp = path.join(dir, `${WRITE_LOCK_NAME}.${me.token}.tmp`);
  await writeFileDurably(tmp, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await link(tmp, file);
        return { held: true, lock: lockHandle(file, me.token) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = await readOwner(file);
      if (owner && isAlive(owner)) return { held: false, owner };
      if (attempt >= ACQUIRE_ATTEMPTS) return { held: false, owner: owner ?? { pid: 0, host: '?', token: '', acquiredAt: '' } };
      await breakStaleLock(dir, file);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** The live holder of the folder's lock, if any (reads only: needs no disk space). */
export async function liveLockHolder(dir: string): Promise<LockOwner | undefined> {
  // The lock is linked in whole (never written in place), so an unreadable one is no holder's.
  const owner = await readOwner(path.join(dir, WRITE_LOCK_FILE));
  return owner && isAlive(owner) ? owner : undefined;
}

function lockHandle(file: string, token: string): WriteLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const owner = await readOwner(file);
      if (owner?.token === token) await unlink(file).catch(() => undefined);
    },
  };
}

/** The lock's owner; undefined when missing or unreadable. */
async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return undefined;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), token: parsed.token, acquiredAt: String(parsed.acquiredAt ?? '') };
  } catch {
    return undefined;
  }
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return true; // another instance in this process is committing
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

async function breakStaleLock(dir: string, file: string): Promise<void> {
  const aside = path.join(dir, `${WRITE_LOCK_NAME}.stale-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await rename(file, aside);
  } catch {
    return; // someone else broke or released it first
  }
  const owner = await readOwner(aside);
  if (owner && isAlive(owner)) {
    // A live writer took the lock between our read and the rename: give it back (fails only if yet another
    // writer holds it now, and then that one is the single holder).
    await link(aside, file).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}
