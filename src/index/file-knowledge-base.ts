/**
 * The knowledge base coordinator: a KnowledgeState in memory (knowledge-state.ts), persisted as crash-safe
 * generations (generation-format.ts), with its originals (originals-store.ts) and the single-writer lock
 * (write-lock.ts). It keeps memory equal to a committed generation plus this instance's uncommitted changes:
 * a generation another process committed is loaded (and those changes replayed onto it), and a failed
 * commit rolls memory back to the committed state.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../core/errors.js';
import type { Chunk, SourceDoc } from '../core/types.js';
import type { Embedder } from '../llm/embedder.js';
import {
  createGenerationDir,
  loadCurrentGeneration,
  publicManifest,
  publishGeneration,
  readCurrentOrCorrupt,
  removeOtherGenerations,
  VECTORS_FILE,
  watchCurrent,
  writeGenerationFiles,
} from './generation-format.js';
import { CHUNKER_SETTINGS, KNOWLEDGE_FORMAT_VERSION, type ChunkerSettings, type KnowledgeBase, type Manifest } from './knowledge-base.js';
import { KnowledgeState, KnowledgeStateView, emptyState } from './knowledge-state.js';
import { diskError, removeLeftovers, removeStrayOriginals } from './recovery.js';
import { OriginalsStore } from './originals-store.js';
import { ThreadedHnswIndex } from './threaded-hnsw-index.js';
import { acquireWriteLock, type WriteLock } from './write-lock.js';

/** How long a writer waits for another process's write lock before KNOWLEDGE_BASE_BUSY (an ingest commits often). */
export const WRITE_LOCK_WAIT_MS = 30_000;

/** What open() needs besides the folder. */
export interface FileKnowledgeBaseOptions {
  dir: string;
  embedder: Embedder;
  create: boolean;
  chunker?: ChunkerSettings;
  /** Wait for another writer's lock (default WRITE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/** A change made without the write lock, kept until commit so it can be replayed onto a newer generation. */
type Change = (state: KnowledgeState) => string | undefined;

export class FileKnowledgeBase extends KnowledgeStateView implements KnowledgeBase {
  readonly dir: string;
  readonly embedder: Embedder;
  private manifestValue: Manifest;
  private readonly originals: OriginalsStore;
  private readonly chunker: ChunkerSettings | undefined;
  private readonly lockWaitMs: number;
  /** Bumped on every in-memory change; commit() is a no-op when nothing changed since the last one. */
  private version = 0;
  private committedVersion = 0;
  private unlockedChanges: Change[] = [];
  /** Commits and reloads run one at a time, in order. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Held from the first storeOriginal/commit until everything this instance wrote is committed. */
  private writeLock: WriteLock | undefined;
  /** Bumped by storeOriginal: a commit may release the lock only if no original arrived after its snapshot. */
  private originalsStored = 0;
  /** False for a rebuilt state, whose changes are no list of puts. */
  private replayable = true;
  private watcher: { close(): void } | undefined;
  private closed = false;

  private constructor(options: FileKnowledgeBaseOptions, state: KnowledgeState, manifest: Manifest) {
    super(state);
    this.dir = path.resolve(options.dir);
    this.embedder = options.embedder;
    this.manifestValue = manifest;
    this.chunker = options.chunker;
    this.lockWaitMs = options.lockWaitMs ?? WRITE_LOCK_WAIT_MS;
    this.originals = new OriginalsStore(this.dir);
  }

