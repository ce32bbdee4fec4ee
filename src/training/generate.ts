/**
 * Questions built from articles, the article's own words as the key: fill-in-the-blank on a fact, single
 * choice whose distractors are facts of the same kind from other articles (never one this article also states),
 * true/false made by changing exactly one fact (a number, a party, 应当↔不得). No model involved.
 */
import { parseChineseNumber, toAsciiDigits, toChineseNumber } from '../core/chinese-text.js';
import type { Article } from './articles.js';
import { extractFacts, normalizeFactValue, type Fact } from './facts.js';
import type { FactKind, QuestionKind, QuizQuestion } from './types.js';
import { QUESTION_KINDS } from './types.js';

/** The blank in a fill-in question; choice questions use the paper convention （　　）. */
export const BLANK = '____';
export const CHOICE_GAP = '（　　）';
const CHOICE_OPTIONS = 4;
/** A question quotes one sentence; longer sentences fall back to their clause (；). */
const MAX_SENTENCE_CHARS = 160;
const MIN_SENTENCE_CHARS = 8;
/** Blank / choice prefer the facts an officer must know by heart. */
const FACT_PRIORITY: Record<FactKind, number> = { deadline: 0, amount: 1, threshold: 2, party: 3, obligation: 4 };
const NUMERIC_KINDS: ReadonlySet<FactKind> = new Set(['deadline', 'amount', 'threshold']);
const FLIPS: Readonly<Record<string, string>> = { 应当: '不得', 不得: '应当' };

export interface PoolEntry {
  kind: FactKind;
  text: string;
  value: string;
  unit: string;
  /** The value with its numbers as # (#日内, #万元以上#万元以下): facts of one shape read alike. */
  shape: string;
  articleKey: string;
  docId: string;
}

/** Facts of the whole corpus by kind, one entry per distinct value and unit: where distractors come from. */
export interface FactPool {
  byKind: Map<FactKind, PoolEntry[]>;
}

export interface GenerateOptions {
  /** How many questions (at most one per article unless allowSameArticle). */
  n: number;
  kinds?: readonly QuestionKind[];
  /** Same seed, same articles and pool → same questions. */
  seed?: number;
  allowSameArticle?: boolean;
}

interface Located {
  fact: Fact;
  /** The sentence holding the fact, as [start, end) in the article text. */
  sentence: [number, number];
}

