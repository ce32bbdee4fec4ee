/**
 * Chinese tokenisation shared by the lexical index (BM25) and the built-in embedder:
 * jieba (default dictionary + data/domain-dict.txt) in search mode, plus CJK character bigrams.
 */
import { readFileSync } from 'node:fs';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/** The domain dictionary that ships with yingji (jieba user-dict format: `word freq tag`). */
export const DOMAIN_DICT_URL = new URL('../../data/domain-dict.txt', import.meta.url);

/**
 * Function words that carry no retrieval signal. Modal words of legal text (应当, 不得, 必须, 禁止)
 * are kept: BM25's IDF already discounts the frequent ones, and a question such as
 * "哪些行为是不得的" needs them.
 */
const STOPWORDS: ReadonlySet<string> = new Set([
  '的', '了', '和', '与', '或', '或者', '及', '以及', '等', '是', '在', '对', '由', '为', '之', '其', '并',
  '而', '将', '把', '被', '从', '向', '于', '以', '按', '按照', '依照', '根据', '有关', '相关', '其他',
  '该', '此', '这', '那', '这些', '那些', '本', '各', '每', '所', '者', '也', '又', '还', '就', '都',
  '即', '则', '但', '如', '若', '因', '因此', '所以', '并且', '而且', '以上', '以下', '之一', '一',
  '个', '中', '上', '下', '内', '时', '后', '前', '条', '款', '项', '地', '得', '着', '过', '给', '让',
  '使', '可', '可以', '能', '能够', '要', '会', '已', '已经', '我', '你', '他', '她', '它', '我们', '你们',
  '他们', 'the', 'a', 'an', 'of', 'and', 'or', 'to', 'in',
]);

/** Extra words dropped from questions only (interrogatives and politeness), never from documents. */
const QUERY_STOPWORDS: ReadonlySet<string> = new Set([
  '什么', '怎么', '怎么办', '怎样', '如何', '哪些', '哪个', '哪里', '哪', '吗', '呢', '吧', '啊', '呀', '请问', '请', '一下', '多少', '几',
  '是否', '有没有', '能否', '需要', '要求', '规定', '问', '想', '知道', '告诉', '应该', '么', '哪儿', '哪条', '哪项', '哪级', '能不能', '可不可以',
  '是不是', '应当', '这个', '那个', '这类', '那么', '还是', '还有', '内容', '讲', '说', '说了', '讲的是', '指的是', '自己', '里', '时候', '之后',
  '以后', '先', '再', '具体', '一般', '分别', '我想', '下来', '接下来', '马上', '立即', '立刻',
]);

/** A token is indexable when it has at least one letter, digit or CJK ideograph. */
const MEANINGFUL = /[\p{L}\p{N}]/u;
const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;

let shared: Jieba | undefined;

/** The process-wide Jieba (created on first use: the 5 MB dictionary takes ~0.2 s to load). */
export function getJieba(): Jieba {
  if (shared) return shared;
  const jieba = Jieba.withDict(dict);
  jieba.loadDict(readFileSync(DOMAIN_DICT_URL));
  shared = jieba;
  return jieba;
}

/** Normalises one jieba token; undefined when it is punctuation, whitespace or a stopword. */
function normalizeToken(raw: string, extraStops?: ReadonlySet<string>): string | undefined {
  const first = raw.charCodeAt(0);
  let token = raw;
  // Fast path: most tokens start with a CJK ideograph and need neither trimming nor case folding.
  if (first < 0x4e00 || first > 0x9fff) {
    token = raw.trim().toLowerCase();
    if (!token || !MEANINGFUL.test(token)) return undefined;
  }
  if (STOPWORDS.has(token) || extraStops?.has(token)) return undefined;
  return token;
}

/**
 * Lines tokenised recently, so the built-in embedder and the lexical index (which see the same chunk text
 * within moments of each other during ingestion) pay for jieba once. FIFO-bounded: ~8k lines of ~100
 * characters is a few MB, and one law's lines fit, so each chunk is segmented once per ingest.
 */
const LINE_CACHE_MAX_ENTRIES = 8192;
/** Lines shorter than this are cheap to segment and not worth a cache slot. */
const LINE_CACHE_MIN_CHARS = 4;
const lineCache = new Map<string, readonly string[]>();

function lineTokens(line: string): readonly string[] {
  const cacheable = line.length >= LINE_CACHE_MIN_CHARS;
  if (cacheable) {
    const hit = lineCache.get(line);
    if (hit) return hit;
  }
  const out: string[] = [];
  for (const raw of getJieba().cutForSearch(line, true)) {
    const token = normalizeToken(raw);
    if (token !== undefined) out.push(token);
  }
  if (cacheable) {
    if (lineCache.size >= LINE_CACHE_MAX_ENTRIES) lineCache.delete(lineCache.keys().next().value as string);
    lineCache.set(line, out);
  }
  return out;
}

/**
 * Index-side tokens: jieba search mode, lower-cased, punctuation/whitespace/stopwords dropped (duplicates kept:
 * they are term frequency). Segmented line by line — jieba never joins words across a line break, so the
 * tokens equal those of the whole text — which lets differently framed texts (embedding text vs. chunk text)
 * share the cached lines.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) for (const token of lineTokens(text.slice(start, end))) out.push(token);
    start = end + 1;
  }
  return out;
}

/** Query-side tokens: like tokenize() but also drops interrogatives, and each term appears once. */
export function tokenizeQuery(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of getJieba().cutForSearch(text, true)) {
    const token = normalizeToken(raw, QUERY_STOPWORDS);
    if (token !== undefined) seen.add(token);
  }
  return [...seen];
}

/**
 * Overlapping character bigrams of every CJK run (a one-character run yields that character).
 * Segmentation-free, so it still matches spoken or mis-segmented queries.
 */
export function cjkBigrams(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(CJK_RUN)) {
    const run = match[0];
    if (run.length === 1) {
      out.push(run);
      continue;
    }
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
}

/** The distinct CJK bigrams of a text: a cheap fingerprint for near-duplicate detection. */
export function bigramSet(text: string): Set<string> {
  return new Set(cjkBigrams(text));
}

/** Jaccard similarity of two sets, 0 when either is empty. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
