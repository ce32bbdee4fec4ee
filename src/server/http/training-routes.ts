/**
 * Training under /api/training: 应知应会 lists (trainers and admins build and share them, officers read shared
 * ones), quizzes generated from articles (trainers generate, edit, publish; officers take published ones),
 * results per question and per person, CSV export, printable papers.
 */
import { Router, type Response } from 'express';
import { AppError } from '../../core/errors.js';
import { articleOfChunk, loadArticles } from '../../training/articles.js';
import { renderListBooklet, renderQuizPaper } from '../../training/print.js';
import {
  articlesFor,
  FactPoolCache,
  gradeAttempt,
  itemCurrency,
  listItemOf,
  newQuiz,
  parseKinds,
  proposeQuestions,
  resultsCsv,
  summarizeResults,
} from '../../training/quiz.js';
import { TRAINING_LIMITS, TrainingStore } from '../../training/store.js';
import type { ArticleSource, Quiz, QuizQuestion, StudyList } from '../../training/types.js';
import type { ServerContext } from '../context.js';
import type {
  AddTrainingListItemRequest,
  CreateTrainingListRequest,
  GenerateQuizRequest,
  QuizAttemptResult,
  QuizForTaking,
  QuizQuestionEdit,
  QuizSummary,
  SessionUser,
  SubmitQuizRequest,
  TrainingListSummary,
  TrainingListView,
  UpdateQuizRequest,
  UpdateTrainingListRequest,
} from '../events.js';
import { currentUser, requireRole } from './auth-middleware.js';

const MAX_QUESTIONS_PER_REQUEST = TRAINING_LIMITS.questionsPerQuiz;

