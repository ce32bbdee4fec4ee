/**
 * KnowledgeBase kept in memory and persisted as crash-safe generations (see generation-store.ts).
 *
 * Layout of the knowledge folder:
 *   CURRENT                      names the live generation, e.g. `gen-000012`
 *   index/gen-000012/manifest.json  Manifest + nextLabel + size and sha256 of every file below
 *   index/gen-000012/docs.json      SourceDoc[]
 *   index/gen-000012/chunks.jsonl   one `{"label":n,"id":chunkId,"doc":docId,"chunk":Chunk}` per line, grouped by
 *                                   document in docs.json order. label/id/doc lead the line so open() reads
 *                                   them without parsing the chunk; chunks are parsed when first asked for.
 *                                   (Lines of the older `{"label":n,"chunk":Chunk}` form load too.)
 *   index/gen-000012/vectors.hnsw   hnswlib graph (+ vectors.hnsw.deleted: uint32 deleted labels)
 *   index/gen-000012/lexical.bin    BM25 postings (bm25-index.ts format)
 *   files/<docId>/<sha256-16>-<name>  stored originals, content-addressed: storing a new version never
 *                                   overwrites bytes an older generation still names
 *   index/write.lock                single-writer lock (write-lock.ts)
 *   originals.pending               exists while originals may be stored but not committed: open() then
 *                                   looks for strays under files/ (a scan of every document folder)
 *
 * Labels are allocated monotonically and never reused, so a stale label can never point at a new chunk.
 */
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import type { Chunk, SourceDoc } from '../core/types.js';
import type { Embedder } from '../llm/embedder.js';
import { tokenize } from '../core/chinese-tokenizer.js';
import { Bm25Index } from './bm25-index.js';
import {
  GENERATION_MANIFEST,
  INDEX_DIR,
  digestFile,
  digestFileInWorker,
  ensureDir,
  generationName,
  highestGenerationOnDisk,
  readCurrent,
  removeOtherGenerations,
  sha256Hex,
  syncDir,
  syncFile,
  writeCurrent,
  writeBuffersDurably,
  writeFileDurably,
  type FileDigest,
} from './generation-store.js';
import { deletedSidecarPath } from './hnsw-index.js';
import { embeddingText } from './embedding-text.js';
import { ThreadedHnswIndex } from './threaded-hnsw-index.js';
import { acquireWriteLock, tryAcquireWriteLock, type WriteLock } from './write-lock.js';
import { KNOWLEDGE_FORMAT_VERSION, type KnowledgeBase, type Manifest } from './knowledge-base.js';

export const FILES_DIR = 'files';
export const DOCS_FILE = 'docs.json';
export const CHUNKS_FILE = 'chunks.jsonl';
export const VECTORS_FILE = 'vectors.hnsw';
const VECTORS_DELETED_FILE = deletedSidecarPath(VECTORS_FILE);
export const LEXICAL_FILE = 'lexical.bin';
const GENERATION_FILES = [DOCS_FILE, CHUNKS_FILE, VECTORS_FILE, VECTORS_DELETED_FILE, LEXICAL_FILE] as const;
const MAX_STORED_NAME_CHARS = 120;
/** Hex digits of the content hash prefixed to stored originals' names. */
const ORIGINAL_HASH_CHARS = 16;
/** Loads retried when a concurrent commit replaced CURRENT (and deleted the old generation) mid-load. */
const LOAD_ATTEMPTS = 3;
/** Concurrent fsyncs of new originals at commit. */
const ORIGINAL_SYNC_PARALLELISM = 16;

export const DEFAULT_CHUNKER_SETTINGS: Manifest['chunker'] = { version: 1, targetChars: 500, maxChars: 900, overlapChars: 0 };

/** What a generation folder's manifest.json holds beyond the public Manifest. */
export interface GenerationManifest extends Manifest {
  nextLabel: number;
  files: Record<string, FileDigest>;
}

interface DocEntry {
  doc: SourceDoc;
  labels: number[];
  chunkIds: string[];
  /** Parsed chunks; undefined for a loaded document until one of its chunks is asked for. */
  chunks?: Chunk[];
  /** chunks.jsonl lines of this document: the loaded bytes, or built at the first commit that needs them. */
  encoded?: Buffer;
}

/** Marker file: originals may exist that no generation names (see the layout above). */
const ORIGINALS_PENDING_FILE = 'originals.pending';

interface LoadedState {
  manifest: GenerationManifest;
  entries: DocEntry[];
}

/** What open() needs besides the folder. */
export interface FileKnowledgeBaseOptions {
  dir: string;
  embedder: Embedder;
  create: boolean;
  chunker?: Manifest['chunker'];
}

export function corruptError(detail: string, cause?: unknown): AppError {
  return new AppError(
    'INDEX_CORRUPT',
    `知识库索引文件已损坏（${detail}）。请从备份恢复知识库目录，或运行 \`yingji reindex\` 重建索引；若仍失败，请删除 index 目录与 CURRENT 文件后重新导入文档。`,
    { cause },
  );
}

/**
 * The text BM25 sees: title and heading path are searchable, the title once per chunk (moderate weight).
 * Headings are joined by line breaks — the same tokens as spaces would give — so their segmentation is shared
 * with the embedder's text (title, headings and chunk text on separate lines) through the tokenizer's line cache.
 */
export function lexicalTokens(doc: SourceDoc, chunk: Chunk): string[] {
  return [...tokenize(doc.title), ...tokenize(chunk.headingPath.join('\n')), ...tokenize(chunk.text)];
}

