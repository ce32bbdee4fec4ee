/**
 * Recovery of a knowledge folder after a crashed or failed writer, and the DISK_FULL error every write path
 * reports. Kept apart from the coordinator because it must work when nothing else can: on a full disk.
 */
import { AppError, isDiskFull } from '../core/errors.js';
import { readCurrentOrCorrupt, removeOtherGenerations } from './generation-format.js';
import type { KnowledgeState } from './knowledge-state.js';
import type { OriginalsStore } from './originals-store.js';
import { liveLockHolder, tryAcquireWriteLock } from './write-lock.js';

/**
 * Deletes partial generations a crashed or failed writer left behind — only when no other process is writing
 * (then they may be its work in progress), so opening for reading never disturbs a writer. Taking the lock
 * needs a few bytes of disk: on a full disk, with no live holder, the partial generations go first.
 */
export async function removeLeftovers(dir: string): Promise<void> {
  const keep = (await readCurrentOrCorrupt(dir))?.name;
  let attempt: Awaited<ReturnType<typeof tryAcquireWriteLock>>;
  try {
    attempt = await tryAcquireWriteLock(dir);
  } catch (e) {
    if (!isDiskFull(e) || (await liveLockHolder(dir))) throw diskError(e, '无法打开知识库');
    await removeOtherGenerations(dir, keep);
    attempt = await tryAcquireWriteLock(dir).catch((again: unknown) => {
      throw diskError(again, '无法打开知识库');
    });
  }
  if (!attempt.held) return;
  try {
    await removeOtherGenerations(dir, keep);
  } finally {
    await attempt.lock.release();
  }
}

/** DISK_FULL with what happened and what to do; other errors as they are. */
export function diskError(e: unknown, what: string): unknown {
  if (!isDiskFull(e)) return e;
  return new AppError(
    'DISK_FULL',
    `知识库所在磁盘空间不足，${what}；已有文档照常可查。请管理员清理或扩容知识库所在磁盘后重试（可用 df -h 查看剩余空间）。`,
    { cause: e },
  );
}

/** At open, when an earlier writer ended uncleanly: deletes originals the loaded generation does not name. */
export async function removeStrayOriginals(dir: string, originals: OriginalsStore, state: KnowledgeState): Promise<void> {
  if (!(await originals.strayedPossibly())) return; // the usual case: no lock (and its fsync) needed
  const attempt = await tryAcquireWriteLock(dir).catch(() => undefined);
  if (!attempt?.held) return;
  try {
    await originals.removeStrays(new Set(state.listDocuments().map((d) => d.storedFile)));
  } finally {
    await attempt.lock.release();
  }
}
