/**
 * CONTRACT (implemented by the index stage): the on-disk knowledge base — documents, chunks, vector index,
 * lexical index and manifest — in one folder, crash-safe. Consumers take the narrowest side they need: the
 * retriever reads and searches, the ingest pipeline writes.
 */
import type { Chunk, SourceDoc } from '../core/types.js';
import type { Embedder } from '../llm/embedder.js';
import type { GramWeights } from './ngram-sketch.js';

export const KNOWLEDGE_FORMAT_VERSION = 1;

/** The question's own text, whose CJK bigrams and characters re-score the lexical candidates (weights 0 = off). */
export interface GramQuery {
  text: string;
  weights: GramWeights;
}

/** The chunker settings a knowledge folder was built with (recorded in its manifest). */
export interface ChunkerSettings {
  version: number;
  targetChars: number;
  maxChars: number;
  overlapChars: number;
}

/**
 * The chunker's settings (src/ingest/chunker.ts uses them; a new folder's manifest records them, and a change
 * means the index must be rebuilt). Defined here, below both, because the index must not import from ingest.
 *
 * Why these sizes: an article (条) of a Chinese law is typically 60–250 characters and rarely above 800, so a
 * 900-character ceiling keeps virtually every article whole — article lookups need exact, unsplit articles.
 * 900 CJK characters are about 600–900 tokens, well inside bge-m3's window and short enough that one passage
 * stays on one topic. When something must be split (long articles, plan sections with long lists, tables) the
 * pieces aim at 450 characters (2–4 balanced pieces rather than one full piece plus a scrap). The 60-character
 * overlap is about one clause of legal Chinese: enough to carry the subject of a sentence cut at a paragraph's
 * middle without duplicating whole 款.
 */
export const CHUNKER_SETTINGS: Readonly<ChunkerSettings> = Object.freeze({
  version: 1,
  targetChars: 450,
  maxChars: 900,
  overlapChars: 60,
});

/** The knowledge folder describes itself with this (manifest.json). */
export interface Manifest {
  formatVersion: number;
  embedder: { id: string; dimensions: number };
  chunker: ChunkerSettings;
  /** Incremented on every commit. */
  generation: number;
  createdAt: string;
  updatedAt: string;
}

/** A chunk as a search found it, with its document: nothing to look up again. */
export interface ChunkRef {
  chunk: Chunk;
  doc: SourceDoc;
}

/** Documents and chunks, as of the generation in memory. */
export interface KnowledgeReader {
  readonly dir: string;
  manifest(): Manifest;
  listDocuments(): SourceDoc[];
  getDocument(id: string): SourceDoc | undefined;
  findBySourceKey(sourceKey: string): SourceDoc | undefined;
  /** Chunks of a document in reading order. */
  getChunks(docId: string): Chunk[];
  getChunk(chunkId: string): Chunk | undefined;
  chunkCount(): number;
}

/** Vector and lexical search over the chunks. */
export interface KnowledgeSearch {
  readonly embedder: Embedder;
  /** Vector search: best first, similarity = cosine. */
  searchVector(vector: number[], k: number): (ChunkRef & { similarity: number })[];
  /**
   * BM25 over the jieba tokens of title + heading path + text; `weight` scales each query term. With `grams`, the
   * k candidates are re-scored by adding BM25 over the CJK bigrams and characters of `grams.text`, × their weights.
   */
  searchLexical(terms: { term: string; weight: number }[], k: number, grams?: GramQuery): (ChunkRef & { score: number })[];
  /** Chunks whose lexical tokens contain `term` (for query-term weighting). */
  lexicalDocumentFrequency(term: string): number;
}

/** Changes, made in memory and persisted by commit(). */
export interface KnowledgeWriter {
  /**
   * Replaces a document and all its chunks in memory, atomically with respect to searches
   * (synchronous). `vectors[i]` embeds `chunks[i]`. Call commit() to persist.
   */
  putDocument(doc: SourceDoc, chunks: Chunk[], vectors: number[][]): void;
  /** Records a document that could not be indexed (failed / needs OCR) without chunks. */
  putFailedDocument(doc: SourceDoc): void;
  /** Removes a document and its chunks from every index; false when unknown. */
  removeDocument(id: string): boolean;
  /**
   * Copies original bytes under the knowledge folder (hashed, content-addressed name, owner-only), returning
   * the path relative to it. Takes the folder's write lock (waiting a bounded time for another writer) until
   * the commit naming it, and first loads what another process committed meanwhile.
   * @throws AppError KNOWLEDGE_BASE_BUSY (another process kept writing), DISK_FULL, CONFLICT (this instance has
   *   uncommitted changes and another process committed meanwhile; they are dropped)
   */
  storeOriginal(docId: string, fileName: string, bytes: Buffer): Promise<string>;
  /**
   * Persists all changes: the folder afterwards holds either the old or the new state, never a mix. A failed
   * commit removes its partial generation and rolls memory back to the committed state.
   * Reading (search, documents, stats) never needs the write lock; only this and storeOriginal take it.
   * @throws AppError KNOWLEDGE_BASE_BUSY, DISK_FULL, CONFLICT (another process committed first: its work is
   *   loaded, these changes are dropped)
   */
  commit(): Promise<void>;
}

export interface KnowledgeBase extends KnowledgeReader, KnowledgeSearch, KnowledgeWriter {
  /** Loads a generation another process committed, if any; false when memory was already current. */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}