export class FileKnowledgeBase implements KnowledgeBase {
  readonly dir: string;
  private embedderValue: Embedder;
  private manifestValue: Manifest;
  private readonly docs = new Map<string, DocEntry>();
  private readonly bySourceKey = new Map<string, string>();
  /** Live chunks (labels in use). */
  private liveChunks = 0;
  /**
   * Chunk id → label for ids that do not follow the `${docId}#…` convention getChunk relies on; built on the
   * first such lookup and dropped on every change (a 150k-entry map cost 0.2 s at every open otherwise).
   */
  private labelByIdFallback: Map<string, number> | undefined;
  /** listDocuments() result, rebuilt after a change (the retriever asks on every query). */
  private documentList: SourceDoc[] | undefined;
  /** Per label (dense: labels are allocated sequentially): its document, position there and chunk id. */
  private entryByLabel: (DocEntry | undefined)[] = [];
  private positionByLabel: number[] = [];
  private chunkIdByLabel: (string | undefined)[] = [];
  private vectors: ThreadedHnswIndex;
  private lexical: Bm25Index;
  private nextLabel = 0;
  /** Bumped on every in-memory change; commit() is a no-op when nothing changed since the last one. */
  private version = 0;
  private committedVersion = 0;
  private commitChain: Promise<void> = Promise.resolve();
  /** Originals no longer referenced in memory; deleted once a commit no longer references them either. */
  private readonly obsoleteOriginals = new Set<string>();
  /** Held from the first storeOriginal/commit until everything this instance wrote is committed. */
  private writeLock: WriteLock | undefined;
  /** Originals written since the last commit and not yet fsynced. */
  private readonly unsyncedOriginals = new Set<string>();
  /** Bumped by storeOriginal: a commit may release the lock only if no original arrived after its snapshot. */
  private originalsStored = 0;
  /** This instance created originals.pending and has not cleared it yet. */
  private originalsPending = false;
  private closed = false;

  private constructor(dir: string, embedder: Embedder, manifest: Manifest, vectors: ThreadedHnswIndex, lexical: Bm25Index) {
    this.dir = dir;
    this.embedderValue = embedder;
    this.manifestValue = manifest;
    this.vectors = vectors;
    this.lexical = lexical;
  }

  get embedder(): Embedder {
    return this.embedderValue;
  }

  /**
   * Opens (or creates) the knowledge base in `dir`.
   * @throws AppError EMBEDDER_MISMATCH, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT, KNOWLEDGE_BASE_EMPTY (missing and create=false)
   */
  static async open(options: FileKnowledgeBaseOptions): Promise<FileKnowledgeBase> {
    const dir = path.resolve(options.dir);
    const current = await readCurrentOrCorrupt(dir);
    if (!current) {
      if (!options.create) {
        throw new AppError('KNOWLEDGE_BASE_EMPTY', `知识库目录 ${dir} 中还没有知识库，请先运行 \`yingji ingest <文件或目录>\` 导入文档。`);
      }
      await ensureDir(path.join(dir, INDEX_DIR));
      const now = new Date().toISOString();
      const manifest: Manifest = {
        formatVersion: KNOWLEDGE_FORMAT_VERSION,
        embedder: { id: options.embedder.id, dimensions: options.embedder.dimensions },
        chunker: options.chunker ?? DEFAULT_CHUNKER_SETTINGS,
        generation: 0,
        createdAt: now,
        updatedAt: now,
      };
      const kb = new FileKnowledgeBase(dir, options.embedder, manifest, ThreadedHnswIndex.create(options.embedder.dimensions), new Bm25Index());
      await kb.cleanUpAfterCrash(undefined);
      kb.version = 1; // the empty state is written at once so the folder describes itself
      await kb.commit();
      return kb;
    }
    const { state, name } = await loadCurrentGeneration(dir, current.name, options.embedder);
    const kb = new FileKnowledgeBase(dir, options.embedder, publicManifest(state.manifest), state.vectors, state.lexical);
    if (options.chunker) kb.manifestValue = { ...kb.manifestValue, chunker: options.chunker };
    kb.install(state.entries, state.manifest.nextLabel);
    await kb.cleanUpAfterCrash(name);
    return kb;
  }

  /**
   * Re-embeds every stored chunk with `embedder` and commits the result as a new generation.
   * The generation on disk stays current (and any open instance keeps serving) until the final commit.
   */
  static async rebuild(options: {
    dir: string;
    embedder: Embedder;
    batchSize?: number;
    onProgress?: (done: number, total: number) => void;
  }): Promise<FileKnowledgeBase> {
    const dir = path.resolve(options.dir);
    const current = await readCurrentOrCorrupt(dir);
    if (!current) {
      throw new AppError('KNOWLEDGE_BASE_EMPTY', `知识库目录 ${dir} 中还没有知识库，无需重建；请先运行 \`yingji ingest\` 导入文档。`);
    }
    const state = await loadGeneration(dir, current.name, { embedder: undefined, withVectors: false });
    const dims = options.embedder.dimensions;
    const allChunks = state.entries.flatMap((e) => entryChunks(e).map((c, i) => ({ chunk: c, title: e.doc.title, label: e.labels[i] })));
    const vectors = ThreadedHnswIndex.create(dims, { initialCapacity: Math.max(1024, allChunks.length) });
    const batchSize = options.batchSize ?? 256;
    options.onProgress?.(0, allChunks.length);
    for (let i = 0; i < allChunks.length; i += batchSize) {
      const batch = allChunks.slice(i, i + batchSize);
      const embedded = await options.embedder.embedDocuments(batch.map((b) => embeddingText(b.title, b.chunk)));
      if (embedded.length !== batch.length) throw new Error(`embedder returned ${embedded.length} vectors for ${batch.length} texts`);
      batch.forEach((b, j) => vectors.add(b.label, checkedVector(embedded[j], dims)));
      options.onProgress?.(Math.min(i + batchSize, allChunks.length), allChunks.length);
    }
    const manifest: Manifest = {
      ...publicManifest(state.manifest),
      embedder: { id: options.embedder.id, dimensions: dims },
    };
    const kb = new FileKnowledgeBase(dir, options.embedder, manifest, vectors, new Bm25Index());
    // Re-tokenising also compacts the lexical index and picks up tokenizer improvements.
    kb.install(state.entries, state.manifest.nextLabel, true);
    kb.version = 1;
    await kb.commit();
    return kb;
  }

