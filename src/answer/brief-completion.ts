/**
 * A short model completion nobody sees streamed (a query rewrite, generated questions): collected whole, bounded
 * in time, and only its answer part returned — the model's reasoning never leaks into what it feeds.
 */
import { AppError, toAppError } from '../core/errors.js';
import type { ChatMessage, ChatModel } from '../llm/chat-model.js';
import { isReasoningModel, splitThinking } from './think-splitter.js';

export interface BriefCompletionOptions {
  /** Total budget for the call. */
  timeoutMs: number;
  numCtx: number;
  /** R1 reasons before it answers: leave it room, the timeout bounds the wait anyway. */
  maxTokens: number;
  temperature: number;
  signal?: AbortSignal;
  /** What the timeout message says the model did not finish, e.g. 问题改写. */
  task: string;
}

/**
 * The answer part of the model's reply.
 * @throws AppError ANSWER_ABORTED when `signal` fires, LLM_TIMEOUT when the budget runs out, otherwise what the
 * model call failed with (LLM_UNAVAILABLE, MODEL_NOT_FOUND …).
 */
export async function completeBriefly(chatModel: ChatModel, messages: ChatMessage[], options: BriefCompletionOptions): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let raw = '';
  try {
    for await (const chunk of chatModel.stream(messages, { signal, numCtx: options.numCtx, maxTokens: options.maxTokens, temperature: options.temperature })) {
      raw += chunk.content ?? ''; // `thinking` is dropped on purpose
    }
  } catch (e) {
    if (options.signal?.aborted) throw new AppError('ANSWER_ABORTED', '已停止生成。', { cause: e });
    if (timeout.aborted) throw new AppError('LLM_TIMEOUT', `模型在 ${options.timeoutMs} 毫秒内未完成${options.task}`, { cause: e });
    throw toAppError(e);
  }
  return splitThinking(raw, { expectReasoning: isReasoningModel(chatModel.id) }).answer;
}
