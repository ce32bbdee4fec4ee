/** Entry points for the knowledge folder: open (or create) it, and rebuild it for `yingji reindex`. */
import { AppError } from '../core/errors.js';
import type { Embedder } from '../llm/embedder.js';
import { Bm25Index } from './bm25-index.js';
import { entryChunks } from './chunk-codec.js';
import { embeddingText } from './embedding-text.js';
import { FileKnowledgeBase } from './file-knowledge-base.js';
import { loadCurrentGeneration, publicManifest } from './generation-format.js';
import type { ChunkerSettings, KnowledgeBase, Manifest } from './knowledge-base.js';
import { KnowledgeState, checkedVector } from './knowledge-state.js';
import { ThreadedHnswIndex } from './threaded-hnsw-index.js';

export { CHUNKER_SETTINGS } from './knowledge-base.js';

export interface OpenKnowledgeBaseOptions {
  dir: string;
  embedder: Embedder;
  /** Create an empty knowledge base when the folder has none (default true). */
  create?: boolean;
  /** Settings of the chunker producing new chunks, recorded in the manifest (default CHUNKER_SETTINGS). */
  chunker?: ChunkerSettings;
  /** How long a write waits for another process's write lock before KNOWLEDGE_BASE_BUSY (default 30 s). */
  lockWaitMs?: number;
}

/**
 * Opens the knowledge base in `dir`, deleting partial generations and stray originals a crash left behind.
 * @throws AppError EMBEDDER_MISMATCH (built with another embedder: run `yingji reindex`),
 *   INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT, KNOWLEDGE_BASE_EMPTY (none there and create=false), DISK_FULL
 */
export async function openKnowledgeBase(options: OpenKnowledgeBaseOptions): Promise<KnowledgeBase> {
  return FileKnowledgeBase.open({ ...options, create: options.create ?? true });
}

export interface RebuildKnowledgeBaseOptions {
  dir: string;
  /** The embedder the rebuilt index will use (usually a different one from the stored manifest's). */
  embedder: Embedder;
  /** Chunks re-embedded so far, out of all chunks. */
  onProgress?: (done: number, total: number) => void;
  /** Texts per embedDocuments call (default 256). */
  batchSize?: number;
}

export interface RebuildResult {
  documents: number;
  chunks: number;
  generation: number;
  manifest: Manifest;
}

/**
 * Re-embeds every stored chunk (no re-parsing: chunk texts are kept on disk) into a new generation and
 * makes it current only when complete; until then the old generation stays current and loadable.
 * Processes that had the folder open load the new generation when they notice it.
 * @throws AppError KNOWLEDGE_BASE_EMPTY, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT (docs or chunks damaged),
 *   CONFLICT (another process committed meanwhile)
 */
export async function rebuildKnowledgeBase(options: RebuildKnowledgeBaseOptions): Promise<RebuildResult> {
  const loaded = await loadCurrentGeneration(options.dir, { embedder: undefined, withVectors: false });
  if (!loaded) {
    throw new AppError('KNOWLEDGE_BASE_EMPTY', `知识库目录 ${options.dir} 中还没有知识库，无需重建；请先运行 \`yingji ingest\` 导入文档。`);
  }
  const dims = options.embedder.dimensions;
  const all = loaded.entries.flatMap((e) => entryChunks(e).map((c, i) => ({ chunk: c, title: e.doc.title, label: e.labels[i] })));
  const vectors = ThreadedHnswIndex.create(dims, { initialCapacity: Math.max(1024, all.length) });
  const batchSize = options.batchSize ?? 256;
  try {
    options.onProgress?.(0, all.length);
    for (let i = 0; i < all.length; i += batchSize) {
      const batch = all.slice(i, i + batchSize);
      const embedded = await options.embedder.embedDocuments(batch.map((b) => embeddingText(b.title, b.chunk)));
      if (embedded.length !== batch.length) throw new Error(`embedder returned ${embedded.length} vectors for ${batch.length} texts`);
      batch.forEach((b, j) => vectors.add(b.label, checkedVector(embedded[j], dims)));
      options.onProgress?.(Math.min(i + batchSize, all.length), all.length);
    }
  } catch (e) {
    await vectors.close();
    throw e;
  }
  // Re-tokenising also compacts the lexical index and picks up tokenizer improvements.
  const state = new KnowledgeState(vectors, new Bm25Index(), loaded.manifest.nextLabel);
  state.install(loaded.entries, true);
  const manifest: Manifest = { ...publicManifest(loaded.manifest), embedder: { id: options.embedder.id, dimensions: dims } };
  const kb = FileKnowledgeBase.fromState({ dir: options.dir, embedder: options.embedder, create: false }, state, manifest);
  try {
    await kb.commit();
    const m = kb.manifest();
    return { documents: kb.listDocuments().length, chunks: kb.chunkCount(), generation: m.generation, manifest: m };
  } finally {
    await kb.close();
  }
}
