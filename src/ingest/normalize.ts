import { toHalfWidth } from '../core/chinese-text.js';
import type { Block } from '../core/types.js';

/** CJK ideographs (incl. extension A and compatibility forms). */
const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
/** CJK and full-width punctuation next to which a space is never meaningful. */
const CJK_PUNCT = '\\u3000-\\u303f\\uff01-\\uff0f\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65\\u2018-\\u201f\\u2026\\u2014\\u00b7';
const SPACE = '[ \\t\\u00a0\\u3000]+';

const SPACE_BETWEEN_HAN = new RegExp(`([${HAN}])${SPACE}(?=[${HAN}])`, 'gu');
const SPACE_HAN_DIGIT = new RegExp(`([${HAN}])${SPACE}(?=[0-9])`, 'gu');
const SPACE_DIGIT_HAN = new RegExp(`([0-9])${SPACE}(?=[${HAN}])`, 'gu');
const SPACE_BEFORE_PUNCT = new RegExp(`${SPACE}(?=[${CJK_PUNCT}])`, 'gu');
const SPACE_AFTER_PUNCT = new RegExp(`([${CJK_PUNCT}])${SPACE}`, 'gu');
/** 第一章 / 第十二条 / 第一节 / 第二编 / 第 3 部分 at the start of a block keep one space before their title. */
const LEADING_LABEL = new RegExp(`^(第[0-9零〇一二三四五六七八九十百千 ]+[编章节条部分]{1,2})${SPACE}(?=\\S)`, 'u');

/** Page-number lines: `3`, `- 3 -`, `— 3 —`, `第 3 页`, `第3页 共13页`, `3/13`, `3 / 13`, `Page 3`, `Page 3 of 13`. */
const PAGE_NUMBER_LINE =
  /^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|\d{1,4}\s*\/\s*\d{1,4}|page\s*\d{1,4}(?:\s*(?:of|\/)\s*\d{1,4})?)$/iu;

/** A header/footer must recur on at least this share of pages (and on at least MIN_FURNITURE_PAGES pages). */
const FURNITURE_PAGE_SHARE = 0.5;
const MIN_FURNITURE_PAGES = 3;
/** Lines this far from the top or bottom of a page are header/footer candidates (1 on pages of few lines). */
const FURNITURE_EDGE_LINES = 2;
const MIN_LINES_FOR_TWO_EDGE_LINES = 8;
const SENTENCE_END = /[。；！？，、]$/u;

function edgeLineCount(linesOnPage: number): number {
  return linesOnPage >= MIN_LINES_FOR_TWO_EDGE_LINES ? FURNITURE_EDGE_LINES : 1;
}

/**
 * Cleans parser output for chunking: full-width ASCII → half-width, PDF justification spaces removed
 * (PDF/OCR blocks only, i.e. blocks with `page`), repeated page headers/footers and page-number lines
 * dropped, empty blocks dropped. Markdown/DOCX/HTML text changes only in character width.
 * @param pageCount pages in the document; enables header/footer detection for paged blocks.
 */
export function normalizeBlocks(blocks: Block[], pageCount?: number): Block[] {
  const paged = blocks.some((b) => b.page !== undefined);
  const furniture = paged ? findRepeatedPageFurniture(blocks.map((b) => ({ page: b.page, text: b.text })), pageCount) : new Set<string>();
  const out: Block[] = [];
  for (const block of blocks) {
    let text = toHalfWidth(block.text);
    if (block.page !== undefined) {
      text = removeJustificationSpaces(text);
      if (isPageNumberLine(text) || furniture.has(furnitureKey(text))) continue;
    }
    text = text.replace(/^\s+|\s+$/gu, '');
    if (text === '') continue;
    out.push({ ...block, text });
  }
  return out;
}

/** Removes spaces a PDF text layer or OCR puts between CJK characters, CJK and digits, and around CJK punctuation. */
export function removeJustificationSpaces(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const label = LEADING_LABEL.exec(line);
      const head = label ? label[1].replace(/\s+/gu, '') + ' ' : '';
      const rest = label ? line.slice(label[0].length) : line;
      return (
        head +
        rest
          .replace(SPACE_BETWEEN_HAN, '$1')
          .replace(SPACE_HAN_DIGIT, '$1')
          .replace(SPACE_DIGIT_HAN, '$1')
          .replace(SPACE_BEFORE_PUNCT, '')
          .replace(SPACE_AFTER_PUNCT, '$1')
      );
    })
    .join('\n');
}

/** True for a line that is only a page number in one of the common Chinese/English forms. */
export function isPageNumberLine(line: string): boolean {
  const t = line.trim();
  return t !== '' && PAGE_NUMBER_LINE.test(t);
}

/** Digits vary between pages ("第 3 页", dates in running heads), so compare headers with digits masked. */
function furnitureKey(text: string): string {
  return text.replace(/\s+/gu, '').replace(/\d+/gu, '#');
}

/**
 * Finds lines that repeat at the top or bottom of many pages (running heads, footers).
 * Works on lines or blocks; `page` is 1-based. Returns keys to drop (see furnitureKey).
 */
export function findRepeatedPageFurniture(lines: { page?: number; text: string }[], pageCount?: number): Set<string> {
  const byPage = new Map<number, string[]>();
  for (const l of lines) {
    if (l.page === undefined || l.text.trim() === '') continue;
    const list = byPage.get(l.page) ?? [];
    list.push(l.text);
    byPage.set(l.page, list);
  }
  const pages = Math.max(pageCount ?? 0, byPage.size);
  const counts = new Map<string, number>();
  for (const pageLines of byPage.values()) {
    const edge = new Set<string>();
    const n = pageLines.length;
    const edgeLines = edgeLineCount(n);
    for (let i = 0; i < n; i++) {
      if (i < edgeLines || i >= n - edgeLines) edge.add(furnitureKey(pageLines[i]));
    }
    for (const key of edge) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const threshold = Math.max(MIN_FURNITURE_PAGES, Math.ceil(pages * FURNITURE_PAGE_SHARE));
  const result = new Set<string>();
  for (const [key, count] of counts) {
    // Only short lines that are not sentences: a body line such as "第#条 ……。" opening many pages is not a running head.
    if (count >= threshold && key.length > 0 && key.length <= 40 && !SENTENCE_END.test(key)) result.add(key);
  }
  return result;
}

/** Removes page-number lines and repeated headers/footers from per-page line lists (PDF text layers, OCR). */
export function stripPageFurniture(pages: { page: number; lines: string[] }[]): { page: number; lines: string[] }[] {
  const flat = pages.flatMap((p) => p.lines.map((text) => ({ page: p.page, text })));
  const furniture = findRepeatedPageFurniture(flat, pages.length);
  return pages.map((p) => {
    const n = p.lines.length;
    const edgeLines = edgeLineCount(n);
    const lines = p.lines.filter((line, i) => {
      const atEdge = i < edgeLines || i >= n - edgeLines;
      if (!atEdge) return true;
      return !isPageNumberLine(line) && !furniture.has(furnitureKey(line));
    });
    return { page: p.page, lines };
  });
}