  manifest(): Manifest {
    return { ...this.manifestValue, embedder: { ...this.manifestValue.embedder }, chunker: { ...this.manifestValue.chunker } };
  }

  listDocuments(): SourceDoc[] {
    this.documentList ??= [...this.docs.values()].map((e) => e.doc);
    return this.documentList.slice();
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
    const label = this.labelOf(chunkId);
    const entry = label === undefined ? undefined : this.entryByLabel[label];
    return entry ? entryChunks(entry)[this.positionByLabel[label as number]] : undefined;
  }

  chunkCount(): number {
    return this.liveChunks;
  }

  private labelOf(chunkId: string): number | undefined {
    const hash = chunkId.lastIndexOf('#');
    const entry = hash > 0 ? this.docs.get(chunkId.slice(0, hash)) : undefined;
    const position = entry ? entry.chunkIds.indexOf(chunkId) : -1;
    if (entry && position >= 0) return entry.labels[position];
    if (!this.labelByIdFallback) {
      this.labelByIdFallback = new Map();
      for (const e of this.docs.values()) e.chunkIds.forEach((id, i) => this.labelByIdFallback?.set(id, e.labels[i]));
    }
    return this.labelByIdFallback.get(chunkId);
  }

  putDocument(doc: SourceDoc, chunks: Chunk[], vectors: number[][]): void {
    this.assertOpen();
    if (chunks.length !== vectors.length) {
      throw new RangeError(`putDocument: ${chunks.length} chunks but ${vectors.length} vectors`);
    }
    const dims = this.embedderValue.dimensions;
    for (const v of vectors) checkedVector(v, dims);
    for (const c of chunks) {
      if (c.docId !== doc.id) throw new RangeError(`putDocument: chunk ${c.id} belongs to ${c.docId}, not ${doc.id}`);
    }
    const stored: SourceDoc = { ...doc, chunkCount: chunks.length };
    // Tokenise before touching any index so a throw leaves the old document intact.
    const tokens = chunks.map((c) => lexicalTokens(stored, c));
    this.detach(doc.id, stored.storedFile);
    const labels = chunks.map(() => this.nextLabel++);
    const entry: DocEntry = { doc: stored, chunks: [...chunks], labels, chunkIds: chunks.map((c) => c.id) };
    chunks.forEach((chunk, i) => {
      this.vectors.add(labels[i], vectors[i]);
      this.lexical.add(labels[i], tokens[i]);
      this.indexLabel(entry, i);
    });
    this.attach(entry);
  }

  putFailedDocument(doc: SourceDoc): void {
    this.assertOpen();
    const stored: SourceDoc = { ...doc, chunkCount: 0 };
    this.detach(doc.id, stored.storedFile);
    this.attach({ doc: stored, chunks: [], labels: [], chunkIds: [] });
  }

  removeDocument(id: string): boolean {
    this.assertOpen();
    if (!this.docs.has(id)) return false;
    this.detach(id, undefined);
    this.version++;
    return true;
  }

  searchVector(vector: number[], k: number): { chunkId: string; similarity: number }[] {
    const out: { chunkId: string; similarity: number }[] = [];
    for (const { label, similarity } of this.vectors.search(vector, k)) {
      const chunkId = this.chunkIdByLabel[label];
      if (chunkId !== undefined) out.push({ chunkId, similarity });
    }
    return out;
  }

  lexicalDocumentFrequency(term: string): number {
    return this.lexical.documentFrequency(term.trim().toLowerCase());
  }

  searchLexical(terms: { term: string; weight: number }[], k: number): { chunkId: string; score: number }[] {
    const query = terms.map((t) => ({ term: t.term.trim().toLowerCase(), weight: t.weight }));
    const out: { chunkId: string; score: number }[] = [];
    for (const { label, score } of this.lexical.search(query, k)) {
      const chunkId = this.chunkIdByLabel[label];
      if (chunkId !== undefined) out.push({ chunkId, score });
    }
    return out;
  }

