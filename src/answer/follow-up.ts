/**
 * Follow-up questions ("那较大事故呢？") are rewritten into standalone queries before retrieval: by the model
 * when it answers within the timeout (reasoning stripped), otherwise by carrying the previous topic.
 */
import { AppError, isAppError, toAppError } from '../core/errors.js';
import type { ChatModel } from '../llm/chat-model.js';
import { completeBriefly } from './brief-completion.js';
import type { ConversationTurn } from './types.js';

const LEADING_MARKER_RE = /^(那么|那|还有|另外|此外|如果是|要是|假如|假设|若是|换成|那如果|如果)/;
const TRAILING_MARKER_RE = /(呢|怎么样|怎样|又如何|又怎么办|也一样吗|也是吗)[？?。！!\s]*$/;
const ANAPHORA_RE = /(这个|那个|这种|那种|这类|上述|上面|前面|刚才|(?<![应活])该(?![怎如])|此类|它)/;
/** Names a document or article outright: the question stands on its own. */
const SELF_CONTAINED_RE = /《|》|第[一二三四五六七八九十百零\d]+条|法|条例|办法|规定|预案|手册|规程/;
/** A follow-up is short; longer questions usually restate their subject. */
const MAX_FOLLOW_UP_CHARS = 16;
/** Rewritten queries longer than this are a model explaining, not a query. */
const MAX_REWRITE_CHARS = 160;

function core(question: string): string {
  return question.replace(/[\s？?！!。，,]+$/g, '').trim();
}

/** True for an elliptical follow-up that cannot be searched on its own (那/还有/如果是 …，…呢，short). */
export function isEllipticalFollowUp(question: string): boolean {
  const q = core(question);
  if (!q || q.length > MAX_FOLLOW_UP_CHARS || SELF_CONTAINED_RE.test(q)) return false;
  return LEADING_MARKER_RE.test(q) || TRAILING_MARKER_RE.test(question.trim()) || q.length <= 6;
}

/** True when the question depends on the conversation: elliptical, or pointing back (这个/上述/该 …). */
export function needsRewrite(question: string, history: ConversationTurn[] | undefined): boolean {
  if (!history?.length) return false;
  const q = core(question);
  return isEllipticalFollowUp(q) || (q.length <= 30 && ANAPHORA_RE.test(q) && !SELF_CONTAINED_RE.test(q));
}

/** The subject the follow-up adds, without its markers: 那较大事故呢？ → 较大事故. */
export function followUpCore(question: string): string {
  return core(question).replace(LEADING_MARKER_RE, '').replace(TRAILING_MARKER_RE, '').replace(/^[，,\s]+/, '').trim();
}

/**
 * Combines an elliptical follow-up with the previous question without a model. When the follow-up's subject
 * ends like a phrase of the previous question (较大事故 ~ 一般事故), that phrase is replaced; otherwise the
 * subject is appended so retrieval sees both.
 */
export function combineWithPrevious(question: string, previous: string): string {
  const subject = followUpCore(question);
  const prev = core(previous);
  if (!subject) return previous;
  for (let k = Math.min(subject.length - 1, 4); k >= 1; k--) {
    const head = subject.slice(-k);
    const at = prev.indexOf(head);
    const modifier = subject.length - k;
    if (at < 0 || at - modifier < 0 || modifier === 0) continue;
    const replaced = prev.slice(0, at - modifier) + subject + prev.slice(at + k);
    if (replaced !== prev) return `${replaced}？`;
  }
  return `${prev}，${subject}`;
}

const REWRITE_INSTRUCTIONS =
  '请把下面对话中的“后续问题”改写成一个不依赖上下文、可以单独检索的完整问题。只输出改写后的问题这一行，不要解释，不要回答问题。';

function rewritePrompt(question: string, history: ConversationTurn[]): string {
  const turns = history
    .slice(-2)
    .map((t) => `用户：${t.question}\n助手：${t.answer.replace(/\s+/g, ' ').slice(0, 200)}`)
    .join('\n');
  return `${REWRITE_INSTRUCTIONS}\n\n对话：\n${turns}\n\n后续问题：${question}\n改写后的问题：`;
}

function cleanRewrite(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0) ?? '';
  return line
    .replace(/^(改写后的问题|改写后|问题)[:：]\s*/, '')
    .replace(/^["“「『]|["”」』]$/g, '')
    .trim();
}

export interface RewriteResult {
  query: string;
  method: 'none' | 'model' | 'heuristic';
  /** Why the model was not used, when it failed. */
  error?: AppError;
  tookMs: number;
}

/**
 * Rewrites `question` into a standalone query. The model call is short, collected (not shown), bounded by
 * `timeoutMs` in total, and only its answer part is used: reasoning never leaks into the query.
 */
export async function rewriteFollowUp(input: {
  question: string;
  history?: ConversationTurn[];
  chatModel?: ChatModel;
  timeoutMs: number;
  numCtx: number;
  signal?: AbortSignal;
}): Promise<RewriteResult> {
  const started = performance.now();
  const history = input.history ?? [];
  if (!needsRewrite(input.question, history)) {
    return { query: input.question, method: 'none', tookMs: 0 };
  }
  const last = history[history.length - 1];
  const previous = last.query ?? last.question;
  const heuristic = (error?: AppError): RewriteResult => ({
    query: isEllipticalFollowUp(input.question) ? combineWithPrevious(input.question, previous) : `${core(previous)}，${core(input.question)}`,
    method: 'heuristic',
    ...(error ? { error } : {}),
    tookMs: performance.now() - started,
  });
  if (!input.chatModel) return heuristic();

  let answer: string;
  try {
    answer = await completeBriefly(input.chatModel, [{ role: 'user', content: rewritePrompt(input.question, history) }], {
      timeoutMs: input.timeoutMs,
      numCtx: input.numCtx,
      maxTokens: 512,
      temperature: 0,
      signal: input.signal,
      task: '问题改写',
    });
  } catch (e) {
    if (isAppError(e, 'ANSWER_ABORTED')) throw e;
    return heuristic(toAppError(e));
  }
  const query = cleanRewrite(answer);
  if (!query || query.length > MAX_REWRITE_CHARS) return heuristic();
  return { query, method: 'model', tookMs: performance.now() - started };
}
