/**
 * The thread behind ThreadedHnswIndex: one HnswIndex (hnsw-index.ts, the only HNSW implementation) driven by
 * messages. Searches answer through the shared buffer (the main thread blocks on it); other requests reply
 * by message. Messages are handled in order, so a search sees every add posted before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HnswIndex } from './hnsw-index.js';
import { CONTROL, type WorkerData, type WorkerReply, type WorkerRequest } from './hnsw-worker-protocol.js';

const data = workerData as WorkerData;
const control = new Int32Array(data.shared, 0, 4);
const answer = new Float64Array(data.shared, 16, data.maxK * 2);
let index: HnswIndex | undefined;
let failure: unknown;

function reply(message: WorkerReply): void {
  parentPort?.postMessage(message);
}

function current(): HnswIndex {
  if (failure) throw failure;
  if (!index) throw new Error('vector index worker has no index');
  return index;
}

function search(vector: Float32Array, k: number): void {
  try {
    const hits = current().search(Array.from(vector), k);
    hits.forEach((h, i) => {
      answer[2 * i] = h.label;
      answer[2 * i + 1] = h.similarity;
    });
    Atomics.store(control, CONTROL.COUNT, hits.length);
    Atomics.store(control, CONTROL.STATE, 1);
  } catch {
    Atomics.store(control, CONTROL.STATE, 2);
  }
  Atomics.notify(control, CONTROL.STATE);
}

function handle(m: WorkerRequest): void {
  switch (m.op) {
    case 'search':
      return search(m.vector, m.k);
    case 'create':
      index = HnswIndex.create(data.dimensions, m.options);
      return;
    case 'load':
      index = HnswIndex.loadSync(m.file, data.dimensions, m.options);
      return reply({ id: m.id, ok: true, live: Uint32Array.from(index.labels()) });
    case 'add': {
      // A failed insert poisons the index (reported by the next request): the graph may hold part of a batch.
      if (!failure) {
        const target = current();
        for (let i = 0; i < m.labels.length; i++) {
          try {
            target.add(m.labels[i], Array.from(m.vectors.subarray(i * data.dimensions, (i + 1) * data.dimensions)));
          } catch (e) {
            failure = e;
            break;
          }
        }
      }
      Atomics.add(control, CONTROL.INDEXED, m.labels.length);
      Atomics.notify(control, CONTROL.INDEXED);
      return;
    }
    case 'remove':
      current().remove(m.label);
      return;
    case 'save':
      current().saveSync(m.file);
      return reply({ id: m.id, ok: true });
    case 'close':
      // Answered only after every earlier message ran: terminating the thread inside a native insert aborts
      // the whole process (napi_throw), so the main thread waits for this reply before it terminates.
      return reply({ id: m.id, ok: true });
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  try {
    handle(m);
  } catch (e) {
    if ('id' in m && m.id !== undefined) reply({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    else failure ??= e;
  }
});
