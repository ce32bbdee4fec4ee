import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/index/bm25-index.js';
import { tokenize } from '../../src/core/chinese-tokenizer.js';
import { regulationDocs } from './corpus-docs.js';

const q = (...terms: string[]) => terms.map((term) => ({ term, weight: 1 }));

describe('Bm25Index', () => {
  it('returns nothing from an empty index or for unknown terms', () => {
    const index = new Bm25Index();
    expect(index.search(q('火灾'), 5)).toEqual([]);
    index.add(0, ['火灾']);
    expect(index.search(q('地震'), 5)).toEqual([]);
    expect(index.search(q('火灾'), 0)).toEqual([]);
  });

  it('ranks rarer terms and higher term frequency first, and honours weights', () => {
    const index = new Bm25Index();
    index.add(1, ['火灾', '报告', '报告']);
    index.add(2, ['火灾', '报告']);
    index.add(3, ['火灾', '疏散']);
    index.add(4, ['地震', '疏散']);
    expect(index.search(q('报告'), 10).map((h) => h.label)).toEqual([1, 2]);
    expect(index.search(q('火灾', '疏散'), 1)[0].label).toBe(3);
    const weighted = index.search([{ term: '地震', weight: 3 }, { term: '报告', weight: 1 }], 10);
    expect(weighted[0].label).toBe(4);
  });

  it('forgets removed documents, replaces re-added labels, and survives compaction', () => {
    const index = new Bm25Index();
    for (let i = 0; i < 30; i++) index.add(i, ['共同', `词${i}`]);
    for (let i = 0; i < 20; i++) expect(index.remove(i)).toBe(true);
    expect(index.remove(5)).toBe(false);
    expect(index.size()).toBe(10);
    expect(index.search(q('词3'), 5)).toEqual([]);
    expect(index.search(q('共同'), 100)).toHaveLength(10);
    index.add(25, ['替换']);
    expect(index.search(q('词25'), 5)).toEqual([]);
    expect(index.search(q('替换'), 5).map((h) => h.label)).toEqual([25]);
    index.add(3, ['复活']);
    expect(index.search(q('词3'), 5)).toEqual([]);
    expect(index.search(q('复活'), 5).map((h) => h.label)).toEqual([3]);
  });

  it('serialises to bytes that reload with identical scores on real regulations', async () => {
    const docs = await regulationDocs(12);
    const index = new Bm25Index();
    let label = 0;
    for (const d of docs) for (const c of d.chunks) index.add(label++, tokenize(c.text));
    for (let l = 0; l < label; l += 7) index.remove(l);
    const queries = [q('生产经营单位', '主要负责人'), q('应急预案', '演练'), q('罚款')];
    const reloaded = Bm25Index.deserialize(index.serialize());
    expect(reloaded.size()).toBe(index.size());
    for (const query of queries) expect(reloaded.search(query, 20)).toEqual(index.search(query, 20));
    reloaded.remove(1);
    reloaded.add(label, tokenize('有限空间作业前应当检测'));
    expect(reloaded.search(q('有限空间'), 50).map((h) => h.label)).toContain(label);
    expect(reloaded.search(q('主要负责人'), 1000).map((h) => h.label)).not.toContain(1);
  });

  it('prunes common terms without changing the top k: equals a brute-force BM25 on real regulations', async () => {
    const docs = await regulationDocs();
    const index = new Bm25Index();
    const tokensOf: string[][] = [];
    for (const d of docs) for (const c of d.chunks) tokensOf.push(tokenize(`${d.doc.title}\n${c.text}`));
    tokensOf.forEach((t, label) => index.add(label, t));
    for (let l = 0; l < tokensOf.length; l += 11) index.remove(l);
    const live = tokensOf.map((_, l) => l % 11 !== 0);
    const n = live.filter(Boolean).length;
    const avg = tokensOf.reduce((sum, t, l) => sum + (live[l] ? t.length : 0), 0) / n;
    const reference = (query: { term: string; weight: number }[], k: number) => {
      const scored: { label: number; score: number }[] = [];
      const df = new Map(query.map(({ term }) => [term, tokensOf.filter((t, l) => live[l] && t.includes(term)).length]));
      tokensOf.forEach((tokens, label) => {
        if (!live[label]) return;
        let score = 0;
        for (const { term, weight } of query) {
          const tf = tokens.filter((t) => t === term).length;
          const d = df.get(term) ?? 0;
          if (!tf) continue;
          const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
          score += (weight * idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * tokens.length) / avg));
        }
        if (score > 0) scored.push({ label, score });
      });
      return scored.sort((a, b) => b.score - a.score || a.label - b.label).slice(0, k);
    };
    // Rare terms next to very common ones (title words sit in every chunk of a law), as real questions have.
    const queries = [
      q('有限空间', '应当', '条例', '安全', '管理'),
      q('危险化学品', '储存', '单位', '法'),
      [{ term: '消防车', weight: 1 }, { term: '通道', weight: 1 }, { term: '中华人民共和国', weight: 0.5 }, { term: '应当', weight: 1 }],
      q('应当', '安全'),
    ];
    for (const query of queries) {
      for (const k of [1, 5, 40]) {
        const got = index.search(query, k);
        const want = reference(query, k);
        expect(got.map((h) => h.label)).toEqual(want.map((h) => h.label));
        got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 6));
      }
    }
  });

  it('pruned searches equal a brute-force BM25 while documents arrive between them (seeded stream, skewed vocabulary)', () => {
    // A seeded stream of documents over a skewed vocabulary: a few terms sit in most documents, as titles' words do.
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const termOf = () => `t${Math.floor(40 * random() ** 3)}`;
    const index = new Bm25Index();
    const docs: string[][] = [];
    const reference = (query: { term: string; weight: number }[], k: number) => {
      const n = docs.length;
      const avg = docs.reduce((sum, t) => sum + t.length, 0) / n;
      const scored: { label: number; score: number }[] = [];
      docs.forEach((tokens, label) => {
        let score = 0;
        for (const { term, weight } of query) {
          const tf = tokens.filter((t) => t === term).length;
          if (!tf) continue;
          const df = docs.filter((d) => d.includes(term)).length;
          score += (weight * Math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * tokens.length) / avg));
        }
        if (score > 0) scored.push({ label, score });
      });
      return scored.sort((a, b) => b.score - a.score || a.label - b.label).slice(0, k);
    };
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 60; i++) {
        // Later rounds add short documents repeating a common term: its best tf/(tf+norm) rises after it was cached.
        const length = 3 + Math.floor(random() * 80);
        const tokens =
          round > 0 && random() < 0.3
            ? [...Array.from({ length: 2 * round }, () => `t${Math.floor(3 * random())}`), termOf()]
            : Array.from({ length }, termOf);
        docs.push(tokens);
        index.add(docs.length - 1, tokens);
      }
      for (let j = 0; j < 25; j++) {
        const query = Array.from({ length: 2 + Math.floor(random() * 4) }, () => ({ term: termOf(), weight: 0.5 + random() }));
        for (const k of [1, 3, 10]) {
          const got = index.search(query, k);
          const want = reference(query, k);
          expect(got.map((h) => h.label)).toEqual(want.map((h) => h.label));
          got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 6));
        }
      }
    }
  });

  it('rejects damaged bytes', () => {
    const index = new Bm25Index();
    index.add(0, ['火灾']);
    const bytes = index.serialize();
    expect(() => Bm25Index.deserialize(bytes.subarray(0, bytes.length - 4))).toThrow();
    const bad = Buffer.from(bytes);
    bad[0] ^= 0xff;
    expect(() => Bm25Index.deserialize(bad)).toThrow();
  });
});
