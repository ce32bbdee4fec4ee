/**
 * Read-only inspection of a knowledge folder. `openKnowledgeBase` is not read-only (it deletes partial
 * generations and stray originals), and a running server may be writing the same folder, so doctor and
 * backup verify the generation CURRENT names through the index stage's one reader of the format
 * (generation-format.ts), without changing a byte.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourceDoc } from '../core/types.js';
import {
  DOCS_FILE,
  corruptError,
  loadGeneration,
  readCurrentOrCorrupt,
  readGenerationManifest,
  type GenerationManifest,
} from '../index/generation-format.js';
import { isStoredOriginalPath, resolveOriginal } from '../index/originals-store.js';

export { DOCS_FILE, readGenerationManifest };

/** Times a check restarts when CURRENT moved under it (a live server committed meanwhile). */
const INSPECT_ATTEMPTS = 5;

export interface KnowledgeInspection {
  dir: string;
  /** Generation folder name CURRENT points at, e.g. `gen-000012`. */
  generationName: string;
  manifest: GenerationManifest;
  docs: SourceDoc[];
  documents: number;
  chunks: number;
  /** Stored originals the documents reference (relative to the folder) that are missing on disk. */
  missingOriginals: string[];
}

/**
 * Verifies the generation CURRENT names: manifest and format version, every file's size and sha256, docs and
 * chunks agree, the vector and keyword indexes load and hold exactly those chunks. Reads only.
 * @returns undefined when the folder holds no knowledge base yet (no CURRENT).
 * @throws AppError INDEX_CORRUPT, INDEX_FORMAT_UNSUPPORTED
 */
export async function inspectKnowledgeFolder(dir: string, options: { loadIndexes?: boolean } = {}): Promise<KnowledgeInspection | undefined> {
  const root = path.resolve(dir);
  for (let attempt = 1; ; attempt++) {
    const before = await readCurrentOrCorrupt(root);
    if (!before) return undefined;
    try {
      return await inspectGeneration(root, before.name, options.loadIndexes ?? true);
    } catch (e) {
      // A commit by a live server replaces CURRENT and then deletes the old generation: start again on the new one.
      const after = await readCurrentOrCorrupt(root).catch(() => undefined);
      if (attempt < INSPECT_ATTEMPTS && after && after.name !== before.name) continue;
      throw e;
    }
  }
}

async function inspectGeneration(root: string, name: string, loadIndexes: boolean): Promise<KnowledgeInspection> {
  const loaded = await loadGeneration(root, name, { embedder: undefined, withVectors: loadIndexes });
  await loaded.vectors?.close();
  const docs = loaded.entries.map((e) => e.doc);
  const missingOriginals: string[] = [];
  for (const doc of docs) {
    if (!doc.storedFile) continue;
    if (!isStoredOriginalPath(doc.storedFile)) throw corruptError(`${name}/${DOCS_FILE} 中的原件路径无效：${doc.storedFile}`);
    const found = await stat(resolveOriginal(root, doc)).then((s) => s.isFile(), () => false);
    if (!found) missingOriginals.push(doc.storedFile);
  }
  const chunks = loaded.entries.reduce((n, e) => n + e.labels.length, 0);
  return { dir: root, generationName: name, manifest: loaded.manifest, docs, documents: docs.length, chunks, missingOriginals };
}
