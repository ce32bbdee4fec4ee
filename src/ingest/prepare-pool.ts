/**
 * One worker thread that runs prepareDocument for the pipeline. Parsing, normalising and chunking a large
 * file is seconds of synchronous CPU work (pdf.js, mammoth's DOM, the chunker); on the main thread it stalls
 * every search and socket of the server. The worker also has its own heap limit: a file that slips past the
 * expansion bounds and still exhausts memory fails as LIMIT_EXCEEDED instead of killing the process.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../core/errors.js';
import type { PrepareInput, PreparedDocument } from './prepare.js';

export type WorkerRequest =
  | { type: 'prepare'; id: number; bytes: Uint8Array; input: PrepareInput }
  | { type: 'prepare-file'; id: number; file: string; input: PrepareInput; unchangedHash?: string }
  | { type: 'abort'; id: number };

export type WorkerReply =
  | { id: number; ok: true; result: PreparedDocument }
  | { id: number; ok: true; file: PreparedFile }
  | { id: number; ok: false; error: { code?: ErrorCode; message: string; name?: string } }
  | { id: number; ocrPage: { done: number; total: number } }
  | { id: number; hashed: FileHash };

/** What the worker read: the bytes' SHA-256 (hex) and size. */
export interface FileHash {
  contentHash: string;
  sizeBytes: number;
}

/** prepareFile's result: the file's hash, and its preparation unless the hash was the one to skip. */
export interface PreparedFile extends FileHash {
  prepared?: PreparedDocument;
}

export interface PrepareFileOptions {
  /** A hash the caller already has indexed: when the file still hashes to it, nothing is prepared. */
  unchangedHash?: string;
  signal?: AbortSignal;
  onOcrPage?: (done: number, total: number) => void;
  /** Called once the file is read and hashed, before it is parsed (a failed parse still knows the hash). */
  onHashed?: (hash: FileHash) => void;
}

/** Heap of the worker: ~10× what the largest file within the default bounds needs. */
const WORKER_HEAP_MB = 2048;
/** After an abort, how long the worker gets to stop its child processes before it is terminated. */
const ABORT_GRACE_MS = 3_000;

const WORKER_FILE = new URL('./prepare-worker.ts', import.meta.url).href;
const TSX_API = resolveTsxEsmApi();
/**
 * The worker runs the checked-in TypeScript file; as in bin/yingji.js, tsx is registered first (a worker does
 * not inherit the main thread's loader, and under vitest there is none to inherit).
 */
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_FILE)}); });`;

/** The ESM build of tsx's register API (require.resolve would give the CommonJS build, which fails in a worker). */
function resolveTsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require(manifestPath) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}

export interface PreparePool {
  /**
   * Runs prepareDocument on the worker thread.
   * @throws AppError as prepareDocument does; LIMIT_EXCEEDED when the worker runs out of memory.
   */
  prepare(bytes: Buffer, input: PrepareInput, signal?: AbortSignal, onOcrPage?: (done: number, total: number) => void): Promise<PreparedDocument>;
  /**
   * Reads, hashes and prepares a file on the worker thread: the main thread never holds or hashes its bytes
   * (a 49 MB upload cost it ~100 ms of hashing and copying, and 49 MB more heap, before).
   * @throws AppError as prepareDocument does; FILE_NOT_FOUND when the file cannot be read; LIMIT_EXCEEDED as prepare().
   */
  prepareFile(file: string, input: PrepareInput, options?: PrepareFileOptions): Promise<PreparedFile>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: PreparedDocument | PreparedFile) => void;
  reject: (e: unknown) => void;
  fileName: string;
  onOcrPage?: (done: number, total: number) => void;
  onHashed?: (hash: FileHash) => void;
}

/** Starts the worker lazily on the first file; close() ends it. `heapMb` sets the worker's heap limit. */
export function createPreparePool(options: { heapMb?: number } = {}): PreparePool {
  const heapMb = options.heapMb ?? WORKER_HEAP_MB;
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (make: (p: Pending) => unknown) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(make(p));
    }
  };

  const start = (): Worker => {
    const w = new Worker(BOOTSTRAP, { eval: true, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    w.on('message', (reply: WorkerReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      if ('ocrPage' in reply) {
        p.onOcrPage?.(reply.ocrPage.done, reply.ocrPage.total);
        return;
      }
      if ('hashed' in reply) {
        p.onHashed?.(reply.hashed);
        return;
      }
      pending.delete(reply.id);
      if (reply.ok) p.resolve('file' in reply ? reply.file : reply.result);
      else if (reply.error.code) p.reject(new AppError(reply.error.code, reply.error.message));
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name ?? 'Error' }));
    });
    w.on('error', (e: Error & { code?: string }) => {
      worker = undefined;
      failAll((p) =>
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new AppError(
              'LIMIT_EXCEEDED',
              `文件“${p.fileName}”展开后所需内存超过上限（${heapMb} MB），已拒绝导入，已有内容不受影响。请拆分文件，或调小 INGEST_MAX_CHARS 等上限以便更早拒绝。`,
              { cause: e },
            )
          : e,
      );
    });
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(() => new AppError('ANSWER_ABORTED', '导入已取消（处理线程已退出）。'));
    });
    // An idle worker must not keep the CLI alive.
    w.unref();
    return w;
  };

  /** Sends one request to the worker (started on first use) and settles with its reply; `signal` aborts it. */
  const run = <T extends PreparedDocument | PreparedFile>(
    fileName: string,
    signal: AbortSignal | undefined,
    hooks: Pick<Pending, 'onOcrPage' | 'onHashed'>,
    send: (w: Worker, id: number) => void,
  ): Promise<T> => {
    if (signal?.aborted) return Promise.reject(new AppError('ANSWER_ABORTED', '导入已取消。'));
    worker ??= start();
    const w = worker;
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as Pending['resolve'], reject, fileName, ...hooks });
      w.ref();
      const onAbort = () => {
        w.postMessage({ type: 'abort', id } satisfies WorkerRequest);
        // A parser stuck in synchronous code cannot see the abort: end the thread.
        setTimeout(() => {
          if (pending.has(id)) void w.terminate();
        }, ABORT_GRACE_MS).unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        if (pending.size === 0) w.unref();
      };
      const p = pending.get(id) as Pending;
      p.resolve = (r) => {
        done();
        resolve(r as T);
      };
      p.reject = (e) => {
        done();
        reject(e);
      };
      send(w, id);
    });
  };

  return {
    prepare(bytes, input, signal, onOcrPage) {
      return run<PreparedDocument>(input.fileName, signal, { onOcrPage }, (w, id) => {
        // A copy: the caller keeps its bytes (hash, stored original), the worker gets its own.
        const copy = new Uint8Array(bytes);
        w.postMessage({ type: 'prepare', id, bytes: copy, input } satisfies WorkerRequest, [copy.buffer]);
      });
    },
    prepareFile(file, input, options = {}) {
      const { signal, onOcrPage, onHashed, unchangedHash } = options;
      return run<PreparedFile>(input.fileName, signal, { onOcrPage, onHashed }, (w, id) => {
        w.postMessage({ type: 'prepare-file', id, file, input, unchangedHash } satisfies WorkerRequest);
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