  /**
   * Opens (or creates) the knowledge base in `dir`. Leftovers of a crashed or failed commit are deleted first,
   * before anything needs disk space.
   * @throws AppError EMBEDDER_MISMATCH, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT, KNOWLEDGE_BASE_EMPTY (missing and create=false)
   */
  static async open(options: FileKnowledgeBaseOptions): Promise<FileKnowledgeBase> {
    const dir = path.resolve(options.dir);
    const current = await readCurrentOrCorrupt(dir);
    if (!current && !options.create) {
      throw new AppError('KNOWLEDGE_BASE_EMPTY', `知识库目录 ${dir} 中还没有知识库，请先运行 \`yingji ingest <文件或目录>\` 导入文档。`);
    }
    await removeLeftovers(dir);
    const loaded = current ? await loadCurrentGeneration(dir, { embedder: options.embedder, withVectors: true }) : undefined;
    let kb: FileKnowledgeBase;
    if (loaded) {
      kb = new FileKnowledgeBase(options, KnowledgeState.fromLoaded(loaded), publicManifest(loaded.manifest));
      if (options.chunker) kb.manifestValue.chunker = { ...options.chunker };
      await removeStrayOriginals(dir, kb.originals, kb.state);
    } else {
      const now = new Date().toISOString();
      const manifest: Manifest = {
        formatVersion: KNOWLEDGE_FORMAT_VERSION,
        embedder: { id: options.embedder.id, dimensions: options.embedder.dimensions },
        chunker: { ...(options.chunker ?? CHUNKER_SETTINGS) },
        generation: 0,
        createdAt: now,
        updatedAt: now,
      };
      kb = new FileKnowledgeBase(options, emptyState(ThreadedHnswIndex.create(options.embedder.dimensions)), manifest);
      kb.version = 1; // the empty state is written at once so the folder describes itself
      await kb.commit();
    }
    kb.watcher = watchCurrent(kb.dir, () => {
      if (!kb.writeLock) void kb.refresh().catch(() => undefined);
    });
    return kb;
  }

  /**
   * A knowledge base over a state built elsewhere from generation `manifest.generation` (rebuild), to be
   * committed as the next one; it cannot be replayed onto a newer generation, so that one makes commit fail.
   */
  static fromState(options: FileKnowledgeBaseOptions, state: KnowledgeState, manifest: Manifest): FileKnowledgeBase {
    const kb = new FileKnowledgeBase(options, state, manifest);
    kb.version = 1;
    kb.replayable = false;
    return kb;
  }

  manifest(): Manifest {
    return { ...this.manifestValue, embedder: { ...this.manifestValue.embedder }, chunker: { ...this.manifestValue.chunker } };
  }

  putDocument(doc: SourceDoc, chunks: Chunk[], vectors: number[][]): void {
    this.change((s) => s.put(doc, chunks, vectors));
  }

  putFailedDocument(doc: SourceDoc): void {
    this.change((s) => s.putFailed(doc));
  }

  removeDocument(id: string): boolean {
    this.assertOpen();
    if (!this.state.has(id)) return false;
    this.change((s) => s.remove(id));
    return true;
  }

  async storeOriginal(docId: string, fileName: string, bytes: Buffer): Promise<string> {
    this.assertOpen();
    if (!this.writeLock) await this.inOrder(() => this.holdWriteLock());
    this.originalsStored++;
    try {
      return await this.originals.store(docId, fileName, bytes);
    } catch (e) {
      throw diskError(e, '原件未保存');
    }
  }

  commit(): Promise<void> {
    return this.inOrder(() => this.writeGeneration());
  }

  refresh(): Promise<boolean> {
    return this.inOrder(() => this.catchUp());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.watcher?.close();
    await this.serial.catch(() => undefined);
    this.closed = true;
    await this.releaseWriteLock();
    await this.state.vectors.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('CONFLICT', '知识库已关闭，无法再修改；请重新打开知识库（或重启服务）后再试。');
  }

  private change(apply: Change): void {
    this.assertOpen();
    this.originals.markObsolete(apply(this.state));
    if (!this.writeLock) this.unlockedChanges.push(apply);
    this.version++;
  }

  private inOrder<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Reloads from disk when CURRENT names a generation other than the one in memory (never while writing). */
  private async catchUp(): Promise<boolean> {
    if (this.closed) return false;
    const onDisk = await readCurrentOrCorrupt(this.dir);
    if (!onDisk || onDisk.generation === this.manifestValue.generation) return false;
    if (!this.replayable) {
      throw new AppError('CONFLICT', '重建索引期间知识库已被其他进程更新，重建结果未保存；请等其他导入完成后重新运行 `yingji reindex`。');
    }
    await this.reload();
    return true;
  }

