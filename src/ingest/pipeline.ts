/**
 * Ingestion: parse → normalise → metadata → chunk → embed (batched) → index, one file at a time.
 * Per-file failures are reported, never thrown, and never disturb what is already indexed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, toAppError } from '../core/errors.js';
import type { Chunk, DocMetadata, SourceDoc } from '../core/types.js';
import { embeddingText } from '../index/embedding-text.js';
import { sha256Hex } from '../core/durable-files.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { DEFAULT_INGEST_LIMITS, limitExceeded, type IngestLimits } from './limits.js';
import { validateSidecar } from './metadata.js';
import { extensionOf } from './parsers/registry.js';
import { checkTextSize } from './parsers/text-parser.js';
import { createPreparePool, type PreparePool } from './prepare-pool.js';
import { prepareDocument, unreadableFile, type PreparedDocument } from './prepare.js';
import type { IngestFileOutcome, IngestInput, IngestProgress, IngestReport } from './types.js';

export interface IngestDeps {
  kb: KnowledgeBase;
  ocr: 'auto' | 'off';
  /** Expansion bounds (config.ingest); DEFAULT_INGEST_LIMITS when not given. */
  limits?: IngestLimits;
}

export interface IngestOptions {
  onProgress?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
  /** Remove documents whose source file under one of these folders no longer exists. */
  pruneRoots?: string[];
  /** Re-ingest even when the content hash is unchanged. */
  force?: boolean;
}

const SIDECAR_SUFFIX = '.meta.json';
/** Below these sizes a file parses in well under 100 ms on the main thread. */
const WORKER_MIN_BYTES = 256 * 1024;
const WORKER_MIN_DOCX_BYTES = 16 * 1024;
/** Formats whose size bounds their character count (TextParser, MarkdownParser, HtmlParser). */
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'md', 'markdown', 'html', 'htm']);
/** Small enough that one batch of the builtin embedder (~1 ms a passage) never holds the event loop long. */
const EMBED_BATCH = 64;
/** Commit at least this often during a long batch so a crash loses little work. */
const COMMIT_EVERY_FILES = 400;

/** Expands files and folders (recursively) into ingest inputs; `<file>.meta.json` sidecars become metadata. */
export async function collectInputs(paths: string[]): Promise<IngestInput[]> {
  const files: string[] = [];
  for (const p of paths) await walk(path.resolve(p), files);
  files.sort((a, b) => a.localeCompare(b));
  return Promise.all(
    files
      .filter((f) => !f.endsWith(SIDECAR_SUFFIX))
      .map(async (file) => ({
        sourceKey: file,
        fileName: path.basename(file),
        path: file,
        metadata: await readSidecar(file),
      })),
  );
}

async function walk(p: string, out: string[]): Promise<void> {
  let info;
  try {
    info = await stat(p);
  } catch {
    out.push(p); // reported per file as FILE_NOT_FOUND
    return;
  }
  if (!info.isDirectory()) {
    out.push(p);
    return;
  }
  for (const entry of await readdir(p, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'README.md' || entry.name === 'MANIFEST.tsv') continue;
    await walk(path.join(p, entry.name), out);
  }
}

