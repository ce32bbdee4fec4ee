/**
 * Okapi BM25 over token ids with postings lists in typed arrays.
 * Memory: 8 bytes per (document, distinct term) posting plus ~100 bytes per vocabulary term, so
 * 60k chunks / 12 M tokens (~6 M postings) stay around 100 MB. Removal is lazy: the label is marked
 * dead and its postings are skipped, then purged when dead postings exceed a third of all postings; document
 * frequencies are recounted from the postings at the next search after a removal (one pass, tens of ms),
 * so no per-document term list is kept — that list cost more memory and load time than it saved.
 */

const K1 = 1.2;
const B = 0.75;
const MAGIC = 0x35324d42; // 'BM25' little-endian
const FORMAT_VERSION = 1;
const HEADER_WORDS = 6;
const INITIAL_POSTINGS = 2;
/**
 * A term in more than this share of documents may be pruned (see search): in a large index such terms
 * (titles' 条例, 管理, 政府 … sit in 20–60 % of chunks) hold most postings a query walks, yet barely move scores.
 */
const PRUNE_MIN_DF_SHARE = 0.02;
/** Binary-search a long list for each candidate when candidates × this < list length; else walk the list. */
const SEEK_COST_FACTOR = 24;
/** Purge dead postings once they are this share of all postings (keeps search time and memory bounded). */
const COMPACT_DEAD_SHARE = 1 / 3;

export interface WeightedTerm {
  term: string;
  weight: number;
}

export class Bm25Index {
  private readonly termIds = new Map<string, number>();
  private terms: string[] = [];
  /** Per term: interleaved [label, tf, label, tf, ...]; only the first postingCount[t]*2 entries are valid. */
  private postings: Uint32Array[] = [];
  private postingCount = new Uint32Array(1024);
  /** Live documents containing the term. */
  private docFreq = new Uint32Array(1024);
  /** Per label: token count (0 for labels never added). */
  private docLength = new Uint32Array(1024);
  /** Per label: distinct terms (postings it owns), for the dead-postings count on removal. */
  private docDistinct = new Uint32Array(1024);
  /** docFreq still counts removed documents; recount before it is read. */
  private docFreqStale = false;
  private alive = new Uint8Array(1024);
  private liveDocs = 0;
  private liveTokens = 0;
  private totalPostings = 0;
  private deadPostings = 0;
  private scores = new Float64Array(0);
  /** Labels with a non-zero score in the running search (reused, so a query allocates no arrays). */
  private touched = new Uint32Array(0);
  /** The touched labels that can still reach the top k once pruning starts (reused like `touched`). */
  private candidates = new Uint32Array(0);
  /** Per label: BM25 length normalisation K1·(1−B+B·len/avgLen); rebuilt lazily after the index changes. */
  private norms = new Float32Array(0);
  private normsValid = false;
  /** Per term: largestShare() for the current norms, −1 when not yet computed. */
  private shareBound = new Float64Array(0);
  /** Every posting list is ascending by label (true while labels are added in increasing order, as the store does). */
  private postingsSorted = true;
  private tfScratch = new Uint32Array(0);

  /** Number of live documents. */
  size(): number {
    return this.liveDocs;
  }

  /** Live documents containing `term` (0 when unknown). */
  documentFrequency(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.freshDocFreq()[id];
  }

  has(label: number): boolean {
    return label < this.alive.length && this.alive[label] === 1;
  }

  /** Indexes a document's tokens under `label`, replacing what the label held before. */
  add(label: number, tokens: string[]): void {
    if (!Number.isInteger(label) || label < 0 || label > 0xfffffffe) throw new RangeError(`invalid label ${label}`);
    if (this.has(label)) this.remove(label);
    this.purgeLabel(label);
    // Count term frequencies in a reusable per-term scratch array: a Map per document cost more than the postings.
    if (this.tfScratch.length < this.terms.length + tokens.length) this.tfScratch = new Uint32Array((this.terms.length + tokens.length) * 2);
    const scratch = this.tfScratch;
    const seen: number[] = [];
    for (const token of tokens) {
      const id = this.internTerm(token);
      if (scratch[id]++ === 0) seen.push(id);
    }
    this.ensureLabel(label);
    for (const termId of seen) {
      this.appendPosting(termId, label, scratch[termId]);
      this.docFreq[termId]++;
      scratch[termId] = 0;
    }
    this.docDistinct[label] = seen.length;
    this.docLength[label] = tokens.length;
    this.alive[label] = 1;
    this.liveDocs++;
    this.liveTokens += tokens.length;
    this.normsValid = false;
  }

