/** Messages between ThreadedHnswIndex and its worker (hnsw-worker.ts). */
import type { HnswIndexOptions } from './hnsw-index.js';

/** Control words in the shared buffer. */
export const CONTROL = {
  /** 0 idle, 1 answer ready, 2 failed */
  STATE: 0,
  /** results in the answer */
  COUNT: 1,
  /** vectors the worker has inserted so far */
  INDEXED: 2,
} as const;

export interface WorkerData {
  shared: SharedArrayBuffer;
  dimensions: number;
  maxK: number;
}

export type WorkerRequest =
  | { op: 'create'; options: HnswIndexOptions }
  | { op: 'load'; id: number; file: string; options: HnswIndexOptions }
  | { op: 'add'; labels: number[]; vectors: Float32Array }
  | { op: 'remove'; label: number }
  | { op: 'search'; vector: Float32Array; k: number }
  | { op: 'save'; id: number; file: string }
  | { op: 'close'; id: number };

export interface WorkerReply {
  id: number;
  ok: boolean;
  error?: string;
  live?: Uint32Array;
}