export function buildFactPool(articles: readonly Article[]): FactPool {
  const byKind = new Map<FactKind, PoolEntry[]>();
  const seen = new Set<string>();
  for (const a of articles) {
    for (const f of extractFacts(a.text)) {
      const id = `${f.kind}|${f.unit}|${f.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const list = byKind.get(f.kind) ?? [];
      list.push({ kind: f.kind, text: f.text, value: f.value, unit: f.unit, shape: shapeOf(f), articleKey: a.key, docId: a.docId });
      byKind.set(f.kind, list);
    }
  }
  return { byKind };
}

/**
 * Proposes up to `n` questions, one per article, the kinds in turn; grouped blank → choice → judge, each group
 * in reading order. Articles that yield no question of any requested kind are skipped.
 */
export function generateQuestions(articles: readonly Article[], pool: FactPool, options: GenerateOptions): QuizQuestion[] {
  const kinds = options.kinds?.length ? [...new Set(options.kinds)] : [...QUESTION_KINDS];
  const rng = mulberry32(options.seed ?? Date.now());
  // Articles with a deadline, amount or threshold alternate with the rest, so those facts are not drowned out
  // by the many articles that only name a party or an obligation.
  const indexed = articles.map((a, i) => ({ a, i, numeric: extractFacts(a.text).some((f) => NUMERIC_KINDS.has(f.kind)) }));
  const order = interleave(
    shuffle(indexed.filter((x) => x.numeric), rng),
    shuffle(indexed.filter((x) => !x.numeric), rng),
  );
  const count = new Map<QuestionKind, number>(kinds.map((k) => [k, 0]));
  const picked: { q: Omit<QuizQuestion, 'id'>; i: number }[] = [];
  const usedFacts = new Set<string>();
  // Pass 0 keeps each kind within its share (ceil(n / kinds)); later passes fill up with whatever an article gives.
  const share = Math.ceil(options.n / kinds.length);
  const usedArticles = new Set<string>();
  const passes = options.allowSameArticle ? 4 : 2;
  for (let pass = 0; pass < passes && picked.length < options.n; pass++) {
    for (const { a, i } of order) {
      if (picked.length >= options.n) break;
      if (!options.allowSameArticle && usedArticles.has(a.key)) continue;
      const tryKinds = [...kinds]
        .filter((k) => pass > 0 || count.get(k)! < share)
        .sort((x, y) => count.get(x)! - count.get(y)! || kinds.indexOf(x) - kinds.indexOf(y));
      for (const kind of tryKinds) {
        const q = makeQuestion(a, kind, pool, rng, usedFacts);
        if (!q) continue;
        picked.push({ q, i });
        usedArticles.add(a.key);
        count.set(kind, count.get(kind)! + 1);
        break;
      }
    }
  }
  const rank = (k: QuestionKind) => QUESTION_KINDS.indexOf(k);
  picked.sort((x, y) => rank(x.q.kind) - rank(y.q.kind) || x.i - y.i);
  return picked.map(({ q }, n) => ({ id: `q${n + 1}`, ...q }));
}

/** One question of `kind` from `article`, or undefined when the article has no fact that fits. */
export function makeQuestion(
  article: Article,
  kind: QuestionKind,
  pool: FactPool,
  rng: () => number = Math.random,
  usedFacts: Set<string> = new Set(),
): Omit<QuizQuestion, 'id'> | undefined {
  const facts = extractFacts(article.text);
  const located = locate(article, facts).filter(({ fact }) => !usedFacts.has(factId(article, fact)));
  const source = { docId: article.docId, title: article.title, locator: article.locator, text: article.text };
  const head = `《${article.title}》${article.label}`;
  // 第八十三条规定：… reads naturally; a plan section's heading (（一）报告范围) takes no 规定.
  const judgeHead = /^第[零〇一二三四五六七八九十百千]+条/u.test(article.label) ? `${head}规定：` : `${head}：`;
  const byPriority = shuffle(located, rng).sort((x, y) => FACT_PRIORITY[x.fact.kind] - FACT_PRIORITY[y.fact.kind]);

  if (kind === 'blank') {
    const l = byPriority[0];
    if (!l) return undefined;
    usedFacts.add(factId(article, l.fact));
    return {
      kind,
      prompt: `${head}：${gapped(article.text, l, BLANK)}`,
      answer: l.fact.text,
      source,
      fact: { kind: l.fact.kind, text: l.fact.text },
    };
  }
  if (kind === 'choice') {
    for (const l of byPriority) {
      const distractors = pickDistractors(article, facts, l.fact, pool, rng, CHOICE_OPTIONS - 1);
      if (distractors.length < CHOICE_OPTIONS - 1) continue;
      usedFacts.add(factId(article, l.fact));
      return {
        kind,
        prompt: `${head}：${gapped(article.text, l, CHOICE_GAP)}`,
        options: shuffle([l.fact.text, ...distractors], rng),
        answer: l.fact.text,
        source,
        fact: { kind: l.fact.kind, text: l.fact.text },
      };
    }
    return undefined;
  }
  // judge: half keep the sentence as written (true), half change exactly one fact (false); an article with no
  // fact that can be changed gives a true item.
  const asWritten = (l: Located): Omit<QuizQuestion, 'id'> => {
    usedFacts.add(factId(article, l.fact));
    const sentence = article.text.slice(l.sentence[0], l.sentence[1]);
    return { kind, prompt: `${judgeHead}${sentence}`, answer: true, source, fact: { kind: l.fact.kind, text: l.fact.text } };
  };
  const first = byPriority[0];
  if (!first) return undefined;
  if (rng() >= 0.5) return asWritten(first);
  for (const l of byPriority) {
    const change = changeOneFact(article, facts, l, pool, rng);
    if (!change) continue;
    usedFacts.add(factId(article, l.fact));
    const [s, e] = l.sentence;
    return {
      kind,
      prompt: `${judgeHead}${article.text.slice(s, change.start)}${change.to}${article.text.slice(change.end, e)}`,
      answer: false,
      source,
      fact: { kind: l.fact.kind, text: l.fact.text },
      change: { from: change.from, to: change.to },
    };
  }
  return asWritten(first);
}

function factId(article: Article, fact: Fact): string {
  return `${article.key}|${fact.start}|${fact.kind}`;
}

/** Facts with a quotable sentence in which their words occur once (so the gap has one answer). */
function locate(article: Article, facts: Fact[]): Located[] {
  const bodyStart = article.text.startsWith(article.label) ? article.label.length : 0;
  const out: Located[] = [];
  for (const fact of facts) {
    if (fact.start < bodyStart) continue;
    const sentence = sentenceAround(article.text, fact, bodyStart);
    if (!sentence) continue;
    const text = article.text.slice(sentence[0], sentence[1]);
    if (text.indexOf(fact.text) !== text.lastIndexOf(fact.text)) continue;
    out.push({ fact, sentence });
  }
  return out;
}

function sentenceAround(text: string, fact: Fact, bodyStart: number): [number, number] | undefined {
  for (const breaks of [/[。！？\n]/u, /[。！？；\n]/u]) {
    let s = fact.start;
    while (s > bodyStart && !breaks.test(text[s - 1]!)) s--;
    let e = fact.end;
    while (e < text.length && !breaks.test(text[e]!)) e++;
    if (e < text.length && /[。！？；]/u.test(text[e]!)) e++;
    while (s < fact.start && /\s/u.test(text[s]!)) s++;
    const chars = e - s;
    if (chars >= MIN_SENTENCE_CHARS && chars <= MAX_SENTENCE_CHARS) return [s, e];
  }
  return undefined;
}

function gapped(text: string, l: Located, gap: string): string {
  return text.slice(l.sentence[0], l.fact.start) + gap + text.slice(l.fact.end, l.sentence[1]);
}

const normalizedTexts = new WeakMap<Article, string>();

/** True when the article states this value, in these words or in other numerals (三十日内 / 30日内). */
function articleStates(article: Article, facts: Fact[], entry: { kind: FactKind; text: string; value: string }): boolean {
  if (article.text.includes(entry.text)) return true;
  let normalized = normalizedTexts.get(article);
  if (normalized === undefined) {
    normalized = normalizeFactValue(article.text);
    normalizedTexts.set(article, normalized);
  }
  if (normalized.includes(entry.value)) return true;
  return facts.some((f) => f.kind === entry.kind && f.value === entry.value);
}

/**
 * Facts of the same kind from other articles that this article does not state. Numbers keep their shape (日内
 * with 日内) or at least their unit — a 米 among 人 options gives the answer away; parties and obligations from
 * the same document come first, as they read most alike.
 */
function candidatesFor(
  article: Article,
  facts: Fact[],
  fact: Fact,
  pool: FactPool,
  rng: () => number,
  need: number,
  sameShapeOnly = false,
): PoolEntry[] {
  const states = (p: PoolEntry) => p.articleKey === article.key || p.value === fact.value || articleStates(article, facts, p);
  const ofKind = pool.byKind.get(fact.kind) ?? [];
  if (NUMERIC_KINDS.has(fact.kind)) {
    const shape = shapeOf(fact);
    const sameShape = ofKind.filter((p) => p.shape === shape && !states(p));
    const chosen = sameShape.length >= need || sameShapeOnly ? sameShape : ofKind.filter((p) => p.unit === fact.unit && !states(p));
    return nearFirst(chosen, fact.value, rng);
  }
  const usable = ofKind.filter((p) => (fact.kind !== 'obligation' || p.unit === fact.unit) && !states(p));
  return [...shuffle(usable.filter((p) => p.docId === article.docId), rng), ...shuffle(usable.filter((p) => p.docId !== article.docId), rng)];
}

/** How many of the nearest numbers a distractor is drawn from: 3人 beside 5000人 gives itself away. */
const NEAR_CANDIDATES = 8;

/** Numbers of a similar magnitude first (random among the nearest few), the rest after. */
function nearFirst(entries: PoolEntry[], value: string, rng: () => number): PoolEntry[] {
  const magnitude = (v: string) => Math.log10(Number(/[0-9]+(?:\.[0-9]+)?/u.exec(v)?.[0] ?? '1') || 1);
  const m = magnitude(value);
  const sorted = shuffle(entries, rng).sort((a, b) => Math.abs(magnitude(a.value) - m) - Math.abs(magnitude(b.value) - m));
  return [...shuffle(sorted.slice(0, NEAR_CANDIDATES), rng), ...sorted.slice(NEAR_CANDIDATES)];
}

function shapeOf(f: { value: string }): string {
  return f.value.replace(/[0-9]+(?:\.[0-9]+)?/gu, '#');
}

/** Writes a distractor's numbers the way the key writes them (30日内 beside 15日内, 三十日内 beside 十五日内). */
function inStyleOf(key: string, text: string): string {
  const arabic = /[0-9０-９]/u.test(key);
  const chinese = /[一二两三四五六七八九十百千]/u.test(key.replace(/[万亿元倍]/gu, ''));
  if (arabic && !chinese) {
    return text.replace(/[零〇一二两三四五六七八九十百千]+/gu, (run) => String(parseChineseNumber(run) ?? run));
  }
  if (chinese && !arabic) return toAsciiDigits(text).replace(/[0-9]+/gu, (d) => (Number(d) < 100_000 ? toChineseNumber(Number(d)) : d));
  return text;
}

function pickDistractors(article: Article, facts: Fact[], fact: Fact, pool: FactPool, rng: () => number, k: number): string[] {
  const out: { text: string; value: string }[] = [];
  for (const p of candidatesFor(article, facts, fact, pool, rng, k)) {
    if (out.length >= k) break;
    const text = NUMERIC_KINDS.has(fact.kind) ? inStyleOf(fact.text, p.text) : p.text;
    const value = normalizeFactValue(text);
    if (value !== p.value || article.text.includes(text)) continue;
    if (out.some((o) => o.value === value || o.value.includes(value) || value.includes(o.value))) continue;
    if (value.includes(fact.value) || fact.value.includes(value)) continue;
    out.push({ text, value });
  }
  return out.map((o) => o.text);
}

function changeOneFact(
  article: Article,
  facts: Fact[],
  l: Located,
  pool: FactPool,
  rng: () => number,
): { start: number; end: number; from: string; to: string } | undefined {
  const { fact } = l;
  if (fact.kind === 'obligation') {
    const to = FLIPS[fact.unit];
    if (!to) return undefined;
    const start = fact.start - fact.unit.length;
    if (article.text.slice(start, fact.start) !== fact.unit) return undefined;
    return { start, end: fact.start, from: fact.unit, to };
  }
  const sentence = article.text.slice(l.sentence[0], l.sentence[1]);
  // A changed number keeps the form of the original (十日以下 → 五日以下), so only the number tells them apart.
  for (const p of candidatesFor(article, facts, fact, pool, rng, 1, true)) {
    const to = NUMERIC_KINDS.has(fact.kind) ? inStyleOf(fact.text, p.text) : p.text;
    if (normalizeFactValue(to) !== p.value || sentence.includes(to) || p.value.includes(fact.value) || fact.value.includes(p.value)) continue;
    return { start: fact.start, end: fact.end, from: fact.text, to };
  }
  return undefined;
}

/** Small seeded PRNG (mulberry32): reproducible quizzes in tests and with `--seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
  }
  return out;
}

function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
