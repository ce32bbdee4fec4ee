/**
 * Read-only inspection of a knowledge folder. `openKnowledgeBase` is not read-only (it deletes partial
 * generations and stray originals), and a running server may be writing the same folder, so doctor and
 * backup verify the generation CURRENT names themselves, exactly as open() would load it, without changing
 * a byte.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '../core/errors.js';
import type { SourceDoc } from '../core/types.js';
import { Bm25Index } from '../index/bm25-index.js';
import {
  CHUNKS_FILE,
  DOCS_FILE,
  FILES_DIR,
  LEXICAL_FILE,
  VECTORS_FILE,
  corruptError,
  readGenerationManifest,
  type GenerationManifest,
} from '../index/file-knowledge-base.js';
import { GENERATION_MANIFEST, INDEX_DIR, readCurrent, sha256Hex } from '../index/generation-store.js';
import { HnswIndex } from '../index/hnsw-index.js';

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

async function readCurrentOrCorrupt(root: string): Promise<{ name: string; generation: number } | undefined> {
  try {
    return await readCurrent(root);
  } catch (e) {
    throw corruptError('CURRENT 文件无法识别', e);
  }
}

async function inspectGeneration(root: string, name: string, loadIndexes: boolean): Promise<KnowledgeInspection> {
  const genDir = path.join(root, INDEX_DIR, name);
  const manifest = await readGenerationManifest(root, name);
  const bytes = new Map<string, Buffer>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    let data: Buffer;
    try {
      data = await readFile(path.join(genDir, file));
    } catch (e) {
      throw corruptError(`${name}/${file} 缺失`, e);
    }
    if (data.byteLength !== expected.bytes || sha256Hex(data) !== expected.sha256) throw corruptError(`${name}/${file} 校验失败`);
    bytes.set(file, data);
  }
  for (const required of [DOCS_FILE, CHUNKS_FILE, VECTORS_FILE, LEXICAL_FILE]) {
    if (!bytes.has(required)) throw corruptError(`${name}/${GENERATION_MANIFEST} 未列出 ${required}`);
  }
  let docs: SourceDoc[];
  let labels: number[];
  try {
    docs = JSON.parse((bytes.get(DOCS_FILE) as Buffer).toString('utf8')) as SourceDoc[];
    if (!Array.isArray(docs)) throw new Error('docs.json is not an array');
    labels = countChunks(docs, (bytes.get(CHUNKS_FILE) as Buffer).toString('utf8'), manifest.nextLabel);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw corruptError(`${name}/${DOCS_FILE} 或 ${CHUNKS_FILE} 内容无效`, e);
  }
  if (loadIndexes) {
    let vectors: HnswIndex;
    let lexical: Bm25Index;
    try {
      vectors = await HnswIndex.load(path.join(genDir, VECTORS_FILE), manifest.embedder.dimensions);
      lexical = Bm25Index.deserialize(bytes.get(LEXICAL_FILE) as Buffer);
    } catch (e) {
      throw corruptError(`${name} 的向量或关键词索引无法读取`, e);
    }
    if (vectors.size() !== labels.length || lexical.size() !== labels.length) {
      throw corruptError(`${name} 中段落数 ${labels.length} 与向量索引 ${vectors.size()}、关键词索引 ${lexical.size()} 不一致`);
    }
    for (const label of labels) {
      if (!vectors.has(label) || !lexical.has(label)) throw corruptError(`${name} 中段落编号 ${label} 不在索引中`);
    }
  }
  const missingOriginals: string[] = [];
  for (const doc of docs) {
    if (!doc.storedFile) continue;
    if (!isInside(doc.storedFile)) throw corruptError(`${name}/${DOCS_FILE} 中的原件路径无效：${doc.storedFile}`);
    const found = await stat(path.join(root, doc.storedFile)).then((s) => s.isFile(), () => false);
    if (!found) missingOriginals.push(doc.storedFile);
  }
  return { dir: root, generationName: name, manifest, docs, documents: docs.length, chunks: labels.length, missingOriginals };
}

/** Checks chunks.jsonl against docs.json the way the loader does; returns every chunk's label. */
function countChunks(docs: SourceDoc[], text: string, nextLabel: number): number[] {
  const perDoc = new Map<string, number>();
  for (const doc of docs) {
    if (typeof doc?.id !== 'string' || typeof doc.sourceKey !== 'string') throw new Error('document without id');
    perDoc.set(doc.id, 0);
  }
  const labels: number[] = [];
  const seen = new Set<number>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const { label, chunk } = JSON.parse(line) as { label: number; chunk: { docId: string } };
    const count = perDoc.get(chunk?.docId);
    if (count === undefined || !Number.isInteger(label) || label < 0 || label >= nextLabel || seen.has(label)) {
      throw new Error(`bad chunk record ${JSON.stringify(line.slice(0, 80))}`);
    }
    seen.add(label);
    labels.push(label);
    perDoc.set(chunk.docId, count + 1);
  }
  for (const doc of docs) {
    if (perDoc.get(doc.id) !== doc.chunkCount) {
      throw corruptError(`文档 ${doc.id} 记录了 ${doc.chunkCount} 个段落，实际有 ${perDoc.get(doc.id)} 个`);
    }
  }
  return labels;
}

/** A stored-original path must stay under files/ (it is joined onto the folder). */
export function isInside(relative: string): boolean {
  const normal = path.posix.normalize(relative);
  return normal.startsWith(`${FILES_DIR}/`) && !normal.split('/').includes('..') && !path.isAbsolute(relative);
}
