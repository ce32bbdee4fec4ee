/**
 * Extractive answers for when no model is reachable: the most relevant sentences of the top passages, scored by
 * overlap with the query terms, deduplicated, in source order, numbered items kept as numbered items in order,
 * each line cited [n]. A direct article request gets the article verbatim.
 */
import type { Hit } from '../core/types.js';
import { bigramSet, cjkBigrams, jaccard } from '../core/chinese-tokenizer.js';
import { labelMatches } from '../retrieval/article-ref.js';
import type { QueryAnalysis } from '../retrieval/types.js';

/** The heading every extractive answer starts with. */
export const EXTRACTIVE_HEADING = '【离线检索模式（未连接模型）】';

/** Most passages sentences are taken from; lower-ranked ones rarely add anything but noise. */
const MAX_SOURCES = 4;
/** A passage whose score is below this share of the best one is not used. */
const MIN_RELATIVE_SCORE = 0.5;
const MAX_UNITS = 6;
/** About a screen of text on a phone. */
const MAX_CHARS = 700;
/** A numbered list completed around selected items may add this much more. */
const MAX_LIST_CHARS = 900;
const LONG_SENTENCE_CHARS = 160;
/** A numbered list this short is shown whole once any of its items is relevant. */
const SHORT_LIST_CHARS = 400;
/** A sentence scoring below this share of the best sentence is noise, not support. */
const MIN_RELATIVE_UNIT_SCORE = 0.5;
/** Chapter/section heading lines the chunker keeps in the text (第二章 事故报告). */
const CHAPTER_LINE_RE = /^第[一二三四五六七八九十百零]+[章节编](?:\s+\S.{0,30})?$/;

const ITEM_RE =
  /^\s*(?:[（(][一二三四五六七八九十百零\d]+[）)]|[一二三四五六七八九十]+、|\d+(?:\.\d+)*[.、．](?!\d)|[①-⑳]|[-*•·]\s)/;
const HEADING_RE = /^\s*#{1,6}\s/;
const TABLE_SEP_RE = /^\s*\|?\s*:?-{3,}/;
const STOP_BIGRAM_RE = /[的了吗呢么啊吧？?，,。\s]|什么|怎么|哪些|如何|多少|应该|是否|可以|需要|哪个|哪里/;

export interface ExtractiveSource {
  n: number;
  hit: Hit;
}

export interface ExtractiveAnswer {
  text: string;
  cited: Set<number>;
  /** Per source number, the sentences used (for highlighting). */
  highlights: Map<number, string[]>;
  kind: 'article' | 'sentences';
}

interface Unit {
  text: string;
  pos: number;
  item: boolean;
  listId: number | null;
  intro: boolean;
}

/** Splits passage text into sentences, list items and table rows, in reading order. */
export function splitUnits(text: string, headingPath: string[] = []): Unit[] {
  const units: Unit[] = [];
  const headings = new Set(headingPath.map((h) => h.replace(/\s+/g, '')));
  let listCounter = 0;
  let currentList: number | null = null;
  for (const rawLine of text.split(/\n+/)) {
    const line = rawLine.trim();
    if (!line || HEADING_RE.test(line) || TABLE_SEP_RE.test(line) || line === '<!-- INFO END -->') continue;
    if (headings.has(line.replace(/\s+/g, '')) || (CHAPTER_LINE_RE.test(line) && !/[。；：]/.test(line))) continue;
    if (line.startsWith('|')) {
      const cells = line.split('|').map((c) => c.trim()).filter(Boolean);
      units.push({ text: cells.join('｜'), pos: units.length, item: false, listId: null, intro: false });
      currentList = null;
      continue;
    }
    if (ITEM_RE.test(line)) {
      if (currentList === null) {
        currentList = ++listCounter;
        const prev = units[units.length - 1];
        if (prev && !prev.item && /[：:]$/.test(prev.text)) {
          prev.intro = true;
          prev.listId = currentList;
        }
      }
      units.push({ text: line, pos: units.length, item: true, listId: currentList, intro: false });
      continue;
    }
    currentList = null;
    for (const sentence of splitSentences(line)) {
      units.push({ text: sentence, pos: units.length, item: false, listId: null, intro: false });
    }
  }
  return units;
}

function splitSentences(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/[^。！？!?]+[。！？!?]*/g)) {
    const s = m[0].trim();
    if (!s) continue;
    if (s.length <= LONG_SENTENCE_CHARS) {
      out.push(s);
      continue;
    }
    // Long legal sentences: split at semicolons, keeping the clause that ends with a colon with what follows.
    for (const part of s.match(/[^；;]+[；;]?/g) ?? [s]) if (part.trim()) out.push(part.trim());
  }
  return out;
}

