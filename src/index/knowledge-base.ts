/**
 * CONTRACT (implemented by the index stage): the on-disk knowledge base — documents, chunks, vector index,
 * lexical index and manifest — in one folder, crash-safe.
 */
import type { Chunk, SourceDoc } from '../core/types.js';
import type { Embedder } from '../llm/embedder.js';

export const KNOWLEDGE_FORMAT_VERSION = 1;

/** The knowledge folder describes itself with this (manifest.json). */
export interface Manifest {
  formatVersion: number;
  embedder: { id: string; dimensions: number };
  chunker: { version: number; targetChars: number; maxChars: number; overlapChars: number };
  /** Incremented on every commit. */
  generation: number;
  createdAt: string;
  updatedAt: string;
}

export interface KnowledgeBase {
  readonly dir: string;
  readonly embedder: Embedder;
  manifest(): Manifest;
  listDocuments(): SourceDoc[];
  getDocument(id: string): SourceDoc | undefined;
  findBySourceKey(sourceKey: string): SourceDoc | undefined;
  /** Chunks of a document in reading order. */
  getChunks(docId: string): Chunk[];
  getChunk(chunkId: string): Chunk | undefined;
  chunkCount(): number;
  /**
   * Replaces a document and all its chunks in memory, atomically with respect to searches
   * (synchronous). `vectors[i]` embeds `chunks[i]`. Call commit() to persist.
   */
  putDocument(doc: SourceDoc, chunks: Chunk[], vectors: number[][]): void;
  /** Records a document that could not be indexed (failed / needs OCR) without chunks. */
  putFailedDocument(doc: SourceDoc): void;
  /** Removes a document and its chunks from every index; false when unknown. */
  removeDocument(id: string): boolean;
  /** Vector search: best first, similarity = cosine. */
  searchVector(vector: number[], k: number): { chunkId: string; similarity: number }[];
  /** BM25 over the jieba tokens of title + heading path + text; `weight` scales each query term. */
  searchLexical(terms: { term: string; weight: number }[], k: number): { chunkId: string; score: number }[];
  /** Chunks whose lexical tokens contain `term` (for query-term weighting). */
  lexicalDocumentFrequency(term: string): number;
  /**
   * Copies original bytes under the knowledge folder (content-addressed name, so a committed original is never
   * overwritten); returns the path relative to it. Takes the folder's write lock until the commit naming it.
   * @throws AppError KNOWLEDGE_BASE_BUSY when another process is writing the folder
   */
  storeOriginal(docId: string, fileName: string, bytes: Buffer): Promise<string>;
  /**
   * Persists all changes: the folder afterwards holds either the old or the new state, never a mix.
   * Reading (search, documents, stats) never needs the write lock; only this and storeOriginal take it.
   * @throws AppError KNOWLEDGE_BASE_BUSY (another process is writing), INVALID_REQUEST (the folder moved on)
   */
  commit(): Promise<void>;
  close(): Promise<void>;
}
