import { createRequire } from 'node:module';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import { AppError } from '../../core/errors.js';
import type { ParsedDocument } from '../../core/types.js';
import { checkLimit, DEFAULT_INGEST_LIMITS } from '../limits.js';
import { stripPageFurniture } from '../normalize.js';
import { ocrPdf, needsOcrError, findMissingOcrPrograms } from './ocr.js';
import type { ParseContext, Parser } from './parser.js';
import { linesToBlocks, type PageLines } from './pdf-lines.js';

const require = createRequire(import.meta.url);
/**
 * Predefined CJK CMaps (STSong-Light + UniGB-UCS2-H and the like, common in older Chinese PDFs) are
 * loaded from pdfjs-dist; without them pdfjs returns empty text for such fonts and says nothing.
 */
const CMAP_URL = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'cmaps') + path.sep;
const STANDARD_FONTS_URL = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;

/** An image XObject dictionary. Stream objects cannot live in object streams, so this is never compressed away. */
const IMAGE_XOBJECT = /\/Subtype\s*\/Image\b/u;

/**
 * PDF text layer → paragraph blocks with page numbers; scanned PDFs go through OCR when allowed.
 * pdf.js parsing is synchronous CPU work on the calling thread (about 0.2 s for 50 pages).
 */
export class PdfParser implements Parser {
  readonly extensions = ['pdf'] as const;

  /** @throws AppError PARSE_FAILED, ENCRYPTED_FILE, NEEDS_OCR, NO_EXTRACTABLE_TEXT */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    // A Uint8Array would be transferred to pdf.js and emptied; a Buffer copy keeps the caller's bytes intact.
    const pdf = new PDFParse({
      data: Buffer.from(bytes),
      cMapUrl: CMAP_URL,
      cMapPacked: true,
      standardFontDataUrl: STANDARD_FONTS_URL,
      verbosity: 0,
    });
    let pages: PageLines[];
    let title: string | undefined;
    let pageCount: number;
    try {
      const info = await pdf.getInfo();
      pageCount = info.total;
      title = cleanTitle((info.info as { Title?: unknown } | undefined)?.Title);
      const text = await pdf.getText({ pageJoiner: '' });
      checkLimit(ctx.fileName, 'maxChars', limits, text.text.length);
      pages = text.pages.map((p) => ({ page: p.num, lines: p.text.split(/\r?\n/u) }));
      checkLimit(ctx.fileName, 'maxBlocks', limits, pages.reduce((n, p) => n + p.lines.length, 0));
    } catch (e) {
      throw mapPdfError(e, ctx.fileName);
    } finally {
      await pdf.destroy().catch(() => undefined);
    }

    const hasText = pages.some((p) => p.lines.some((l) => l.trim() !== ''));
    if (!hasText) return this.parseScanned(bytes, ctx, pageCount, title);

    const blocks = linesToBlocks(stripPageFurniture(pages), title);
    return { blocks, pageCount, propertiesTitle: title };
  }

  private async parseScanned(bytes: Buffer, ctx: ParseContext, pageCount: number, title?: string): Promise<ParsedDocument> {
    const latin1 = bytes.toString('latin1');
    if (!IMAGE_XOBJECT.test(latin1)) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `文件“${ctx.fileName}”中没有可提取的文字（既没有文字层，也没有扫描图像），无法建立索引。`);
    }
    if (ctx.ocr !== 'auto') throw needsOcrError(ctx.fileName, 'disabled');
    const missing = await findMissingOcrPrograms({ searchPath: ctx.ocrSearchPath });
    if (missing.length > 0) throw needsOcrError(ctx.fileName, missing);
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    const { pages, pagesDone } = await ocrPdf(bytes, ctx.fileName, {
      searchPath: ctx.ocrSearchPath,
      signal: ctx.signal,
      pageCount,
      maxPages: limits.ocrMaxPages,
      onPage: ctx.onOcrPage,
    });
    const blocks = linesToBlocks(stripPageFurniture(pages), title);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `文件“${ctx.fileName}”是扫描件，但 OCR 没有识别出文字，请检查扫描质量或提供带文字层的 PDF。`);
    }
    const partial = pagesDone < pageCount ? { pagesDone, pageCount } : undefined;
    return { blocks, pageCount, propertiesTitle: title, ocr: true, partial };
  }
}

function cleanTitle(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const t = raw.replace(/\s+/gu, ' ').trim();
  // Writers often leave placeholder titles such as "untitled" or "Microsoft Word - x.docx".
  if (t === '' || /^(untitled|无标题)$/iu.test(t) || /^microsoft word -/iu.test(t)) return undefined;
  return t;
}

function mapPdfError(e: unknown, fileName: string): AppError {
  if (e instanceof AppError) return e;
  const name = e instanceof Error ? e.name : '';
  if (name === 'PasswordException') {
    return new AppError('ENCRYPTED_FILE', `文件“${fileName}”是加密（有密码保护）的 PDF，无法读取。请去除密码后重新上传。`, { cause: e });
  }
  if (name === 'AbortException' || name === 'AbortError') {
    return new AppError('ANSWER_ABORTED', '已取消。', { cause: e });
  }
  return new AppError('PARSE_FAILED', `文件“${fileName}”不是有效的 PDF 或已损坏，无法解析。请用 PDF 阅读器确认能正常打开后重新上传。`, {
    cause: e,
  });
}
