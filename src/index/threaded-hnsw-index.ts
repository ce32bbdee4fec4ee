/**
 * VectorIndex over hnswlib-node running on a worker thread. Graph insertion is the largest single cost of
 * ingestion (tens of seconds per 100k chunks, single-threaded native code), so it runs on the second core
 * while the main thread parses, segments, embeds and fills BM25 for the next chunks.
 *
 * Order is preserved: adds are batched and posted in sequence, and every other operation first flushes the
 * batch, so a search or save sees exactly the adds and removes made before it. search() stays synchronous
 * (the KnowledgeBase contract): it posts the query and blocks on a SharedArrayBuffer until the worker
 * answers (behind at most the adds already queued). Backpressure keeps at most MAX_QUEUED_VECTORS queued.
 *
 * On-disk format is the one of HnswIndex (the same hnswlib file plus `<file>.deleted` sidecar).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { VectorIndex } from './vector-index.js';

const require = createRequire(import.meta.url);
/** Absolute path: the worker runs plain CommonJS (no tsx loader there), resolving nothing itself. */
const HNSWLIB_PATH = require.resolve('hnswlib-node');

/** Graph degree: 16 is hnswlib's recommended default for 100–1000 dimensions. */
const M = 16;
/**
 * Build-time beam width: insertion dominates ingest time. Measured on 34k real corpus chunks (512-d hashed
 * vectors, CPU seconds, recall@10 against exact search at ef=160): efC 64 → 21.4 s, 0.872; efC 40 → 13.1 s, 0.840.
 * The lost recall is bought back at query time (EF_SEARCH), where it costs a millisecond, not minutes.
 */
const EF_CONSTRUCTION = 40;
/** Query-time beam width; hnswlib does not persist ef, so it is set after build and after load. */
const EF_SEARCH = 200;
const INITIAL_CAPACITY = 1024;
const RANDOM_SEED = 100;
/** Vectors per posted batch (one structured-clone message, transferred, not copied). */
const ADD_BATCH = 128;
/** Queued-but-unindexed vectors before add() blocks (512-d: ~40 MB), so a fast producer cannot flood memory. */
const MAX_QUEUED_VECTORS = 20_000;
/**
 * A blocked main thread cannot see the worker die (events need the event loop), so waits give up after this.
 * Generous: a search may queue behind MAX_QUEUED_VECTORS inserts (~20 s on a busy machine).
 */
const WORKER_TIMEOUT_MS = 120_000;
/** Largest k a search can return (the shared answer buffer is sized for it). */
const MAX_SEARCH_K = 4096;

/** Control words in the shared buffer. */
const STATE = 0; // 0 idle, 1 answer ready, 2 failed
const COUNT = 1; // results in the answer
const INDEXED = 2; // vectors the worker has inserted so far

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { HierarchicalNSW } = require(workerData.hnswlib);
const control = new Int32Array(workerData.shared, 0, 4);
const answer = new Float64Array(workerData.shared, 16, workerData.maxK * 2);
const dims = workerData.dimensions;
let index;
const live = new Set();
let failure;

function tryUnmarkDelete(label) {
  try { index.unmarkDelete(label); return true; } catch { return false; }
}
function add(label, vector) {
  if (live.has(label)) { index.addPoint(vector, label); return; }
  if (index.getCurrentCount() - live.size > 0) {
    if (tryUnmarkDelete(label)) index.addPoint(vector, label); else index.addPoint(vector, label, true);
    live.add(label);
    return;
  }
  const needed = index.getCurrentCount() + 1;
  const capacity = index.getMaxElements();
  if (needed > capacity) index.resizeIndex(Math.max(needed, capacity * 2));
  index.addPoint(vector, label);
  live.add(label);
}
function readDeleted(file) {
  let bytes;
  try { bytes = fs.readFileSync(file); } catch (e) { if (e.code === 'ENOENT') return new Set(); throw e; }
  if (bytes.byteLength % 4 !== 0) throw new Error('deleted-label sidecar ' + file + ' is truncated');
  const out = new Set();
  for (let i = 0; i < bytes.byteLength; i += 4) out.add(bytes.readUInt32LE(i));
  return out;
}
function reply(id, body) { parentPort.postMessage(Object.assign({ id }, body)); }

