/**
 * One generation's documents, chunks and indexes in memory. The knowledge base swaps a whole state at once
 * (after a reload or a failed commit), so a search never sees half of two generations.
 */
import { AppError } from '../core/errors.js';
import { tokenize } from '../core/chinese-tokenizer.js';
import type { Chunk, SourceDoc } from '../core/types.js';
import { NgramSketch } from './ngram-sketch.js';
import { Bm25Index } from './bm25-index.js';
import { encodeEntry, entryChunks, type DocEntry } from './chunk-codec.js';
import type { LoadedGeneration, LoadedIndexes } from './generation-format.js';
import type { ChunkRef, GramQuery } from './knowledge-base.js';
import { LabelMap } from './label-map.js';
import type { VectorIndex } from './vector-index.js';

/**
 * The text BM25 sees: title and heading path are searchable, the title once per chunk (moderate weight).
 * Headings are joined by line breaks — the same tokens as spaces would give — so their segmentation is shared
 * with the embedder's text (title, headings and chunk text on separate lines) through the tokenizer's line cache.
 */
export function lexicalTokens(doc: SourceDoc, chunk: Chunk): string[] {
  return [...tokenize(doc.title), ...tokenize(chunk.headingPath.join('\n')), ...tokenize(chunk.text)];
}

/** The text whose CJK characters and bigrams re-score lexical candidates: the same fields BM25 sees. */
function gramText(doc: SourceDoc, chunk: Chunk): string {
  return `${doc.title}\n${chunk.headingPath.join('\n')}\n${chunk.text}`;
}

export function checkedVector(v: number[], dims: number): number[] {
  if (!Array.isArray(v) || v.length !== dims) {
    throw new AppError(
      'EMBEDDER_MISMATCH',
      `向量维度为 ${Array.isArray(v) ? v.length : '未知'}，而知识库要求 ${dims} 维。请检查向量化模型配置，或运行 \`yingji reindex\` 重建索引。`,
    );
  }
  return v;
}

/** What a commit writes, captured synchronously. */
export interface StateSnapshot {
  docs: SourceDoc[];
  chunkParts: Buffer[];
  lexicalBytes: Buffer;
  gramBytes: Buffer;
  nextLabel: number;
  storedFiles: Set<string>;
}

export class KnowledgeState {
  private readonly docs = new Map<string, DocEntry>();
  private readonly bySourceKey = new Map<string, string>();
  private readonly labels = new LabelMap();
  private liveChunks = 0;
  /** listDocuments() result, rebuilt after a change (the retriever asks on every query). */
  private documentList: SourceDoc[] | undefined;

  constructor(
    readonly vectors: VectorIndex,
    readonly lexical: Bm25Index,
    private nextLabel: number,
    readonly grams: NgramSketch = new NgramSketch(),
  ) {}

  /** The state of a generation read from disk. */
  static fromLoaded(loaded: LoadedGeneration & LoadedIndexes): KnowledgeState {
    const state = new KnowledgeState(loaded.vectors, loaded.lexical, loaded.manifest.nextLabel, loaded.grams);
    // A generation from before bigrams.bin or its character counts: count its grams once (the next commit writes them).
    state.install(loaded.entries, false, !loaded.grams);
    return state;
  }

  /**
   * Fills the maps from a loaded generation; with `indexLexical` the BM25 index is rebuilt from text, with
   * `indexGrams` the character and bigram counts.
   */
  install(entries: DocEntry[], indexLexical = false, indexGrams = indexLexical): void {
    for (const entry of entries) {
      this.docs.set(entry.doc.id, entry);
      this.bySourceKey.set(entry.doc.sourceKey, entry.doc.id);
      const parsedBefore = entry.chunks !== undefined;
      for (let i = 0; i < entry.labels.length; i++) {
        this.labels.set(entry.labels[i], entry, i);
        this.liveChunks++;
        if (indexLexical) this.lexical.add(entry.labels[i], lexicalTokens(entry.doc, entryChunks(entry)[i]));
        if (indexGrams) this.grams.add(gramText(entry.doc, entryChunks(entry)[i]));
      }
      // Chunk bodies are parsed on first use: do not keep every one parsed just because they were counted.
      if (!parsedBefore && entry.encoded) delete entry.chunks;
    }
    this.documentList = undefined;
  }

