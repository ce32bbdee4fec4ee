/**
 * Crash-safe on-disk generations. Every commit writes a complete folder `index/gen-<n>/`, fsyncs it,
 * then atomically replaces the pointer file `CURRENT` (tmp + fsync + rename + fsync dir). A kill at any
 * moment leaves CURRENT naming either the old or the new complete generation; a partial folder is
 * never named by CURRENT and is deleted at the next open.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, rm, mkdir } from 'node:fs/promises';
import { replaceFileAtomically } from '../core/durable-files.js';
import { Worker } from 'node:worker_threads';
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

/** Size and sha256 of a file, streamed (the vector index is hundreds of MB: never hold it twice). */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 2 ** 20 })) {
    bytes += (chunk as Buffer).byteLength;
    hash.update(chunk as Buffer);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Buffers per writev call (Linux IOV_MAX is 1024). */
const WRITEV_BATCH = 512;

/** Writes the concatenation of `parts` (without building it) and fsyncs; returns its size and sha256. */
export async function writeBuffersDurably(file: string, parts: Buffer[]): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(file, 'w');
  try {
    for (let i = 0; i < parts.length; i += WRITEV_BATCH) {
      const batch = parts.slice(i, i + WRITEV_BATCH);
      let pending = batch.filter((b) => b.byteLength > 0);
      while (pending.length) {
        const { bytesWritten } = await handle.writev(pending);
        // writev may write less than asked: drop what went out and go on with the rest.
        let left = bytesWritten;
        const rest: Buffer[] = [];
        for (const b of pending) {
          if (left >= b.byteLength) left -= b.byteLength;
          else {
            rest.push(b.subarray(left));
            left = 0;
          }
        }
        pending = rest;
      }
      for (const b of batch) {
        hash.update(b);
        bytes += b.byteLength;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Hashes (and optionally fsyncs) a file on a worker thread: the main thread meanwhile writes or parses the rest. */
const DIGEST_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
try {
  const fd = fs.openSync(workerData.file, workerData.sync ? 'r+' : 'r');
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  let bytes = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n <= 0) break;
    hash.update(buf.subarray(0, n));
    bytes += n;
  }
  if (workerData.sync) fs.fsyncSync(fd);
  fs.closeSync(fd);
  parentPort.postMessage({ bytes, sha256: hash.digest('hex') });
} catch (e) {
  parentPort.postMessage({ error: String(e && e.message || e), code: e && e.code });
}`;

/** Size and sha256 of `file` computed on another thread; with `sync` the file is also fsynced there. */
export function digestFileInWorker(file: string, options: { sync?: boolean } = {}): Promise<FileDigest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(DIGEST_WORKER_SOURCE, { eval: true, workerData: { file, sync: options.sync ?? false } });
    worker.once('message', (m: FileDigest & { error?: string; code?: string }) => {
      if (m.error) reject(Object.assign(new Error(m.error), { code: m.code }));
      else resolve({ bytes: m.bytes, sha256: m.sha256 });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
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

/** Entry of index/ that is not a generation and must survive clean-up: the single-writer lock (write-lock.ts). */
const WRITE_LOCK_NAME = 'write.lock';

/** Deletes every generation folder (and stray temp file) except `keep`, and the write lock. */
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
    if (name === keep || name === WRITE_LOCK_NAME) continue;
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
