/**
 * The CPU-heavy part of ingesting one file — parse → normalise → metadata → chunk — as one plain function of
 * bytes, so it can run on a worker thread (prepare-worker.ts) as well as inline.
 */
import { AppError } from '../core/errors.js';
import type { ChunkDraft, DocMetadata } from '../core/types.js';
import { chunkDocument } from './chunker.js';
import { checkLimit, type IngestLimits } from './limits.js';
import { extractMetadata } from './metadata.js';
import { normalizeBlocks } from './normalize.js';
import { parseFile } from './parsers/registry.js';

/** The error for a file that cannot be read (gone, no permission), wherever it is read. */
export function unreadableFile(fileName: string, cause: unknown): AppError {
  return new AppError('FILE_NOT_FOUND', `无法读取文件 ${fileName}：文件不存在或没有读取权限`, { cause });
}

export interface PrepareInput {
  fileName: string;
  ocr: 'auto' | 'off';
  limits: IngestLimits;
  sidecar?: Partial<DocMetadata>;
}

export interface PreparedDocument {
  metadata: DocMetadata;
  drafts: ChunkDraft[];
  pageCount?: number;
  /** Set when OCR stopped at OCR_MAX_PAGES. */
  partial?: { pagesDone: number; pageCount: number };
}

/**
 * Parses, normalises, reads metadata and chunks one file.
 * @throws AppError from the parsers (PARSE_FAILED, NEEDS_OCR, LIMIT_EXCEEDED, …), NO_EXTRACTABLE_TEXT, ANSWER_ABORTED
 */
export async function prepareDocument(
  bytes: Buffer,
  input: PrepareInput,
  signal?: AbortSignal,
  onOcrPage?: (done: number, total: number) => void,
): Promise<PreparedDocument> {
  const parsed = await parseFile(bytes, { fileName: input.fileName, ocr: input.ocr, limits: input.limits, signal, onOcrPage });
  const blocks = normalizeBlocks(parsed.blocks, parsed.pageCount);
  const metadata = extractMetadata({
    fileName: input.fileName,
    blocks,
    propertiesTitle: parsed.propertiesTitle,
    sidecar: input.sidecar,
  });
  const { chunks: drafts } = chunkDocument(blocks);
  checkLimit(input.fileName, 'maxChunks', input.limits, drafts.length);
  if (drafts.length === 0) {
    throw new AppError('NO_EXTRACTABLE_TEXT', `文件 ${input.fileName} 中没有可提取的文字内容`);
  }
  return { metadata, drafts, pageCount: parsed.pageCount, partial: parsed.partial };
}