/** Query terms with weights: the retriever's analysed terms when given, plus the question's content bigrams. */
export function queryTerms(question: string, analysis?: QueryAnalysis): { term: string; weight: number }[] {
  const terms = new Map<string, number>();
  for (const t of analysis?.terms ?? []) {
    const term = t.term.trim();
    if (term.length >= 2 && !STOP_BIGRAM_RE.test(term)) terms.set(term, Math.max(terms.get(term) ?? 0, t.weight));
  }
  for (const b of cjkBigrams(question)) {
    if (!STOP_BIGRAM_RE.test(b)) terms.set(b, Math.max(terms.get(b) ?? 0, 0.5));
  }
  return [...terms].map(([term, weight]) => ({ term, weight }));
}

function scoreUnit(text: string, terms: { term: string; weight: number }[]): number {
  let s = 0;
  for (const { term, weight } of terms) if (text.includes(term)) s += weight * (term.length >= 3 ? 1.5 : 1);
  return s / (1 + text.length / 200);
}

function normalise(text: string): string {
  return text.replace(/^[（(]?[一二三四五六七八九十\d.]+[）)、.．]?/, '').replace(/[\s\p{P}]/gu, '');
}

function isDuplicate(a: string, b: string): boolean {
  const na = normalise(a);
  const nb = normalise(b);
  if (!na || !nb) return false;
  if (na.includes(nb) || nb.includes(na)) return true;
  return jaccard(bigramSet(na), bigramSet(nb)) >= 0.8;
}

function heading(reason?: string): string {
  const why = reason ? `原因：${reason}。\n` : '';
  return `${EXTRACTIVE_HEADING}\n${why}以下为知识库原文摘录（按与问题的相关度选取，未经模型归纳），请以原文为准。\n\n`;
}

function sourceTitle(hit: Hit): string {
  const label = hit.chunk.articleLabel ?? hit.chunk.headingPath[hit.chunk.headingPath.length - 1];
  const page = hit.chunk.pageStart ? `（第${hit.chunk.pageStart}页）` : '';
  return `《${hit.doc.title}》${label ? label : ''}${page}`;
}

/** True when the analysis names an article and the top source is that article. */
export function isDirectArticleRequest(analysis: QueryAnalysis | undefined, sources: ExtractiveSource[]): boolean {
  const ref = analysis?.articleRef;
  const top = sources[0]?.hit;
  if (!ref || !top) return false;
  if (ref.docIds.length > 0 && !ref.docIds.includes(top.doc.id)) return false;
  return labelMatches({ ...ref, kind: ref.kind ?? 'article' }, top.chunk.articleLabel, top.chunk.articleLabels);
}

const ARTICLE_START_RE = /^\s*第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?(?=[\s　])/;

/**
 * The text of one article out of a chunk that merged several short ones; the whole chunk otherwise.
 * Verbatim: lines are cut, never rewritten.
 */
export function articleText(chunkText: string, label: string): string {
  const lines = chunkText.trim().split('\n');
  const start = lines.findIndex((l) => ARTICLE_START_RE.exec(l)?.[0].trim() === label);
  if (start < 0) return chunkText.trim();
  let end = start + 1;
  while (end < lines.length && !ARTICLE_START_RE.test(lines[end])) end++;
  return lines.slice(start, end).join('\n').trim();
}

/**
 * Builds the extractive answer over numbered sources (same numbering as the sources list shown to the user).
 * @param reason why there is no model, shown under the heading.
 */
