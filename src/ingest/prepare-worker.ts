/**
 * Worker-thread entry: runs prepareDocument off the main thread, so parsing a 50 MB file never stalls the
 * server's searches, and a file that still exhausts memory takes down only this worker (resourceLimits).
 * Loaded through the bootstrap in prepare-pool.ts, which registers tsx first.
 */
import { readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { sha256Hex } from '../core/durable-files.js';
import { AppError } from '../core/errors.js';
import { prepareDocument, unreadableFile, type PrepareInput, type PreparedDocument } from './prepare.js';
import type { PreparedFile, WorkerReply, WorkerRequest } from './prepare-pool.js';

const port = parentPort;
if (!port) throw new Error('prepare-worker.ts must run as a worker thread');

/** The lowest CPU priority (nice 19). */
const BACKGROUND_NICE = 19;

/**
 * Ingestion is background work: on a busy machine (two cores, 150 clients) this thread would otherwise take an
 * equal share of the CPU from the thread answering searches and chats. Linux gives each thread its own nice
 * value; elsewhere, or where it is not allowed, the thread keeps the process's priority (it is only slower to
 * give way, nothing else changes).
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    // /proc/thread-self is this thread's own entry: <pid>/task/<tid>.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, BACKGROUND_NICE);
  } catch {
    // Not permitted or no /proc: see above.
  }
}
lowerThreadPriority();

const running = new Map<number, AbortController>();

/**
 * Reads and hashes the file here, not on the main thread; skips the parse when it still has `unchangedHash`.
 * @throws AppError FILE_NOT_FOUND when the file cannot be read; what prepareDocument throws
 */
async function prepareFile(
  id: number,
  file: string,
  input: PrepareInput,
  unchangedHash: string | undefined,
  signal: AbortSignal,
): Promise<PreparedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw unreadableFile(input.fileName, e);
  }
  const hashed = { contentHash: sha256Hex(bytes), sizeBytes: bytes.length };
  port?.postMessage({ id, hashed } satisfies WorkerReply);
  if (hashed.contentHash === unchangedHash) return hashed;
  const prepared = await prepareDocument(bytes, input, signal, onOcrPage(id));
  return { ...hashed, prepared };
}

const onOcrPage = (id: number) => (done: number, total: number) => port.postMessage({ id, ocrPage: { done, total } } satisfies WorkerReply);

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'abort') {
    running.get(msg.id)?.abort();
    return;
  }
  const stop = new AbortController();
  running.set(msg.id, stop);
  const work: Promise<WorkerReply> =
    msg.type === 'prepare-file'
      ? prepareFile(msg.id, msg.file, msg.input, msg.unchangedHash, stop.signal).then((file) => ({ id: msg.id, ok: true, file }))
      : prepareDocument(Buffer.from(msg.bytes), msg.input, stop.signal, onOcrPage(msg.id)).then((result: PreparedDocument) => ({
          id: msg.id,
          ok: true,
          result,
        }));
  work
    .catch((e: unknown): WorkerReply => ({
      id: msg.id,
      ok: false,
      error:
        e instanceof AppError
          ? { code: e.code, message: e.message }
          : { message: e instanceof Error ? e.message : String(e), name: e instanceof Error ? e.name : undefined },
    }))
    .then((reply) => {
      running.delete(msg.id);
      port.postMessage(reply);
    });
});
