/** Ratings of answers: every role rates its own answers; the admin reviews all of them and marks them handled. */
import { Router } from 'express';
import { formatLocator } from '../../retrieval/locator.js';
import { AppError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import type { FeedbackRequest, FeedbackUpdate } from '../events.js';
import { FeedbackStore } from '../feedback.js';
import { currentUser, requireRole } from './auth-middleware.js';

const MAX_COMMENT_CHARS = 1000;

export function feedbackRoutes(ctx: ServerContext, store = new FeedbackStore(ctx.services.config.dataDir)): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.post('/feedback', async (req, res) => {
    const user = currentUser(res);
    const body = (req.body ?? {}) as Partial<FeedbackRequest>;
    if (typeof body.requestId !== 'string' || (body.rating !== 'up' && body.rating !== 'down')) {
      throw new AppError('INVALID_REQUEST', '反馈须包含 requestId 和 rating（up 或 down）。');
    }
    const comment = typeof body.comment === 'string' ? body.comment.trim().slice(0, MAX_COMMENT_CHARS) : undefined;
    const turn = await ctx.conversations.findTurn(user.username, body.requestId);
    const saved = await ctx.conversations.setFeedback(user.username, body.requestId, body.rating, comment || undefined);
    if (turn) {
      await store.record({
        user: user.username,
        requestId: body.requestId,
        rating: body.rating,
        ...(comment ? { comment } : {}),
        question: turn.question,
        answer: turn.answer,
        mode: turn.mode,
        citations: turn.citations.map(({ n, docId, chunkId, title, locator, page, cited }) => ({ n, docId, chunkId, title, locator, page, cited })),
      });
    }
    if (turn && body.rating === 'up') await learnFromPraise(ctx, user.username, turn);
    await ctx.audit.record('feedback', user.username, {
      requestId: body.requestId,
      rating: body.rating,
      comment: comment || undefined,
      question: turn?.question,
      mode: turn?.mode,
      known: saved,
    });
    res.json({ ok: true });
  });

  /** ?rating=down|up|all (default down), ?handled=true|false (default both). */
  router.get('/feedback', admin, async (req, res) => {
    const rating = req.query.rating === 'all' ? undefined : req.query.rating === 'up' ? 'up' : 'down';
    const handled = req.query.handled === 'true' ? true : req.query.handled === 'false' ? false : undefined;
    res.json(await store.list({ rating, handled }));
  });

  router.put('/feedback/:id', admin, async (req, res) => {
    const body = (req.body ?? {}) as Partial<FeedbackUpdate>;
    if (typeof body.handled !== 'boolean') throw new AppError('INVALID_REQUEST', '请提供 handled（true 或 false）。');
    const user = currentUser(res);
    const entry = await store.setHandled(req.params.id as string, body.handled, user.username);
    if (!entry) throw new AppError('INVALID_REQUEST', '没有找到这条反馈，可能已被删除。');
    await ctx.audit.record('feedback_handled', user.username, { id: entry.id, requestId: entry.requestId, handled: body.handled });
    res.json(entry);
  });

  return router;
}

/**
 * Learning from use: a question whose answer was marked useful is attached to the passage the answer cited
 * first, so the next question worded like it finds that passage (the standalone query for a follow-up).
 */
async function learnFromPraise(
  ctx: ServerContext,
  username: string,
  turn: { question: string; query?: string; mode?: string; citations: { n: number; docId: string; chunkId?: string; locator: string; cited: boolean }[] },
): Promise<void> {
  if (turn.mode === 'no-basis') return;
  const first = turn.citations.filter((c) => c.cited).sort((a, b) => a.n - b.n)[0];
  if (!first) return;
  // Turns stored before citations carried the chunk id are matched by their locator.
  const chunk = first.chunkId
    ? ctx.services.kb.getChunk(first.chunkId)
    : ctx.services.kb.getChunks(first.docId).find((c) => formatLocator(c) === first.locator);
  if (!chunk) return;
  const question = (turn.query ?? turn.question).slice(0, 200);
  const stored = await ctx.services.questions.add({
    chunkId: chunk.id,
    docId: chunk.docId,
    ...(chunk.articleLabel ? { articleLabel: chunk.articleLabel } : {}),
    question,
    source: 'feedback',
    addedBy: username,
  });
  await ctx.audit.record('question_attach', username, { docId: chunk.docId, chunkId: chunk.id, question: stored.question, from: 'feedback' });
}
