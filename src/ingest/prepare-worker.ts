/**
 * Worker-thread entry: runs prepareDocument off the main thread, so parsing a 50 MB file never stalls the
 * server's searches, and a file that still exhausts memory takes down only this worker (resourceLimits).
 * Loaded through the bootstrap in prepare-pool.ts, which registers tsx first.
 */
import { parentPort } from 'node:worker_threads';
import { AppError } from '../core/errors.js';
import { prepareDocument } from './prepare.js';
import type { WorkerReply, WorkerRequest } from './prepare-pool.js';

const port = parentPort;
if (!port) throw new Error('prepare-worker.ts must run as a worker thread');

const running = new Map<number, AbortController>();

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'abort') {
    running.get(msg.id)?.abort();
    return;
  }
  const stop = new AbortController();
  running.set(msg.id, stop);
  const bytes = Buffer.from(msg.bytes);
  prepareDocument(bytes, msg.input, stop.signal, (done, total) => port.postMessage({ id: msg.id, ocrPage: { done, total } } satisfies WorkerReply))
    .then((result): WorkerReply => ({ id: msg.id, ok: true, result }))
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