parentPort.on('message', (m) => {
  if (m.op === 'search') {
    try {
      if (failure) throw failure;
      const wanted = Math.min(m.k, live.size);
      let n = 0;
      if (wanted > 0) {
        const r = index.searchKnn(Array.from(m.vector), wanted);
        n = r.neighbors.length;
        for (let i = 0; i < n; i++) { answer[2 * i] = r.neighbors[i]; answer[2 * i + 1] = 1 - r.distances[i]; }
      }
      Atomics.store(control, 1, n);
      Atomics.store(control, 0, 1);
    } catch (e) {
      Atomics.store(control, 0, 2);
    }
    Atomics.notify(control, 0);
    return;
  }
  try {
    switch (m.op) {
      case 'create':
        index = new HierarchicalNSW('cosine', dims);
        index.initIndex({ maxElements: m.capacity, m: m.m, efConstruction: m.efConstruction, randomSeed: m.seed, allowReplaceDeleted: true });
        index.setEf(m.efSearch);
        break;
      case 'load': {
        index = new HierarchicalNSW('cosine', dims);
        index.readIndexSync(m.file, true);
        if (index.getNumDimensions() !== dims) throw new Error('vector index has ' + index.getNumDimensions() + ' dimensions, expected ' + dims);
        index.setEf(m.efSearch);
        const deleted = readDeleted(m.file + '.deleted');
        for (const label of index.getIdsList()) if (!deleted.has(label)) live.add(label);
        reply(m.id, { ok: true, live: Uint32Array.from(live) });
        break;
      }
      case 'add':
        if (!failure) {
          for (let i = 0; i < m.labels.length; i++) {
            try { add(m.labels[i], Array.from(m.vectors.subarray(i * dims, (i + 1) * dims))); } catch (e) { failure = e; break; }
          }
        }
        Atomics.add(control, 2, m.labels.length);
        Atomics.notify(control, 2);
        break;
      case 'remove':
        if (live.delete(m.label)) index.markDelete(m.label);
        break;
      case 'save': {
        if (failure) throw failure;
        index.writeIndexSync(m.file);
        const deleted = [];
        if (index.getCurrentCount() > live.size) for (const label of index.getIdsList()) if (!live.has(label)) deleted.push(label);
        fs.writeFileSync(m.file + '.deleted', Buffer.from(Uint32Array.from(deleted).buffer));
        reply(m.id, { ok: true });
        break;
      }
    }
  } catch (e) {
    if (m.id !== undefined) reply(m.id, { ok: false, error: String((e && e.message) || e) });
    else failure = failure || e;
  }
});
`;

export interface ThreadedHnswIndexOptions {
  /** Initial capacity in vectors; the index doubles when full. */
  initialCapacity?: number;
  efSearch?: number;
  efConstruction?: number;
}

type Reply = { id: number; ok: boolean; error?: string; live?: Uint32Array };

/** Ends workers whose index was dropped without close() (e.g. a read-only inspection). */
const orphanReaper = new FinalizationRegistry<Worker>((worker) => void worker.terminate());

export class ThreadedHnswIndex implements VectorIndex {
  readonly dimensions: number;
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly answer: Float64Array;
  /** Labels in the graph and not marked deleted (mirrors the worker's set). */
  private readonly live = new Set<number>();
  private pendingLabels: number[] = [];
  private pendingVectors: Float32Array<ArrayBuffer>;
  private flushScheduled = false;
  private sent = 0;
  private nextRequest = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private crashed: Error | undefined;
  private closed = false;

  private constructor(dimensions: number) {
    this.dimensions = dimensions;
    const shared = new SharedArrayBuffer(16 + MAX_SEARCH_K * 2 * 8);
    this.control = new Int32Array(shared, 0, 4);
    this.answer = new Float64Array(shared, 16, MAX_SEARCH_K * 2);
    this.pendingVectors = new Float32Array(ADD_BATCH * dimensions);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { hnswlib: HNSWLIB_PATH, shared, dimensions, maxK: MAX_SEARCH_K },
    });
    this.worker.unref(); // an idle index must not keep the process alive; requests ref() it while pending
    this.worker.on('message', (r: Reply) => this.settle(r));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`vector index worker exited with code ${code}`));
    });
    orphanReaper.register(this, this.worker, this);
  }

  /** An empty index. */
  static create(dimensions: number, options: ThreadedHnswIndexOptions = {}): ThreadedHnswIndex {
    const index = new ThreadedHnswIndex(dimensions);
    index.worker.postMessage({
      op: 'create',
      capacity: Math.max(1, options.initialCapacity ?? INITIAL_CAPACITY),
      m: M,
      efConstruction: options.efConstruction ?? EF_CONSTRUCTION,
      efSearch: options.efSearch ?? EF_SEARCH,
      seed: RANDOM_SEED,
    });
    return index;
  }

  /**
   * Reads an index written by save() (or by HnswIndex).
   * @throws Error when the file is missing, truncated or of another dimension (callers map it to INDEX_CORRUPT).
   */
  static async load(file: string, dimensions: number, options: ThreadedHnswIndexOptions = {}): Promise<ThreadedHnswIndex> {
    const index = new ThreadedHnswIndex(dimensions);
    try {
      const reply = await index.request({ op: 'load', file, efSearch: options.efSearch ?? EF_SEARCH });
      for (const label of reply.live ?? []) index.live.add(label);
      return index;
    } catch (e) {
      await index.close();
      throw e;
    }
  }

  size(): number {
    return this.live.size;
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  /** Queues a vector (replacing the vector of a present label); indexed on the worker shortly after. */
  add(label: number, vector: number[]): void {
    this.checkOpen();
    this.checkVector(vector);
    const at = this.pendingLabels.length;
    this.pendingVectors.set(vector, at * this.dimensions);
    this.pendingLabels.push(label);
    this.live.add(label);
    if (this.pendingLabels.length >= ADD_BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushLater());
    }
  }

  /** Marks a label deleted; its slot is reused by a later add(). Unknown labels are ignored. */
  remove(label: number): void {
    this.checkOpen();
    if (!this.live.delete(label)) return;
    this.flush();
    this.worker.postMessage({ op: 'remove', label });
  }

  search(vector: number[], k: number): { label: number; similarity: number }[] {
    this.checkOpen();
    this.checkVector(vector);
    const wanted = Math.min(Math.floor(k), this.live.size, MAX_SEARCH_K);
    if (wanted <= 0) return [];
    this.flush();
    Atomics.store(this.control, STATE, 0);
    this.worker.postMessage({ op: 'search', vector: Float32Array.from(vector), k: wanted });
    // Blocks the main thread only for this query plus adds queued before it (bounded by backpressure).
    if (Atomics.wait(this.control, STATE, 0, WORKER_TIMEOUT_MS) === 'timed-out') {
      throw new Error('vector index worker did not answer a search');
    }
    if (Atomics.load(this.control, STATE) !== 1) throw new Error('vector search failed in the index worker');
    const n = Atomics.load(this.control, COUNT);
    const out: { label: number; similarity: number }[] = [];
    for (let i = 0; i < n; i++) out.push({ label: this.answer[2 * i], similarity: this.answer[2 * i + 1] });
    Atomics.store(this.control, STATE, 0);
    return out;
  }

  /** Writes the graph and its deleted-label sidecar as of now; later adds are not in the file. */
  async save(file: string): Promise<void> {
    this.checkOpen();
    this.flush();
    await this.request({ op: 'save', file });
  }

  /** Stops the worker (and frees the graph's memory). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    orphanReaper.unregister(this);
    for (const w of this.waiting.values()) w.reject(new Error('vector index closed'));
    this.waiting.clear();
    await this.worker.terminate();
  }

  private flushLater(): void {
    try {
      this.flush();
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e))); // reported by the next call
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const count = this.pendingLabels.length;
    if (count === 0 || this.closed) return;
    const vectors = this.pendingVectors.subarray(0, count * this.dimensions);
    this.worker.postMessage({ op: 'add', labels: this.pendingLabels, vectors }, [vectors.buffer]);
    this.pendingLabels = [];
    this.pendingVectors = new Float32Array(ADD_BATCH * this.dimensions);
    this.sent += count;
    // Backpressure: wait (synchronously: add() is synchronous) while too much is queued.
    const started = Date.now();
    for (;;) {
      const indexed = Atomics.load(this.control, INDEXED);
      if (this.sent - indexed <= MAX_QUEUED_VECTORS) break;
      if (Date.now() - started > WORKER_TIMEOUT_MS) throw new Error('vector index worker stopped indexing');
      Atomics.wait(this.control, INDEXED, indexed, 1000);
    }
  }

  private request(message: Record<string, unknown>): Promise<Reply> {
    if (this.crashed) return Promise.reject(this.crashed);
    const id = this.nextRequest++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(reply.error ?? 'vector index worker failed'));
  }

  private fail(e: Error): void {
    this.crashed ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private checkOpen(): void {
    if (this.crashed) throw this.crashed;
    if (this.closed) throw new Error('vector index is closed');
  }

  private checkVector(vector: number[]): void {
    if (vector.length !== this.dimensions) {
      throw new RangeError(`vector has ${vector.length} dimensions, index expects ${this.dimensions}`);
    }
  }
}
