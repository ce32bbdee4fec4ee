import { Parser as HtmlTokenizer } from 'htmlparser2';
import type { Block } from '../../core/types.js';

/** Elements whose content is never document text. */
const SKIPPED = new Set(['script', 'style', 'nav', 'noscript', 'template', 'svg', 'iframe', 'object', 'button', 'select', 'textarea']);
/** Elements that end the running paragraph when they open or close. */
const BLOCK_LEVEL = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'li', 'main', 'ol', 'p', 'pre', 'section', 'summary', 'ul',
  'caption', 'center', 'html', 'head',
]);
const HEADING = /^h([1-6])$/u;
/** Stands for <br> until whitespace is collapsed (source newlines are only whitespace). */
const LINE_BREAK = '\u2028';
const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u3000-\\u303f\\uff00-\\uffef';
/** CSS Text 3: a line break between two East Asian characters disappears instead of becoming a space. */
const CJK_SEGMENT_BREAK = new RegExp(`(?<=[${HAN}])[ \\t]*\\r?\\n[\\s]*(?=[${HAN}])`, 'gu');

export interface HtmlExtraction {
  blocks: Block[];
  /** Text of the first <title>, if any. */
  title?: string;
}

/**
 * Extracts headings (h1–h6), paragraphs, list items and tables from HTML in reading order,
 * skipping script/style/nav. Shared by the HTML and DOCX parsers (mammoth renders DOCX as HTML).
 */
export function extractHtmlBlocks(html: string, options: { maxBlocks?: number } = {}): HtmlExtraction {
  const blocks: Block[] = [];
  // Past the bound one extra block is kept (so the caller sees the overflow) and the rest is not built.
  const maxBlocks = (options.maxBlocks ?? Number.POSITIVE_INFINITY) + 1;
  const push = (b: Block): void => {
    if (blocks.length < maxBlocks) blocks.push(b);
  };
  let title: string | undefined;
  let inTitle = false;
  let titleText = '';
  let skipDepth = 0;
  let text = '';
  let heading: { level: number; text: string } | undefined;
  /** Table stack: nested tables flatten into their parent's cell. */
  const tables: { rows: string[][]; row?: string[]; cell?: string }[] = [];

  const collapse = (s: string): string => s.replace(CJK_SEGMENT_BREAK, '').replace(/[ \t\r\n\f]+/gu, ' ').trim();
  const flushParagraph = (): void => {
    const t = text
      .split(LINE_BREAK)
      .map(collapse)
      .filter((l) => l !== '')
      .join('\n');
    if (t !== '') push({ kind: 'paragraph', text: t });
    text = '';
  };
  const appendCellText = (s: string): void => {
    const table = tables[tables.length - 1];
    if (table.cell === undefined) table.cell = '';
    table.cell += s;
  };

  const tokenizer = new HtmlTokenizer(
    {
      onopentag(name) {
        if (skipDepth > 0 || SKIPPED.has(name)) {
          skipDepth++;
          return;
        }
        if (name === 'title') {
          inTitle = true;
          return;
        }
        if (name === 'table') {
          if (tables.length === 0) flushParagraph();
          else appendCellText(' ');
          tables.push({ rows: [] });
          return;
        }
        if (tables.length > 0) {
          const table = tables[tables.length - 1];
          if (name === 'tr') table.row = [];
          else if (name === 'td' || name === 'th') table.cell = '';
          else if (name === 'br' || BLOCK_LEVEL.has(name) || HEADING.test(name)) appendCellText(' ');
          return;
        }
        const h = HEADING.exec(name);
        if (h) {
          flushParagraph();
          heading = { level: Number(h[1]), text: '' };
          return;
        }
        if (name === 'br') {
          if (heading) heading.text += ' ';
          else text += LINE_BREAK;
          return;
        }
        if (BLOCK_LEVEL.has(name)) flushParagraph();
      },
      ontext(data) {
        if (skipDepth > 0) return;
        if (inTitle) {
          titleText += data;
          return;
        }
        if (tables.length > 0) {
          const table = tables[tables.length - 1];
          if (table.cell !== undefined) table.cell += data;
          return;
        }
        if (heading) heading.text += data;
        else text += data;
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (name === 'title') {
          inTitle = false;
          if (title === undefined && collapse(titleText) !== '') title = collapse(titleText);
          return;
        }
        if (tables.length > 0) {
          const table = tables[tables.length - 1];
          if (name === 'td' || name === 'th') {
            if (table.row === undefined) table.row = [];
            table.row.push(collapse(table.cell ?? ''));
            table.cell = undefined;
          } else if (name === 'tr') {
            if (table.row && table.row.some((c) => c !== '')) table.rows.push(table.row);
            table.row = undefined;
          } else if (name === 'table') {
            tables.pop();
            const rendered = table.rows.map((r) => r.join(' | ')).join('\n');
            if (tables.length > 0) appendCellText(` ${table.rows.map((r) => r.join(' ')).join(' ')} `);
            else if (rendered !== '') push({ kind: 'table', text: rendered });
          } else if (BLOCK_LEVEL.has(name) || HEADING.test(name)) {
            appendCellText(' ');
          }
          return;
        }
        if (heading && HEADING.test(name)) {
          const t = collapse(heading.text);
          if (t !== '') push({ kind: 'heading', level: heading.level, text: t });
          heading = undefined;
          return;
        }
        if (BLOCK_LEVEL.has(name)) flushParagraph();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  tokenizer.write(html);
  tokenizer.end();
  flushParagraph();
  return { blocks, title };
}
