/**
 * Character bigrams as a second, weaker lexical signal: the BM25 word candidates are re-scored with the
 * question's CJK bigrams (segmentation-free, so 有个厂炸了 still meets 爆炸 … where jieba split it otherwise).
 *
 * Bigrams are not indexed as postings: over the full collection (151k chunks) that doubled the postings and
 * pushed ingest past 1.5 GiB. Only their document frequencies are kept, in a hashed table (8 MiB in memory; a collision
 * can only raise a bigram's count, i.e. lower its IDF), and term frequencies are counted in the candidates' own
 * text at query time. Measured on ../shared/eval/dev.jsonl (see bench/retrieval-ablation.md): re-scoring the 80
 * word candidates gains as much as ranking the whole index by words + bigrams.
 */

const MAGIC = 0x4d534742; // 'BGSM' little-endian
const FORMAT_VERSION = 1;
const HEADER_WORDS = 6;
const BUCKET_BITS = 21;
const BUCKETS = 1 << BUCKET_BITS;
const SPARSE_FLAG = 0x100;
const K1 = 1.2;
const B = 0.75;

/** A query bigram with its weight (the caller's bigram weight × the bigram's IDF). */
interface QueryBigram {
  code: number;
  factor: number;
}

export class BigramSketch {
  /** Per hash bucket: documents containing a bigram of that bucket. */
  private docFreq = new Uint32Array(BUCKETS);
  private docs = 0;
  /** Bigrams (with repeats) over all live documents, for the average length. */
  private totalBigrams = 0;
  private scratch = new Uint32Array(1024);

  /** Counts a document's distinct bigrams. */
  add(text: string): void {
    const { buckets, count, length } = this.bucketsOf(text);
    for (let i = 0; i < count; i++) this.docFreq[buckets[i]]++;
    this.docs++;
    this.totalBigrams += length;
  }

  /** Uncounts a document added with the same text. */
  remove(text: string): void {
    const { buckets, count, length } = this.bucketsOf(text);
    for (let i = 0; i < count; i++) if (this.docFreq[buckets[i]] > 0) this.docFreq[buckets[i]]--;
    this.docs = Math.max(0, this.docs - 1);
    this.totalBigrams = Math.max(0, this.totalBigrams - length);
  }

  /** The distinct buckets of a text's bigrams (in a reused array: ingest adds 150k chunks) and its bigram count. */
  private bucketsOf(text: string): { buckets: Uint32Array; count: number; length: number } {
    if (this.scratch.length < text.length) this.scratch = new Uint32Array(text.length * 2);
    const scratch = this.scratch;
    let n = 0;
    const length = forEachBigram(text, (code) => (scratch[n++] = bucketOf(code)));
    const sorted = scratch.subarray(0, n).sort();
    let count = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[count++] = sorted[i];
    return { buckets: sorted, count, length };
  }

  /** Documents counted (live chunks). */
  size(): number {
    return this.docs;
  }

  /**
   * BM25 of each text against the distinct CJK bigrams of `query`, times `weight` (0 for a text sharing none).
   * Same k1 and b as the word index, with the bigram count of each text as its length.
   */
  scoreTexts(query: string, weight: number, texts: string[]): number[] {
    const scores = texts.map(() => 0);
    if (!(weight > 0) || this.docs === 0) return scores;
    const wanted = new Map<number, QueryBigram>();
    const n = this.docs;
    forEachBigram(query, (code) => {
      if (wanted.has(code)) return;
      const df = this.docFreq[bucketOf(code)];
      if (df === 0) return;
      wanted.set(code, { code, factor: weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (K1 + 1) });
    });
    if (wanted.size === 0) return scores;
    const avgLength = this.totalBigrams / n || 1;
    // Most of a text's bigrams are not the question's: a 4096-slot filter answers those without a Map lookup.
    const filter = new Uint8Array(FILTER_SLOTS);
    for (const code of wanted.keys()) filter[filterSlot(code)] = 1;
    const tf = new Map<number, number>();
    texts.forEach((text, i) => {
      tf.clear();
      const length = forEachBigram(text, (code) => {
        if (filter[filterSlot(code)] === 1 && wanted.has(code)) tf.set(code, (tf.get(code) ?? 0) + 1);
      });
      if (tf.size === 0) return;
      const norm = K1 * (1 - B + (B * length) / avgLength);
      let score = 0;
      for (const [code, count] of tf) score += ((wanted.get(code) as QueryBigram).factor * count) / (count + norm);
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
    out.set([MAGIC, FORMAT_VERSION, BUCKET_BITS | (sparse ? SPARSE_FLAG : 0), this.docs, this.totalBigrams % 2 ** 32, Math.floor(this.totalBigrams / 2 ** 32)]);
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

  /** @throws Error on a bad magic number, version or length (callers map it to INDEX_CORRUPT). */
  static deserialize(bytes: Buffer): BigramSketch {
    if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteLength % 4 !== 0) throw new Error('bigram sketch: bad length');
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    const data = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
    if (data[0] !== MAGIC) throw new Error('bigram sketch: bad magic');
    const sparse = (data[2] & SPARSE_FLAG) !== 0;
    if (data[1] !== FORMAT_VERSION || (data[2] & ~SPARSE_FLAG) !== BUCKET_BITS) throw new Error(`bigram sketch: unsupported version ${data[1]}`);
    const body = data.length - HEADER_WORDS;
    if (sparse ? body % 2 !== 0 : body !== BUCKETS) throw new Error('bigram sketch: bad length');
    const sketch = new BigramSketch();
    sketch.docs = data[3];
    sketch.totalBigrams = data[4] + data[5] * 2 ** 32;
    if (!sparse) sketch.docFreq = data.slice(HEADER_WORDS);
    else {
      for (let w = HEADER_WORDS; w < data.length; w += 2) {
        if (data[w] >= BUCKETS) throw new Error('bigram sketch: bucket out of range');
        sketch.docFreq[data[w]] = data[w + 1];
      }
    }
    return sketch;
  }
}

function isCjk(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);
}

/**
 * Calls `visit` with each overlapping CJK bigram of `text` as one 32-bit code (two UTF-16 units) and returns how
 * many there were. Single ideographs between non-CJK characters are no bigram and not counted.
 */
function forEachBigram(text: string, visit: (code: number) => void): number {
  let count = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isCjk(c)) {
      previous = -1;
      continue;
    }
    if (previous >= 0) {
      visit(previous * 0x10000 + c);
      count++;
    }
    previous = c;
  }
  return count;
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