  /** Drops a document; false when the label is not live. */
  remove(label: number): boolean {
    if (!this.has(label)) return false;
    this.alive[label] = 0;
    this.liveDocs--;
    this.liveTokens -= this.docLength[label];
    this.deadPostings += this.docDistinct[label];
    this.docDistinct[label] = 0;
    this.docFreqStale = true;
    this.normsValid = false;
    if (this.deadPostings > this.totalPostings * COMPACT_DEAD_SHARE) this.compact();
    return true;
  }

  /** Top-k labels by BM25; `weight` multiplies each term's contribution. Unknown terms are ignored. */
  search(query: WeightedTerm[], k: number): { label: number; score: number }[] {
    if (k <= 0 || this.liveDocs === 0) return [];
    const docFreq = this.freshDocFreq();
    const merged = new Map<number, number>();
    for (const { term, weight } of query) {
      const id = this.termIds.get(term);
      if (id === undefined || !(weight > 0) || docFreq[id] === 0) continue;
      merged.set(id, (merged.get(id) ?? 0) + weight);
    }
    if (merged.size === 0) return [];
    const labelCount = this.alive.length;
    if (this.scores.length < labelCount) this.scores = new Float64Array(labelCount);
    if (this.touched.length < labelCount) this.touched = new Uint32Array(labelCount);
    const norms = this.currentNorms();
    const scores = this.scores;
    const touched = this.touched;
    const alive = this.alive;
    const checkAlive = this.deadPostings > 0;
    let touchedCount = 0;
    const n = this.liveDocs;
    // Rarest terms first: their postings are short, and the float sums come out in a fixed order.
    const order = [...merged].sort((a, b) => this.docFreq[a[0]] - this.docFreq[b[0]] || a[0] - b[0]);
    const factors = order.map(([termId, weight]) => {
      const df = this.docFreq[termId];
      return weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (K1 + 1);
    });
    const wanted = Math.floor(k);
    const pruneFrom = Math.max(1, n * PRUNE_MIN_DF_SHARE);
    // remaining[i]: the most terms i.. can add to any document. A term adds less than its factor (tf/(tf+norm) < 1);
    // a common one — the only kind pruning skips — at most its factor times its largest tf/(tf+norm), cached.
    const remaining = new Float64Array(order.length + 1);
    for (let i = order.length - 1; i >= 0; i--) {
      const termId = order[i][0];
      const most = this.docFreq[termId] >= pruneFrom ? factors[i] * this.largestShare(termId, norms) : factors[i];
      remaining[i] = remaining[i + 1] + most;
    }
    // MaxScore pruning, exact: once the k-th best score so far exceeds what all remaining (common) terms could
    // add, no untouched document can reach the top k, so those terms only update the documents already scored —
    // and of those only the ones that can still reach the k-th score (candidates), usually a few hundred of
    // tens of thousands, so the common terms' long lists are probed by binary search instead of walked.
    let candidatesOnly = false;
    let candidates = touched;
    let candidateCount = 0;
    for (let i = 0; i < order.length; i++) {
      const termId = order[i][0];
      const factor = factors[i];
      const list = this.postings[termId];
      const end = this.postingCount[termId] * 2;
      if (!candidatesOnly && touchedCount >= wanted && this.docFreq[termId] >= pruneFrom) {
        const kth = kthScore(touched, touchedCount, scores, wanted);
        // Loosened by a relative 1e-9: the bound and the scores are summed in different orders.
        if (kth > remaining[i] * (1 + 1e-9)) {
          candidatesOnly = true;
          if (this.candidates.length < labelCount) this.candidates = new Uint32Array(labelCount);
          candidates = this.candidates;
          candidateCount = keepReachable(touched, touchedCount, candidates, scores, kth, remaining[i]);
        }
      } else if (candidatesOnly && candidateCount > wanted) {
        candidateCount = keepReachable(candidates, candidateCount, candidates, scores, kthScore(candidates, candidateCount, scores, wanted), remaining[i]);
      }
      if (!candidatesOnly) {
        for (let p = 0; p < end; p += 2) {
          const label = list[p];
          if (checkAlive && alive[label] === 0) continue;
          const tf = list[p + 1];
          if (scores[label] === 0) touched[touchedCount++] = label;
          scores[label] += (factor * tf) / (tf + norms[label]);
        }
      } else if (this.postingsSorted && candidateCount * SEEK_COST_FACTOR < end / 2) {
        for (let c = 0; c < candidateCount; c++) {
          const label = candidates[c];
          const p = findPosting(list, end, label);
          if (p < 0) continue;
          const tf = list[p + 1];
          scores[label] += (factor * tf) / (tf + norms[label]);
        }
      } else {
        for (let p = 0; p < end; p += 2) {
          const label = list[p];
          // Not scored so far (dead labels never are); scored labels no longer candidates are updated harmlessly.
          if (scores[label] === 0) continue;
          const tf = list[p + 1];
          scores[label] += (factor * tf) / (tf + norms[label]);
        }
      }
    }
    const top = candidatesOnly
      ? selectTop(candidates, candidateCount, scores, wanted)
      : selectTop(touched, touchedCount, scores, wanted);
    for (let i = 0; i < touchedCount; i++) scores[touched[i]] = 0;
    return top;
  }

