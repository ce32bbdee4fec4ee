/** The builtin embedder on real laws of the public corpus (YINGJI_CORPUS_DIR): hundreds of similar articles. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { docFromMarkdown, REGULATIONS_DIR } from '../index/corpus-docs.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('builtin embedder over the public corpus', () => {
  const embedder = createBuiltinEmbedder();

  it('puts a question nearer its own article than unrelated articles of real laws', async () => {
    const law = await docFromMarkdown(path.join(REGULATIONS_DIR, 'work-safety-law.md'));
    const fire = await docFromMarkdown(path.join(REGULATIONS_DIR, 'fire-protection-law.md'));
    const passages = [...law.chunks, ...fire.chunks].map((c) => c.text);
    const vectors = await embedder.embedDocuments(passages);
    const cases: [string, RegExp][] = [
      ['生产经营单位投保安全生产责任保险', /安全生产责任保险/],
      ['消防车通道被占用怎么处理', /消防车通道/],
      ['生产经营单位主要负责人的安全生产职责有哪些', /主要负责人对本单位安全生产工作负有下列职责/],
    ];
    for (const [question, expected] of cases) {
      const q = await embedder.embedQuery(question);
      const ranked = vectors.map((v, i) => ({ i, s: cosine(v, q) })).sort((a, b) => b.s - a.s);
      const top5 = ranked.slice(0, 5).map((r) => passages[r.i]);
      expect(top5.some((p) => expected.test(p)), `${question} → ${top5.join(' | ')}`).toBe(true);
    }
  });
});