export function buildExtractiveAnswer(input: {
  question: string;
  analysis?: QueryAnalysis;
  sources: ExtractiveSource[];
  reason?: string;
}): ExtractiveAnswer {
  const { sources } = input;
  const highlights = new Map<number, string[]>();
  if (sources.length === 0) {
    return { text: `${heading(input.reason)}知识库中没有检索到相关内容。`, cited: new Set(), highlights, kind: 'sentences' };
  }
  if (isDirectArticleRequest(input.analysis, sources)) {
    const top = sources[0].hit;
    const label = input.analysis?.articleRef?.kind === 'section' ? top.chunk.articleLabel : input.analysis?.articleRef?.articleLabel;
    const wanted = label ?? top.chunk.articleLabel ?? '';
    const parts = sources
      .filter((s) => s.hit.doc.id === top.doc.id && (s.hit.chunk.articleLabels ?? [s.hit.chunk.articleLabel]).includes(wanted))
      .sort((a, b) => a.hit.chunk.ordinal - b.hit.chunk.ordinal);
    if (parts.length === 0) parts.push(sources[0]);
    const texts = parts.map((s) => ({ n: s.n, text: input.analysis?.articleRef?.kind === 'section' ? s.hit.chunk.text.trim() : articleText(s.hit.chunk.text, wanted) }));
    const body = texts.map((t) => `${t.text}[${t.n}]`).join('\n');
    for (const t of texts) highlights.set(t.n, [t.text]);
    return {
      text: `${heading(input.reason)}《${top.doc.title}》${wanted}原文：\n\n${body}`,
      cited: new Set(parts.map((s) => s.n)),
      highlights,
      kind: 'article',
    };
  }

  const terms = queryTerms(input.question, input.analysis);
  const topScore = sources[0].hit.score;
  const used = sources
    .slice(0, MAX_SOURCES)
    .filter((s, i) => i === 0 || s.hit.score >= topScore * MIN_RELATIVE_SCORE);
  const perSource = used.map((s, rank) => ({ s, units: splitUnits(s.hit.chunk.text, s.hit.chunk.headingPath), rank }));
  const candidates = perSource.flatMap(({ s, units, rank }) =>
    units.map((u) => ({ s, u, score: scoreUnit(u.text, terms) * (1 - rank * 0.1) })),
  );
  candidates.sort((a, b) => b.score - a.score || a.s.n - b.s.n || a.u.pos - b.u.pos);

  const chosen: { s: ExtractiveSource; u: Unit }[] = [];
  let chars = 0;
  const tryAdd = (c: { s: ExtractiveSource; u: Unit }, limit: number) => {
    if (chosen.some((x) => x.s === c.s && x.u === c.u)) return false;
    // Units of one passage are distinct by position; sources restating each other are not.
    if (chosen.some((x) => x.s !== c.s && isDuplicate(x.u.text, c.u.text))) return false;
    if (chosen.length > 0 && chars + c.u.text.length > limit) return false;
    chosen.push(c);
    chars += c.u.text.length;
    return true;
  };
  const bestScore = candidates[0]?.score ?? 0;
  for (const c of candidates) {
    if (chosen.length >= MAX_UNITS) break;
    if (c.score <= 0 || c.score < bestScore * MIN_RELATIVE_UNIT_SCORE) break;
    tryAdd(c, MAX_CHARS);
  }
  if (chosen.length === 0) {
    // Nothing overlaps the question's words: the passage's opening still says what it is about.
    for (const u of perSource[0].units.slice(0, 2)) tryAdd({ s: perSource[0].s, u }, MAX_CHARS);
  }

  // Steps stay steps: an intro brings its items; items bring their intro and the items around them.
  for (const { s, units } of perSource) {
    const picked = chosen.filter((c) => c.s === s);
    const listIds = new Set(picked.map((c) => c.u.listId).filter((x): x is number => x !== null));
    for (const listId of listIds) {
      const members = units.filter((u) => u.listId === listId);
      const items = members.filter((u) => u.item);
      const pickedHere = picked.filter((c) => c.u.listId === listId);
      const introPicked = pickedHere.some((c) => c.u.intro);
      const positions = pickedHere.filter((c) => c.u.item).map((c) => c.u.pos);
      // A short list is shown whole (steps and grades read wrong out of context); a long one between picks.
      const whole = introPicked || items.reduce((n, u) => n + u.text.length, 0) <= SHORT_LIST_CHARS;
      const from = whole ? items[0]?.pos ?? 0 : Math.min(...positions);
      const to = whole ? items[items.length - 1]?.pos ?? 0 : Math.max(...positions);
      for (const u of members) {
        if ((u.intro && u.text.length <= 120) || (u.item && u.pos >= from && u.pos <= to)) {
          tryAdd({ s, u }, MAX_CHARS + MAX_LIST_CHARS);
        }
      }
    }
  }

  chosen.sort((a, b) => a.s.n - b.s.n || a.u.pos - b.u.pos);
  const blocks: string[] = [];
  let current: ExtractiveSource | null = null;
  for (const c of chosen) {
    if (c.s !== current) {
      blocks.push(`${blocks.length ? '\n' : ''}${sourceTitle(c.s.hit)}：`);
      current = c.s;
    }
    blocks.push(`${c.u.text}[${c.s.n}]`);
    highlights.set(c.s.n, [...(highlights.get(c.s.n) ?? []), c.u.text]);
  }
  return {
    text: heading(input.reason) + blocks.join('\n'),
    cited: new Set(chosen.map((c) => c.s.n)),
    highlights,
    kind: 'sentences',
  };
}
