import iconv from 'iconv-lite';
import { AppError } from '../../core/errors.js';
import type { Block, ParsedDocument } from '../../core/types.js';
import { detectTextEncoding } from '../file-type.js';
import { checkLimit, DEFAULT_INGEST_LIMITS, type IngestLimits } from '../limits.js';
import type { ParseContext, Parser } from './parser.js';

/** UTF-8 needs at most 4 bytes per UTF-16 code unit, so more bytes than this prove too many characters. */
const MAX_BYTES_PER_CHAR = 4;

/** Plain text in UTF-8 (with or without BOM), UTF-16 LE/BE or GB18030/GBK; one paragraph per line. */
export class TextParser implements Parser {
  readonly extensions = ['txt', 'text'] as const;

  /** @throws AppError BINARY_NOT_TEXT, NO_EXTRACTABLE_TEXT, LIMIT_EXCEEDED */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    const lines = decodeBoundedText(bytes, ctx.fileName, limits).split(/\r\n|\r|\n/u);
    const blocks: Block[] = lines
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => ({ kind: 'paragraph', text: line }));
    checkLimit(ctx.fileName, 'maxBlocks', limits, blocks.length);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `文本文件“${ctx.fileName}”只有空白，没有可建立索引的内容。`);
    }
    return { blocks };
  }
}

/**
 * The bounds a text file's size alone can prove exceeded, before anything is decoded.
 * @throws AppError LIMIT_EXCEEDED
 */
export function checkTextSize(sizeBytes: number, fileName: string, limits: IngestLimits): void {
  checkLimit(fileName, 'maxExpandedBytes', limits, sizeBytes);
  if (sizeBytes > limits.maxChars * MAX_BYTES_PER_CHAR) {
    checkLimit(fileName, 'maxChars', limits, Math.ceil(sizeBytes / MAX_BYTES_PER_CHAR));
  }
}

/**
 * decodeText with the expansion bounds checked before the bytes are decoded (size) and after (characters).
 * @throws AppError LIMIT_EXCEEDED, BINARY_NOT_TEXT
 */
export function decodeBoundedText(bytes: Buffer, fileName: string, limits: IngestLimits): string {
  checkTextSize(bytes.length, fileName, limits);
  const text = decodeText(bytes, fileName);
  checkLimit(fileName, 'maxChars', limits, text.length);
  return text;
}

/**
 * Decodes text bytes after detecting their encoding (BOM, UTF-16 NUL pattern, UTF-8 validity, GB18030).
 * @throws AppError BINARY_NOT_TEXT when the bytes are not text in a supported encoding.
 */
export function decodeText(bytes: Buffer, fileName: string): string {
  const detected = detectTextEncoding(bytes);
  if (detected === undefined) {
    throw new AppError(
      'BINARY_NOT_TEXT',
      `文件“${fileName}”不是文本文件（内容是二进制数据），或使用了不支持的编码。请确认文件类型；文本请保存为 UTF-8 或 GBK 编码。`,
    );
  }
  switch (detected) {
    case 'utf-8-bom':
      return bytes.subarray(3).toString('utf8');
    case 'utf-16le':
      return iconv.decode(bytes, 'utf-16le', { stripBOM: true });
    case 'utf-16be':
      return iconv.decode(bytes, 'utf-16be', { stripBOM: true });
    case 'gb18030':
      return iconv.decode(bytes, 'gb18030');
    default:
      return bytes.toString('utf8');
  }
}