  /**
   * The largest tf/(tf+norm) in a term's postings: with it a common term's bound is its actual best contribution,
   * often half its factor, so pruning starts sooner and keeps fewer candidates. One walk of the list, then cached
   * until the norms change.
   */
  private largestShare(termId: number, norms: Float32Array): number {
    if (this.shareBound.length < this.terms.length) {
      const bigger = new Float64Array(Math.max(this.terms.length, this.shareBound.length * 2)).fill(-1);
      bigger.set(this.shareBound);
      this.shareBound = bigger;
    }
    const known = this.shareBound[termId];
    if (known >= 0) return known;
    const list = this.postings[termId];
    const end = this.postingCount[termId] * 2;
    let most = 0;
    for (let p = 0; p < end; p += 2) {
      const tf = list[p + 1];
      const share = tf / (tf + norms[list[p]]);
      if (share > most) most = share;
    }
    this.shareBound[termId] = most;
    return most;
  }

  /** Length normalisation per label for the current average length (O(labels) after a change, else free). */
  private currentNorms(): Float32Array {
    const labelCount = this.alive.length;
    if (this.normsValid && this.norms.length >= labelCount) return this.norms;
    if (this.norms.length < labelCount) this.norms = new Float32Array(labelCount);
    const avgLength = this.liveTokens / this.liveDocs || 1;
    for (let l = 0; l < labelCount; l++) this.norms[l] = K1 * (1 - B + (B * this.docLength[l]) / avgLength);
    this.normsValid = true;
    this.shareBound.fill(-1);
    return this.norms;
  }

