/**
 * Every generated question is checkable, over the public regulations (../shared/corpus/regulations): 200
 * questions in ten quizzes of 20 drawn from the whole corpus, each checked mechanically (checks.ts). Prints the
 * share of articles that yield a question and the kinds' mix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllArticles, type Article } from '../../src/training/articles.js';
import { buildFactPool, generateQuestions, makeQuestion, mulberry32, type FactPool } from '../../src/training/generate.js';
import { QUESTION_KINDS, type QuizQuestion } from '../../src/training/types.js';
import { corpusPath, createTestKnowledgeBase } from '../support/knowledge.js';
import { checkQuestion, sharedArticles } from './checks.js';

type Knowledge = Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let knowledge: Knowledge;
let articles: Article[];
let pool: FactPool;

beforeAll(async () => {
  knowledge = await createTestKnowledgeBase([corpusPath('regulations')]);
  articles = loadAllArticles(knowledge.services.kb);
  pool = buildFactPool(articles);
});
afterAll(() => knowledge?.cleanup());

describe('quiz generation over the regulations corpus', () => {
  it('200 questions: keys in their articles, distractors not in them, false judge items one fact away, no shared article per quiz', () => {
    const byKey = new Map(articles.map((a) => [`${a.docId}|${a.locator}`, a]));
    const all: QuizQuestion[] = [];
    const failures: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const quiz = generateQuestions(articles, pool, { n: 20, seed });
      expect(quiz).toHaveLength(20);
      expect(sharedArticles(quiz)).toEqual([]);
      for (const q of quiz) {
        const problems = checkQuestion(q, byKey.get(`${q.source.docId}|${q.source.locator}`)!);
        if (problems.length) failures.push(`${q.prompt} → ${problems.join('; ')}`);
      }
      all.push(...quiz);
    }
    expect(all).toHaveLength(200);
    expect(failures).toEqual([]);

    const mix = Object.fromEntries(QUESTION_KINDS.map((k) => [k, all.filter((q) => q.kind === k).length]));
    const facts = Object.fromEntries(
      ['deadline', 'amount', 'threshold', 'party', 'obligation'].map((k) => [k, all.filter((q) => q.fact?.kind === k).length]),
    );
    const judges = all.filter((q) => q.kind === 'judge');
    const rng = mulberry32(42);
    const yielding = articles.filter((a) => QUESTION_KINDS.some((k) => makeQuestion(a, k, pool, rng) !== undefined)).length;
    const byKind = Object.fromEntries(QUESTION_KINDS.map((k) => [k, articles.filter((a) => makeQuestion(a, k, pool, rng) !== undefined).length]));
    const report = {
      documents: knowledge.services.kb.listDocuments().length,
      articles: articles.length,
      articlesYieldingAQuestion: yielding,
      share: Number((yielding / articles.length).toFixed(3)),
      articlesYieldingByKind: byKind,
      kindsMix: mix,
      factsMix: facts,
      judgeFalse: judges.filter((q) => q.answer === false).length,
      judgeTrue: judges.filter((q) => q.answer === true).length,
    };
    process.stdout.write(`training corpus figures: ${JSON.stringify(report)}\n`);
    expect(report.share).toBeGreaterThan(0.5);
    for (const k of QUESTION_KINDS) expect(mix[k]).toBeGreaterThanOrEqual(50);
  });
});
