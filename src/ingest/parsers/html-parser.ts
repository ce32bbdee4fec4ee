import { AppError } from '../../core/errors.js';
import type { ParsedDocument } from '../../core/types.js';
import { extractHtmlBlocks } from './html-blocks.js';
import type { ParseContext, Parser } from './parser.js';
import { decodeBoundedText } from './text-parser.js';
import { checkLimit, DEFAULT_INGEST_LIMITS } from '../limits.js';

/** HTML pages (UTF-8, UTF-16 or GBK detected from the bytes): h1–h6, paragraphs, list items and tables; script/style/nav dropped; <title> → propertiesTitle. */
export class HtmlParser implements Parser {
  readonly extensions = ['html', 'htm'] as const;

  /** @throws AppError BINARY_NOT_TEXT, NO_EXTRACTABLE_TEXT, LIMIT_EXCEEDED */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    const html = decodeBoundedText(bytes, ctx.fileName, limits);
    const { blocks, title } = extractHtmlBlocks(html, { maxBlocks: limits.maxBlocks });
    checkLimit(ctx.fileName, 'maxBlocks', limits, blocks.length);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `网页文件“${ctx.fileName}”中没有可提取的正文。`);
    }
    return { blocks, propertiesTitle: title };
  }
}
