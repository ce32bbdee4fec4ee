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
 * The graph itself is an HnswIndex (hnsw-index.ts) living on the worker (hnsw-worker.ts), so the on-disk format is its.
 */
import { Worker } from 'node:worker_threads';
import type { HnswIndexOptions } from './hnsw-index.js';
import { CONTROL, type WorkerData, type WorkerReply, type WorkerRequest } from './hnsw-worker-protocol.js';
import type { VectorIndex } from './vector-index.js';

/**
 * The worker is TypeScript (hnsw-worker.ts): the thread registers tsx's loader itself before importing it,
 * because neither vitest's transform nor bin/yingji.js's programmatic register() reach a new thread.
 */
const WORKER_ENTRY = new URL('./hnsw-worker.ts', import.meta.url).href;
const TSX_API_URL = import.meta.resolve('tsx/esm/api');
const WORKER_BOOTSTRAP = `import(${JSON.stringify(TSX_API_URL)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY)}); });`;

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

export type ThreadedHnswIndexOptions = HnswIndexOptions;

type Reply = WorkerReply;
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

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
    const workerData: WorkerData = { shared, dimensions, maxK: MAX_SEARCH_K };
    this.worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData, execArgv: [] });
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
    index.post({ op: 'create', options });
    return index;
  }

  /**
   * Reads an index written by save() (or by HnswIndex).
   * @throws Error when the file is missing, truncated or of another dimension (callers map it to INDEX_CORRUPT).
   */
  static async load(file: string, dimensions: number, options: ThreadedHnswIndexOptions = {}): Promise<ThreadedHnswIndex> {
    const index = new ThreadedHnswIndex(dimensions);
    try {
      const reply = await index.request({ op: 'load', file, options });
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
    this.post({ op: 'remove', label });
  }

  search(vector: number[], k: number): { label: number; similarity: number }[] {
    this.checkOpen();
    this.checkVector(vector);
    const wanted = Math.min(Math.floor(k), this.live.size, MAX_SEARCH_K);
    if (wanted <= 0) return [];
    this.flush();
    Atomics.store(this.control, CONTROL.STATE, 0);
    this.post({ op: 'search', vector: Float32Array.from(vector), k: wanted });
    // Blocks the main thread only for this query plus adds queued before it (bounded by backpressure).
    if (Atomics.wait(this.control, CONTROL.STATE, 0, WORKER_TIMEOUT_MS) === 'timed-out') {
      throw new Error('vector index worker did not answer a search');
    }
    if (Atomics.load(this.control, CONTROL.STATE) !== 1) throw new Error('vector search failed in the index worker');
    const n = Atomics.load(this.control, CONTROL.COUNT);
    const out: { label: number; similarity: number }[] = [];
    for (let i = 0; i < n; i++) out.push({ label: this.answer[2 * i], similarity: this.answer[2 * i + 1] });
    Atomics.store(this.control, CONTROL.STATE, 0);
    return out;
  }

  /** Writes the graph and its deleted-label sidecar as of now; later adds are not in the file. */
  async save(file: string): Promise<void> {
    this.checkOpen();
    this.flush();
    await this.request({ op: 'save', file });
  }

  /**
   * Stops the worker (and frees the graph's memory) once it has finished what was queued: terminating it
   * inside a native insert aborts the process (`FATAL ERROR napi_throw`).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.crashed) {
      try {
        this.flush();
        await this.request({ op: 'close' });
      } catch {
        // a dead or failed worker is terminated below all the same
      }
    }
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
    this.worker.postMessage({ op: 'add', labels: this.pendingLabels, vectors } satisfies WorkerRequest, [vectors.buffer]);
    this.pendingLabels = [];
    this.pendingVectors = new Float32Array(ADD_BATCH * this.dimensions);
    this.sent += count;
    // Backpressure: wait (synchronously: add() is synchronous) while too much is queued.
    const started = Date.now();
    for (;;) {
      const indexed = Atomics.load(this.control, CONTROL.INDEXED);
      if (this.sent - indexed <= MAX_QUEUED_VECTORS) break;
      if (Date.now() - started > WORKER_TIMEOUT_MS) throw new Error('vector index worker stopped indexing');
      Atomics.wait(this.control, CONTROL.INDEXED, indexed, 1000);
    }
  }

  private post(message: WorkerRequest): void {
    this.worker.postMessage(message);
  }

  private request(message: Request): Promise<Reply> {
    if (this.crashed) return Promise.reject(this.crashed);
    const id = this.nextRequest++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id } as WorkerRequest);
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