async function readSidecar(file: string): Promise<Partial<DocMetadata> | undefined> {
  let text: string;
  try {
    text = await readFile(file + SIDECAR_SUFFIX, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppError('INVALID_REQUEST', `元数据文件 ${path.basename(file)}${SIDECAR_SUFFIX} 不是有效的 JSON`, { cause: e });
  }
  return validateSidecar(value, path.basename(file) + SIDECAR_SUFFIX);
}

/** Stable document id for a source: the same file re-ingested keeps its id. */
export function documentIdFor(sourceKey: string): string {
  return createHash('sha1').update(sourceKey).digest('hex').slice(0, 12);
}

/** Ingests every input, reports each outcome, commits the knowledge base. */
export async function ingestInputs(deps: IngestDeps, inputs: IngestInput[], options: IngestOptions = {}): Promise<IngestReport> {
  let workers: PreparePool | undefined;
  try {
    return await ingestBatch(deps, inputs, options, () => (workers ??= createPreparePool()));
  } finally {
    await workers?.close();
  }
}

async function ingestBatch(deps: IngestDeps, inputs: IngestInput[], options: IngestOptions, pool: () => PreparePool): Promise<IngestReport> {
  const started = Date.now();
  const outcomes: IngestFileOutcome[] = [];
  let chunks = 0;
  let pendingCommit = 0;
  const progress = (phase: IngestProgress['phase'], outcome?: IngestFileOutcome, file?: string, ocrPages?: IngestProgress['ocrPages']) =>
    options.onProgress?.({
      phase,
      filesDone: outcomes.length,
      filesTotal: inputs.length,
      chunks,
      elapsedMs: Date.now() - started,
      file: file ?? outcome?.file,
      outcome,
      ...(ocrPages ? { ocrPages } : {}),
    });

  for (const input of inputs) {
    if (options.signal?.aborted) break;
    progress('start', undefined, input.fileName);
    const onOcrPage = (done: number, total: number) => progress('start', undefined, input.fileName, { done, total });
    const outcome = await ingestOne(deps, input, options.force ?? false, pool, options.signal, onOcrPage);
    outcomes.push(outcome);
    chunks += outcome.chunks ?? 0;
    if (outcome.status !== 'unchanged') pendingCommit++;
    progress('file-done', outcome);
    if (pendingCommit >= COMMIT_EVERY_FILES) {
      await deps.kb.commit();
      pendingCommit = 0;
    }
  }

  if (options.pruneRoots?.length && !options.signal?.aborted) {
    const seen = new Set(inputs.map((i) => i.sourceKey));
    const roots = options.pruneRoots.map((r) => path.resolve(r) + path.sep);
    for (const doc of deps.kb.listDocuments()) {
      const underRoot = roots.some((r) => doc.sourceKey.startsWith(r) || doc.sourceKey + path.sep === r);
      if (!underRoot || seen.has(doc.sourceKey)) continue;
      deps.kb.removeDocument(doc.id);
      pendingCommit++;
      outcomes.push({ file: doc.source, status: 'removed', docId: doc.id });
    }
  }

  progress('committing');
  await deps.kb.commit();
  const report: IngestReport = {
    outcomes,
    failed: outcomes.filter((o) => o.status === 'failed' || o.status === 'needs_ocr').length,
    elapsedMs: Date.now() - started,
  };
  progress('done');
  return report;
}

/**
 * Large files are prepared on the worker thread; small ones inline, where the worker's start-up (≈1 s) would
 * cost more than the parse. A DOCX is small only when tiny: it can inflate ~300× before mammoth reads it.
 */
function runsInWorker(fileName: string, sizeBytes: number): boolean {
  const min = extensionOf(fileName) === 'docx' ? WORKER_MIN_DOCX_BYTES : WORKER_MIN_BYTES;
  return sizeBytes >= min;
}

/** A file's hash and what preparing it gave; `prepared` is absent when its hash was the indexed one. */
interface HashedFile {
  contentHash: string;
  sizeBytes: number;
  /** The bytes, when read on this thread (small files, given bytes); the original is stored from them. */
  bytes?: Buffer;
  prepared?: PreparedDocument;
}

async function ingestOne(
  deps: IngestDeps,
  input: IngestInput,
  force: boolean,
  pool: () => PreparePool,
  signal?: AbortSignal,
  onOcrPage?: (done: number, total: number) => void,
): Promise<IngestFileOutcome> {
  const { kb } = deps;
  const limits = deps.limits ?? DEFAULT_INGEST_LIMITS;
  const existing = kb.findBySourceKey(input.sourceKey);
  const docId = existing?.id ?? documentIdFor(input.sourceKey);
  const file = input.path ?? input.sourceKey;
  let sizeBytes: number;
  try {
    sizeBytes = input.bytes?.length ?? (await boundedSize(file, input.fileName, limits));
  } catch (e) {
    if (e instanceof AppError) return { file: input.fileName, status: 'failed', docId: existing?.id, error: e.toJSON() };
    return { file: input.fileName, status: 'failed', docId: existing?.id, error: unreadableFile(input.fileName, e).toJSON() };
  }
  const metadataChanged = input.metadata && existing && !sameMetadata(existing, input.metadata);
  /** The hash that, found again, makes the file unchanged. */
  const unchangedHash = !force && existing && existing.status === 'indexed' && !metadataChanged ? existing.contentHash : undefined;
  const prepareInput = { fileName: input.fileName, ocr: deps.ocr, limits, sidecar: input.metadata };
  const isText = TEXT_EXTENSIONS.has(extensionOf(input.fileName));

  // Set as soon as the bytes are hashed: a file that then fails to parse is recorded with its hash.
  let read: HashedFile | undefined;
  const failed = (e: unknown): IngestFileOutcome => {
    const error = toAppError(e);
    if (error.code === 'INTERNAL') error.message = `处理文件 ${input.fileName} 时出错：${describeCause(e)}`;
    const status = error.code === 'NEEDS_OCR' ? 'needs_ocr' : 'failed';
    // Never read (gone, unreadable): nothing to record, as when the size check above fails.
    if (!read) return { file: input.fileName, status, docId: existing?.id, error: error.toJSON() };
    // Stopped by shutdown: nothing is wrong with the file, so nothing is recorded against it.
    if (signal?.aborted) return { file: input.fileName, status, docId, error: error.toJSON() };
    // A file that breaks on re-ingest must not take its previously indexed version down with it.
    if (!existing || existing.status !== 'indexed') {
      kb.putFailedDocument({
        ...baseOf(read),
        title: input.metadata?.title ?? path.parse(input.fileName).name,
        docType: input.metadata?.docType ?? '其他',
        status,
        error: error.toJSON(),
        chunkCount: 0,
      });
    }
    return { file: input.fileName, status, docId, error: error.toJSON() };
  };
  const baseOf = (r: HashedFile) => ({
    id: docId,
    sourceKey: input.sourceKey,
    source: input.fileName,
    format: path.extname(input.fileName).slice(1).toLowerCase(),
    contentHash: r.contentHash,
    sizeBytes: r.sizeBytes,
    ingestedAt: new Date().toISOString(),
  });

  if (!input.bytes && runsInWorker(input.fileName, sizeBytes)) {
    // A text file too big for the bounds is refused here, without starting the worker for it (unless it may be
    // unchanged: that is decided by its hash first, as for every file).
    if (isText && unchangedHash === undefined) {
      try {
        checkTextSize(sizeBytes, input.fileName, limits);
      } catch (e) {
        read = await hashOnDisk(file, sizeBytes).catch(() => undefined);
        return failed(e);
      }
    }
    // Read, hashed and parsed on the worker: the main thread never holds a large file's bytes.
    try {
      const result = await pool().prepareFile(file, prepareInput, { unchangedHash, signal, onOcrPage, onHashed: (h) => (read = { ...h }) });
      read = { ...result };
    } catch (e) {
      return failed(e);
    }
  } else {
    let bytes: Buffer;
    try {
      bytes = input.bytes ?? (await readFile(file));
    } catch (e) {
      return { file: input.fileName, status: 'failed', docId: existing?.id, error: unreadableFile(input.fileName, e).toJSON() };
    }
    read = { contentHash: sha256Hex(bytes), sizeBytes: bytes.length, bytes };
    if (read.contentHash !== unchangedHash) {
      try {
        if (isText) checkTextSize(bytes.length, input.fileName, limits);
        // Bytes handed in by the caller (not read here) may still be large: the worker gets a copy.
        read.prepared = runsInWorker(input.fileName, bytes.length)
          ? await pool().prepare(bytes, prepareInput, signal, onOcrPage)
          : await prepareDocument(bytes, prepareInput, signal, onOcrPage);
      } catch (e) {
        return failed(e);
      }
    }
  }
  if (!read.prepared) return { file: input.fileName, status: 'unchanged', docId, chunks: 0 };

  try {
    const { metadata, drafts, pageCount, partial } = read.prepared;
    const chunks: Chunk[] = drafts.map((d, ordinal) => ({
      ...d,
      id: `${docId}#${ordinal}`,
      docId,
      ordinal,
      contentHash: sha256Hex(d.text),
    }));
    const vectors = await embedChunks(kb, metadata.title, chunks);
    const storedFile = await kb.storeOriginal(docId, input.fileName, read.bytes ?? (await readFile(file)));
    const notice = partial ? partialOcrNotice(partial) : undefined;
    const doc: SourceDoc = {
      ...baseOf(read),
      ...metadata,
      status: 'indexed',
      chunkCount: chunks.length,
      pageCount,
      storedFile,
      ...(notice ? { notice } : {}),
    };
    kb.putDocument(doc, chunks, vectors);
    return { file: input.fileName, status: existing ? 'replaced' : 'added', docId, chunks: chunks.length, ...(notice ? { notice } : {}) };
  } catch (e) {
    return failed(e);
  }
}

/**
 * A file's size, checked against maxFileBytes before anything is read, so a 200 MB file is refused with a
 * message instead of exhausting the heap.
 * @throws AppError LIMIT_EXCEEDED; fs errors as they come
 */
async function boundedSize(file: string, fileName: string, limits: IngestLimits): Promise<number> {
  const { size } = await stat(file);
  if (size > limits.maxFileBytes) throw limitExceeded(fileName, 'maxFileBytes', limits, size);
  return size;
}

/** SHA-256 of a file read in 1 MB pieces, so no long synchronous hash runs on the event loop. */
async function hashOnDisk(file: string, sizeBytes: number): Promise<HashedFile> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
  return { contentHash: hash.digest('hex'), sizeBytes };
}

