import JSZip from 'jszip';
import mammoth from 'mammoth';
import { AppError } from '../../core/errors.js';
import type { ParsedDocument } from '../../core/types.js';
import { checkLimit, DEFAULT_INGEST_LIMITS, type IngestLimits } from '../limits.js';
import { extractHtmlBlocks } from './html-blocks.js';
import type { ParseContext, Parser } from './parser.js';
import { inflateReadParts } from './zip-bounds.js';

/** Images are not text; mammoth would otherwise inline each one as a base64 data URI in the HTML. */
const SKIP_IMAGES = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));
const PARAGRAPH_OPEN = [Buffer.from('<w:p>'), Buffer.from('<w:p ')];
const TEXT_RUN = /<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/gu;

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

  /** @throws AppError PARSE_FAILED, NO_EXTRACTABLE_TEXT, LIMIT_EXCEEDED */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    // Before JSZip or mammoth see the file: mammoth builds a DOM of word/document.xml, ~50× its size in heap.
    const parts = await inflateReadParts(bytes, ctx.fileName, limits);
    const body = parts.get('word/document.xml');
    if (body) checkDocumentXml(body, ctx.fileName, limits);
    parts.clear();
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
      html = (await mammoth.convertToHtml({ buffer: bytes }, { styleMap: STYLE_MAP, includeDefaultStyleMap: true, convertImage: SKIP_IMAGES })).value;
    } catch (e) {
      throw corrupt(ctx.fileName, e);
    }
    const { blocks } = extractHtmlBlocks(html, { maxBlocks: limits.maxBlocks });
    checkLimit(ctx.fileName, 'maxBlocks', limits, blocks.length);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `Word 文档“${ctx.fileName}”中没有可提取的文字（可能只有图片），无法建立索引。`);
    }
    return { blocks, propertiesTitle: await readCoreTitle(zip) };
  }
}

/**
 * Counts paragraphs and run text in the raw XML (cheap byte scans) so mammoth never starts on a body with a
 * million paragraphs.
 * @throws AppError LIMIT_EXCEEDED
 */
function checkDocumentXml(xml: Buffer, fileName: string, limits: IngestLimits): void {
  let paragraphs = 0;
  for (const tag of PARAGRAPH_OPEN) {
    for (let at = xml.indexOf(tag); at >= 0; at = xml.indexOf(tag, at + tag.length)) {
      if (++paragraphs > limits.maxBlocks) checkLimit(fileName, 'maxBlocks', limits, paragraphs);
    }
  }
  let chars = 0;
  for (const m of xml.toString('utf8').matchAll(TEXT_RUN)) {
    chars += m[1].length;
    if (chars > limits.maxChars) checkLimit(fileName, 'maxChars', limits, chars);
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
