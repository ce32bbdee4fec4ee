/** Entry points for the knowledge folder: open (or create) it, and rebuild it for `yingji reindex`. */
import type { Embedder } from '../llm/embedder.js';
import { FileKnowledgeBase } from './file-knowledge-base.js';
import type { KnowledgeBase, Manifest } from './knowledge-base.js';

export { DEFAULT_CHUNKER_SETTINGS } from './file-knowledge-base.js';

export interface OpenKnowledgeBaseOptions {
  dir: string;
  embedder: Embedder;
  /** Create an empty knowledge base when the folder has none (default true). */
  create?: boolean;
  /** Settings of the chunker producing new chunks, recorded in the manifest (default DEFAULT_CHUNKER_SETTINGS). */
  chunker?: Manifest['chunker'];
}

/**
 * Opens the knowledge base in `dir`, deleting partial generations and stray originals a crash left behind.
 * @throws AppError EMBEDDER_MISMATCH (built with another embedder: run `yingji reindex`),
 *   INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT, KNOWLEDGE_BASE_EMPTY (none there and create=false)
 */
export async function openKnowledgeBase(options: OpenKnowledgeBaseOptions): Promise<KnowledgeBase> {
  return FileKnowledgeBase.open({ dir: options.dir, embedder: options.embedder, create: options.create ?? true, chunker: options.chunker });
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
 * Processes that had the folder open must reopen it afterwards (their next commit is refused).
 * @throws AppError KNOWLEDGE_BASE_EMPTY, INDEX_FORMAT_UNSUPPORTED, INDEX_CORRUPT (docs or chunks damaged)
 */
export async function rebuildKnowledgeBase(options: RebuildKnowledgeBaseOptions): Promise<RebuildResult> {
  const kb = await FileKnowledgeBase.rebuild(options);
  try {
    const manifest = kb.manifest();
    return { documents: kb.listDocuments().length, chunks: kb.chunkCount(), generation: manifest.generation, manifest };
  } finally {
    await kb.close();
  }
}
