/**
 * Recognises the structural labels of Chinese legal texts and government documents in a single line:
 * 编/分编/章/节 headings, 第X条 article starts, and the outline numbering of plans
 * (一、 （一） 1. （1） and decimal 1 / 1.1 / 4.1.2). Pure functions over one line, precompiled regexes.
 */
import { parseChineseNumber } from '../core/chinese-text.js';

/**
 * Kinds of heading, coarsest first. The order is the conventional nesting; a document that nests differently
 * still gets the levels its Markdown/DOCX headings give.
 */
export type HeadingKind =
  | 'appendix' // 附件 / 附件1 / 附录 / 附表
  | 'part' // 第一部分
  | 'book' // 第一编
  | 'subbook' // 第一分编
  | 'chapter' // 第一章
  | 'section' // 第一节
  | 'outline-cn' // 一、
  | 'outline-paren-cn' // （一）
  | 'outline-num' // 1.  1、  1．
  | 'outline-paren-num' // （1）
  | 'decimal-1' // 1 总则
  | 'decimal-2' // 1.1 编制目的
  | 'decimal-3' // 4.1.2 区级接报与上报
  | 'decimal-4'
  | 'other'; // a heading block without a recognised number

/** Nesting rank of each kind: lower is coarser. Decimal depth n sits beside the n-th Chinese outline level. */
export const HEADING_RANK: Readonly<Record<HeadingKind, number>> = {
  appendix: 0,
  part: 0,
  book: 1,
  subbook: 2,
  chapter: 3,
  section: 4,
  'outline-cn': 5,
  'decimal-1': 5,
  'outline-paren-cn': 6,
  'decimal-2': 6,
  'outline-num': 7,
  'decimal-3': 7,
  'outline-paren-num': 8,
  'decimal-4': 8,
  other: 9,
};

/** Longest line (in characters) still taken as a heading when it comes as a plain paragraph. */
export const MAX_HEADING_LINE_CHARS = 40;

const NUM = '[一二三四五六七八九十百千零〇两\\d０-９]+';
// 第X条 / 第X条之一, then a space (ASCII or ideographic), end of line, or body text that is not a cross-reference
// ("第三十条规定的…", "第五条第一款…", "第三十一条的决定》").
const ARTICLE_RE = new RegExp(`^第(${NUM})条(?:之(${NUM}))?(?=[\\s\\u3000]|$|[^的第规所中、和至，。；：,;:款项或及与）)”之])`);
const LEGAL_HEADING_RE = new RegExp(`^第(${NUM})(部分|分编|编|章|节)(?=[\\s\\u3000]|$|[^的第规所中、和至，。；：,;:款项或及与）)”])`);
const OUTLINE_CN_RE = /^[一二三四五六七八九十百]+、/;
// 附件 / 附件1 突发事件… / 附件1突发事件… (a PDF drops the space) — but not 附件所列… (running text).
const APPENDIX_RE = /^附(?:件|录|表)(?:[一二三四五六七八九十0-9]{1,3}(?![0-9、，,。.．])|(?=[\s\u3000]|$))/;
const OUTLINE_PAREN_CN_RE = /^[（(][一二三四五六七八九十百]+[)）]/;
const OUTLINE_PAREN_NUM_RE = /^[（(][0-9０-９]{1,3}[)）]/;
const OUTLINE_NUM_RE = /^[0-9０-９]{1,3}(?:[.．、](?![0-9０-９])|\s*[)）])/;
const DECIMAL_RE = /^([0-9]{1,2}(?:\.[0-9]{1,2}){0,3})(?:[\s\u3000]+(?=\S)|(?<=\.[0-9]{1,2})(?=[^\s\d.．、)）]))/;
// Sentence or clause punctuation that ends a line of running text rather than a heading.
const RUNNING_TEXT_END_RE = /[。；，、：:;,！!？?…]$/;
const SENTENCE_INSIDE_RE = /[。；;！？!?]/;
// Whitespace and the zero-width characters some sources leave at line starts (U+200B in LawRefBook files).
const LEADING_JUNK_RE = /^[\s\u200b-\u200d\u2060\ufeff]+/;
const TRAILING_JUNK_RE = /[\s\u200b-\u200d\u2060\ufeff]+$/;

/** A line without surrounding whitespace and zero-width characters. */
export function cleanLine(line: string): string {
  return stripLeading(line).replace(TRAILING_JUNK_RE, '');
}