export function trainingRoutes(ctx: ServerContext): Router {
  const router = Router();
  const { kb } = ctx.services;
  const pools = new FactPoolCache(kb);
  let opened: Promise<TrainingStore> | undefined;
  const store = () => (opened ??= TrainingStore.open(ctx.services.config.dataDir).catch((e: unknown) => {
    opened = undefined;
    throw e;
  }));
  const trainer = requireRole('trainer', 'admin');

  // ---- lists ----

  router.get('/training/lists', async (_req, res) => {
    const user = currentUser(res);
    const lists = (await store()).allLists().filter((l) => canRead(user, l));
    const body: TrainingListSummary[] = lists.map((l) => ({
      id: l.id,
      name: l.name,
      ...(l.description ? { description: l.description } : {}),
      owner: l.owner,
      shared: l.shared,
      itemCount: l.items.length,
      updatedAt: l.updatedAt,
    }));
    res.json(body);
  });

  router.post('/training/lists', trainer, async (req, res) => {
    const body = (req.body ?? {}) as Partial<CreateTrainingListRequest>;
    const name = requireText(body.name, '清单名称', TRAINING_LIMITS.nameChars);
    const description = optionalText(body.description, '清单说明', TRAINING_LIMITS.noteChars);
    const list = await (await store()).createList(currentUser(res).username, name, description);
    res.status(201).json(listView(list));
  });

  router.get('/training/lists/:id', async (req, res) => {
    res.json(listView(await readableList(res, req.params.id as string)));
  });

  router.get('/training/lists/:id/print', async (req, res) => {
    const list = await readableList(res, req.params.id as string);
    sendHtml(res, renderListBooklet(list, new Map(list.items.map((i) => [i.id, itemCurrency(kb, i)]))));
  });

  router.put('/training/lists/:id', trainer, async (req, res) => {
    const body = (req.body ?? {}) as Partial<UpdateTrainingListRequest>;
    const list = await editableList(res, req.params.id as string);
    const name = body.name === undefined ? undefined : requireText(body.name, '清单名称', TRAINING_LIMITS.nameChars);
    const description = optionalText(body.description, '清单说明', TRAINING_LIMITS.noteChars);
    if (body.shared !== undefined && typeof body.shared !== 'boolean') throw new AppError('INVALID_REQUEST', 'shared 须为 true 或 false。');
    const order = body.order;
    if (order !== undefined) {
      const ids = new Set(list.items.map((i) => i.id));
      if (!Array.isArray(order) || order.length !== ids.size || new Set(order).size !== ids.size || !order.every((id) => ids.has(id))) {
        throw new AppError('INVALID_REQUEST', 'order 须恰好列出清单中每一条的 id（新的顺序）。');
      }
    }
    const updated = await (await store()).updateList(list.id, (l) => {
      if (name !== undefined) l.name = name;
      if (body.description !== undefined) l.description = description || undefined;
      if (typeof body.shared === 'boolean') l.shared = body.shared;
      if (order) l.items = order.map((id) => l.items.find((i) => i.id === id)!);
    });
    res.json(listView(updated));
  });

  router.delete('/training/lists/:id', trainer, async (req, res) => {
    const list = await editableList(res, req.params.id as string);
    await (await store()).removeList(list.id);
    res.json({ ok: true });
  });

  router.post('/training/lists/:id/items', trainer, async (req, res) => {
    const body = (req.body ?? {}) as Partial<AddTrainingListItemRequest>;
    const list = await editableList(res, req.params.id as string);
    const note = optionalText(body.note, '说明', TRAINING_LIMITS.noteChars);
    let article;
    if (typeof body.chunkId === 'string' && body.chunkId) {
      article = articleOfChunk(kb, body.chunkId, typeof body.docId === 'string' ? body.docId : undefined);
    } else if (typeof body.docId === 'string' && typeof body.label === 'string') {
      if (!kb.getDocument(body.docId)) throw new AppError('DOCUMENT_NOT_FOUND', '没有找到这份文档，可能已被删除。');
      const label = body.label.trim();
      article = loadArticles(kb, body.docId).find((a) => a.label === label || a.locator === label);
    } else {
      throw new AppError('INVALID_REQUEST', '请提供 chunkId（来自检索结果或来源卡片），或 docId 加 label（如 第八十三条）。');
    }
    if (!article) throw new AppError('DOCUMENT_NOT_FOUND', '没有找到这一条；文档可能已更新，请重新检索后再加入清单。');
    const found = article;
    if (list.items.some((i) => i.docId === found.docId && i.locator === found.locator)) {
      throw new AppError('CONFLICT', `清单中已有《${found.title}》${found.label}。`);
    }
    const updated = await (await store()).updateList(list.id, (l) => l.items.push(listItemOf(found, note)));
    res.status(201).json(listView(updated));
  });

  router.put('/training/lists/:id/items/:itemId', trainer, async (req, res) => {
    const list = await editableList(res, req.params.id as string);
    const itemId = req.params.itemId as string;
    if (!list.items.some((i) => i.id === itemId)) throw new AppError('INVALID_REQUEST', '清单中没有这一条。');
    const note = optionalText((req.body as { note?: unknown } | undefined)?.note, '说明', TRAINING_LIMITS.noteChars);
    const updated = await (await store()).updateList(list.id, (l) => {
      const item = l.items.find((i) => i.id === itemId)!;
      if (note) item.note = note;
      else delete item.note;
    });
    res.json(listView(updated));
  });

  router.delete('/training/lists/:id/items/:itemId', trainer, async (req, res) => {
    const list = await editableList(res, req.params.id as string);
    const itemId = req.params.itemId as string;
    if (!list.items.some((i) => i.id === itemId)) throw new AppError('INVALID_REQUEST', '清单中没有这一条。');
    const updated = await (await store()).updateList(list.id, (l) => {
      l.items = l.items.filter((i) => i.id !== itemId);
    });
    res.json(listView(updated));
  });

  // ---- quizzes ----

  router.get('/training/quizzes', async (_req, res) => {
    const user = currentUser(res);
    const quizzes = (await store()).allQuizzes().filter((q) => isTrainer(user) || q.status === 'published');
    const body: QuizSummary[] = quizzes.map((q) => ({
      id: q.id,
      title: q.title,
      owner: q.owner,
      status: q.status,
      origin: q.origin,
      questionCount: q.questions.length,
      createdAt: q.createdAt,
      updatedAt: q.updatedAt,
      ...(q.publishedAt ? { publishedAt: q.publishedAt } : {}),
    }));
    res.json(body);
  });

  router.post('/training/quizzes', trainer, async (req, res) => {
    const body = (req.body ?? {}) as Partial<GenerateQuizRequest>;
    const n = body.n === undefined ? undefined : Number(body.n);
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_QUESTIONS_PER_REQUEST)) {
      throw new AppError('INVALID_REQUEST', `题量 n 须为 1–${MAX_QUESTIONS_PER_REQUEST} 的整数。`);
    }
    const kinds = parseKinds(body.kinds);
    const s = await store();
    let list: StudyList | undefined;
    if (typeof body.listId === 'string') {
      list = s.getList(body.listId);
      if (!list) throw new AppError('INVALID_REQUEST', '没有找到这个清单。');
    }
    const docId = typeof body.docId === 'string' ? body.docId : undefined;
    const chapter = typeof body.chapter === 'string' && body.chapter.trim() ? body.chapter : undefined;
    const { articles, origin } = articlesFor(kb, { docId, chapter, list });
    const questions = proposeQuestions(articles, pools.get(), {
      n,
      kinds,
      seed: typeof body.seed === 'number' ? body.seed : undefined,
      allowSameArticle: body.allowSameArticle === true,
    });
    if (!questions.length) throw new AppError('INVALID_REQUEST', '所选条文中没有找到可出题的期限、金额、人数、责任主体或义务，请换一个范围。');
    const title =
      optionalText(body.title, '测验标题', TRAINING_LIMITS.nameChars) ??
      (list ? `${list.name} 测验` : `《${articles[0]!.title}》${chapter ? ` ${chapter}` : ''} 测验`);
    const quiz = await s.putQuiz(newQuiz(currentUser(res).username, title, origin, questions));
    res.status(201).json(quiz);
  });

  router.get('/training/quizzes/:id', async (req, res) => {
    const user = currentUser(res);
    const quiz = await readableQuiz(user, req.params.id as string);
    if (isTrainer(user)) {
      res.json(quiz);
      return;
    }
    const body: QuizForTaking = {
      id: quiz.id,
      title: quiz.title,
      status: quiz.status,
      questions: quiz.questions.map((q) => ({ id: q.id, kind: q.kind, prompt: q.prompt, ...(q.options ? { options: q.options } : {}) })),
    };
    res.json(body);
  });

  router.put('/training/quizzes/:id', trainer, async (req, res) => {
    const quiz = await editableQuiz(res, req.params.id as string);
    if (quiz.status !== 'draft') throw new AppError('CONFLICT', '测验已发布，不能再修改；如需调整请重新生成一份。');
    const body = (req.body ?? {}) as Partial<UpdateQuizRequest>;
    const next: Quiz = { ...quiz, updatedAt: new Date().toISOString() };
    if (body.title !== undefined) next.title = requireText(body.title, '测验标题', TRAINING_LIMITS.nameChars);
    if (body.questions !== undefined) next.questions = applyQuestionEdits(quiz, body.questions);
    res.json(await (await store()).putQuiz(next));
  });

  router.post('/training/quizzes/:id/publish', trainer, async (req, res) => {
    const quiz = await editableQuiz(res, req.params.id as string);
    if (!quiz.questions.length) throw new AppError('INVALID_REQUEST', '测验没有题目，不能发布。');
    if (quiz.status === 'published') {
      res.json(quiz);
      return;
    }
    const now = new Date().toISOString();
    res.json(await (await store()).putQuiz({ ...quiz, status: 'published', publishedAt: now, updatedAt: now }));
  });

  router.delete('/training/quizzes/:id', trainer, async (req, res) => {
    const quiz = await editableQuiz(res, req.params.id as string);
    await (await store()).removeQuiz(quiz.id);
    res.json({ ok: true });
  });

  router.get('/training/quizzes/:id/print', async (req, res) => {
    const user = currentUser(res);
    const quiz = await readableQuiz(user, req.params.id as string);
    sendHtml(res, renderQuizPaper(quiz, { withKey: isTrainer(user) && req.query.key === '1' }));
  });

  router.post('/training/quizzes/:id/attempts', async (req, res) => {
    const user = currentUser(res);
    const quiz = await readableQuiz(user, req.params.id as string);
    if (quiz.status !== 'published') throw new AppError('CONFLICT', '测验尚未发布，不能作答。');
    const body = (req.body ?? {}) as Partial<SubmitQuizRequest>;
    if (!Array.isArray(body.answers) || body.answers.length > quiz.questions.length) {
      throw new AppError('INVALID_REQUEST', 'answers 须为 [{questionId, answer}] 数组，每题至多一项。');
    }
    const answers = body.answers.map((a) => {
      const questionId = (a as { questionId?: unknown }).questionId;
      const answer = (a as { answer?: unknown }).answer;
      if (typeof questionId !== 'string') throw new AppError('INVALID_REQUEST', '每个答案须带 questionId。');
      if (answer !== null && typeof answer !== 'string' && typeof answer !== 'boolean') {
        throw new AppError('INVALID_REQUEST', '答案须为文字（填空、单选）或 true/false（判断）。');
      }
      if (typeof answer === 'string' && answer.length > TRAINING_LIMITS.fieldChars) throw new AppError('INVALID_REQUEST', '答案太长。');
      return { questionId, answer };
    });
    const { attempt, corrections } = gradeAttempt(quiz, user.username, answers);
    await (await store()).addAttempt(attempt);
    const result: QuizAttemptResult = { attemptId: attempt.id, score: attempt.score, total: attempt.total, corrections };
    res.status(201).json(result);
  });

  router.get('/training/quizzes/:id/results', trainer, async (req, res) => {
    const quiz = await readableQuiz(currentUser(res), req.params.id as string);
    res.json(summarizeResults(quiz, await (await store()).listAttempts(quiz.id)));
  });

  router.get('/training/quizzes/:id/results.csv', trainer, async (req, res) => {
    const quiz = await readableQuiz(currentUser(res), req.params.id as string);
    const csv = resultsCsv(quiz, await (await store()).listAttempts(quiz.id));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="quiz-results.csv"; filename*=UTF-8''${encodeURIComponent(`${quiz.title}-成绩.csv`)}`);
    res.send(csv);
  });

  // ---- helpers (closures over the store) ----

  async function readableList(res: Response, id: string): Promise<StudyList> {
    const list = (await store()).getList(id);
    if (!list || !canRead(currentUser(res), list)) throw new AppError('INVALID_REQUEST', '没有找到这个清单，或它尚未共享。');
    return list;
  }

  async function editableList(res: Response, id: string): Promise<StudyList> {
    const user = currentUser(res);
    const list = await readableList(res, id);
    if (user.role !== 'admin' && list.owner !== user.username) throw new AppError('FORBIDDEN', `只有清单的创建者（${list.owner}）或管理员可以修改它。`);
    return list;
  }

  async function readableQuiz(user: SessionUser, id: string): Promise<Quiz> {
    const quiz = (await store()).getQuiz(id);
    if (!quiz || (!isTrainer(user) && quiz.status !== 'published')) throw new AppError('INVALID_REQUEST', '没有找到这份测验，或它尚未发布。');
    return quiz;
  }

  async function editableQuiz(res: Response, id: string): Promise<Quiz> {
    const user = currentUser(res);
    const quiz = await readableQuiz(user, id);
    if (user.role !== 'admin' && quiz.owner !== user.username) throw new AppError('FORBIDDEN', `只有测验的创建者（${quiz.owner}）或管理员可以修改它。`);
    return quiz;
  }

  function listView(list: StudyList): TrainingListView {
    const items = list.items.map((i) => ({ ...i, currency: itemCurrency(kb, i) }));
    return { ...list, items, changedCount: items.filter((i) => i.currency.status !== 'current').length };
  }

  return router;
}

function isTrainer(user: SessionUser): boolean {
  return user.role === 'trainer' || user.role === 'admin';
}

function canRead(user: SessionUser, list: StudyList): boolean {
  return isTrainer(user) || list.shared;
}

function sendHtml(res: Response, html: string): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  // A print view runs no script: everything user-written in it is escaped, and the policy forbids script anyway.
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(html);
}

function requireText(value: unknown, what: string, maxChars: number): string {
  if (typeof value !== 'string' || !value.trim()) throw new AppError('INVALID_REQUEST', `请填写${what}。`);
  if ([...value].length > maxChars) throw new AppError('INVALID_REQUEST', `${what}最多 ${maxChars} 个字。`);
  return value.trim();
}

function optionalText(value: unknown, what: string, maxChars: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return requireText(value, what, maxChars);
}

/** The edited question list: kept questions with their overrides, new ones checked for a usable key. */
function applyQuestionEdits(quiz: Quiz, edits: unknown): QuizQuestion[] {
  if (!Array.isArray(edits)) throw new AppError('INVALID_REQUEST', 'questions 须为数组（完整的新题目列表）。');
  if (edits.length > TRAINING_LIMITS.questionsPerQuiz) throw new AppError('LIMIT_EXCEEDED', `一份测验最多 ${TRAINING_LIMITS.questionsPerQuiz} 题。`);
  const byId = new Map(quiz.questions.map((q) => [q.id, q]));
  const seen = new Set<string>();
  let next = quiz.questions.reduce((m, q) => Math.max(m, Number(q.id.replace(/^q/u, '')) || 0), 0);
  return (edits as QuizQuestionEdit[]).map((edit, i) => {
    const n = i + 1;
    const base = edit.id !== undefined ? byId.get(edit.id) : undefined;
    if (edit.id !== undefined && !base) throw new AppError('INVALID_REQUEST', `第 ${n} 题的 id（${edit.id}）不在这份测验中。`);
    if (base && seen.has(base.id)) throw new AppError('INVALID_REQUEST', `题目 ${base.id} 出现了两次。`);
    if (base) seen.add(base.id);
    const kind = edit.kind ?? base?.kind;
    if (kind !== 'blank' && kind !== 'choice' && kind !== 'judge') throw new AppError('INVALID_REQUEST', `第 ${n} 题须有题型 kind（blank / choice / judge）。`);
    const prompt = edit.prompt !== undefined ? requireText(edit.prompt, `第 ${n} 题的题干`, TRAINING_LIMITS.fieldChars) : base?.prompt;
    if (!prompt) throw new AppError('INVALID_REQUEST', `第 ${n} 题须有题干 prompt。`);
    const answer = edit.answer !== undefined ? edit.answer : base?.answer;
    let options = kind === 'choice' ? (edit.options ?? base?.options) : undefined;
    if (kind === 'judge' && typeof answer !== 'boolean') throw new AppError('INVALID_REQUEST', `第 ${n} 题（判断题）的答案须为 true 或 false。`);
    if (kind !== 'judge' && (typeof answer !== 'string' || !answer.trim())) throw new AppError('INVALID_REQUEST', `第 ${n} 题须有答案。`);
    if (kind === 'choice') {
      if (!Array.isArray(options) || options.length < 2 || options.some((o) => typeof o !== 'string' || !o.trim())) {
        throw new AppError('INVALID_REQUEST', `第 ${n} 题（单选题）须有至少两个选项。`);
      }
      options = options.map((o) => o.slice(0, TRAINING_LIMITS.fieldChars));
      if (!options.includes(answer as string)) throw new AppError('INVALID_REQUEST', `第 ${n} 题的答案须是选项之一。`);
    }
    const source: ArticleSource = edit.source ?? base?.source ?? { docId: '', title: '', locator: '', text: '' };
    const changedKey = base && (kind !== base.kind || answer !== base.answer || prompt !== base.prompt);
    const question: QuizQuestion = {
      id: base?.id ?? `q${++next}`,
      kind,
      prompt,
      ...(options ? { options } : {}),
      answer: answer as string | boolean,
      source,
      // A hand-edited stem or key is no longer the generated one: drop what described the generated fact.
      ...(base?.fact && !changedKey ? { fact: base.fact } : {}),
      ...(base?.change && !changedKey ? { change: base.change } : {}),
    };
    return question;
  });
}