  listDocuments(): SourceDoc[] {
    this.documentList ??= [...this.docs.values()].map((e) => e.doc);
    return this.documentList;
  }

  getDocument(id: string): SourceDoc | undefined {
    return this.docs.get(id)?.doc;
  }

  findBySourceKey(sourceKey: string): SourceDoc | undefined {
    const id = this.bySourceKey.get(sourceKey);
    return id === undefined ? undefined : this.docs.get(id)?.doc;
  }

  getChunks(docId: string): Chunk[] {
    const entry = this.docs.get(docId);
    return entry ? [...entryChunks(entry)] : [];
  }

  getChunk(chunkId: string): Chunk | undefined {
    const at = this.labels.find(chunkId, this.docs);
    return at ? entryChunks(at.entry)[at.position] : undefined;
  }

  chunkCount(): number {
    return this.liveChunks;
  }

  searchVector(vector: number[], k: number): (ChunkRef & { similarity: number })[] {
    const out: (ChunkRef & { similarity: number })[] = [];
    for (const { label, similarity } of this.vectors.search(vector, k)) {
      const ref = this.refOf(label);
      if (ref) out.push({ ...ref, similarity });
    }
    return out;
  }

  searchLexical(terms: { term: string; weight: number }[], k: number, grams?: GramQuery): (ChunkRef & { score: number })[] {
    const query = terms.map((t) => ({ term: t.term.trim().toLowerCase(), weight: t.weight }));
    const out: (ChunkRef & { score: number })[] = [];
    for (const { label, score } of this.lexical.search(query, k)) {
      const ref = this.refOf(label);
      if (ref) out.push({ ...ref, score });
    }
    if (!grams || out.length === 0) return out;
    const extra = this.grams.scoreTexts(grams.text, grams.weights, out.map((h) => gramText(h.doc, h.chunk)));
    const rescored = out.map((h, i) => ({ h: { ...h, score: h.score + extra[i] }, i }));
    // Ties keep the word order.
    rescored.sort((a, b) => b.h.score - a.h.score || a.i - b.i);
    return rescored.map((r) => r.h);
  }

  lexicalDocumentFrequency(term: string): number {
    return this.lexical.documentFrequency(term.trim().toLowerCase());
  }

  /**
   * Replaces a document and its chunks (synchronous; a throw leaves the old document intact).
   * @returns the stored original the old version named, when the new one does not
   */
  put(doc: SourceDoc, chunks: Chunk[], vectors: number[][]): string | undefined {
    if (chunks.length !== vectors.length) throw new RangeError(`putDocument: ${chunks.length} chunks but ${vectors.length} vectors`);
    for (const v of vectors) checkedVector(v, this.vectors.dimensions);
    for (const c of chunks) {
      if (c.docId !== doc.id) throw new RangeError(`putDocument: chunk ${c.id} belongs to ${c.docId}, not ${doc.id}`);
    }
    const stored: SourceDoc = { ...doc, chunkCount: chunks.length };
    const tokens = chunks.map((c) => lexicalTokens(stored, c));
    const dropped = this.remove(doc.id, stored.storedFile);
    const labels = chunks.map(() => this.nextLabel++);
    const entry: DocEntry = { doc: stored, chunks: [...chunks], labels, chunkIds: chunks.map((c) => c.id) };
    chunks.forEach((_, i) => {
      this.vectors.add(labels[i], vectors[i]);
      this.lexical.add(labels[i], tokens[i]);
      this.grams.add(gramText(stored, chunks[i]));
      this.labels.set(labels[i], entry, i);
      this.liveChunks++;
    });
    this.attach(entry);
    return dropped;
  }

