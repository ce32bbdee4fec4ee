import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, ingestInputs } from '../../src/ingest/pipeline.js';
import { createTestKnowledgeBase, makeTempDir } from '../support/knowledge.js';
import { SEED_FILES } from '../support/sample-docs.js';

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

describe('hybrid retrieval over the seed documents', () => {
  let kb: TestKb;

  beforeAll(async () => {
    kb = await createTestKnowledgeBase(Object.values(SEED_FILES));
  });
  afterAll(async () => {
    await kb.cleanup();
  });

  const top = async (q: string, k = 5) => (await kb.services.retriever.retrieve(q, { k })).hits;

  it.each([
    ['有限空间作业事故应急处置规程第三条', '第三条'],
    ['《有限空间作业事故应急处置规程（示例）》第 10 条', '第十条'],
  ])('returns the named article first: %s', async (query, label) => {
    const [first] = await top(query);
    expect(first.doc.source).toBe('confined-space-procedure-sample.md');
    expect(first.chunk.articleLabel).toBe(label);
    expect(first.locator.endsWith(label)).toBe(true);
    expect(first.score).toBe(1);
  });

  it('finds a part and item of a plan outline: 防汛防台预案第三部分第（二）项', async () => {
    const [first] = await top('防汛防台应急预案第三部分的第（二）项规定了啥？');
    expect(first.doc.source).toBe('flood-typhoon-plan-sample.md');
    expect(first.chunk.headingPath.some((h) => h.startsWith('三、'))).toBe(true);
    expect(first.chunk.articleLabel ?? first.chunk.headingPath.at(-1)).toMatch(/^（二）Ⅲ级响应/);
    expect(first.score).toBe(1);
  });

  it('expands domain abbreviations: 危化品 finds the 危险化学品 card', async () => {
    const hits = await top('危化品泄漏了，班组长要做什么');
    expect(hits[0].doc.source).toBe('hazchem-leak-card-sample.md');
  });

  it('does not put a title preamble or a purpose clause first for a "what do we do now" question', async () => {
    const [first] = await top('有限空间作业有人晕倒了，现场怎么办？');
    expect(first.chunk.articleLabel).not.toBe('题注');
    expect(first.chunk.text).not.toMatch(/制定本(?:法|条例|规程|预案|方案)/);
  });

  it('marks questions about a document the knowledge base lacks as having no sufficient basis', async () => {
    const result = await kb.services.retriever.retrieve('按《证券法》，上市公司信息披露违规怎么处罚？');
    expect(result.sufficient).toBe(false);
    expect(result.analysis.missingDocuments).toEqual(['证券法']);
  });

  it('finds a sufficient basis for an ordinary duty-officer question', async () => {
    const result = await kb.services.retriever.retrieve('有限空间作业有人中毒晕倒，现场怎么救援？');
    expect(result.sufficient).toBe(true);
    expect(result.hits[0].doc.source).toBe('confined-space-procedure-sample.md');
    expect(result.hits[0].score).toBeGreaterThan(0);
    expect(result.hits[0].score).toBeLessThanOrEqual(1);
  });

  it('restricts results to given documents', async () => {
    const plan = kb.services.kb.listDocuments().find((d) => d.source === 'flood-typhoon-plan-sample.md')!;
    const hits = (await kb.services.retriever.retrieve('发生泄漏 报警', { k: 5, docIds: [plan.id] })).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.doc.id === plan.id)).toBe(true);
  });
});

describe('retrieval edge cases', () => {
  it('returns no hits and no basis from an empty knowledge base', async () => {
    const kb = await createTestKnowledgeBase([]);
    try {
      const result = await kb.services.retriever.retrieve('台风红色预警怎么办');
      expect(result.hits).toEqual([]);
      expect(result.sufficient).toBe(false);
    } finally {
      await kb.cleanup();
    }
  });

  it('returns nothing for a query of punctuation only', async () => {
    const kb = await createTestKnowledgeBase([SEED_FILES.floodPlan]);
    try {
      const result = await kb.services.retriever.retrieve('？？？ ，。');
      expect(result.hits).toEqual([]);
      expect(result.sufficient).toBe(false);
    } finally {
      await kb.cleanup();
    }
  });

  it('removes near-duplicate passages when the same document is filed twice', async () => {
    const dir = await makeTempDir('yingji-dup-');
    await mkdir(path.join(dir, 'a'));
    await mkdir(path.join(dir, 'b'));
    await copyFile(SEED_FILES.confinedSpace, path.join(dir, 'a/有限空间规程.md'));
    await copyFile(SEED_FILES.confinedSpace, path.join(dir, 'b/有限空间规程.md'));
    const kb = await createTestKnowledgeBase([]);
    try {
      await ingestInputs({ kb: kb.services.kb, ocr: 'off' }, await collectInputs([dir]));
      expect(kb.services.kb.listDocuments()).toHaveLength(2);
      const hits = (await kb.services.retriever.retrieve('有限空间 救援人员 正压式空气呼吸器 通风', { k: 5 })).hits;
      expect(hits.length).toBeGreaterThan(1);
      const texts = hits.map((h) => h.chunk.text);
      expect(new Set(texts).size).toBe(texts.length);
    } finally {
      await kb.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
