/**
 * The on-disk generation format, its only reader and writer (open, commit, rebuild and the read-only
 * knowledge check all come here). Every commit writes a complete folder `index/gen-<n>/`, fsyncs it, then
 * atomically replaces the pointer file `CURRENT` (tmp + fsync + rename + fsync dir). A kill at any moment
 * leaves CURRENT naming either the old or the new complete generation; a partial folder is never named by
 * CURRENT and is deleted at the next open (or at once when the commit fails).
 *
 *   CURRENT                         names the live generation, e.g. `gen-000012`
 *   index/gen-000012/manifest.json  Manifest + nextLabel + size and sha256 of every file below
 *   index/gen-000012/docs.json      SourceDoc[]
 *   index/gen-000012/chunks.jsonl   chunk lines grouped by document in docs.json order (chunk-codec.ts)
 *   index/gen-000012/vectors.hnsw   hnswlib graph (+ vectors.hnsw.deleted: uint32 deleted labels)
 *   index/gen-000012/lexical.bin    BM25 postings (bm25-index.ts format)
 *   index/write.lock                single-writer lock (write-lock.ts)
 *   files/…, originals.pending      stored originals (originals-store.ts)
 */
import { createHash } from 'node:crypto';
import { createReadStream, watch } from 'node:fs';
import { open, readFile, readdir, rm, mkdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { replaceFileAtomically, sha256Hex, syncDir, syncFile, writeFileDurably } from '../core/durable-files.js';
import type { Embedder } from '../llm/embedder.js';
import { NgramSketch } from './ngram-sketch.js';
import { Bm25Index } from './bm25-index.js';
import { CHUNKS_FILE, parseEntries, type DocEntry } from './chunk-codec.js';
import { corruptError } from './corrupt-error.js';
import { deletedSidecarPath } from './hnsw-index.js';
import { KNOWLEDGE_FORMAT_VERSION, type Manifest } from './knowledge-base.js';
import { ThreadedHnswIndex } from './threaded-hnsw-index.js';
import type { VectorIndex } from './vector-index.js';

export { CHUNKS_FILE, corruptError };
export const CURRENT_FILE = 'CURRENT';
export const INDEX_DIR = 'index';
export const GENERATION_MANIFEST = 'manifest.json';
export const DOCS_FILE = 'docs.json';
export const VECTORS_FILE = 'vectors.hnsw';
export const VECTORS_DELETED_FILE = deletedSidecarPath(VECTORS_FILE);
export const LEXICAL_FILE = 'lexical.bin';
/**
 * Character and bigram document frequencies (ngram-sketch.ts). Generations written before it lack the file, and those
 * of the bigram-only format hold an older one: both count them again once. The name is kept from the bigram-only days.
 */
export const GRAMS_FILE = 'bigrams.bin';
const GENERATION_FILES = [DOCS_FILE, CHUNKS_FILE, VECTORS_FILE, VECTORS_DELETED_FILE, LEXICAL_FILE] as const;
/** Loads retried when a concurrent commit replaced CURRENT (and deleted the old generation) mid-load. */
const LOAD_ATTEMPTS = 3;
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

/** Coalesces the burst of events one commit makes (tmp write + rename of CURRENT). */
const WATCH_DEBOUNCE_MS = 50;

/**
 * Calls `onChange` (debounced) when CURRENT in `root` is replaced, e.g. by another process's commit. Best
 * effort (inotify): writers check CURRENT under the lock all the same.
 */
export function watchCurrent(root: string, onChange: () => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  try {
    const watcher = watch(root, { persistent: false }, (_event, name) => {
      if (name !== CURRENT_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, WATCH_DEBOUNCE_MS);
      timer.unref();
    });
    watcher.on('error', () => undefined);
    return {
      close() {
        clearTimeout(timer);
        watcher.close();
      },
    };
  } catch {
    return { close() {} };
  }
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

/** What a generation folder's manifest.json holds beyond the public Manifest. */
export interface GenerationManifest extends Manifest {
  nextLabel: number;
  files: Record<string, FileDigest>;
}

/** A generation as read from disk; vectors and lexical only when asked for. */
export interface LoadedGeneration {
  name: string;
  manifest: GenerationManifest;
  entries: DocEntry[];
}

export interface LoadedIndexes {
  vectors: VectorIndex;
  lexical: Bm25Index;
  /** Undefined for a generation written before bigrams.bin existed, or in its bigram-only format. */
  grams?: NgramSketch;
}

interface LoadOptions {
  /** Checked against the manifest; undefined skips the check (rebuild, inspection). */
  embedder: Embedder | undefined;
  withVectors: boolean;
}

/** CURRENT, or undefined when the folder has none yet. @throws AppError INDEX_CORRUPT (unreadable) */
export async function readCurrentOrCorrupt(dir: string): Promise<{ name: string; generation: number } | undefined> {
  try {
    return await readCurrent(dir);
  } catch (e) {
    throw corruptError('CURRENT 文件无法识别', e);
  }
}

/** The public part of a generation manifest. */
export function publicManifest(m: Manifest): Manifest {
  return {
    formatVersion: m.formatVersion,
    embedder: { id: m.embedder.id, dimensions: m.embedder.dimensions },
    chunker: { ...m.chunker },
    generation: m.generation,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** Reads and checks one generation's manifest (format version, required fields). */
export async function readGenerationManifest(dir: string, name: string): Promise<GenerationManifest> {
  let manifest: GenerationManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, INDEX_DIR, name, GENERATION_MANIFEST), 'utf8')) as GenerationManifest;
  } catch (e) {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 缺失或无法解析`, e);
  }
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.formatVersion !== 'number') {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 内容不完整`);
  }
  if (manifest.formatVersion !== KNOWLEDGE_FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT_UNSUPPORTED',
      `知识库格式版本为 ${manifest.formatVersion}，本程序只支持版本 ${KNOWLEDGE_FORMAT_VERSION}。请升级 yingji，或用当前版本重新导入文档。`,
    );
  }
  if (!manifest.embedder || !manifest.files || typeof manifest.nextLabel !== 'number') {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 内容不完整`);
  }
  return manifest;
}

/**
 * Loads the generation CURRENT names (starting over when a concurrent commit replaced it mid-load);
 * undefined when the folder has none.
 * @throws AppError EMBEDDER_MISMATCH, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT
 */
export async function loadCurrentGeneration(dir: string, options: LoadOptions & { withVectors: true }): Promise<(LoadedGeneration & LoadedIndexes) | undefined>;
export async function loadCurrentGeneration(dir: string, options: LoadOptions): Promise<(LoadedGeneration & Partial<LoadedIndexes>) | undefined>;
export async function loadCurrentGeneration(dir: string, options: LoadOptions): Promise<(LoadedGeneration & Partial<LoadedIndexes>) | undefined> {
  let current = await readCurrentOrCorrupt(dir);
  for (let attempt = 1; current; attempt++) {
    try {
      return await loadGeneration(dir, current.name, options);
    } catch (e) {
      const now = await readCurrentOrCorrupt(dir).catch(() => undefined);
      if (attempt >= LOAD_ATTEMPTS || !now || now.name === current.name) throw e;
      current = now;
    }
  }
  return undefined;
}

/**
 * Reads one generation, checking every file's size and sha256, that docs and chunks agree and (withVectors)
 * that the vector and keyword indexes hold exactly those chunks. Reads only.
 * @throws AppError EMBEDDER_MISMATCH, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT
 */
export async function loadGeneration(dir: string, name: string, options: LoadOptions): Promise<LoadedGeneration & Partial<LoadedIndexes>> {
  const genDir = path.join(dir, INDEX_DIR, name);
  const manifest = await readGenerationManifest(dir, name);
  const want = options.embedder;
  if (want && (manifest.embedder.id !== want.id || manifest.embedder.dimensions !== want.dimensions)) {
    throw new AppError(
      'EMBEDDER_MISMATCH',
      `知识库是用向量化方式 ${manifest.embedder.id}（${manifest.embedder.dimensions} 维）建立的，当前配置为 ${want.id}（${want.dimensions} 维）。` +
        '请运行 `yingji reindex` 用当前配置重建索引，或改回原来的向量化配置。',
    );
  }
  // The vector file is most of the bytes: hash it on one thread and load it into the index worker on another,
  // while this one reads and parses the rest. The index is used only once the hash matched (hnswlib's reader
  // checks sizes and refuses a truncated file; a file that fails the hash is discarded unsearched).
  const vectorsFile = path.join(genDir, VECTORS_FILE);
  const vectorsDigest = options.withVectors ? digestFileInWorker(vectorsFile) : undefined;
  vectorsDigest?.catch(() => undefined); // awaited below
  const vectorsLoaded = options.withVectors ? ThreadedHnswIndex.load(vectorsFile, manifest.embedder.dimensions) : undefined;
  vectorsLoaded?.catch(() => undefined); // awaited below
  const discardVectors = () => vectorsLoaded?.then((v) => v.close(), () => undefined);
  try {
    const needed: string[] = options.withVectors ? GENERATION_FILES.filter((f) => f !== VECTORS_FILE) : [DOCS_FILE, CHUNKS_FILE];
    if (options.withVectors && manifest.files[GRAMS_FILE]) needed.push(GRAMS_FILE);
    const bytes = new Map<string, Buffer>();
    for (const file of needed) {
      const expected = manifest.files[file];
      let data: Buffer;
      try {
        data = await readFile(path.join(genDir, file));
      } catch (e) {
        throw corruptError(`${name}/${file} 缺失`, e);
      }
      if (!expected || data.byteLength !== expected.bytes || sha256Hex(data) !== expected.sha256) throw corruptError(`${name}/${file} 校验失败`);
      bytes.set(file, data);
    }
    let entries: DocEntry[];
    try {
      entries = parseEntries(bytes.get(DOCS_FILE) as Buffer, bytes.get(CHUNKS_FILE) as Buffer, manifest.nextLabel);
    } catch (e) {
      throw corruptError(`${name}/${DOCS_FILE} 或 ${CHUNKS_FILE} 内容无效`, e);
    }
    if (!vectorsDigest || !vectorsLoaded) return { name, manifest, entries };
    let lexical: Bm25Index;
    try {
      lexical = Bm25Index.deserialize(bytes.get(LEXICAL_FILE) as Buffer);
    } catch (e) {
      throw corruptError(`${name} 的关键词索引无法读取`, e);
    }
    let grams: NgramSketch | undefined;
    const gramBytes = bytes.get(GRAMS_FILE);
    try {
      grams = gramBytes ? NgramSketch.deserialize(gramBytes) : undefined;
    } catch (e) {
      throw corruptError(`${name}/${GRAMS_FILE} 无法读取`, e);
    }
    let actual: FileDigest;
    try {
      actual = await vectorsDigest;
    } catch (e) {
      throw corruptError(`${name}/${VECTORS_FILE} 缺失`, e);
    }
    const expected = manifest.files[VECTORS_FILE];
    if (!expected || actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) throw corruptError(`${name}/${VECTORS_FILE} 校验失败`);
    let vectors: VectorIndex;
    try {
      vectors = await vectorsLoaded;
    } catch (e) {
      throw corruptError(`${name} 的向量索引无法读取`, e);
    }
    checkIndexes(name, entries, vectors, lexical);
    return { name, manifest, entries, vectors, lexical, ...(grams ? { grams } : {}) };
  } catch (e) {
    await discardVectors();
    throw e;
  }
}

function checkIndexes(name: string, entries: DocEntry[], vectors: VectorIndex, lexical: Bm25Index): void {
  const chunkTotal = entries.reduce((n, e) => n + e.labels.length, 0);
  if (vectors.size() !== chunkTotal || lexical.size() !== chunkTotal) {
    throw corruptError(`${name} 中段落数 ${chunkTotal} 与向量索引 ${vectors.size()}、关键词索引 ${lexical.size()} 不一致`);
  }
  for (const e of entries) {
    for (const label of e.labels) {
      if (!vectors.has(label) || !lexical.has(label)) throw corruptError(`${name} 中段落编号 ${label} 不在索引中`);
    }
  }
}

/** What a commit captured synchronously (see FileKnowledgeBase.commit): written after any number of awaits. */
export interface GenerationContents {
  manifest: Manifest;
  nextLabel: number;
  docsBytes: Buffer;
  chunkParts: Buffer[];
  lexicalBytes: Buffer;
  gramBytes: Buffer;
  /** The vector index's save into this generation's VECTORS_FILE, started at the snapshot. */
  vectorsSaved: Promise<void>;
}

/** A new, empty generation folder numbered above anything on disk (complete or not). */
export async function createGenerationDir(dir: string, committed: number): Promise<{ generation: number; name: string; path: string }> {
  const generation = Math.max(committed, await highestGenerationOnDisk(dir)) + 1;
  const name = generationName(generation);
  const genDir = path.join(dir, INDEX_DIR, name);
  await rm(genDir, { recursive: true, force: true });
  await mkdir(genDir, { recursive: true });
  return { generation, name, path: genDir };
}

/** Writes and fsyncs every file of a generation and its manifest (not yet current). */
export async function writeGenerationFiles(genDir: string, generation: number, contents: GenerationContents): Promise<GenerationManifest> {
  await contents.vectorsSaved;
  // The vector file is most of the bytes: hash and fsync it on another core while this one writes the rest.
  const vectorsDigest = digestFileInWorker(path.join(genDir, VECTORS_FILE), { sync: true });
  vectorsDigest.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  await writeFileDurably(path.join(genDir, DOCS_FILE), contents.docsBytes);
  const chunksDigest = await writeBuffersDurably(path.join(genDir, CHUNKS_FILE), contents.chunkParts);
  await writeFileDurably(path.join(genDir, LEXICAL_FILE), contents.lexicalBytes);
  await writeFileDurably(path.join(genDir, GRAMS_FILE), contents.gramBytes);
  await syncFile(path.join(genDir, VECTORS_DELETED_FILE));
  const files: Record<string, FileDigest> = {
    [DOCS_FILE]: digest(contents.docsBytes),
    [CHUNKS_FILE]: chunksDigest,
    [LEXICAL_FILE]: digest(contents.lexicalBytes),
    [GRAMS_FILE]: digest(contents.gramBytes),
    [VECTORS_FILE]: await vectorsDigest,
    [VECTORS_DELETED_FILE]: await digestFile(path.join(genDir, VECTORS_DELETED_FILE)),
  };
  const manifest: GenerationManifest = {
    ...contents.manifest,
    formatVersion: KNOWLEDGE_FORMAT_VERSION,
    generation,
    updatedAt: new Date().toISOString(),
    nextLabel: contents.nextLabel,
    files,
  };
  await writeFileDurably(path.join(genDir, GENERATION_MANIFEST), JSON.stringify(manifest) + '\n');
  await syncDir(genDir);
  return manifest;
}

/** Makes a fully written generation current: the commit point. */
export async function publishGeneration(dir: string, generation: number): Promise<void> {
  await syncDir(path.join(dir, INDEX_DIR));
  await writeCurrent(dir, generation);
}

function digest(bytes: Buffer): FileDigest {
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}
