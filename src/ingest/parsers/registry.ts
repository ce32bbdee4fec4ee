import path from 'node:path';
import { AppError } from '../../core/errors.js';
import type { ParsedDocument } from '../../core/types.js';
import { checkLimit, DEFAULT_INGEST_LIMITS } from '../limits.js';
import { isEncryptedOoxml, sniffFileType, type SniffedType } from '../file-type.js';
import { DocxParser } from './docx-parser.js';
import { HtmlParser } from './html-parser.js';
import { MarkdownParser } from './markdown-parser.js';
import type { ParseContext, Parser } from './parser.js';
import { PdfParser } from './pdf-parser.js';
import { TextParser } from './text-parser.js';

const PARSERS: readonly Parser[] = [new PdfParser(), new DocxParser(), new MarkdownParser(), new TextParser(), new HtmlParser()];

/** Lower-case extensions (no dot) that can be ingested. */
export const SUPPORTED_EXTENSIONS: readonly string[] = PARSERS.flatMap((p) => p.extensions);

const SUPPORTED_LABEL = 'PDF、DOCX、Markdown（.md）、TXT、HTML';

/** Lower-case extension of a file name without the dot ('' when there is none). */
export function extensionOf(fileName: string): string {
  return path.extname(fileName).slice(1).toLowerCase();
}

/**
 * The parser for a file name, chosen by extension.
 * @throws AppError UNSUPPORTED_FILE_TYPE listing the supported types.
 */
export function parserFor(fileName: string): Parser {
  const ext = extensionOf(fileName);
  const parser = PARSERS.find((p) => p.extensions.includes(ext));
  if (parser) return parser;
  const hint = ext === 'doc' ? '旧版 Word（.doc）请在 Word 中另存为 .docx 后再上传。' : '';
  throw new AppError(
    'UNSUPPORTED_FILE_TYPE',
    `不支持的文件类型${ext ? `“.${ext}”` : '（文件没有扩展名）'}：${fileName}。支持的类型：${SUPPORTED_LABEL}。${hint}`,
  );
}

/**
 * Parses a file after checking that its content matches its name: empty files, binaries named .txt,
 * non-PDFs named .pdf and password-protected Word files are refused with a precise code.
 * @throws AppError UNSUPPORTED_FILE_TYPE, EMPTY_FILE, BINARY_NOT_TEXT, ENCRYPTED_FILE, PARSE_FAILED,
 *         NO_EXTRACTABLE_TEXT, NEEDS_OCR, LIMIT_EXCEEDED
 */
export async function parseFile(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
  const parser = parserFor(ctx.fileName);
  if (bytes.length === 0) {
    throw new AppError('EMPTY_FILE', `文件“${ctx.fileName}”是空文件（0 字节），没有内容可导入。`);
  }
  checkContentMatchesName(bytes, extensionOf(ctx.fileName), ctx.fileName);
  const parsed = await parser.parse(bytes, ctx);
  // Each parser refuses early in its own terms; this is the one check every format passes through.
  const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
  checkLimit(ctx.fileName, 'maxBlocks', limits, parsed.blocks.length);
  checkLimit(ctx.fileName, 'maxChars', limits, parsed.blocks.reduce((n, b) => n + b.text.length, 0));
  return parsed;
}

function checkContentMatchesName(bytes: Buffer, ext: string, fileName: string): void {
  const sniffed: SniffedType = sniffFileType(bytes);
  if (ext === 'pdf') {
    if (sniffed !== 'pdf') {
      throw new AppError('PARSE_FAILED', `文件“${fileName}”的扩展名是 .pdf，但内容不是 PDF（${describe(sniffed)}），无法解析。`);
    }
    return;
  }
  if (ext === 'docx') {
    if (sniffed === 'zip') return;
    if (isEncryptedOoxml(bytes)) {
      throw new AppError('ENCRYPTED_FILE', `Word 文档“${fileName}”设置了打开密码（已加密），无法读取。请在 Word 中取消密码后重新上传。`);
    }
    if (sniffed === 'ole') {
      throw new AppError('PARSE_FAILED', `文件“${fileName}”实际是旧版 Word（.doc）格式，请在 Word 中另存为 .docx 后再上传。`);
    }
    throw new AppError('PARSE_FAILED', `文件“${fileName}”的扩展名是 .docx，但内容不是 Word 文档（${describe(sniffed)}），无法解析。`);
  }
  // md, txt, html: must be text.
  if (sniffed !== 'text') {
    throw new AppError(
      'BINARY_NOT_TEXT',
      `文件“${fileName}”的扩展名是 .${ext}，但内容不是文本（${describe(sniffed)}）。请确认文件类型；文本请保存为 UTF-8 或 GBK 编码。`,
    );
  }
}

function describe(sniffed: SniffedType): string {
  switch (sniffed) {
    case 'pdf':
      return '看起来是 PDF';
    case 'zip':
      return '看起来是 ZIP 压缩包或 Office 文档';
    case 'ole':
      return '看起来是旧版 Office 文档';
    case 'text':
      return '看起来是纯文本';
    default:
      return '二进制数据';
  }
}
