/** One question through answerQuestion, recorded in the user's conversation and the audit log. */
import { answerQuestion } from '../answer/answer-question.js';
import type { AnswerEvent, AnswerResult, ConversationTurn } from '../answer/types.js';
import { AppError, isDiskFull } from '../core/errors.js';
import type { ServerContext } from './context.js';
import type { SessionUser } from './events.js';

export const MAX_QUESTION_CHARS = 2000;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface AskInput {
  requestId: string;
  /** Absent for a one-off question (REST without a conversation). */
  conversationId?: string;
  question: string;
  signal?: AbortSignal;
  /** Earlier turns sent by the client itself (the OpenAI API carries its history in `messages`). */
  history?: ConversationTurn[];
}

/** @throws AppError INVALID_REQUEST for an empty or overlong question or a malformed id. */
export function validateAsk(input: { requestId?: unknown; conversationId?: unknown; question?: unknown }): void {
  if (typeof input.question !== 'string' || input.question.trim() === '') {
    throw new AppError('INVALID_REQUEST', '请输入问题。');
  }
  if (input.question.length > MAX_QUESTION_CHARS) {
    throw new AppError('INVALID_REQUEST', `问题太长（最多 ${MAX_QUESTION_CHARS} 字），请精简后再问。`);
  }
  if (typeof input.requestId !== 'string' || !ID_RE.test(input.requestId)) {
    throw new AppError('INVALID_REQUEST', 'requestId 须为 1–64 位字母、数字、下划线或连字符。');
  }
  if (input.conversationId !== undefined && (typeof input.conversationId !== 'string' || !ID_RE.test(input.conversationId))) {
    throw new AppError('INVALID_REQUEST', 'conversationId 须为 1–64 位字母、数字、下划线或连字符。');
  }
}

/**
 * Streams the answer's events to `onEvent` and returns the final result.
 * A stopped answer keeps what was produced so far in the conversation (marked stopped).
 * @throws AppError from the answer stage (ANSWER_ABORTED when `signal` fires).
 */
export async function runAnswer(
  ctx: ServerContext,
  user: SessionUser,
  input: AskInput,
  onEvent: (event: AnswerEvent) => void = () => undefined,
): Promise<AnswerResult> {
  ctx.answersInFlight++;
  ctx.questionWriter.pause();
  try {
    return await answerAndRecord(ctx, user, input, onEvent);
  } finally {
    ctx.answersInFlight--;
  }
}

async function answerAndRecord(ctx: ServerContext, user: SessionUser, input: AskInput, onEvent: (event: AnswerEvent) => void): Promise<AnswerResult> {
  const { services } = ctx;
  const history = input.history ?? (input.conversationId ? await ctx.conversations.history(user.username, input.conversationId) : []);
  let answer = '';
  let reasoning = '';
  let sources: Extract<AnswerEvent, { type: 'sources' }> | undefined;
  let result: AnswerResult | undefined;
  try {
    const events = answerQuestion(services.answerDeps, { question: input.question.trim(), history, signal: input.signal });
    for await (const event of events) {
      if (event.type === 'sources') sources = event;
      else if (event.type === 'answer') answer += event.delta;
      else if (event.type === 'reasoning') reasoning += event.delta;
      else if (event.type === 'done') result = event.result;
      onEvent(event);
    }
    if (input.signal?.aborted) throw new AppError('ANSWER_ABORTED', '已停止生成。');
    if (!result) throw new AppError('INTERNAL', '回答没有正常结束，请重试。');
  } catch (e) {
    if (input.signal?.aborted && input.conversationId && (answer || sources)) {
      await ctx.conversations.addTurn(user.username, input.conversationId, {
        requestId: input.requestId,
        question: input.question,
        answer,
        reasoning,
        mode: sources?.mode ?? 'extractive',
        citations: sources?.citations ?? [],
        at: new Date().toISOString(),
        stopped: true,
      });
    }
    await ctx.audit
      .record('ask', user.username, {
        requestId: input.requestId,
        conversationId: input.conversationId,
        question: input.question,
        mode: sources?.mode,
        sources: sources?.citations.map((c) => ({ n: c.n, docId: c.docId, title: c.title, locator: c.locator })) ?? [],
        error: e instanceof AppError ? e.code : 'INTERNAL',
      })
      .catch((recordError: unknown) => {
        // Report the answer's own error, not the bookkeeping's.
        ctx.log(`问答 ${input.requestId} 的审计记录未能保存：${recordError instanceof Error ? recordError.message : String(recordError)}`);
      });
    throw e;
  }
  // Both files are written in parallel; the in-memory conversation is updated before either write starts.
  // A full disk must not cost the duty officer his answer: it is returned, and the failure is logged loudly.
  await Promise.all([
    input.conversationId
      ? ctx.conversations.addTurn(user.username, input.conversationId, {
          requestId: input.requestId,
          question: input.question,
          answer: result.answer,
          reasoning: result.reasoning,
          mode: result.mode,
          citations: result.citations,
          at: new Date().toISOString(),
          basis: result.basis,
          ...(result.basisNote ? { basisNote: result.basisNote } : {}),
          ...(result.query ? { query: result.query } : {}),
          ...(result.rewrittenBy ? { rewrittenBy: result.rewrittenBy } : {}),
          ...(result.modeReason ? { modeReason: result.modeReason } : {}),
        })
      : undefined,
    ctx.audit.record('ask', user.username, {
      requestId: input.requestId,
      conversationId: input.conversationId,
      question: input.question,
      query: result.query,
      mode: result.mode,
      modeReason: result.modeReason,
      sources: result.citations.map((c) => ({ n: c.n, docId: c.docId, title: c.title, locator: c.locator, cited: c.cited })),
      totalMs: result.timings.totalMs,
    }),
  ]).catch((e: unknown) => {
    if (!isDiskFull(e)) throw e;
    ctx.log(`磁盘已满：问答 ${input.requestId}（用户 ${user.username}）的对话记录或审计记录未能保存，回答已照常返回。请尽快清理磁盘。`);
  });
  return result;
}
