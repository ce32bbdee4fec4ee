import { AppError } from '../../core/errors.js';
import type { Block, ParsedDocument } from '../../core/types.js';
import type { ParseContext, Parser } from './parser.js';
import { decodeBoundedText } from './text-parser.js';
import { checkLimit, DEFAULT_INGEST_LIMITS } from '../limits.js';

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/u;
const TABLE_RULE = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/u;
const FENCE = /^ {0,3}(```|~~~)/u;
const BULLET = /^ {0,3}[-*+][ \t]+/u;
const BLOCKQUOTE = /^ {0,3}>[ \t]?/u;
const THEMATIC_BREAK = /^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/u;

/**
 * Markdown as used by the regulation corpus: ATX headings, paragraphs, pipe tables, HTML comments.
 * Text is kept as written; only Markdown syntax (#, |, rule rows, bullets, ** emphasis) is removed.
 */
export class MarkdownParser implements Parser {
  readonly extensions = ['md', 'markdown'] as const;

  /** @throws AppError BINARY_NOT_TEXT, NO_EXTRACTABLE_TEXT, LIMIT_EXCEEDED */
  async parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument> {
    const limits = ctx.limits ?? DEFAULT_INGEST_LIMITS;
    const blocks = parseMarkdownBlocks(decodeBoundedText(bytes, ctx.fileName, limits));
    checkLimit(ctx.fileName, 'maxBlocks', limits, blocks.length);
    if (blocks.length === 0) {
      throw new AppError('NO_EXTRACTABLE_TEXT', `Markdown 文件“${ctx.fileName}”中没有正文内容。`);
    }
    return { blocks };
  }
}

/** Splits Markdown source into heading, paragraph and table blocks. */
export function parseMarkdownBlocks(source: string): Block[] {
  // Comments such as <!-- INFO END --> are markers, not text; the lines around them are kept.
  const lines = source.replace(/<!--[\s\S]*?-->/gu, '').split(/\r\n|\r|\n/u);
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let table: string[] = [];

  const flushParagraph = (): void => {
    const text = paragraph.join('\n').trim();
    if (text !== '') blocks.push({ kind: 'paragraph', text: stripInline(text) });
    paragraph = [];
  };
  const flushTable = (): void => {
    const rows = table
      .filter((row) => !TABLE_RULE.test(row))
      .map((row) => splitTableRow(row).map(stripInline).join(' | '))
      .filter((row) => row.replace(/[|\s]/gu, '') !== '');
    if (rows.length > 0) blocks.push({ kind: 'table', text: rows.join('\n') });
    table = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (FENCE.test(line)) {
      flushParagraph();
      flushTable();
      const fence = FENCE.exec(line)?.[1] ?? '```';
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence); i++) code.push(lines[i]);
      if (code.join('').trim() !== '') blocks.push({ kind: 'paragraph', text: code.join('\n') });
      continue;
    }
    if (isTableRow(line)) {
      flushParagraph();
      table.push(line);
      continue;
    }
    flushTable();
    if (line.trim() === '' || THEMATIC_BREAK.test(line)) {
      flushParagraph();
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading) {
      flushParagraph();
      const text = stripInline(heading[2].trim());
      if (text !== '') blocks.push({ kind: 'heading', level: heading[1].length, text });
      continue;
    }
    if (BULLET.test(line)) {
      flushParagraph();
      paragraph.push(line.replace(BULLET, ''));
      continue;
    }
    paragraph.push(line.replace(BLOCKQUOTE, ''));
  }
  flushParagraph();
  flushTable();
  return blocks;
}

function isTableRow(line: string): boolean {
  const t = line.trim();
  return t.startsWith('|') && t.length > 1;
}

function splitTableRow(row: string): string[] {
  const t = row.trim().replace(/^\|/u, '').replace(/\|$/u, '');
  return t.split(/(?<!\\)\|/u).map((cell) => cell.trim().replace(/\\\|/gu, '|'));
}

/** Removes emphasis markers and link syntax, keeping the words. */
function stripInline(text: string): string {
  return text
    .replace(/\*\*(.+?)\*\*/gu, '$1')
    .replace(/__(.+?)__/gu, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/gu, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/gu, '$1');
}
