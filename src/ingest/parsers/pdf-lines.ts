import type { Block } from '../../core/types.js';

/**
 * Turns the visual lines of a PDF text layer (or OCR output) back into paragraphs.
 * PDF lines break where the printed line ended, even inside a word or sentence, so lines are
 * re-joined unless there is evidence of a paragraph end: a structural marker opens the next line,
 * or the line is clearly shorter than a full line of the page's text column.
 */

export interface PageLines {
  /** 1-based page number. */
  page: number;
  lines: string[];
}

/** A line at least this share of the typical full-line width counts as full (the text ran on). */
const FULL_LINE_SHARE = 0.85;
/** Percentile of line widths taken as the width of a full line. */
const FULL_LINE_PERCENTILE = 0.8;
/** Lines narrower than this (in half-width units) are ignored when estimating the full-line width. */
const MIN_SAMPLE_WIDTH = 16;
/** A one-line block narrower than this share of a full line may be a heading. */
const HEADING_MAX_SHARE = 0.75;

const CN_NUM = '零〇一二三四五六七八九十百千两';
const ARTICLE_OR_CHAPTER = new RegExp(`^第[${CN_NUM}0-9]+[编章节条](?:[\\s\\u3000]|$)`, 'u');
const CN_ENUM = new RegExp(`^[${CN_NUM}]+、`, 'u');
const PAREN_CN_ENUM = new RegExp(`^[（(][${CN_NUM}]+[）)]`, 'u');
const ARABIC_ENUM = /^\d{1,3}[.．、](?!\d)/u;
const PAREN_ARABIC_ENUM = /^[（(]\d{1,3}[）)]/u;
const CIRCLED_ENUM = /^[①-⑳]/u;
const ATTACHMENT = /^附件\s*\d*/u;
const TERMINAL_PUNCT = /[。！？：；!?:;]$/u;
/** Characters that cannot end a sentence: a line ending with one continues on the next line. */
const CONTINUES_PUNCT = /[，、《（“‘(,]$/u;

/** True when a line begins with a structural marker: 第X章/节/条, 一、, （一）, 1., （1）, ①, 附件. */
export function startsWithStructuralMarker(line: string): boolean {
  const t = line.trimStart();
  return (
    ARTICLE_OR_CHAPTER.test(t) ||
    CN_ENUM.test(t) ||
    PAREN_CN_ENUM.test(t) ||
    ARABIC_ENUM.test(t) ||
    PAREN_ARABIC_ENUM.test(t) ||
    CIRCLED_ENUM.test(t) ||
    ATTACHMENT.test(t)
  );
}

/** Display width in half-width units: CJK and full-width characters count 2. */
export function displayWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    const c = ch.codePointAt(0) ?? 0;
    w += c >= 0x1100 && !(c >= 0xff61 && c <= 0xffdc) ? 2 : 1;
  }
  return w;
}

/** The width of a full line of body text, estimated over the whole document. */
export function estimateFullLineWidth(pages: PageLines[]): number {
  const widths = pages
    .flatMap((p) => p.lines.map((l) => displayWidth(l.trim())))
    .filter((w) => w >= MIN_SAMPLE_WIDTH)
    .sort((a, b) => a - b);
  if (widths.length === 0) return 0;
  return widths[Math.min(widths.length - 1, Math.floor(widths.length * FULL_LINE_PERCENTILE))];
}

/**
 * Joins visual lines into paragraph blocks that carry the page they start on; a paragraph may run
 * across a page break. Short single-line blocks that look like 第X章 / 一、 / （一） titles become headings.
 * @param title the document title (PDF Info Title); a line equal to it becomes a level-1 heading.
 */
export function linesToBlocks(pages: PageLines[], title?: string): Block[] {
  const fullWidth = estimateFullLineWidth(pages);
  const isShort = (line: string): boolean => fullWidth === 0 || displayWidth(line) < fullWidth * FULL_LINE_SHARE;
  const blocks: Block[] = [];
  let current: { page: number; lines: string[] } | undefined;
  const titleKey = title?.replace(/\s+/gu, '') ?? '';

  const flush = (): void => {
    if (!current) return;
    const text = joinLines(current.lines);
    if (text !== '') blocks.push(toBlock(text, current.page, current.lines.length, fullWidth, title));
    current = undefined;
  };

  for (const { page, lines } of pages) {
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '') {
        flush();
        continue;
      }
      if (current) {
        const prev = current.lines[current.lines.length - 1];
        // A full line ending in 。 or ； usually runs on ("统筹发展与安全；\n坚持人民至上"); only a short one ends a paragraph.
        const prevEnded = isShort(prev) && !CONTINUES_PUNCT.test(prev);
        // A marker after a line that ran on mid-sentence is a cross-reference ("依照本法\n第五十条 的规定"), not a new article.
        const markerStarts =
          startsWithStructuralMarker(line) && (TERMINAL_PUNCT.test(prev) || !/[\p{L}\p{N}，、]$/u.test(prev));
        if (prevEnded || markerStarts) flush();
      }
      // The title line often follows a full-width line (a notice above it), so nothing else would end that paragraph.
      const isTitle = titleKey !== '' && line.replace(/\s+/gu, '') === titleKey;
      if (isTitle) flush();
      if (!current) current = { page, lines: [] };
      current.lines.push(line);
      if (isTitle) flush();
    }
  }
  flush();
  return blocks;
}

/** Joins wrapped lines: no separator inside CJK text, one space between two Latin words. */
function joinLines(lines: string[]): string {
  let out = '';
  for (const line of lines) {
    if (out === '') {
      out = line;
      continue;
    }
    const needsSpace = /[A-Za-z0-9]$/u.test(out) && /^[A-Za-z0-9]/u.test(line) && !/-$/u.test(out);
    out += (needsSpace ? ' ' : '') + line;
  }
  return out.trim();
}

function toBlock(text: string, page: number, lineCount: number, fullWidth: number, title?: string): Block {
  if (lineCount === 1 && !TERMINAL_PUNCT.test(text) && !/[，、,]$/u.test(text)) {
    const compact = text.replace(/\s+/gu, '');
    if (title && compact === title.replace(/\s+/gu, '')) return { kind: 'heading', level: 1, text, page };
    const level = headingLevel(text);
    if (level !== undefined && (fullWidth === 0 || displayWidth(text) <= fullWidth * HEADING_MAX_SHARE)) {
      return { kind: 'heading', level, text, page };
    }
  }
  return { kind: 'paragraph', text, page };
}

/** Heading level implied by a title-like line: 第X编/章 → 2, 第X节 → 3, 一、 → 2, （一） → 3, 4.1 → 3, 4.1.1 → 4. */
function headingLevel(text: string): number | undefined {
  const t = text.trim();
  const article = new RegExp(`^第[${CN_NUM}0-9]+([编章节])`, 'u').exec(t);
  if (article) return article[1] === '节' ? 3 : 2;
  if (CN_ENUM.test(t)) return 2;
  if (PAREN_CN_ENUM.test(t)) return 3;
  const dotted = /^(\d{1,2}(?:\.\d{1,2}){1,3})\s+\S/u.exec(t);
  if (dotted) return Math.min(6, dotted[1].split('.').length + 1);
  return undefined;
}
