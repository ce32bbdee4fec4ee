/**
 * File-system helpers every stage that persists state shares: durable writes (fsync before rename), atomic
 * replacement, and content hashes. Nothing here knows about knowledge folders or users.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes bytes and fsyncs them before returning, so a later rename cannot expose a hole. */
export async function writeFileDurably(file: string, bytes: Buffer | string, mode = 0o644): Promise<void> {
  const handle = await open(file, 'w', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a file written by someone else (e.g. hnswlib's native writer). */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a directory so renames and new entries in it survive power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (e) {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
  } finally {
    await handle.close();
  }
}

/** Atomically and durably replaces `file` with `text` (readers see the old or the new file, never part of one). */
export async function replaceFileAtomically(file: string, text: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFileDurably(tmp, text, mode);
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}
