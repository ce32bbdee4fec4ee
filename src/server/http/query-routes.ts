/** Search, non-streaming ask and the user's conversations (every role); feedback is in feedback-routes.ts. */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { toAskJson } from '../../answer/ask-json.js';
import { AppError } from '../../core/errors.js';
import { toSearchHitJson } from '../../retrieval/locator.js';
import { runAnswer, validateAsk } from '../answering.js';
import type { ServerContext } from '../context.js';
import type { ConversationRename, SearchResponse } from '../events.js';
import { currentUser } from './auth-middleware.js';

const MAX_K = 50;
/** A conversation title the sidebar shows on one line. */
const MAX_TITLE_CHARS = 60;

export function queryRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/search', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    if (!q) throw new AppError('INVALID_REQUEST', '请提供查询内容，例如 /api/search?q=应急预案');
    const k = parseK(req.query.k);
    const result = await ctx.services.retriever.retrieve(q, { k });
    const body: SearchResponse = {
      query: result.query,
      tookMs: result.tookMs,
      sufficient: result.sufficient,
      basis: result.basis,
      ...(result.basisNote ? { basisNote: result.basisNote } : {}),
      hits: result.hits.map(toSearchHitJson),
    };
    res.json(body);
  });

  router.post('/ask', async (req, res) => {
    const user = currentUser(res);
    const body = (req.body ?? {}) as { question?: unknown; conversationId?: unknown; requestId?: unknown };
    const requestId = typeof body.requestId === 'string' ? body.requestId : randomUUID();
    validateAsk({ ...body, requestId });
    const controller = new AbortController();
    // The client going away aborts the model request (res 'close' fires before the response finished).
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const result = await runAnswer(ctx, user, {
      requestId,
      conversationId: body.conversationId as string | undefined,
      question: body.question as string,
      signal: controller.signal,
    });
    res.json(toAskJson(result));
  });

  router.get('/conversations', async (_req, res) => {
    res.json(await ctx.conversations.list(currentUser(res).username));
  });

  router.get('/conversations/:id', async (req, res) => {
    const conv = await ctx.conversations.get(currentUser(res).username, req.params.id);
    if (!conv) throw new AppError('INVALID_REQUEST', '没有找到这个对话。');
    res.json(conv);
  });

  router.put('/conversations/:id', async (req, res) => {
    const body = (req.body ?? {}) as Partial<ConversationRename>;
    const title = typeof body.title === 'string' ? body.title.replace(/\s+/g, ' ').trim() : '';
    if (!title) throw new AppError('INVALID_REQUEST', '请输入对话名称。');
    if ([...title].length > MAX_TITLE_CHARS) throw new AppError('INVALID_REQUEST', `对话名称最多 ${MAX_TITLE_CHARS} 字。`);
    const renamed = await ctx.conversations.rename(currentUser(res).username, req.params.id, title);
    if (!renamed) throw new AppError('INVALID_REQUEST', '没有找到这个对话。');
    res.json(renamed);
  });

  router.delete('/conversations/:id', async (req, res) => {
    const removed = await ctx.conversations.remove(currentUser(res).username, req.params.id);
    if (!removed) throw new AppError('INVALID_REQUEST', '没有找到这个对话。');
    res.json({ ok: true });
  });

  return router;
}

function parseK(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new AppError('INVALID_REQUEST', `k 须为 1–${MAX_K} 的整数。`);
  return k;
}
