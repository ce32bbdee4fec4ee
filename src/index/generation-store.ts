/**
 * Crash-safe on-disk generations. Every commit writes a complete folder `index/gen-<n>/`, fsyncs it,
 * then atomically replaces the pointer file `CURRENT` (tmp + fsync + rename + fsync dir). A kill at any
 * moment leaves CURRENT naming either the old or the new complete generation; a partial folder is
 * never named by CURRENT and is deleted at the next open.
 */
import { createHash } from 'node:crypto';
import { open, readFile, readdir, rename, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';

export const CURRENT_FILE = 'CURRENT';
export const INDEX_DIR = 'index';
export const GENERATION_MANIFEST = 'manifest.json';
const GEN_PATTERN = /^gen-(\d{6,})$/;

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export function generationName(generation: number): string {
  return `gen-${String(generation).padStart(6, '0')}`;
}

export function parseGenerationName(name: string): number | undefined {
  const m = GEN_PATTERN.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes bytes and fsyncs them before returning, so a later rename cannot expose a hole. */
export async function writeFileDurably(file: string, bytes: Buffer | string): Promise<void> {
  const handle = await open(file, 'w');
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

/** Atomically replaces `file` with `text`. */
export async function replaceFileAtomically(file: string, text: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFileDurably(tmp, text);
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** The generation CURRENT names, or undefined when the folder has none yet. */
export async function readCurrent(root: string): Promise<{ name: string; generation: number } | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(root, CURRENT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const name = text.trim();
  const generation = parseGenerationName(name);
  if (generation === undefined) throw new Error(`CURRENT does not name a generation: ${JSON.stringify(name.slice(0, 40))}`);
  return { name, generation };
}

export async function writeCurrent(root: string, generation: number): Promise<void> {
  await replaceFileAtomically(path.join(root, CURRENT_FILE), `${generationName(generation)}\n`);
}

/** Deletes every generation folder (and stray temp file) except `keep`. */
export async function removeOtherGenerations(root: string, keep: string | undefined): Promise<void> {
  const indexDir = path.join(root, INDEX_DIR);
  let names: string[];
  try {
    names = await readdir(indexDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const name of names) {
    if (name === keep) continue;
    await rm(path.join(indexDir, name), { recursive: true, force: true });
  }
}

/** Highest generation number present on disk (complete or not), so a new one never reuses a name. */
export async function highestGenerationOnDisk(root: string): Promise<number> {
  let max = 0;
  try {
    for (const name of await readdir(path.join(root, INDEX_DIR))) max = Math.max(max, parseGenerationName(name) ?? 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return max;
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
