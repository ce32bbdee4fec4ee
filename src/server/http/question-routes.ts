/**
 * Questions attached to passages (learning from use): admins list them per document, confirm a question for a
 * passage, and remove them. 👍 feedback attaches the question to the passage the answer cited first.
 */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { currentUser, requireRole } from './auth-middleware.js';

export function questionRoutes(ctx: ServerContext): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.get('/documents/:id/questions', admin, (req, res) => {
    const doc = ctx.services.kb.getDocument(req.params.id as string);
    if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', '没有这个文档，可能已被删除。');
    res.json(ctx.services.questions.list(doc.id));
  });

  // One number per document for the documents table, rather than one list request per row.
  router.get('/questions/counts', admin, (_req, res) => {
    const counts: Record<string, number> = {};
    for (const q of ctx.services.questions.list()) counts[q.docId] = (counts[q.docId] ?? 0) + 1;
    res.json(counts);
  });

  router.post('/questions', admin, async (req, res) => {
    const body = (req.body ?? {}) as { chunkId?: unknown; question?: unknown };
    if (typeof body.chunkId !== 'string' || typeof body.question !== 'string') {
      throw new AppError('INVALID_REQUEST', '须提供 chunkId（段落编号）和 question（问题）。');
    }
    const chunk = ctx.services.kb.getChunk(body.chunkId);
    if (!chunk) throw new AppError('DOCUMENT_NOT_FOUND', '没有这个段落，文档可能已被替换或删除。');
    const user = currentUser(res).username;
    const stored = await ctx.services.questions.add({
      chunkId: chunk.id,
      docId: chunk.docId,
      ...(chunk.articleLabel ? { articleLabel: chunk.articleLabel } : {}),
      question: body.question,
      source: 'admin',
      addedBy: user,
    });
    await ctx.audit.record('question_attach', user, { docId: chunk.docId, chunkId: chunk.id, question: stored.question });
    res.status(201).json(stored);
  });

  router.delete('/questions/:id', admin, async (req, res) => {
    const removed = await ctx.services.questions.remove([req.params.id as string]);
    if (!removed.length) throw new AppError('DOCUMENT_NOT_FOUND', '没有这个问题，可能已被删除。');
    await ctx.audit.record('question_remove', currentUser(res).username, { id: removed[0] });
    res.json({ ok: true });
  });

  return router;
}