  /**
   * Writes `files/<docId>/<content hash>-<safe name>` via a temp file and rename; returns that relative path.
   * The name is content-addressed, so re-storing a changed file never touches the bytes the committed
   * generation names: a crash before the next commit leaves the old document with its old original.
   * @throws AppError KNOWLEDGE_BASE_BUSY when another process is writing the folder
   */
  async storeOriginal(docId: string, fileName: string, bytes: Buffer): Promise<string> {
    this.assertOpen();
    await this.holdWriteLock();
    this.originalsStored++;
    const hash = sha256Hex(bytes).slice(0, ORIGINAL_HASH_CHARS);
    const relative = path.posix.join(FILES_DIR, safeSegment(docId), safeSegment(`${hash}-${path.basename(fileName)}`));
    const target = path.join(this.dir, relative);
    this.obsoleteOriginals.delete(relative);
    await this.markOriginalsPending();
    // Same name, same bytes: an unchanged file re-ingested (e.g. --force) is not written again.
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isFile() && existing.size === bytes.byteLength) return relative;
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    // No fsync here (one per file cost seconds over a large ingest): the commit that first names this file
    // fsyncs all new originals together before it moves CURRENT. Until then no generation names it.
    await writeFile(tmp, bytes);
    await rename(tmp, target);
    this.unsyncedOriginals.add(relative);
    return relative;
  }

  commit(): Promise<void> {
    const run = this.commitChain.then(() => this.writeGeneration());
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.commitChain;
    this.closed = true;
    await this.releaseWriteLock();
    await this.vectors.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('INVALID_REQUEST', '知识库已关闭，无法再修改。');
  }

  /** Drops a document from every in-memory structure (synchronous). */
  private detach(id: string, keepOriginal: string | undefined): void {
    const old = this.docs.get(id);
    if (!old) return;
    for (let i = 0; i < old.labels.length; i++) {
      const label = old.labels[i];
      this.vectors.remove(label);
      this.lexical.remove(label);
      this.entryByLabel[label] = undefined;
      this.chunkIdByLabel[label] = undefined;
      this.liveChunks--;
    }
    this.docs.delete(id);
    this.documentList = undefined;
    this.labelByIdFallback = undefined;
    if (this.bySourceKey.get(old.doc.sourceKey) === id) this.bySourceKey.delete(old.doc.sourceKey);
    if (old.doc.storedFile && old.doc.storedFile !== keepOriginal) this.obsoleteOriginals.add(old.doc.storedFile);
  }

  private attach(entry: DocEntry): void {
    this.docs.set(entry.doc.id, entry);
    this.documentList = undefined;
    this.bySourceKey.set(entry.doc.sourceKey, entry.doc.id);
    if (entry.doc.storedFile) this.obsoleteOriginals.delete(entry.doc.storedFile);
    this.version++;
  }

  /** Fills the maps from a loaded generation; with `indexLexical` the BM25 index is rebuilt from text. */
  private install(entries: DocEntry[], nextLabel: number, indexLexical = false): void {
    for (const entry of entries) {
      this.docs.set(entry.doc.id, entry);
      this.bySourceKey.set(entry.doc.sourceKey, entry.doc.id);
      for (let i = 0; i < entry.labels.length; i++) {
        this.indexLabel(entry, i);
        if (indexLexical) this.lexical.add(entry.labels[i], lexicalTokens(entry.doc, entryChunks(entry)[i]));
      }
    }
    this.documentList = undefined;
    this.nextLabel = nextLabel;
  }

  private indexLabel(entry: DocEntry, position: number): void {
    const label = entry.labels[position];
    const chunkId = entry.chunkIds[position];
    this.liveChunks++;
    this.labelByIdFallback = undefined;
    this.entryByLabel[label] = entry;
    this.positionByLabel[label] = position;
    this.chunkIdByLabel[label] = chunkId;
  }

  private async writeGeneration(): Promise<void> {
    this.assertOpen();
    if (this.version === this.committedVersion) return;
    await this.holdWriteLock();
    const originalsBefore = this.originalsStored;
    let committed = false;
    try {
      await this.writeGenerationLocked();
      committed = true;
    } finally {
      // Keep the lock while something this instance wrote (chunks or originals) is still uncommitted. A failed
      // commit gives it back: usually the folder moved on (reindex elsewhere) and this instance cannot commit.
      if (!committed || (this.version === this.committedVersion && this.originalsStored === originalsBefore)) {
        if (committed && this.obsoleteOriginals.size === 0 && this.unsyncedOriginals.size === 0) await this.clearOriginalsPending();
        await this.releaseWriteLock();
      }
    }
  }

  /** fsyncs the new originals this commit names (in parallel: the kernel batches the journal writes). */
  private async syncOriginals(referenced: Set<string>): Promise<void> {
    const pending = [...this.unsyncedOriginals].filter((f) => referenced.has(f));
    const dirs = new Set<string>();
    for (let i = 0; i < pending.length; i += ORIGINAL_SYNC_PARALLELISM) {
      await Promise.all(
        pending.slice(i, i + ORIGINAL_SYNC_PARALLELISM).map(async (relative) => {
          const file = path.join(this.dir, relative);
          await syncFile(file).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e; // deleted meanwhile: then no generation needs it
          });
          dirs.add(path.dirname(file));
        }),
      );
    }
    for (const dir of dirs) await syncDir(dir).catch(() => undefined);
    await syncDir(path.join(this.dir, FILES_DIR)).catch(() => undefined);
    for (const relative of pending) this.unsyncedOriginals.delete(relative);
  }

  /** Records (durably, before any such file exists) that originals may soon be unnamed by any generation. */
  private async markOriginalsPending(): Promise<void> {
    if (this.originalsPending) return;
    await writeFileDurably(path.join(this.dir, ORIGINALS_PENDING_FILE), `${process.pid}\n`);
    await syncDir(this.dir);
    this.originalsPending = true;
  }

  private async clearOriginalsPending(): Promise<void> {
    if (!this.originalsPending) return;
    await unlink(path.join(this.dir, ORIGINALS_PENDING_FILE)).catch(() => undefined);
    this.originalsPending = false;
  }

  /** @throws AppError KNOWLEDGE_BASE_BUSY */
  private async holdWriteLock(): Promise<void> {
    if (!this.writeLock) this.writeLock = await acquireWriteLock(this.dir);
  }

  private async releaseWriteLock(): Promise<void> {
    const lock = this.writeLock;
    this.writeLock = undefined;
    await lock?.release();
  }

  /**
   * Deletes partial generations and stray originals a crashed writer left behind — only when no other process
   * is writing (then they may be its work in progress), so opening for reading never disturbs a writer.
   */
  private async cleanUpAfterCrash(keepGeneration: string | undefined): Promise<void> {
    const attempt = await tryAcquireWriteLock(this.dir);
    if (!attempt.held) return;
    try {
      await removeOtherGenerations(this.dir, keepGeneration);
      // Scanning every document folder costs seconds at thousands of documents: only after an unclean end.
      const marker = path.join(this.dir, ORIGINALS_PENDING_FILE);
      if (await stat(marker).then(() => true, () => false)) {
        await this.cleanOriginals();
        await unlink(marker).catch(() => undefined);
      }
    } finally {
      await attempt.lock.release();
    }
  }

  private async writeGenerationLocked(): Promise<void> {
    const onDisk = await readCurrentOrCorrupt(this.dir);
    if ((onDisk?.generation ?? 0) !== this.manifestValue.generation) {
      throw new AppError(
        'INVALID_REQUEST',
        '知识库已被其他进程更新（例如 yingji reindex 或另一次导入），本次修改未保存；请重新打开知识库后再试。',
      );
    }
    const generation = Math.max(this.manifestValue.generation, await highestGenerationOnDisk(this.dir)) + 1;
    const name = generationName(generation);
    const genDir = path.join(this.dir, INDEX_DIR, name);
    await rm(genDir, { recursive: true, force: true });
    await mkdir(genDir, { recursive: true });

    // Snapshot synchronously (no await until every byte is captured), so puts that arrive
    // during the slow file writes below belong to the next commit, never half to this one.
    const snapshotVersion = this.version;
    const entries = [...this.docs.values()];
    const docsBytes = Buffer.from(JSON.stringify(entries.map((e) => e.doc)), 'utf8');
    // Encoded lines are immutable per entry (a put makes a new entry), so they can be written after awaits.
    const chunkParts = entries.map(encodeEntry);
    const lexicalBytes = this.lexical.serialize();
    const vectorsSaved = this.vectors.save(path.join(genDir, VECTORS_FILE));
    const nextLabel = this.nextLabel;
    const manifestBase = this.manifestValue;
    const referencedOriginals = new Set(entries.map((e) => e.doc.storedFile).filter((f): f is string => !!f));

    await vectorsSaved;
    // The vector file is most of the bytes: hash and fsync it on another core while this one writes the rest.
    const vectorsDigest = digestFileInWorker(path.join(genDir, VECTORS_FILE), { sync: true });
    vectorsDigest.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    await writeFileDurably(path.join(genDir, DOCS_FILE), docsBytes);
    const chunksDigest = await writeBuffersDurably(path.join(genDir, CHUNKS_FILE), chunkParts);
    await writeFileDurably(path.join(genDir, LEXICAL_FILE), lexicalBytes);
    await syncFile(path.join(genDir, VECTORS_DELETED_FILE));
    const files: Record<string, FileDigest> = {
      [DOCS_FILE]: digest(docsBytes),
      [CHUNKS_FILE]: chunksDigest,
      [LEXICAL_FILE]: digest(lexicalBytes),
      [VECTORS_FILE]: await vectorsDigest,
      [VECTORS_DELETED_FILE]: await digestFile(path.join(genDir, VECTORS_DELETED_FILE)),
    };
    const manifest: GenerationManifest = {
      ...manifestBase,
      formatVersion: KNOWLEDGE_FORMAT_VERSION,
      generation,
      updatedAt: new Date().toISOString(),
      nextLabel,
      files,
    };
    await writeFileDurably(path.join(genDir, GENERATION_MANIFEST), JSON.stringify(manifest) + '\n');
    await this.syncOriginals(referencedOriginals);
    await syncDir(genDir);
    await syncDir(path.join(this.dir, INDEX_DIR));
    await writeCurrent(this.dir, generation); // the commit point

    this.manifestValue = { ...publicManifest(manifest), embedder: this.manifestValue.embedder, chunker: this.manifestValue.chunker };
    this.committedVersion = snapshotVersion;
    await removeOtherGenerations(this.dir, name);
    if (this.obsoleteOriginals.size > 0) await this.markOriginalsPending(); // a crash mid-deletion leaves strays
    await this.deleteObsoleteOriginals(referencedOriginals);
  }

  private async deleteObsoleteOriginals(referencedByCommit: Set<string>): Promise<void> {
    const referencedNow = new Set(this.listDocuments().map((d) => d.storedFile));
    for (const relative of [...this.obsoleteOriginals]) {
      if (referencedByCommit.has(relative) || referencedNow.has(relative)) continue;
      this.obsoleteOriginals.delete(relative);
      const file = path.join(this.dir, relative);
      await unlink(file).catch(() => undefined);
      await rmdir(path.dirname(file)).catch(() => undefined); // only succeeds when empty
    }
  }

  /** At open nothing is in flight, so every original the current generation does not name is stray. */
  private async cleanOriginals(): Promise<void> {
    const root = path.join(this.dir, FILES_DIR);
    const referenced = new Set(this.listDocuments().map((d) => d.storedFile));
    let dirs: string[];
    try {
      dirs = await readdir(root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const d of dirs) {
      const docDir = path.join(root, d);
      let names: string[];
      try {
        names = await readdir(docDir);
      } catch {
        await rm(docDir, { force: true });
        continue;
      }
      for (const n of names) {
        if (!referenced.has(path.posix.join(FILES_DIR, d, n))) await rm(path.join(docDir, n), { recursive: true, force: true });
      }
      await rmdir(docDir).catch(() => undefined);
    }
  }
}

