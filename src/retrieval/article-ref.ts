/**
 * Recognises queries that name a document and an article or section:
 * 安全生产法第二十一条, 《生产安全事故应急条例》第十七条, 应急条例第17条, 《…预案》5.3节.
 */
import { readFileSync } from 'node:fs';
import type { SourceDoc } from '../core/types.js';
import { parseChineseNumber, toChineseNumber } from '../core/chinese-text.js';

export interface ArticleRef {
  /** Text naming the document, e.g. 安全生产法 (may be empty). */
  docHint: string;
  /** Article label as written in law texts (第二十一条) or a plan section number (5.3). */
  articleLabel: string;
  kind: 'article' | 'section';
}

/** 第二十一条, 第21条, and right after a law's name without 第 (应对法78条, 防汛条例三十四条). */
const ARTICLE = /(?:第|(?<=(?:法|条例)))\s*([0-9零〇一二两三四五六七八九十百千]+)\s*条(之[一二三四五六七八九十]+)?/;
const SECTION = /(?<![\d.])(\d{1,2}(?:\.\d{1,2}){1,3})\s*(?:节|条|款|部分)?/;
/** A plan's outline: 第五部分（的）第（三）项, 第五部分, 五、（三）. */
const OUTLINE = /第([一二三四五六七八九十]{1,3})(?:部分|大项)(?:的|中的|里的|里)?(?:第?[（(]([一二三四五六七八九十]{1,3})[）)](?:项|条|款|部分|节)?)?/;
/** Separates the outline part from the item in an outline label: 五、/（三）. */
export const OUTLINE_SEPARATOR = '/';
const QUOTED_TITLE = /《([^《》]{2,60})》/;
const LEADING_FILLER = /^(?:请问|请|你好|查一下|查询|帮我查|帮我看看|看看|根据|按照|依据|按|关于|在|我想知道|想问)+/;

export function parseArticleRef(query: string): ArticleRef | undefined {
  const q = query.replace(/\s+/g, '');
  const article = ARTICLE.exec(q);
  if (article) {
    const n = parseChineseNumber(article[1]);
    if (n === undefined || n <= 0) return undefined;
    return { docHint: docHintBefore(q, article.index), articleLabel: `第${toChineseNumber(n)}条${article[2] ?? ''}`, kind: 'article' };
  }
  const outline = OUTLINE.exec(q);
  if (outline) {
    const part = `${outline[1]}、`;
    return { docHint: docHintBefore(q, outline.index), articleLabel: outline[2] ? `${part}${OUTLINE_SEPARATOR}（${outline[2]}）` : part, kind: 'section' };
  }
  const section = SECTION.exec(q);
  if (section) {
    const docHint = docHintBefore(q, section.index);
    // A bare "6.1" is a section only right after a document's name (预案6.1); the caller checks the name.
    const namedRightBefore = /(?:预案|方案|手册|制度|规程|办法|细则)(?:[（(][^）)]*[）)])?$/.test(q.slice(0, section.index));
    if (QUOTED_TITLE.test(q) || /节|部分/.test(section[0]) || namedRightBefore) {
      return { docHint, articleLabel: section[1], kind: 'section' };
    }
  }
  return undefined;
}

