/**
 * Spoken questions ("厂里炸了先报还是先核实") and legal text ("边核实边报告") share few words. With a model, the
 * question is also rewritten into the terms regulations use and searched as an extra query — never instead of
 * the original, within a time budget, and silently skipped when the model is slow or down.
 */
import type { ChatModel } from '../llm/chat-model.js';
import { completeBriefly } from './brief-completion.js';

const INSTRUCTIONS =
  '你是应急管理法规检索助手。把用户的口语化问题改写成法规、应急预案中会使用的规范用语（例如：炸了→爆炸事故，冒顶→顶板事故，化粪池→有限空间，开罚单→当场作出行政处罚决定），' +
  '保留问题中的主体、事件、时间和数量。只输出改写后的一行检索语句，不要解释，不要回答问题。';
/** A rewrite longer than this is the model explaining, not a query. */
const MAX_REWRITE_CHARS = 120;

export interface LegalRewriteInput {
  question: string;
  chatModel: ChatModel;
  /** Total budget for the model call; the retrieval goes on without the rewrite when it runs out. */
  timeoutMs: number;
  numCtx: number;
  signal?: AbortSignal;
}

/** The question in legal terms, or undefined when the model is slow, down, or answers with something unusable. */
export async function rewriteInLegalTerms(input: LegalRewriteInput): Promise<string | undefined> {
  let answer: string;
  try {
    const messages = [
      { role: 'system' as const, content: INSTRUCTIONS },
      { role: 'user' as const, content: input.question },
    ];
    answer = await completeBriefly(input.chatModel, messages, {
      timeoutMs: input.timeoutMs,
      numCtx: input.numCtx,
      maxTokens: 384,
      temperature: 0,
      signal: input.signal,
      task: '问题改写',
    });
  } catch {
    return undefined;
  }
  const line = answer
    .split('\n')
    .map((l) => l.trim().replace(/^(改写后的?(检索语句|问题)?|检索语句)[:：]\s*/, '').replace(/^["“「『]|["”」』]$/g, ''))
    .find((l) => l.length > 0);
  if (!line || line.length > MAX_REWRITE_CHARS || line === input.question.trim()) return undefined;
  return line;
}
