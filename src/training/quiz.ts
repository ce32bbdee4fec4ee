/**
 * Building quizzes from a document, a chapter or a 应知应会 list; grading attempts; results and CSV.
 * Used by `yingji quiz` and the training routes alike.
 */
import { randomUUID } from 'node:crypto';
import { toHalfWidth } from '../core/chinese-text.js';
import { AppError } from '../core/errors.js';
import { sha256Hex } from '../core/durable-files.js';
import { loadAllArticles, loadArticles, type Article, type ArticleReader } from './articles.js';
import { normalizeFactValue } from './facts.js';
import { buildFactPool, generateQuestions, type FactPool } from './generate.js';
import type {
  Attempt,
  Correction,
  ItemCurrency,
  QuizResults,
  QuestionResult,
  PersonResult,
  QuestionJson,
  QuestionKind,
  Quiz,
  QuizOrigin,
  QuizQuestion,
  StudyList,
  StudyListItem,
} from './types.js';

export const DEFAULT_QUIZ_QUESTIONS = 20;

/** The corpus-wide fact pool, rebuilt only when the set of documents changes. */
export class FactPoolCache {
  private key = '';
  private pool: FactPool = { byKind: new Map() };

  constructor(private readonly kb: ArticleReader) {}

  get(): FactPool {
    const docs = this.kb.listDocuments().filter((d) => d.status === 'indexed');
    const key = sha256Hex(docs.map((d) => `${d.id}:${d.contentHash}:${d.chunkCount}`).join('|'));
    if (key !== this.key) {
      this.pool = buildFactPool(loadAllArticles(this.kb));
      this.key = key;
    }
    return this.pool;
  }
}

export interface QuizSourceRequest {
  docId?: string;
  /** With docId: only the articles under this chapter heading (第五章 or its full heading). */
  chapter?: string;
  list?: StudyList;
}

/**
 * The articles a quiz is drawn from.
 * @throws AppError DOCUMENT_NOT_FOUND for an unknown document, INVALID_REQUEST when nothing is left to ask about.
 */
export function articlesFor(kb: ArticleReader, request: QuizSourceRequest): { articles: Article[]; origin: QuizOrigin } {
  if (request.list) {
    const articles: Article[] = [];
    for (const item of request.list.items) {
      const current = currentArticleOf(kb, item);
      // The quiz asks about the law as it stands; an item whose article is gone keeps its stored text.
      articles.push(
        current ?? {
          key: `list:${item.id}`,
          docId: item.docId,
          title: item.title,
          docType: '其他',
          label: item.label,
          headingPath: item.locator.split(' › '),
          locator: item.locator,
          text: item.text,
          textHash: item.textHash,
          chunkIds: [],
        },
      );
    }
    if (!articles.length) throw new AppError('INVALID_REQUEST', `清单“${request.list.name}”还没有条文，请先加入条文再出题。`);
    return { articles, origin: { kind: 'list', listId: request.list.id } };
  }
  if (!request.docId) throw new AppError('INVALID_REQUEST', '请指定出题范围：文档（docId）或清单（listId）。');
  const doc = kb.getDocument(request.docId);
  if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', `没有编号为 ${request.docId} 的文档；可用 yingji docs 查看文档编号。`);
  let articles = loadArticles(kb, doc.id);
  if (request.chapter) {
    const chapter = request.chapter.trim();
    articles = articles.filter((a) => a.headingPath.some((h) => h === chapter || h.startsWith(`${chapter} `) || h.startsWith(chapter)));
    if (!articles.length) throw new AppError('INVALID_REQUEST', `《${doc.title}》中没有“${chapter}”这一章，请核对章名（例如 第五章）。`);
    return { articles, origin: { kind: 'chapter', docId: doc.id, chapter } };
  }
  if (!articles.length) throw new AppError('INVALID_REQUEST', `《${doc.title}》没有可出题的条文（文档未索引或无正文）。`);
  return { articles, origin: { kind: 'doc', docId: doc.id } };
}

export interface MakeQuestionsOptions {
  n?: number;
  kinds?: readonly QuestionKind[];
  seed?: number;
  allowSameArticle?: boolean;
}

/** Proposes questions for the articles; distractors come from the whole knowledge base. */
export function proposeQuestions(articles: Article[], pool: FactPool, options: MakeQuestionsOptions): QuizQuestion[] {
  return generateQuestions(articles, pool, {
    n: options.n ?? DEFAULT_QUIZ_QUESTIONS,
    kinds: options.kinds,
    seed: options.seed,
    allowSameArticle: options.allowSameArticle,
  });
}

export function toQuestionJson(q: QuizQuestion): QuestionJson {
  return { kind: q.kind, prompt: q.prompt, ...(q.options ? { options: q.options } : {}), answer: q.answer, source: q.source };
}

/** @throws AppError INVALID_REQUEST for an unknown kind name. */
export function parseKinds(raw: string | readonly string[] | undefined): QuestionKind[] | undefined {
  if (raw === undefined) return undefined;
  const names = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((k) => k !== 'blank' && k !== 'choice' && k !== 'judge');
  if (bad.length) throw new AppError('INVALID_REQUEST', `题型只能是 blank（填空）、choice（单选）、judge（判断），不认识：${bad.join('、')}。`);
  return names as QuestionKind[];
}

export function newQuiz(owner: string, title: string, origin: QuizOrigin, questions: QuizQuestion[]): Quiz {
  const now = new Date().toISOString();
  return { id: randomUUID(), title, owner, status: 'draft', origin, createdAt: now, updatedAt: now, questions };
}

// ---- lists ----