  /** Serialises to a compact little-endian binary (dead postings are dropped). */
  serialize(): Buffer {
    if (this.deadPostings > 0) this.compact();
    const vocab = Buffer.from(JSON.stringify(this.terms), 'utf8');
    const labelCount = this.alive.length;
    const termCount = this.terms.length;
    const words = HEADER_WORDS + Math.ceil(vocab.byteLength / 4) + labelCount * 2 + termCount + this.totalPostings * 2;
    const out = new Uint32Array(words);
    out.set([MAGIC, FORMAT_VERSION, vocab.byteLength, termCount, labelCount, this.totalPostings]);
    let w = HEADER_WORDS;
    Buffer.from(out.buffer).set(vocab, w * 4);
    w += Math.ceil(vocab.byteLength / 4);
    out.set(this.docLength.subarray(0, labelCount), w);
    w += labelCount;
    for (let l = 0; l < labelCount; l++) out[w + l] = this.alive[l];
    w += labelCount;
    out.set(this.postingCount.subarray(0, termCount), w);
    w += termCount;
    for (let t = 0; t < termCount; t++) {
      const len = this.postingCount[t] * 2;
      out.set(this.postings[t].subarray(0, len), w);
      w += len;
    }
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * Rebuilds an index from serialize() output.
   * @throws Error on a bad magic number, version or length (callers map it to INDEX_CORRUPT).
   */
  static deserialize(bytes: Buffer): Bm25Index {
    if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteLength % 4 !== 0) throw new Error('lexical index: bad length');
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    const data = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
    const [magic, version, vocabBytes, termCount, labelCount, totalPostings] = data;
    if (magic !== MAGIC) throw new Error('lexical index: bad magic');
    if (version !== FORMAT_VERSION) throw new Error(`lexical index: unsupported version ${version}`);
    const vocabWords = Math.ceil(vocabBytes / 4);
    const expected = HEADER_WORDS + vocabWords + labelCount * 2 + termCount + totalPostings * 2;
    if (expected !== data.length) throw new Error('lexical index: length does not match header');
    const index = new Bm25Index();
    let w = HEADER_WORDS;
    const terms: unknown = JSON.parse(aligned.subarray(w * 4, w * 4 + vocabBytes).toString('utf8'));
    if (!Array.isArray(terms) || terms.length !== termCount) throw new Error('lexical index: bad vocabulary');
    index.terms = terms as string[];
    index.terms.forEach((term, id) => index.termIds.set(term, id));
    w += vocabWords;
    index.docLength = data.slice(w, w + labelCount);
    w += labelCount;
    index.alive = new Uint8Array(labelCount);
    for (let l = 0; l < labelCount; l++) index.alive[l] = data[w + l];
    w += labelCount;
    index.postingCount = data.slice(w, w + termCount);
    index.docFreq = new Uint32Array(Math.max(termCount, 1));
    index.docDistinct = new Uint32Array(Math.max(labelCount, 1));
    w += termCount;
    // Postings share one copied buffer; a list that grows later moves to its own array.
    const all = data.slice(w, w + totalPostings * 2);
    const alive = index.alive;
    const docDistinct = index.docDistinct;
    let offset = 0;
    for (let t = 0; t < termCount; t++) {
      const len = index.postingCount[t] * 2;
      index.postings.push(all.subarray(offset, offset + len));
      index.docFreq[t] = len / 2;
      let previous = -1;
      for (let p = offset; p < offset + len; p += 2) {
        const label = all[p];
        if (label >= labelCount || alive[label] !== 1) throw new Error('lexical index: posting for an unknown document');
        docDistinct[label]++;
        if (label < previous) index.postingsSorted = false;
        previous = label;
      }
      offset += len;
    }
    for (let l = 0; l < labelCount; l++) {
      if (alive[l] === 1) {
        index.liveDocs++;
        index.liveTokens += index.docLength[l];
      }
    }
    index.totalPostings = totalPostings;
    return index;
  }

  private internTerm(term: string): number {
    let id = this.termIds.get(term);
    if (id !== undefined) return id;
    id = this.terms.length;
    this.terms.push(term);
    this.termIds.set(term, id);
    this.postings.push(new Uint32Array(INITIAL_POSTINGS * 2));
    if (id >= this.postingCount.length) {
      this.postingCount = grow(this.postingCount, id + 1);
      this.docFreq = grow(this.docFreq, id + 1);
    }
    return id;
  }

  private appendPosting(termId: number, label: number, tf: number): void {
    let list = this.postings[termId];
    const at = this.postingCount[termId] * 2;
    if (at + 2 > list.length) {
      const bigger = new Uint32Array(Math.max(list.length * 2, INITIAL_POSTINGS * 2));
      bigger.set(list.subarray(0, at));
      this.postings[termId] = bigger;
      list = bigger;
    }
    if (at > 0 && list[at - 2] > label) this.postingsSorted = false;
    list[at] = label;
    list[at + 1] = tf;
    this.postingCount[termId]++;
    this.totalPostings++;
  }