function publicManifest(m: Manifest): Manifest {
  return {
    formatVersion: m.formatVersion,
    embedder: { id: m.embedder.id, dimensions: m.embedder.dimensions },
    chunker: { ...m.chunker },
    generation: m.generation,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

function digest(bytes: Buffer): FileDigest {
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

function encodeEntry(entry: DocEntry): Buffer {
  if (!entry.encoded) {
    let text = '';
    const id = JSON.stringify(entry.doc.id);
    entryChunks(entry).forEach((chunk, i) => {
      text += `{"label":${entry.labels[i]},"id":${JSON.stringify(chunk.id)},"doc":${id},"chunk":${JSON.stringify(chunk)}}\n`;
    });
    entry.encoded = Buffer.from(text, 'utf8');
  }
  return entry.encoded;
}

/** A document's chunks, parsed from its stored lines on first use. @throws AppError INDEX_CORRUPT */
function entryChunks(entry: DocEntry): Chunk[] {
  if (entry.chunks) return entry.chunks;
  const chunks: Chunk[] = [];
  const bytes = entry.encoded ?? Buffer.alloc(0);
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      const chunk = (JSON.parse(bytes.toString('utf8', start, end)) as { chunk: Chunk }).chunk;
      if (chunk?.id !== entry.chunkIds[chunks.length]) throw corruptError(`${CHUNKS_FILE} 中文档 ${entry.doc.id} 的段落与索引不符`);
      chunks.push(chunk);
    }
    start = end + 1;
  }
  if (chunks.length !== entry.labels.length) throw corruptError(`${CHUNKS_FILE} 中文档 ${entry.doc.id} 的段落数不符`);
  entry.chunks = chunks;
  return chunks;
}

function checkedVector(v: number[], dims: number): number[] {
  if (!Array.isArray(v) || v.length !== dims) {
    throw new AppError(
      'EMBEDDER_MISMATCH',
      `向量维度为 ${Array.isArray(v) ? v.length : '未知'}，而知识库要求 ${dims} 维。请检查向量化模型配置，或运行 \`yingji reindex\` 重建索引。`,
    );
  }
  return v;
}

/** File-name-safe segment: no separators, control or reserved characters, bounded length. */
function safeSegment(name: string): string {
  let s = name.normalize('NFC').replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
  if (s.length > MAX_STORED_NAME_CHARS) {
    const ext = path.extname(s).slice(0, 16);
    s = s.slice(0, MAX_STORED_NAME_CHARS - ext.length) + ext;
  }
  if (s === '' || s === '.' || s === '..' || s.startsWith('.')) s = `_${s}`;
  if (s.includes('.tmp-')) s = s.replace(/\.tmp-/g, '_tmp-');
  return s;
}

async function readCurrentOrCorrupt(dir: string): Promise<{ name: string; generation: number } | undefined> {
  try {
    return await readCurrent(dir);
  } catch (e) {
    throw corruptError('CURRENT 文件无法识别', e);
  }
}

/** Loads the generation CURRENT names, starting over when a concurrent commit replaced it mid-load. */
async function loadCurrentGeneration(
  dir: string,
  first: string,
  embedder: Embedder,
): Promise<{ name: string; state: LoadedState & { vectors: ThreadedHnswIndex; lexical: Bm25Index } }> {
  let name = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return { name, state: await loadGeneration(dir, name, { embedder, withVectors: true }) };
    } catch (e) {
      const now = await readCurrentOrCorrupt(dir).catch(() => undefined);
      if (attempt >= LOAD_ATTEMPTS || !now || now.name === name) throw e;
      name = now.name;
    }
  }
}

