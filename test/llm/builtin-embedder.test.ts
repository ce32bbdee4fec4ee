import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_EMBEDDER_ID, createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { docFromMarkdown, REGULATIONS_DIR } from '../index/corpus-docs.js';
import { REPO_ROOT } from '../support/paths.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('builtin embedder', () => {
  const embedder = createBuiltinEmbedder();

  it('has a stable id and 512 dimensions', () => {
    expect(embedder.id).toBe('builtin-hash-v1-512');
    expect(BUILTIN_EMBEDDER_ID).toBe(embedder.id);
    expect(embedder.dimensions).toBe(512);
  });

  it('returns L2-normalised plain arrays, and a zero vector for text without words', async () => {
    const [a, b] = await embedder.embedDocuments(['生产经营单位应当制定生产安全事故应急救援预案。', '突发事件']);
    for (const v of [a, b]) {
      expect(Array.isArray(v)).toBe(true);
      expect(v).toHaveLength(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    const empty = await embedder.embedQuery('，。！ ');
    expect(empty.every((x) => x === 0)).toBe(true);
  });

  it('is deterministic within a process and across processes', async () => {
    const text = '县级以上人民政府应当建立健全突发事件应急管理体制。';
    const first = await embedder.embedQuery(text);
    expect(await createBuiltinEmbedder().embedQuery(text)).toEqual(first);
    const script = `import { createBuiltinEmbedder } from './src/llm/builtin/builtin-embedder.ts';
      const v = await createBuiltinEmbedder().embedQuery(${JSON.stringify(text)});
      process.stdout.write(JSON.stringify(v));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(first);
  });

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

  it('scores related sentences above unrelated ones', async () => {
    const [a, b, c] = await embedder.embedDocuments([
      '发生生产安全事故后，事故现场有关人员应当立即报告本单位负责人。',
      '单位负责人接到事故报告后，应当迅速采取有效措施，组织抢救。',
      '传染病暴发、流行时，县级以上地方人民政府应当立即组织力量防治。',
    ]);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
  });
});