function stripLeading(line: string): string {
  const c = line.charCodeAt(0);
  // Fast path: most lines start with a CJK character.
  if (c > 0x20 && c !== 0xa0 && c !== 0x3000 && (c < 0x2000 || c > 0x206f) && c !== 0xfeff) return line;
  return line.replace(LEADING_JUNK_RE, '');
}

export interface ArticleStart {
  /** Exactly as written: 第一百二十条, 第十条之一. */
  label: string;
  /** Article number (之一 ignored), when the numeral parses. */
  number?: number;
}

/** Recognises a line that starts an article: `第X条 …`, `第X条之一 …`. */
export function matchArticleStart(line: string): ArticleStart | undefined {
  const m = ARTICLE_RE.exec(stripLeading(line));
  if (!m) return undefined;
  const label = m[2] ? `第${m[1]}条之${m[2]}` : `第${m[1]}条`;
  const number = parseChineseNumber(m[1]!);
  return number === undefined ? { label } : { label, number };
}

export interface HeadingMatch {
  kind: HeadingKind;
  /** The heading text as written, trimmed. */
  text: string;
}

/** Recognises 第X编/分编/章/节/部分 heading lines (short, not running text). */
export function matchLegalHeading(line: string): HeadingMatch | undefined {
  const text = cleanLine(line);
  if (!isHeadingLike(text)) return undefined;
  const m = LEGAL_HEADING_RE.exec(text);
  if (!m) return undefined;
  const unit = m[2]!;
  const kind: HeadingKind =
    unit === '部分' ? 'part' : unit === '编' ? 'book' : unit === '分编' ? 'subbook' : unit === '章' ? 'chapter' : 'section';
  return { kind, text };
}

/**
 * Recognises an outline-numbered heading line of a plan or rule: 一、总则 / （二）Ⅳ级响应 / 1.人员转移 /
 * （1）… / 4.1.2 区级接报与上报. Numbered sentences (long, or ending in 。；，) are list items, not headings.
 */
export function matchOutlineHeading(line: string): HeadingMatch | undefined {
  const text = cleanLine(line);
  if (!isHeadingLike(text)) return undefined;
  const kind = outlineKind(text);
  return kind ? { kind, text } : undefined;
}

/** Outline numbering kind at the start of a line, whether or not the line is heading-like. */
export function outlineKind(text: string): HeadingKind | undefined {
  const first = text.charCodeAt(0);
  // Fast path: every outline number starts with a digit, a Chinese numeral or an opening parenthesis.
  if (first === 0xff08 || first === 0x28) {
    if (OUTLINE_PAREN_CN_RE.test(text)) return 'outline-paren-cn';
    if (OUTLINE_PAREN_NUM_RE.test(text)) return 'outline-paren-num';
    return undefined;
  }
  if (OUTLINE_CN_RE.test(text)) return 'outline-cn';
  if (first === 0x9644 && APPENDIX_RE.test(text)) return 'appendix';
  const d = DECIMAL_RE.exec(text);
  if (d) {
    const depth = d[1]!.split('.').length;
    return `decimal-${Math.min(depth, 4)}` as HeadingKind;
  }
  if (OUTLINE_NUM_RE.test(text)) return 'outline-num';
  return undefined;
}

/** Any recognised heading (legal or outline) in a heading-like line. */
export function matchHeadingLine(line: string): HeadingMatch | undefined {
  return matchLegalHeading(line) ?? matchOutlineHeading(line);
}

/** Classifies the text of a Markdown/DOCX heading block (which is a heading whatever it looks like). */
export function classifyHeadingText(text: string): HeadingKind {
  const t = cleanLine(text);
  const m = LEGAL_HEADING_RE.exec(t);
  if (m) {
    const unit = m[2]!;
    return unit === '部分' ? 'part' : unit === '编' ? 'book' : unit === '分编' ? 'subbook' : unit === '章' ? 'chapter' : 'section';
  }
  return outlineKind(t) ?? 'other';
}

/** A short line that does not read like running text: no sentence end inside, no trailing punctuation. */
export function isHeadingLike(text: string): boolean {
  if (text.length === 0 || text.length > MAX_HEADING_LINE_CHARS) return false;
  if (RUNNING_TEXT_END_RE.test(text)) return false;
  return !SENTENCE_INSIDE_RE.test(text);
}