interface LoadOptions {
  /** Checked against the manifest; undefined skips the check (rebuild). */
  embedder: Embedder | undefined;
  withVectors: boolean;
}

/** Reads and checks one generation's manifest (format version, required fields). */
export async function readGenerationManifest(dir: string, name: string): Promise<GenerationManifest> {
  let manifest: GenerationManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, INDEX_DIR, name, GENERATION_MANIFEST), 'utf8')) as GenerationManifest;
  } catch (e) {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 缺失或无法解析`, e);
  }
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.formatVersion !== 'number') {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 内容不完整`);
  }
  if (manifest.formatVersion !== KNOWLEDGE_FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT_UNSUPPORTED',
      `知识库格式版本为 ${manifest.formatVersion}，本程序只支持版本 ${KNOWLEDGE_FORMAT_VERSION}。请升级 yingji，或用当前版本重新导入文档。`,
    );
  }
  if (!manifest.embedder || !manifest.files || typeof manifest.nextLabel !== 'number') {
    throw corruptError(`${name}/${GENERATION_MANIFEST} 内容不完整`);
  }
  return manifest;
}

async function loadGeneration(
  dir: string,
  name: string,
  options: LoadOptions & { withVectors: true },
): Promise<LoadedState & { vectors: ThreadedHnswIndex; lexical: Bm25Index }>;
async function loadGeneration(dir: string, name: string, options: LoadOptions): Promise<LoadedState>;
async function loadGeneration(
  dir: string,
  name: string,
  options: LoadOptions,
): Promise<LoadedState & { vectors?: ThreadedHnswIndex; lexical?: Bm25Index }> {
  const genDir = path.join(dir, INDEX_DIR, name);
  const manifest = await readGenerationManifest(dir, name);
  const want = options.embedder;
  if (want && (manifest.embedder.id !== want.id || manifest.embedder.dimensions !== want.dimensions)) {
    throw new AppError(
      'EMBEDDER_MISMATCH',
      `知识库是用向量化方式 ${manifest.embedder.id}（${manifest.embedder.dimensions} 维）建立的，当前配置为 ${want.id}（${want.dimensions} 维）。` +
        '请运行 `yingji reindex` 用当前配置重建索引，或改回原来的向量化配置。',
    );
  }
  // The vector file is most of the bytes: hash it on one thread and load it into the index worker on another,
  // while this one reads and parses the rest. The index is used only once the hash matched (hnswlib's reader
  // checks sizes and refuses a truncated file; a file that fails the hash is discarded unsearched).
  const vectorsFile = path.join(genDir, VECTORS_FILE);
  const vectorsDigest = options.withVectors ? digestFileInWorker(vectorsFile) : undefined;
  vectorsDigest?.catch(() => undefined); // awaited below
  const vectorsLoaded = options.withVectors ? ThreadedHnswIndex.load(vectorsFile, manifest.embedder.dimensions) : undefined;
  vectorsLoaded?.catch(() => undefined); // awaited below
  const discardVectors = () => vectorsLoaded?.then((v) => v.close(), () => undefined);
  const needed = options.withVectors ? GENERATION_FILES.filter((f) => f !== VECTORS_FILE) : [DOCS_FILE, CHUNKS_FILE];
  const bytes = new Map<string, Buffer>();
  for (const file of needed) {
    const expected = manifest.files[file];
    let data: Buffer;
    try {
      data = await readFile(path.join(genDir, file));
    } catch (e) {
      await discardVectors();
      throw corruptError(`${name}/${file} 缺失`, e);
    }
    if (!expected || data.byteLength !== expected.bytes || sha256Hex(data) !== expected.sha256) {
      await discardVectors();
      throw corruptError(`${name}/${file} 校验失败`);
    }
    bytes.set(file, data);
  }
  let entries: DocEntry[];
  try {
    entries = parseEntries(bytes.get(DOCS_FILE) as Buffer, bytes.get(CHUNKS_FILE) as Buffer, manifest.nextLabel);
  } catch (e) {
    await discardVectors();
    throw corruptError(`${name}/${DOCS_FILE} 或 ${CHUNKS_FILE} 内容无效`, e);
  }
  if (!vectorsDigest || !vectorsLoaded) return { manifest, entries };
  const chunkTotal = entries.reduce((n, e) => n + e.labels.length, 0);
  let lexical: Bm25Index;
  try {
    lexical = Bm25Index.deserialize(bytes.get(LEXICAL_FILE) as Buffer);
  } catch (e) {
    await discardVectors();
    throw corruptError(`${name} 的关键词索引无法读取`, e);
  }
  let actual: FileDigest;
  try {
    actual = await vectorsDigest;
  } catch (e) {
    await discardVectors();
    throw corruptError(`${name}/${VECTORS_FILE} 缺失`, e);
  }
  const expected = manifest.files[VECTORS_FILE];
  if (!expected || actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) {
    await discardVectors();
    throw corruptError(`${name}/${VECTORS_FILE} 校验失败`);
  }
  let vectors: ThreadedHnswIndex;
  try {
    vectors = await vectorsLoaded;
  } catch (e) {
    throw corruptError(`${name} 的向量索引无法读取`, e);
  }
  try {
    if (vectors.size() !== chunkTotal || lexical.size() !== chunkTotal) {
      throw corruptError(`${name} 中段落数 ${chunkTotal} 与向量索引 ${vectors.size()}、关键词索引 ${lexical.size()} 不一致`);
    }
    for (const e of entries) {
      for (const label of e.labels) {
        if (!vectors.has(label) || !lexical.has(label)) throw corruptError(`${name} 中段落编号 ${label} 不在索引中`);
      }
    }
  } catch (e) {
    await vectors.close();
    throw e;
  }
  return { manifest, entries, vectors, lexical };
}