function docHintBefore(q: string, index: number): string {
  const quoted = QUOTED_TITLE.exec(q);
  if (quoted) return quoted[1];
  return q
    .slice(0, index)
    .replace(LEADING_FILLER, '')
    .replace(/[的里中之，,。？?：:“”"]+$/g, '');
}

/** Abbreviations used in loose law names (沪, 公卫 …), from data/law-abbreviations.txt. */
const ABBREVIATIONS: readonly [string, string][] = readFileSync(new URL('../../data/law-abbreviations.txt', import.meta.url), 'utf8')
  .split(/\r?\n/)
  .map((l) => l.replace(/#.*/, '').split('=>').map((s) => s.trim()))
  .filter((p): p is [string, string] => p.length === 2 && Boolean(p[0]) && Boolean(p[1]))
  .sort((a, b) => b[0].length - a[0].length);

/** Writes a loose law name in title words: 沪安全生产条例 → 上海市安全生产条例, 上海公卫应急条例 → 上海市公共卫生应急条例. */
export function expandLawName(hint: string): string {
  let out = hint;
  for (const [short, full] of ABBREVIATIONS) if (!out.includes(full)) out = out.split(short).join(full);
  return out.replace(/^上海(?!市)/, '上海市');
}

const TITLE_NOISE = /^中华人民共和国|（[^）]*示例[^）]*）|\([^)]*\)|（\d{4}[^）]*）/g;

/** How well `hint` names `title` in [0, 1]; 0 when unrelated. */
export function titleMatchScore(hint: string, title: string): number {
  return cleanedMatchScore(cleanHint(hint), cleanTitle(title));
}

function cleanHint(hint: string): string {
  return expandLawName(hint).replace(TITLE_NOISE, '');
}

/** Titles without their noise, memoised: every article or 《》 query scores the hint against all titles. */
const cleanedTitles = new Map<string, string>();
const CLEANED_TITLES_MAX = 50_000;

function cleanTitle(title: string): string {
  let cleaned = cleanedTitles.get(title);
  if (cleaned === undefined) {
    cleaned = title.replace(TITLE_NOISE, '');
    if (cleanedTitles.size >= CLEANED_TITLES_MAX) cleanedTitles.clear();
    cleanedTitles.set(title, cleaned);
  }
  return cleaned;
}

function cleanedMatchScore(h: string, t: string): number {
  if (h.length < 2 || !t) return 0;
  if (t === h) return 1;
  if (t.includes(h)) return 0.9 - 0.3 * ((t.length - h.length) / t.length);
  if (h.includes(t)) return 0.85;
  // Abbreviations keep the order of the title's characters: 应急条例 ⊂ 生产安全事故应急条例, 安法 …
  let i = 0;
  for (const c of t) if (c === h[i] && ++i === h.length) break;
  if (i === h.length) return 0.6 - 0.3 * ((t.length - h.length) / t.length);
  return 0;
}

/**
 * Documents the hint most plausibly names, best first. Near ties are all kept: 应急条例 names both
 * 生产安全事故应急条例 and 破坏性地震应急条例, and the caller shows both rather than guess.
 */
export function matchDocuments(hint: string, docs: SourceDoc[], minScore = 0.3, tieMargin = 0.05): SourceDoc[] {
  const h = cleanHint(hint);
  if (h.length < 2) return [];
  const scored: { doc: SourceDoc; score: number }[] = [];
  for (const doc of docs) {
    const score = cleanedMatchScore(h, cleanTitle(doc.title));
    if (score > minScore) scored.push({ doc, score });
  }
  scored.sort((a, b) => b.score - a.score);
  if (!scored.length) return [];
  const best = scored[0].score;
  return scored.filter((s) => s.score >= best - tieMargin).map((s) => s.doc);
}

/** Whether a chunk label is the requested article or plan section (an outline part is found in the heading path). */
export function labelMatches(ref: ArticleRef, label: string | undefined, labels?: string[], headingPath: string[] = []): boolean {
  const all = labels?.length ? labels : label ? [label] : [];
  if (ref.kind === 'article') return all.includes(ref.articleLabel);
  if (/^[一二三四五六七八九十]+、/.test(ref.articleLabel)) {
    const [part, item] = ref.articleLabel.split(OUTLINE_SEPARATOR);
    const partIndex = headingPath.findIndex((h) => h.startsWith(part));
    if (partIndex < 0) return false;
    if (!item) return true;
    return [...all, ...headingPath.slice(partIndex + 1)].some((l) => l.startsWith(item));
  }
  return all.some((l) => l === ref.articleLabel || l.startsWith(ref.articleLabel + ' ') || l.startsWith(ref.articleLabel + '　'));
}
