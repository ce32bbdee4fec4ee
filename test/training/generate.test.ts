import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, ingestInputs } from '../../src/ingest/pipeline.js';
import { loadAllArticles, loadArticles, type Article } from '../../src/training/articles.js';
import { buildFactPool, generateQuestions, makeQuestion, mulberry32 } from '../../src/training/generate.js';
import { articlesFor, gradeAttempt, itemCurrency, listItemOf, newQuiz, normalizeAnswer, resultsCsv, summarizeResults } from '../../src/training/quiz.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { checkQuestion, sharedArticles } from './checks.js';
import { FLOOD_TITLE, SAFETY_TITLE, SAFETY_V2, writeFixtures } from './fixtures.js';

type Knowledge = Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let knowledge: Knowledge;
let articles: Article[];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-training-'));
  knowledge = await createTestKnowledgeBase(await writeFixtures(dir));
  articles = loadAllArticles(knowledge.services.kb);
});
afterAll(async () => {
  await knowledge?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const byKey = () => new Map(articles.map((a) => [`${a.docId}|${a.locator}`, a]));

describe('articles rebuilt from chunks', () => {
  it('gives each 条 its own text from its label on, with the chapter in the locator', () => {
    const safety = articles.filter((a) => a.title === SAFETY_TITLE);
    expect(safety.map((a) => a.label)).toContain('第五条');
    const fifth = safety.find((a) => a.label === '第五条')!;
    expect(fifth.text).toBe('第五条 单位负责人接到事故报告后，应当于1小时内报告事故发生地县级以上人民政府应急管理部门。');
    expect(fifth.locator).toBe('第二章 事故报告 › 第五条');
  });
});

describe('generateQuestions over the 示例 regulations', () => {
  it('every question passes the mechanical checks and no two share an article', () => {
    const pool = buildFactPool(articles);
    const articleOf = byKey();
    for (const seed of [1, 2, 3, 4, 5]) {
      const questions = generateQuestions(articles, pool, { n: 20, seed });
      expect(questions.length).toBeGreaterThan(8);
      expect(sharedArticles(questions)).toEqual([]);
      for (const q of questions) expect(checkQuestion(q, articleOf.get(`${q.source.docId}|${q.source.locator}`)!), q.prompt).toEqual([]);
    }
  });

  it('a blank asks for the deadline in the article’s own words', () => {
    const fifth = articles.find((a) => a.title === SAFETY_TITLE && a.label === '第五条')!;
    const q = makeQuestion(fifth, 'blank', buildFactPool(articles), mulberry32(1))!;
    expect(q.answer).toBe('1小时内');
    expect(q.prompt).toBe(`《${SAFETY_TITLE}》第五条：单位负责人接到事故报告后，应当于____报告事故发生地县级以上人民政府应急管理部门。`);
    expect(q.source.text).toBe(fifth.text);
  });

  it('choice distractors are deadlines of other articles, never one this article states', () => {
    const seventh = articles.find((a) => a.title === SAFETY_TITLE && a.label === '第七条')!;
    const q = makeQuestion(seventh, 'choice', buildFactPool(articles), mulberry32(3))!;
    expect(q.answer).toBe('60日内');
    expect(q.options).toHaveLength(4);
    const others = q.options!.filter((o) => o !== q.answer);
    expect(others.every((o) => /日内$/u.test(o) && !seventh.text.includes(o))).toBe(true);
  });

  it('a false judge item changes exactly one fact and keeps the original as the key', () => {
    const pool = buildFactPool(articles);
    const eighth = articles.find((a) => a.title === SAFETY_TITLE && a.label === '第八条')!;
    let q;
    for (let seed = 1; seed < 50 && (!q || q.answer !== false); seed++) q = makeQuestion(eighth, 'judge', pool, mulberry32(seed));
    expect(q?.answer).toBe(false);
    expect(checkQuestion(q!, eighth)).toEqual([]);
    expect(eighth.text).toContain(q!.change!.from);
  });

  it('kinds can be restricted and are mixed in turn', () => {
    const pool = buildFactPool(articles);
    const onlyJudge = generateQuestions(articles, pool, { n: 6, kinds: ['judge'], seed: 9 });
    expect(onlyJudge.every((q) => q.kind === 'judge')).toBe(true);
    const mixed = generateQuestions(articles, pool, { n: 9, seed: 9 });
    const mix = new Map<string, number>();
    for (const q of mixed) mix.set(q.kind, (mix.get(q.kind) ?? 0) + 1);
    expect([...mix.values()].every((n) => n === 3)).toBe(true);
  });

  it('questions on one article only when asked (allowSameArticle)', () => {
    const pool = buildFactPool(articles);
    const flood = articlesFor(knowledge.services.kb, { docId: articles.find((a) => a.title === FLOOD_TITLE)!.docId }).articles;
    const once = generateQuestions(flood, pool, { n: 40, seed: 4 });
    expect(once.length).toBeLessThanOrEqual(flood.length);
    const repeated = generateQuestions(flood, pool, { n: 40, seed: 4, allowSameArticle: true });
    expect(repeated.length).toBeGreaterThan(once.length);
    expect(sharedArticles(repeated).length).toBeGreaterThan(0);
  });

  it('a chapter limits the articles', () => {
    const docId = articles.find((a) => a.title === SAFETY_TITLE)!.docId;
    const { articles: chapter } = articlesFor(knowledge.services.kb, { docId, chapter: '第三章' });
    expect(chapter.map((a) => a.label)).toEqual(['第九条', '第十条', '第十一条']);
  });
});

describe('grading and results', () => {
  it('accepts a blank in other numerals and spacing, refuses a wrong choice, reports per question and person', () => {
    const pool = buildFactPool(articles);
    const questions = generateQuestions(articles, pool, { n: 9, seed: 11 });
    const quiz = newQuiz('trainer', '示例测验', { kind: 'doc' }, questions);
    const blank = questions.find((q) => q.kind === 'blank')!;
    expect(normalizeAnswer(' 60 日 以内 ')).toBe(normalizeAnswer('六十日内'));
    const choice = questions.find((q) => q.kind === 'choice')!;
    const letter = 'ABCD'[choice.options!.indexOf(choice.answer as string)]!;
    const judge = questions.find((q) => q.kind === 'judge')!;
    const spoken = judge.answer ? '对' : '错';
    const { attempt: loose } = gradeAttempt(quiz, 'officer3', [
      { questionId: choice.id, answer: letter.toLowerCase() },
      { questionId: judge.id, answer: spoken },
    ]);
    expect(loose.answers.filter((a) => a.correct).map((a) => a.questionId)).toEqual([choice.id, judge.id]);
    const right = questions.map((q) => ({ questionId: q.id, answer: q.answer }));
    const { attempt: full } = gradeAttempt(quiz, 'officer1', right);
    expect(full.score).toBe(questions.length);
    const wrong = right.map((a) => (a.questionId === blank.id ? { ...a, answer: '完全不对' } : a));
    const { attempt, corrections } = gradeAttempt(quiz, 'officer2', wrong);
    expect(attempt.score).toBe(questions.length - 1);
    const miss = corrections.find((c) => !c.correct)!;
    expect(miss.questionId).toBe(blank.id);
    expect(miss.source.text).toContain(String(blank.answer));
    const results = summarizeResults(quiz, [full, attempt]);
    expect(results.perQuestion.find((r) => r.questionId === blank.id)).toMatchObject({ attempts: 2, correct: 1, rate: 0.5 });
    expect(results.perPerson.map((p) => [p.username, p.bestScore])).toEqual([
      ['officer1', questions.length],
      ['officer2', questions.length - 1],
    ]);
    const csv = resultsCsv(quiz, [full, attempt]);
    expect(csv.startsWith('\ufeff用户,提交时间,得分,总分,')).toBe(true);
    expect(csv.trim().split('\r\n')).toHaveLength(3);
  });

  it('a CSV cell that a spreadsheet would run as a formula is neutralised', () => {
    const quiz = newQuiz('t', 'x', { kind: 'doc' }, []);
    const csv = resultsCsv(quiz, [{ id: 'a', quizId: quiz.id, username: '=HYPERLINK("x")', submittedAt: 't', score: 0, total: 0, answers: [] }]);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('list items know when their law changed', () => {
  it('flags an article whose text differs in a newer version of the same title', async () => {
    const kb = knowledge.services.kb;
    const fifth = loadArticles(kb, articles.find((a) => a.title === SAFETY_TITLE)!.docId).find((a) => a.label === '第五条')!;
    const item = listItemOf(fifth, '值班必背');
    expect(itemCurrency(kb, item)).toEqual({ status: 'current' });
    const changed = { ...item, textHash: 'old', text: '第五条 旧文本' };
    expect(itemCurrency(kb, changed)).toMatchObject({ status: 'changed', currentText: fifth.text });
    expect(itemCurrency(kb, { ...item, title: '不存在的条例', docId: 'nope' })).toEqual({ status: 'missing' });
  });

  it('after a newer version of the law is ingested, the changed 条 is flagged and the unchanged ones are not', async () => {
    const kb = knowledge.services.kb;
    const v1 = loadArticles(kb, articles.find((a) => a.title === SAFETY_TITLE)!.docId);
    const items = v1.filter((a) => a.label === '第五条' || a.label === '第六条').map((a) => listItemOf(a));
    const [v2File] = await writeFixtures(path.join(dir, 'v2'), { 'safety-2025.md': SAFETY_V2.replace('# 示例市安全生产条例', '# 示例市安全生产条例\n\n2025年1月1日修订') });
    await ingestInputs({ kb, ocr: knowledge.config.ocr }, await collectInputs([v2File!]));
    expect(kb.listDocuments().filter((d) => d.title === SAFETY_TITLE)).toHaveLength(2);
    const [fifth, sixth] = items.map((i) => itemCurrency(kb, i));
    expect(fifth).toMatchObject({ status: 'changed' });
    expect(fifth!.status === 'changed' && fifth!.currentText).toContain('2小时内');
    expect(sixth).toEqual({ status: 'current' });
  });
});
