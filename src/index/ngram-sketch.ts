/**
 * CJK characters and character bigrams as second, weaker lexical signals: the BM25 word candidates are re-scored
 * with the question's bigrams and characters, which need no segmentation (有个厂炸了 still meets 爆炸 where jieba
 * split it otherwise) and meet the legal word that shares a morpheme with the lay one (瞎编 · 编造, 被淹 · 受淹).
 *
 * Neither is indexed as postings: over the full collection (151k chunks) bigram postings alone doubled the
 * postings and pushed ingest past 1.5 GiB. Only document frequencies are kept, in one hashed table (8 MiB in
 * memory; a collision can only raise a count, i.e. lower an IDF; a character's code never equals a bigram's), and
 * term frequencies are counted in the candidates' own text at query time. Measured on ../shared/eval/dev.jsonl and
 * bench/holdout-questions.jsonl (see bench/retrieval-ablation.md).
 */

const MAGIC = 0x4d534742; // 'BGSM' little-endian
/** 1 held bigrams only: such a file is read as absent, and the sketch is counted again once. */
const FORMAT_VERSION = 2;
const HEADER_WORDS = 8;
const BUCKET_BITS = 21;
const BUCKETS = 1 << BUCKET_BITS;
const SPARSE_FLAG = 0x100;
const K1 = 1.2;
const B = 0.75;

/** A query character or bigram with its weight (the caller's weight for its kind × its IDF). */
interface QueryGram {
  code: number;
  factor: number;
}

/** How much the question's bigrams and its single characters count, against 1 for its words. */
export interface GramWeights {
  bigram: number;
  character: number;
}

export class NgramSketch {
  /** Per hash bucket: documents containing a bigram or character of that bucket. */
  private docFreq = new Uint32Array(BUCKETS);
  private docs = 0;
  /** Bigrams and CJK characters (with repeats) over all live documents, for the average lengths. */
  private totalBigrams = 0;
  private totalCharacters = 0;
  private scratch = new Uint32Array(1024);

  /** Counts a document's distinct bigrams and characters. */
  add(text: string): void {
    const { buckets, count, bigrams, characters } = this.bucketsOf(text);
    for (let i = 0; i < count; i++) this.docFreq[buckets[i]]++;
    this.docs++;
    this.totalBigrams += bigrams;
    this.totalCharacters += characters;
  }

  /** Uncounts a document added with the same text. */
  remove(text: string): void {
    const { buckets, count, bigrams, characters } = this.bucketsOf(text);
    for (let i = 0; i < count; i++) if (this.docFreq[buckets[i]] > 0) this.docFreq[buckets[i]]--;
    this.docs = Math.max(0, this.docs - 1);
    this.totalBigrams = Math.max(0, this.totalBigrams - bigrams);
    this.totalCharacters = Math.max(0, this.totalCharacters - characters);
  }

  /** The distinct buckets of a text's grams (in a reused array: ingest adds 150k chunks) and how many of each kind. */
  private bucketsOf(text: string): { buckets: Uint32Array; count: number; bigrams: number; characters: number } {
    if (this.scratch.length < text.length * 2) this.scratch = new Uint32Array(text.length * 4);
    const scratch = this.scratch;
    let n = 0;
    const { bigrams, characters } = forEachGram(text, (code) => (scratch[n++] = bucketOf(code)));
    const sorted = scratch.subarray(0, n).sort();
    let count = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[count++] = sorted[i];
    return { buckets: sorted, count, bigrams, characters };
  }

  /** Documents counted (live chunks). */
  size(): number {
    return this.docs;
  }

  /**
   * BM25 of each text against the distinct CJK bigrams and characters of `query`, each kind times its weight (0 for
   * a text sharing none). Same k1 and b as the word index; a text's length is its count of that kind.
   */
  scoreTexts(query: string, weights: GramWeights, texts: string[]): number[] {
    const scores = texts.map(() => 0);
    if (!(weights.bigram > 0 || weights.character > 0) || this.docs === 0) return scores;
    const wanted = new Map<number, QueryGram>();
    const n = this.docs;
    forEachGram(query, (code) => {
      const weight = isCharacter(code) ? weights.character : weights.bigram;
      if (!(weight > 0) || wanted.has(code)) return;
      const df = this.docFreq[bucketOf(code)];
      if (df === 0) return;
      wanted.set(code, { code, factor: weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (K1 + 1) });
    });
    if (wanted.size === 0) return scores;
    const avgBigrams = this.totalBigrams / n || 1;
    const avgCharacters = this.totalCharacters / n || 1;
    // Most of a text's grams are not the question's: a 4096-slot filter answers those without a Map lookup.
    const filter = new Uint8Array(FILTER_SLOTS);
    for (const code of wanted.keys()) filter[filterSlot(code)] = 1;
    const tf = new Map<number, number>();
    texts.forEach((text, i) => {
      tf.clear();
      const length = forEachGram(text, (code) => {
        if (filter[filterSlot(code)] === 1 && wanted.has(code)) tf.set(code, (tf.get(code) ?? 0) + 1);
      });
      if (tf.size === 0) return;
      const bigramNorm = K1 * (1 - B + (B * length.bigrams) / avgBigrams);
      const characterNorm = K1 * (1 - B + (B * length.characters) / avgCharacters);
      let score = 0;
      for (const [code, count] of tf) {
        score += ((wanted.get(code) as QueryGram).factor * count) / (count + (isCharacter(code) ? characterNorm : bigramNorm));
      }
      scores[i] = score;
    });
    return scores;
  }