  /** Records a document without chunks (failed, needs OCR). @returns as put() */
  putFailed(doc: SourceDoc): string | undefined {
    const stored: SourceDoc = { ...doc, chunkCount: 0 };
    const dropped = this.remove(doc.id, stored.storedFile);
    this.attach({ doc: stored, chunks: [], labels: [], chunkIds: [] });
    return dropped;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  /**
   * Drops a document from every structure (synchronous).
   * @returns its stored original unless that is `keepOriginal`
   */
  remove(id: string, keepOriginal?: string): string | undefined {
    const old = this.docs.get(id);
    if (!old) return undefined;
    const oldChunks = entryChunks(old);
    for (const chunk of oldChunks) this.grams.remove(gramText(old.doc, chunk));
    for (const label of old.labels) {
      this.vectors.remove(label);
      this.lexical.remove(label);
      this.labels.clear(label);
      this.liveChunks--;
    }
    this.docs.delete(id);
    this.documentList = undefined;
    if (this.bySourceKey.get(old.doc.sourceKey) === id) this.bySourceKey.delete(old.doc.sourceKey);
    return old.doc.storedFile && old.doc.storedFile !== keepOriginal ? old.doc.storedFile : undefined;
  }

  /**
   * Everything a commit writes except the vectors, captured without an await: puts that arrive during the
   * slow file writes belong to the next commit, never half to this one. (Encoded lines are immutable per
   * entry — a put makes a new entry — so they can be written after awaits.)
   */
  snapshot(): StateSnapshot {
    const entries = [...this.docs.values()];
    return {
      docs: entries.map((e) => e.doc),
      chunkParts: entries.map(encodeEntry),
      lexicalBytes: this.lexical.serialize(),
      gramBytes: this.grams.serialize(),
      nextLabel: this.nextLabel,
      storedFiles: new Set(entries.map((e) => e.doc.storedFile).filter((f): f is string => !!f)),
    };
  }

  private refOf(label: number): ChunkRef | undefined {
    const at = this.labels.at(label);
    return at ? { chunk: entryChunks(at.entry)[at.position], doc: at.entry.doc } : undefined;
  }

  private attach(entry: DocEntry): void {
    this.docs.set(entry.doc.id, entry);
    this.documentList = undefined;
    this.bySourceKey.set(entry.doc.sourceKey, entry.doc.id);
  }
}

/** An empty state for `dimensions`-d vectors. */
export function emptyState(vectors: VectorIndex): KnowledgeState {
  return new KnowledgeState(vectors, new Bm25Index(), 0);
}

/** The read and search sides over whichever state is current (the subclass swaps `state` whole). */
export abstract class KnowledgeStateView {
  constructor(protected state: KnowledgeState) {}

  listDocuments(): SourceDoc[] {
    return this.state.listDocuments().slice();
  }

  getDocument(id: string): SourceDoc | undefined {
    return this.state.getDocument(id);
  }

  findBySourceKey(sourceKey: string): SourceDoc | undefined {
    return this.state.findBySourceKey(sourceKey);
  }

  getChunks(docId: string): Chunk[] {
    return this.state.getChunks(docId);
  }

  getChunk(chunkId: string): Chunk | undefined {
    return this.state.getChunk(chunkId);
  }

  chunkCount(): number {
    return this.state.chunkCount();
  }

  searchVector(vector: number[], k: number): (ChunkRef & { similarity: number })[] {
    return this.state.searchVector(vector, k);
  }

  searchLexical(terms: { term: string; weight: number }[], k: number, grams?: GramQuery): (ChunkRef & { score: number })[] {
    return this.state.searchLexical(terms, k, grams);
  }

  lexicalDocumentFrequency(term: string): number {
    return this.state.lexicalDocumentFrequency(term);
  }
}
