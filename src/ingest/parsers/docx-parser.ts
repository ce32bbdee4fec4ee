import JSZip from 'jszip';
import mammoth from 'mammoth';
import { AppError } from '../../core/errors.js';
import type { ParsedDocument } from '../../core/types.js';
import { extractHtmlBlocks } from './html-blocks.js';
import type { ParseContext, Parser } from './parser.js';

/**
 * Word heading styles → HTML headings. mammoth maps "Heading N" by default; Chinese Word names the same
 * built-in styles "标题 N", and "Title"/"标题" is the document-title style.
 */
const STYLE_MAP = [
  ...[1, 2, 3, 4, 5, 6].flatMap((n) => [
    `p[style-name='Heading ${n}'] => h${n}:fresh`,
    `p[style-name='heading ${n}'] => h${n}:fresh`,
    `p[style-name='标题 ${n}'] => h${n}:fresh`,
    `p[style-name='标题${n}'] => h${n}:fresh`,
  ]),
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='标题'] => h1:fresh",
];

/** Word .docx: headings from Word styles, paragraphs, tables as table blocks; title from docProps/core.xml. */
export class DocxParser implements Parser {
  readonly extensions = ['docx'] as const;

  /** @throws AppError PARSE_FAILED, NO_EXTRACTABLE_TEXT */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    let zip: JSZip;
    try {
      zip = await JSZip.loadAsync(bytes);
    } catch (e) {
      throw corrupt(ctx.fileName, e);
    }
    if (!zip.file('word/document.xml')) {
      throw new AppError('PARSE_FAILED', `文件“${ctx.fileName}”不是有效的 Word 文档（.docx 中缺少正文 word/document.xml）。`);
    }
    let html: string;
    try {
      html = (await mammoth.convertToHtml({ buffer: bytes }, { styleMap: STYLE_MAP, includeDefaultStyleMap: true })).value;
    } catch (e) {
      throw corrupt(ctx.fileName, e);
    }
    const { blocks } = extractHtmlBlocks(html);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `Word 文档“${ctx.fileName}”中没有可提取的文字（可能只有图片），无法建立索引。`);
    }
    return { blocks, propertiesTitle: await readCoreTitle(zip) };
  }
}

/** dc:title from the OOXML core properties; mammoth has no API for document properties. */
async function readCoreTitle(zip: JSZip): Promise<string | undefined> {
  const xml = await zip.file('docProps/core.xml')?.async('string');
  if (!xml) return undefined;
  const m = /<dc:title>([\s\S]*?)<\/dc:title>/u.exec(xml);
  const title = m ? decodeXmlEntities(m[1]).replace(/\s+/gu, ' ').trim() : '';
  return title === '' ? undefined : title;
}

function decodeXmlEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/giu, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/gu, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&quot;/gu, '"')
    .replace(/&apos;/gu, "'")
    .replace(/&amp;/gu, '&');
}

function corrupt(fileName: string, cause: unknown): AppError {
  return new AppError('PARSE_FAILED', `文件“${fileName}”不是有效的 Word（.docx）文档或已损坏，无法解析。请用 Word 打开确认后另存为 .docx 再上传。`, {
    cause,
  });
}