  /**
   * Little-endian words: a header, then the non-zero buckets as (bucket, count) pairs, or every bucket when that is
   * smaller — a small knowledge base writes kilobytes, not the table's 8 MiB.
   */
  serialize(): Buffer {
    let nonZero = 0;
    for (let b = 0; b < BUCKETS; b++) if (this.docFreq[b] !== 0) nonZero++;
    const sparse = nonZero * 2 < BUCKETS;
    const out = new Uint32Array(HEADER_WORDS + (sparse ? nonZero * 2 : BUCKETS));
    out.set([
      MAGIC,
      FORMAT_VERSION,
      BUCKET_BITS | (sparse ? SPARSE_FLAG : 0),
      this.docs,
      this.totalBigrams % 2 ** 32,
      Math.floor(this.totalBigrams / 2 ** 32),
      this.totalCharacters % 2 ** 32,
      Math.floor(this.totalCharacters / 2 ** 32),
    ]);
    if (!sparse) out.set(this.docFreq, HEADER_WORDS);
    else {
      let w = HEADER_WORDS;
      for (let b = 0; b < BUCKETS; b++) {
        if (this.docFreq[b] === 0) continue;
        out[w++] = b;
        out[w++] = this.docFreq[b];
      }
    }
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * Undefined for a file of the older format (bigrams only), which the caller counts again from the chunks.
   * @throws Error on a bad magic number, version or length (callers map it to INDEX_CORRUPT).
   */
  static deserialize(bytes: Buffer): NgramSketch | undefined {
    if (bytes.byteLength < 8 || bytes.byteLength % 4 !== 0) throw new Error('ngram sketch: bad length');
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    const data = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
    if (data[0] !== MAGIC) throw new Error('ngram sketch: bad magic');
    if (data[1] === 1) return undefined;
    if (data.length < HEADER_WORDS) throw new Error('ngram sketch: bad length');
    const sparse = (data[2] & SPARSE_FLAG) !== 0;
    if (data[1] !== FORMAT_VERSION || (data[2] & ~SPARSE_FLAG) !== BUCKET_BITS) throw new Error(`ngram sketch: unsupported version ${data[1]}`);
    const body = data.length - HEADER_WORDS;
    if (sparse ? body % 2 !== 0 : body !== BUCKETS) throw new Error('ngram sketch: bad length');
    const sketch = new NgramSketch();
    sketch.docs = data[3];
    sketch.totalBigrams = data[4] + data[5] * 2 ** 32;
    sketch.totalCharacters = data[6] + data[7] * 2 ** 32;
    if (!sparse) sketch.docFreq = data.slice(HEADER_WORDS);
    else {
      for (let w = HEADER_WORDS; w < data.length; w += 2) {
        if (data[w] >= BUCKETS) throw new Error('ngram sketch: bucket out of range');
        sketch.docFreq[data[w]] = data[w + 1];
      }
    }
    return sketch;
  }
}

function isCjk(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);
}

/** Bigram codes are two UTF-16 units (≥ 0x3400 × 0x10000); a character's code is the unit itself. */
function isCharacter(code: number): boolean {
  return code < 0x10000;
}

/**
 * Calls `visit` with each CJK character and each overlapping CJK bigram of `text` (two UTF-16 units as one 32-bit
 * code) and returns how many of each there were. Non-CJK text has neither.
 */
function forEachGram(text: string, visit: (code: number) => void): { bigrams: number; characters: number } {
  let bigrams = 0;
  let characters = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isCjk(c)) {
      previous = -1;
      continue;
    }
    visit(c);
    characters++;
    if (previous >= 0) {
      visit(previous * 0x10000 + c);
      bigrams++;
    }
    previous = c;
  }
  return { bigrams, characters };
}

const FILTER_SLOTS = 4096;

/** Fibonacci hashing to 12 bits. */
function filterSlot(code: number): number {
  return Math.imul(code, 0x9e3779b1) >>> 20;
}

/** murmur3's 32-bit finaliser: spreads the two characters' bits over the bucket index. */
function bucketOf(code: number): number {
  let h = code >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & (BUCKETS - 1);
}