/**
 * Splits chunks.jsonl into documents without parsing chunk bodies: each line's label, chunk id and document id
 * are read from its head (legacy lines without that head are parsed whole). Each document keeps a view of its
 * lines, parsed on first use (entryChunks) and written back unchanged by later commits.
 */
function parseEntries(docsBytes: Buffer, chunksBytes: Buffer, nextLabel: number): DocEntry[] {
  const docs = JSON.parse(docsBytes.toString('utf8')) as SourceDoc[];
  if (!Array.isArray(docs)) throw new Error('docs.json is not an array');
  const entries = new Map<string, DocEntry>();
  const pieces = new Map<DocEntry, { start: number; end: number }[]>();
  /** Entries with lines of the older form: parsed now and re-encoded (in the new form) at the next commit. */
  const legacy = new Set<DocEntry>();
  for (const doc of docs) {
    if (typeof doc?.id !== 'string' || typeof doc.sourceKey !== 'string') throw new Error('document without id');
    const entry: DocEntry = { doc, labels: [], chunkIds: [] };
    entries.set(doc.id, entry);
    pieces.set(entry, []);
  }
  const seen = new Uint8Array(Math.max(0, nextLabel));
  const length = chunksBytes.length;
  // Consecutive lines belong to the same document: reuse its entry when the doc field's bytes repeat.
  let previous: { start: number; end: number; entry: DocEntry | undefined } = { start: 0, end: 0, entry: undefined };
  let start = 0;
  while (start < length) {
    let end = chunksBytes.indexOf(0x0a, start);
    if (end < 0) end = length;
    if (end > start) {
      const head = readLineHead(chunksBytes, start, end);
      let label: number;
      let id: string;
      let entry: DocEntry | undefined;
      if (head) {
        ({ label, id } = head);
        if (previous.entry && sameBytes(chunksBytes, previous.start, previous.end, head.docStart, head.docEnd)) entry = previous.entry;
        else {
          entry = entries.get(decodeJsonString(chunksBytes, head.docStart, head.docEnd));
          previous = { start: head.docStart, end: head.docEnd, entry };
        }
      } else {
        const record = JSON.parse(chunksBytes.toString('utf8', start, end)) as { label: number; chunk: Chunk };
        label = record.label;
        id = record.chunk?.id;
        entry = entries.get(record.chunk?.docId);
        if (entry) legacy.add(entry);
      }
      if (!entry || typeof id !== 'string' || !Number.isInteger(label) || label < 0 || label >= nextLabel || seen[label]) {
        throw new Error(`bad chunk record ${JSON.stringify(chunksBytes.toString('utf8', start, Math.min(end, start + 80)))}`);
      }
      seen[label] = 1;
      entry.labels.push(label);
      entry.chunkIds.push(id);
      const list = pieces.get(entry) as { start: number; end: number }[];
      const last = list.at(-1);
      if (last && last.end === start) last.end = Math.min(end + 1, length);
      else list.push({ start, end: Math.min(end + 1, length) });
    }
    start = end + 1;
  }
  for (const entry of entries.values()) {
    if (entry.labels.length !== entry.doc.chunkCount) {
      throw new Error(`document ${entry.doc.id} lists ${entry.doc.chunkCount} chunks, found ${entry.labels.length}`);
    }
    const list = pieces.get(entry) as { start: number; end: number }[];
    if (list.length === 0) entry.chunks = [];
    else if (list.length === 1) entry.encoded = chunksBytes.subarray(list[0].start, list[0].end);
    else entry.encoded = Buffer.concat(list.map((p) => chunksBytes.subarray(p.start, p.end)));
    // A last line without its newline would glue onto the next document's lines at the next commit.
    if (entry.encoded && entry.encoded[entry.encoded.length - 1] !== 0x0a) entry.encoded = Buffer.concat([entry.encoded, Buffer.from('\n')]);
    if (legacy.has(entry)) {
      entryChunks(entry);
      entry.encoded = undefined;
    }
  }
  return [...entries.values()];
}

