import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRetrieval, parseQuestions } from '../../src/retrieval/evaluate.js';
import { corpusPath, createTestKnowledgeBase, EVAL_DIR } from '../support/knowledge.js';
import { REPO_ROOT } from '../support/paths.js';

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

/** Retrieval quality over the 60 public regulations and 5 plans (YINGJI_CORPUS_DIR); `npm run test:full`. */
describe('hybrid retrieval over the regulations and plans corpus', () => {
  let kb: TestKb;

  beforeAll(async () => {
    kb = await createTestKnowledgeBase([corpusPath('regulations'), corpusPath('plans')]);
  });
  afterAll(async () => {
    await kb.cleanup();
  });

  const top = async (q: string, k = 5) => (await kb.services.retriever.retrieve(q, { k })).hits;
  const evaluateFile = async (file: string) => evaluateRetrieval(kb.services.retriever, parseQuestions(await readFile(file, 'utf8')), 10);

  it.each([
    ['安全生产法第二十一条', 'work-safety-law.md', '第二十一条'],
    ['《生产安全事故应急条例》第十七条', 'work-accident-emergency-reg.md', '第十七条'],
    ['突发事件应对法第十七条说了什么？', 'emergency-response-law.md', '第十七条'],
    ['消防法 第 44 条', 'fire-protection-law.md', '第四十四条'],
    ['《普陀区生产安全事故应急预案（虚构示例）》4.2节是什么', 'putuo-work-accident-plan.md', '4.2 先期处置'],
  ])('returns the named article first: %s', async (query, source, label) => {
    const [first] = await top(query);
    expect(first.doc.source).toBe(source);
    expect(first.chunk.articleLabel).toBe(label);
    expect(first.locator.endsWith(label)).toBe(true);
    expect(first.score).toBe(1);
  });

  it('shows the article of every law an ambiguous short name fits: 应急条例第17条', async () => {
    // Four laws in the corpus are "…应急条例"; each one's 第十七条 comes before anything else.
    const hits = await top('应急条例第17条', 6);
    const firstFour = hits.slice(0, 4);
    expect(firstFour.every((h) => h.chunk.articleLabel === '第十七条' && h.doc.title.endsWith('应急条例'))).toBe(true);
    expect(firstFour.map((h) => h.doc.source)).toContain('work-accident-emergency-reg.md');
  });

  it('expands domain abbreviations: 危化品 finds 危险化学品 rules', async () => {
    const hits = await top('危化品仓库发生泄漏，企业一把手要做什么');
    expect(hits.some((h) => h.doc.source === 'hazardous-chemicals-reg.md')).toBe(true);
  });

  it('searches titles and heading paths, not only body text', async () => {
    const hits = await top('地质灾害防治条例 应急');
    expect(hits[0].doc.source).toBe('geological-disaster-reg.md');
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
    expect(result.hits[0].score).toBeGreaterThan(0);
    expect(result.hits[0].score).toBeLessThanOrEqual(1);
  });

  it('restricts results to given documents', async () => {
    const law = kb.services.kb.listDocuments().find((d) => d.source === 'fire-protection-law.md')!;
    const hits = (await kb.services.retriever.retrieve('发生火灾 报警', { k: 5, docIds: [law.id] })).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.doc.id === law.id)).toBe(true);
  });

  it('reaches the recall the development set has shown (regression guard, not a target)', async () => {
    const report = await evaluateFile(path.join(EVAL_DIR, 'dev.jsonl'));
    // Measured on the 230-question set (2026-12-02, second session): recall@5 0.931, MRR@10 0.814, procedure
    // recall@5 0.933, article recall@1 1 (27 of 27); a drop below these floors means a real regression.
    expect(report.overall.recallAt5).toBeGreaterThanOrEqual(0.9);
    expect(report.overall.mrrAtK).toBeGreaterThanOrEqual(0.78);
    expect(report.byType.procedure.recallAt5).toBeGreaterThanOrEqual(0.9);
    expect(report.byType.article.recallAt1).toBeGreaterThanOrEqual(0.96);
    // Unanswerable questions: most get `partial` or `none`, and no answerable one is refused outright.
    expect(report.basis.unanswerable.solid).toBeLessThanOrEqual(9);
    expect(report.basis.answerable.none).toBeLessThanOrEqual(3);
  });

  it('holds on the 120 held-out questions written from the documents, which nothing was tuned on (regression guard)', async () => {
    const report = await evaluateFile(path.join(REPO_ROOT, 'bench/holdout-questions.jsonl'));
    // Measured 2026-12-02: recall@5 0.741, MRR@10 0.564, article recall@5 1 (8 of 8).
    expect(report.overall.recallAt5).toBeGreaterThanOrEqual(0.71);
    expect(report.overall.mrrAtK).toBeGreaterThanOrEqual(0.53);
    expect(report.byType.article.recallAt5).toBe(1);
    expect(report.basis.answerable.none).toBeLessThanOrEqual(2);
  });
});
