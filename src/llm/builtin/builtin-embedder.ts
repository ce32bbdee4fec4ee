/**
 * The model-free embedder: signed feature hashing of TF-IDF-weighted jieba words plus CJK character
 * bigrams. Deterministic and corpus-independent (IDF comes from jieba's shipped idf.txt), so a vector
 * computed today equals one computed on another machine, and no re-embedding follows new documents.
 */
import { idf as idfBytes } from '@node-rs/jieba/dict.js';
import type { Embedder } from '../embedder.js';
import { cjkBigrams, tokenize, tokenizeQuery } from '../../core/chinese-tokenizer.js';

export const BUILTIN_EMBEDDER_DIMENSIONS = 512;
/** Bump the version whenever tokenisation, weights or hashing change: stored vectors then need `yingji reindex`. */
const BUILTIN_EMBEDDER_VERSION = 'v1';
export const BUILTIN_EMBEDDER_ID = builtinEmbedderId(BUILTIN_EMBEDDER_DIMENSIONS);

/** The id recorded in manifests for the built-in embedder at `dimensions`. */
export function builtinEmbedderId(dimensions: number): string {
  return `builtin-hash-${BUILTIN_EMBEDDER_VERSION}-${dimensions}`;
}

/** IDF for words missing from jieba's table (mostly domain compounds such as 危险化学品): specific, but not the rarest. */
const UNKNOWN_WORD_IDF = 10;
/** Share of the bigram block in the final vector; words carry the meaning, bigrams rescue unsegmented text. */
const BIGRAM_BLOCK_WEIGHT = 0.6;
const WORD_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x01000193 ^ 0x9e3779b9;
/** Bigrams of interrogatives would make every question look alike. */
const QUERY_BIGRAM_STOPS: ReadonlySet<string> = new Set(['什么', '怎么', '如何', '哪些', '请问', '是否', '多少', '应该', '需要']);

let idfTable: Map<string, number> | undefined;

function getIdfTable(): Map<string, number> {
  if (idfTable) return idfTable;
  const table = new Map<string, number>();
  const text = Buffer.from(idfBytes.buffer, idfBytes.byteOffset, idfBytes.byteLength).toString('utf8');
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) table.set(line.slice(0, space).toLowerCase(), value);
  }
  idfTable = table;
  return table;
}

/** FNV-1a over UTF-16 code units, finished with murmur3's avalanche so low bits are well mixed. */
function hash32(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function countTerms(terms: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

/** Adds the hashed, sublinear-tf block into `out`, scaled to L2 norm `blockWeight`. */
function addBlock(
  out: Float64Array,
  counts: Map<string, number>,
  seed: number,
  weightOf: (term: string) => number,
  blockWeight: number,
): void {
  const block = new Float64Array(out.length);
  for (const [term, tf] of counts) {
    const h = hash32(term, seed);
    const sign = h & 0x80000000 ? -1 : 1;
    block[h % out.length] += sign * (1 + Math.log(tf)) * weightOf(term);
  }
  let norm = 0;
  for (let i = 0; i < block.length; i++) norm += block[i] * block[i];
  if (norm === 0) return;
  const scale = blockWeight / Math.sqrt(norm);
  for (let i = 0; i < block.length; i++) out[i] += block[i] * scale;
}

function toUnitArray(v: Float64Array): number[] {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  const out = new Array<number>(v.length);
  // An empty or punctuation-only text has no features; return the zero vector rather than NaN.
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
  return out;
}

function embed(words: string[], bigrams: string[], dims: number): number[] {
  const table = getIdfTable();
  const v = new Float64Array(dims);
  addBlock(v, countTerms(words), WORD_SEED, (w) => table.get(w) ?? UNKNOWN_WORD_IDF, 1);
  addBlock(v, countTerms(bigrams), BIGRAM_SEED, () => 1, BIGRAM_BLOCK_WEIGHT);
  return toUnitArray(v);
}

/**
 * Embeds one passage synchronously (the Embedder methods wrap this). Its jieba segmentation is cached per
 * line (core/chinese-tokenizer.ts), so the lexical index tokenising the same chunk right after costs little.
 */
export function embedPassage(text: string, dimensions = BUILTIN_EMBEDDER_DIMENSIONS): number[] {
  return embed(tokenize(text), cjkBigrams(text), dimensions);
}

/** Embeds a question: interrogatives are dropped so "什么是X" lands near passages about X. */
export function embedQuestion(text: string, dimensions = BUILTIN_EMBEDDER_DIMENSIONS): number[] {
  const bigrams = cjkBigrams(text).filter((b) => !QUERY_BIGRAM_STOPS.has(b));
  return embed(tokenizeQuery(text), bigrams, dimensions);
}

export interface BuiltinEmbedderOptions {
  /** Hash buckets (vector length); default BUILTIN_EMBEDDER_DIMENSIONS. Part of the id. */
  dimensions?: number;
}

/** The built-in embedder: no model file, ~1 ms per 500-character passage. */
export function createBuiltinEmbedder(options: BuiltinEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? BUILTIN_EMBEDDER_DIMENSIONS;
  if (!Number.isInteger(dimensions) || dimensions < 16) throw new RangeError(`builtin embedder: invalid dimensions ${dimensions}`);
  return {
    id: builtinEmbedderId(dimensions),
    dimensions,
    async embedDocuments(texts: string[]): Promise<number[][]> {
      return texts.map((t) => embedPassage(t, dimensions));
    },
    async embedQuery(text: string): Promise<number[]> {
      return embedQuestion(text, dimensions);
    },
  };
}