  /** docFreq, recounted from the live postings first if a removal made it stale. */
  private freshDocFreq(): Uint32Array {
    if (!this.docFreqStale) return this.docFreq;
    const alive = this.alive;
    for (let t = 0; t < this.terms.length; t++) {
      const list = this.postings[t];
      const end = this.postingCount[t] * 2;
      let df = 0;
      for (let p = 0; p < end; p += 2) df += alive[list[p]];
      this.docFreq[t] = df;
    }
    this.docFreqStale = false;
    return this.docFreq;
  }

  private ensureLabel(label: number): void {
    if (label < this.alive.length) return;
    const size = Math.max(label + 1, this.alive.length * 2);
    this.docLength = grow(this.docLength, size);
    this.docDistinct = grow(this.docDistinct, size);
    const alive = new Uint8Array(size);
    alive.set(this.alive);
    this.alive = alive;
  }

  /** A re-used dead label must not inherit its old postings: purge them before re-adding. */
  private purgeLabel(label: number): void {
    if (label < this.alive.length && this.alive[label] === 0 && this.docLength[label] > 0 && this.deadPostings > 0) {
      this.compact();
    }
  }

  /** Drops postings of dead labels from every list. O(total postings); ~50 ms per 6 M postings. */
  private compact(): void {
    let total = 0;
    for (let t = 0; t < this.terms.length; t++) {
      const list = this.postings[t];
      const end = this.postingCount[t] * 2;
      let w = 0;
      for (let p = 0; p < end; p += 2) {
        if (this.alive[list[p]] === 0) continue;
        list[w] = list[p];
        list[w + 1] = list[p + 1];
        w += 2;
      }
      this.postingCount[t] = w / 2;
      total += w / 2;
    }
    for (let l = 0; l < this.alive.length; l++) if (this.alive[l] === 0) this.docLength[l] = 0;
    this.totalPostings = total;
    this.deadPostings = 0;
    this.normsValid = false;
  }
}

function grow(array: Uint32Array, minSize: number): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(Math.max(minSize, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * Copies to `out` the labels whose score plus `remaining` (the most the terms still to come can add) reaches
 * `kth`; the others can never enter the top k. The bound is loosened by a relative 1e-9 so that rounding in the
 * float sums never drops a document that ties. `out` may be `labels` (filtered in place).
 */
function keepReachable(labels: Uint32Array, count: number, out: Uint32Array, scores: Float64Array, kth: number, remaining: number): number {
  const bound = remaining * (1 + 1e-9) + kth * 1e-9;
  let kept = 0;
  for (let n = 0; n < count; n++) {
    const label = labels[n];
    if (scores[label] + bound >= kth) out[kept++] = label;
  }
  return kept;
}

/** Index of `label` in an ascending [label, tf, …] list (binary search), or -1. */
function findPosting(list: Uint32Array, end: number, label: number): number {
  let lo = 0;
  let hi = end / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid * 2] < label) lo = mid + 1;
    else hi = mid;
  }
  return lo * 2 < end && list[lo * 2] === label ? lo * 2 : -1;
}

/** The k-th highest score among the candidates (a size-k min-heap of scores). */
function kthScore(labels: Uint32Array, count: number, scores: Float64Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  for (let n = 0; n < count; n++) {
    const s = scores[labels[n]];
    if (size < k) {
      let i = size++;
      heap[i] = s;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= heap[i]) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (s > heap[0]) {
      heap[0] = s;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < size && heap[l] < heap[m]) m = l;
        if (r < size && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
  }
  return size < k ? 0 : heap[0];
}

/**
 * Top-k by score, ties by ascending label. The k-th best score comes from a typed min-heap of scores first, so
 * only the few labels at or above it are sorted: with a common query term tens of thousands of labels are
 * touched, and a heap of labels compared through a closure cost milliseconds.
 */
function selectTop(labels: Uint32Array, count: number, scores: Float64Array, k: number): { label: number; score: number }[] {
  const threshold = kthScore(labels, count, scores, k);
  const best: number[] = [];
  for (let n = 0; n < count; n++) if (scores[labels[n]] >= threshold) best.push(labels[n]);
  best.sort((a, b) => scores[b] - scores[a] || a - b);
  if (best.length > k) best.length = k;
  return best.map((label) => ({ label, score: scores[label] }));
}
