import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_EMBEDDER_ID, createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { REPO_ROOT, SEEDS_DIR } from '../support/paths.js';

/** Paragraphs of the Markdown seeds (headings and the 【示例】 notice left out). */
async function seedParagraphs(): Promise<string[]> {
  const out: string[] = [];
  for (const name of ['confined-space-procedure-sample.md', 'flood-typhoon-plan-sample.md', 'hazchem-leak-card-sample.md']) {
    const text = await readFile(path.join(SEEDS_DIR, name), 'utf8');
    out.push(...text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p && !p.startsWith('#') && !p.startsWith('【示例】')));
  }
  return out;
}

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

  it("puts a question nearer its own passage than the seeds' other passages", async () => {
    const passages = await seedParagraphs();
    expect(passages.length).toBeGreaterThan(30);
    const vectors = await embedder.embedDocuments(passages);
    const cases: [string, RegExp][] = [
      ['作业前检测硫化氢和一氧化碳，氧气含量要求多少', /氧气含量应当在19.5%至23.5%之间/],
      ['危险化学品大量泄漏要隔离多远', /大量泄漏/],
      ['红色预警时由谁决定启动响应', /发布红色预警/],
      ['被困人员救出后呼吸心跳停止怎么办', /心肺复苏/],
    ];
    for (const [question, expected] of cases) {
      const q = await embedder.embedQuery(question);
      const ranked = vectors.map((v, i) => ({ i, s: cosine(v, q) })).sort((a, b) => b.s - a.s);
      const top3 = ranked.slice(0, 3).map((r) => passages[r.i]);
      expect(top3.some((p) => expected.test(p)), `${question} → ${top3.join(' | ')}`).toBe(true);
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
