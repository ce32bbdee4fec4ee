/**
 * Bounds on what one file may expand to while it is ingested. A 357 KB DOCX can hold 100 MiB of XML, a 50 MB
 * text can hold 50 M characters: without bounds such a file exhausts the heap and takes the server down.
 * Every bound is a setting (src/config.ts); the defaults are far above the largest real law or plan.
 */
import { AppError } from '../core/errors.js';

export interface IngestLimits {
  /** Bytes a file may expand to: DOCX XML parts after inflating, or the file itself for text formats. */
  maxExpandedBytes: number;
  /** Characters of extracted text per document. */
  maxChars: number;
  /** Paragraphs, headings and tables per document (DOCX `<w:p>`, text lines, HTML blocks, PDF lines). */
  maxBlocks: number;
  /** Chunks (passages) per document. */
  maxChunks: number;
  /** Pages of a scanned PDF read by OCR; later pages are left out and the document is marked partial. */
  ocrMaxPages: number;
  /** Size of a file read from disk (the CLI; uploads are capped earlier by MAX_UPLOAD_MB). */
  maxFileBytes: number;
}

const MIB = 1024 * 1024;

/**
 * The CONFIG_SPEC defaults (kept equal by a test), for callers that build no Config (tests, benches).
 * The largest law in the corpus has ~330 k characters, ~4 MB of DOCX XML and ~2 k paragraphs; these are
 * 15–100× that, yet a bomb is refused before it allocates more than a few hundred MB.
 */
export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxExpandedBytes: 50 * MIB,
  maxChars: 5_000_000,
  maxBlocks: 200_000,
  maxChunks: 20_000,
  ocrMaxPages: 200,
  maxFileBytes: 100 * MIB,
});

/** Which setting raises each bound, for the message. */
const SETTING: Record<Exclude<keyof IngestLimits, 'ocrMaxPages'>, { env: string; what: string; unit: (n: number) => string }> = {
  maxExpandedBytes: { env: 'INGEST_MAX_EXPANDED_MB', what: '解压/解码后的大小', unit: (n) => `${formatMib(n)} MB` },
  maxChars: { env: 'INGEST_MAX_CHARS', what: '文字字符数', unit: (n) => `${n.toLocaleString('en-US')} 个字符` },
  maxBlocks: { env: 'INGEST_MAX_BLOCKS', what: '段落数', unit: (n) => `${n.toLocaleString('en-US')} 段` },
  maxChunks: { env: 'INGEST_MAX_CHUNKS', what: '切分后的段落块数', unit: (n) => `${n.toLocaleString('en-US')} 块` },
  maxFileBytes: { env: 'INGEST_MAX_FILE_MB', what: '文件大小', unit: (n) => `${formatMib(n)} MB` },
};

function formatMib(bytes: number): string {
  const mib = bytes / MIB;
  return Number.isInteger(mib) ? String(mib) : mib.toFixed(1);
}

/** The LIMIT_EXCEEDED error naming the bound, its value and the setting that raises it. */
export function limitExceeded(fileName: string, bound: keyof typeof SETTING, limits: IngestLimits, actual?: number): AppError {
  const s = SETTING[bound];
  const found = actual === undefined ? '' : `（至少 ${s.unit(actual)}）`;
  return new AppError(
    'LIMIT_EXCEEDED',
    `文件“${fileName}”的${s.what}超过上限 ${s.unit(limits[bound])}${found}，已拒绝导入，已有内容不受影响。` +
      `可能是异常或恶意构造的文件；若确为正常文档，请管理员调大设置 ${s.env} 后重新导入，或将文件拆分。`,
  );
}

/**
 * Throws LIMIT_EXCEEDED when `actual` is over the bound.
 * @throws AppError LIMIT_EXCEEDED
 */
export function checkLimit(fileName: string, bound: keyof typeof SETTING, limits: IngestLimits, actual: number): void {
  if (actual > limits[bound]) throw limitExceeded(fileName, bound, limits, actual);
}