  /** Swaps in the committed generation and replays the changes made without the lock onto it. */
  private async reload(): Promise<void> {
    const loaded = await loadCurrentGeneration(this.dir, { embedder: this.embedder, withVectors: true }).catch((e: unknown) => {
      if (isAppError(e, 'EMBEDDER_MISMATCH')) {
        throw new AppError('CONFLICT', '知识库已被其他进程用另一种向量化方式重建（yingji reindex），本进程无法继续使用；请重启服务。', { cause: e });
      }
      throw e;
    });
    if (!loaded) return;
    const old = this.state;
    const changes = this.unlockedChanges;
    this.state = KnowledgeState.fromLoaded(loaded); // one assignment: a search sees the old generation or the new, never both
    this.manifestValue = { ...publicManifest(loaded.manifest), chunker: this.chunker ?? loaded.manifest.chunker };
    this.committedVersion = this.version;
    for (const apply of changes) this.originals.markObsolete(apply(this.state));
    if (changes.length) this.version++;
    await old.vectors.close();
  }

  /** Takes the lock, then loads whatever another process committed before it. @throws AppError KNOWLEDGE_BASE_BUSY, CONFLICT */
  private async holdWriteLock(): Promise<void> {
    if (this.writeLock) return;
    this.writeLock = await acquireWriteLock(this.dir, { waitMs: this.lockWaitMs }).catch((e: unknown) => {
      throw diskError(e, '本次修改未保存');
    });
    try {
      await this.catchUp();
      this.unlockedChanges = [];
    } catch (e) {
      await this.releaseWriteLock();
      throw e;
    }
  }

  private async releaseWriteLock(): Promise<void> {
    const lock = this.writeLock;
    this.writeLock = undefined;
    await lock?.release();
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
      // Keep the lock while something this instance wrote (chunks or originals) is still uncommitted.
      if (!committed || (this.version === this.committedVersion && this.originalsStored === originalsBefore)) {
        if (committed && this.originals.settled()) await this.originals.clearPending();
        await this.releaseWriteLock();
      }
    }
  }

  private async writeGenerationLocked(): Promise<void> {
    let gen: Awaited<ReturnType<typeof createGenerationDir>> | undefined;
    try {
      gen = await createGenerationDir(this.dir, this.manifestValue.generation);
      // Captured synchronously, so puts during the writes below belong to the next commit.
      const snapshotVersion = this.version;
      const snap = this.state.snapshot();
      const vectorsSaved = this.state.vectors.save(path.join(gen.path, VECTORS_FILE));
      vectorsSaved.catch(() => undefined); // awaited in writeGenerationFiles
      const docsBytes = Buffer.from(JSON.stringify(snap.docs), 'utf8');
      const contents = { manifest: this.manifestValue, nextLabel: snap.nextLabel, docsBytes, chunkParts: snap.chunkParts, lexicalBytes: snap.lexicalBytes, gramBytes: snap.gramBytes, vectorsSaved };
      const manifest = await writeGenerationFiles(gen.path, gen.generation, contents);
      await this.originals.syncReferenced(snap.storedFiles);
      await publishGeneration(this.dir, gen.generation);
      this.manifestValue = { ...publicManifest(manifest), embedder: this.manifestValue.embedder, chunker: this.manifestValue.chunker };
      this.committedVersion = snapshotVersion;
      this.unlockedChanges = [];
      await removeOtherGenerations(this.dir, gen.name);
      await this.originals.deleteObsolete(snap.storedFiles, new Set(this.state.listDocuments().map((d) => d.storedFile)));
    } catch (e) {
      if (gen && (await readCurrentOrCorrupt(this.dir).catch(() => undefined))?.name === gen.name) throw e; // committed; clean-up failed
      if (gen) await rm(gen.path, { recursive: true, force: true }).catch(() => undefined);
      await this.rollBack();
      throw diskError(e, '本次导入或修改未保存，已恢复到上次保存的内容');
    }
  }

  /** After a failed commit: memory back to the committed generation, uncommitted originals deleted. */
  private async rollBack(): Promise<void> {
    this.unlockedChanges = [];
    try {
      if (this.manifestValue.generation > 0) await this.reload();
      else {
        const old = this.state;
        this.state = emptyState(ThreadedHnswIndex.create(this.embedder.dimensions));
        await old.vectors.close();
      }
      this.committedVersion = this.version;
    } finally {
      await this.originals.discardUncommitted(new Set(this.state.listDocuments().map((d) => d.storedFile)));
    }
  }
}