export function listItemOf(article: Article, note?: string): StudyListItem {
  return {
    id: randomUUID(),
    docId: article.docId,
    title: article.title,
    locator: article.locator,
    label: article.label,
    text: article.text,
    textHash: article.textHash,
    ...(note ? { note } : {}),
    addedAt: new Date().toISOString(),
  };
}

/** The item's article in the current document of the same title (the newest one, when several exist). */
export function currentArticleOf(kb: ArticleReader, item: StudyListItem): Article | undefined {
  const docs = kb
    .listDocuments()
    .filter((d) => d.status === 'indexed' && (d.title === item.title || d.id === item.docId))
    .sort((a, b) => versionDate(b).localeCompare(versionDate(a)) || b.ingestedAt.localeCompare(a.ingestedAt));
  const doc = docs[0];
  if (!doc) return undefined;
  const articles = loadArticles(kb, doc.id);
  return articles.find((a) => a.locator === item.locator) ?? articles.find((a) => a.label === item.label);
}

/** Compares the stored text of a list item with the current version of its law. */
export function itemCurrency(kb: ArticleReader, item: StudyListItem): ItemCurrency {
  const current = currentArticleOf(kb, item);
  if (!current) return { status: 'missing' };
  if (current.textHash === item.textHash) return { status: 'current' };
  return { status: 'changed', currentDocId: current.docId, currentText: current.text };
}

function versionDate(d: { issuedDate?: string; effectiveDate?: string }): string {
  return [d.issuedDate ?? '', d.effectiveDate ?? ''].sort().at(-1) ?? '';
}

// ---- grading ----

/** Comparable form of a typed answer: half-width, no spaces or punctuation, numerals as Arabic digits. */
export function normalizeAnswer(s: string): string {
  return normalizeFactValue(toHalfWidth(s)).replace(/[_＿\-—]/gu, '');
}

const TRUE_WORDS = new Set(['true', '对', '正确', '√', '是']);
const FALSE_WORDS = new Set(['false', '错', '错误', '×', '否']);

/**
 * Judge answers are true/false (or 对/错, √/×); a choice is the option's text or its letter (A–D); a blank is
 * compared in normalised form, so 30日内 and 三十日以内 both count.
 */
export function isCorrect(q: QuizQuestion, given: string | boolean | null): boolean {
  if (given === null || given === '') return false;
  if (q.kind === 'judge') {
    const word = typeof given === 'boolean' ? String(given) : given.trim().toLowerCase();
    const value = TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
    return value === q.answer;
  }
  if (typeof given !== 'string' || typeof q.answer !== 'string') return false;
  if (q.kind === 'choice') {
    const letter = /^[A-Ha-h]$/u.test(given.trim()) ? q.options?.[given.trim().toUpperCase().charCodeAt(0) - 65] : undefined;
    return (letter ?? given) === q.answer;
  }
  return normalizeAnswer(given) === normalizeAnswer(q.answer);
}

/** Grades answers against a quiz; unanswered questions count as wrong. */
export function gradeAttempt(
  quiz: Quiz,
  username: string,
  answers: { questionId: string; answer: string | boolean | null }[],
): { attempt: Attempt; corrections: Correction[] } {
  const given = new Map(answers.map((a) => [a.questionId, a.answer]));
  const corrections = quiz.questions.map((q): Correction => {
    const g = given.get(q.id) ?? null;
    return { questionId: q.id, correct: isCorrect(q, g), given: g, answer: q.answer, source: q.source };
  });
  const score = corrections.filter((c) => c.correct).length;
  return {
    attempt: {
      id: randomUUID(),
      quizId: quiz.id,
      username,
      submittedAt: new Date().toISOString(),
      score,
      total: quiz.questions.length,
      answers: corrections.map((c) => ({ questionId: c.questionId, given: c.given, correct: c.correct })),
    },
    corrections,
  };
}

export function summarizeResults(quiz: Quiz, attempts: Attempt[]): QuizResults {
  const perQuestion = quiz.questions.map((q): QuestionResult => {
    const answered = attempts.map((a) => a.answers.find((x) => x.questionId === q.id)).filter((x) => x !== undefined);
    const correct = answered.filter((x) => x.correct).length;
    return { questionId: q.id, kind: q.kind, prompt: q.prompt, attempts: answered.length, correct, rate: answered.length ? correct / answered.length : 0 };
  });
  const people = new Map<string, PersonResult>();
  for (const a of [...attempts].sort((x, y) => x.submittedAt.localeCompare(y.submittedAt))) {
    const p = people.get(a.username);
    if (!p) {
      people.set(a.username, { username: a.username, attempts: 1, bestScore: a.score, lastScore: a.score, total: a.total, lastAt: a.submittedAt });
      continue;
    }
    p.attempts++;
    p.bestScore = Math.max(p.bestScore, a.score);
    p.lastScore = a.score;
    p.total = a.total;
    p.lastAt = a.submittedAt;
  }
  return { quizId: quiz.id, attempts: attempts.length, perQuestion, perPerson: [...people.values()] };
}

/**
 * One row per attempt: who, when, score, then 1/0 per question (UTF-8 with BOM so Excel reads the Chinese).
 * Cells that a spreadsheet would run as a formula (=, +, -, @) are prefixed with '.
 */
export function resultsCsv(quiz: Quiz, attempts: Attempt[]): string {
  const header = ['用户', '提交时间', '得分', '总分', ...quiz.questions.map((q, i) => `第${i + 1}题(${q.id})`)];
  const rows = attempts.map((a) => [
    a.username,
    a.submittedAt,
    String(a.score),
    String(a.total),
    ...quiz.questions.map((q) => {
      const x = a.answers.find((y) => y.questionId === q.id);
      return x ? (x.correct ? '1' : '0') : '';
    }),
  ]);
  return '\ufeff' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
  return /[",\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
}