async function embedChunks(kb: KnowledgeBase, title: string, chunks: Chunk[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    // The builtin embedder is synchronous CPU work: let queued searches run between batches.
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const batch = chunks.slice(i, i + EMBED_BATCH).map((c) => embeddingText(title, c));
    vectors.push(...(await kb.embedder.embedDocuments(batch)));
  }
  return vectors;
}

function partialOcrNotice(p: { pagesDone: number; pageCount: number }): string {
  return (
    `部分导入：扫描件共 ${p.pageCount} 页，只识别了第 1–${p.pagesDone} 页（OCR 页数上限 OCR_MAX_PAGES=${p.pagesDone}），` +
    `第 ${p.pagesDone + 1}–${p.pageCount} 页未导入、检索不到。需要全部内容时请拆分文件或调大 OCR_MAX_PAGES 后重新导入。`
  );
}

function sameMetadata(doc: SourceDoc, meta: Partial<DocMetadata>): boolean {
  return (Object.keys(meta) as (keyof DocMetadata)[]).every((k) => meta[k] === undefined || meta[k] === doc[k]);
}

function describeCause(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Removes a document and all its chunks from every index, and persists.
 * @throws AppError DOCUMENT_NOT_FOUND
 */
export async function removeDocument(kb: KnowledgeBase, docId: string): Promise<SourceDoc> {
  const doc = kb.getDocument(docId);
  if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', `没有找到编号为 ${docId} 的文档，请用 yingji docs 查看现有文档`);
  kb.removeDocument(docId);
  await kb.commit();
  return doc;
}