const HEAD_LABEL = Buffer.from('{"label":');
const HEAD_ID = Buffer.from(',"id":');
const HEAD_DOC = Buffer.from(',"doc":');
const HEAD_CHUNK = Buffer.from(',"chunk":');

/**
 * `{"label":N,"id":"…","doc":"…","chunk":` at the start of a line, or undefined (then the line is parsed
 * whole). The doc field comes back as a byte range (a quoted JSON string) so repeats need no decoding.
 */
function readLineHead(buf: Buffer, start: number, end: number): { label: number; id: string; docStart: number; docEnd: number } | undefined {
  if (!bytesAt(buf, start, end, HEAD_LABEL)) return undefined;
  let p = start + HEAD_LABEL.length;
  let label = 0;
  const digitsStart = p;
  while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39 && p - digitsStart < 10) label = label * 10 + (buf[p++] - 0x30);
  if (p === digitsStart || !bytesAt(buf, p, end, HEAD_ID)) return undefined;
  const idStart = p + HEAD_ID.length;
  const idEnd = jsonStringEnd(buf, idStart, end);
  if (idEnd < 0 || !bytesAt(buf, idEnd, end, HEAD_DOC)) return undefined;
  const docStart = idEnd + HEAD_DOC.length;
  const docEnd = jsonStringEnd(buf, docStart, end);
  if (docEnd < 0 || !bytesAt(buf, docEnd, end, HEAD_CHUNK)) return undefined;
  return { label, id: decodeJsonString(buf, idStart, idEnd), docStart, docEnd };
}

/** In-JS byte comparison: these patterns are a few bytes, where a native call costs more than the loop. */
function bytesAt(buf: Buffer, at: number, end: number, pattern: Buffer): boolean {
  if (at + pattern.length > end) return false;
  for (let i = 0; i < pattern.length; i++) if (buf[at + i] !== pattern[i]) return false;
  return true;
}

function sameBytes(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}

/** End (exclusive, after the closing quote) of the JSON string starting at `p`, or -1. */
function jsonStringEnd(buf: Buffer, p: number, end: number): number {
  if (buf[p] !== 0x22) return -1;
  let q = p + 1;
  while (q < end && buf[q] !== 0x22) q += buf[q] === 0x5c ? 2 : 1;
  return q < end ? q + 1 : -1;
}

/** Decodes the quoted JSON string in [start, end): plain ASCII in JS (cheap for short ids), the rest via JSON. */
function decodeJsonString(buf: Buffer, start: number, end: number): string {
  let value = '';
  for (let i = start + 1; i < end - 1; i++) {
    const c = buf[i];
    if (c >= 0x80 || c === 0x5c) return JSON.parse(buf.toString('utf8', start, end)) as string;
    value += String.fromCharCode(c);
  }
  return value;
}
