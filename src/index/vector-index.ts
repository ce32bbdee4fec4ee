/** Approximate nearest-neighbour search over L2-normalised vectors, keyed by integer labels. */
export interface VectorIndex {
  readonly dimensions: number;
  /** Number of live (not deleted) vectors. */
  size(): number;
  /** Whether `label` is live. */
  has(label: number): boolean;
  add(label: number, vector: number[]): void;
  remove(label: number): void;
  /** Nearest labels first; similarity is cosine similarity in [-1, 1]. */
  search(vector: number[], k: number): { label: number; similarity: number }[];
  /** Writes the index to `file` (the caller makes the write atomic). */
  save(file: string): Promise<void>;
  /** Frees what the index holds (threads, native memory); later calls fail. */
  close(): Promise<void>;
}
