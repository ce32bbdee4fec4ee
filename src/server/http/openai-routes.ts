/**
 * The OpenAI-compatible API under /v1, for desktop AI clients (Cherry Studio, Chatbox, Open WebUI, Dify) and
 * scripts. Answers go through the same path as the chat UI (runAnswer: retrieval, basis, model or extractive
 * answer, citations); errors have OpenAI's shape `{ error: { message, type, code } }`.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Response } from 'express';
import { toAskJson, type AskJson } from '../../answer/ask-json.js';
import type { AnswerResult, Citation, ConversationTurn } from '../../answer/types.js';
import { AppError } from '../../core/errors.js';
import { toSearchHitJson } from '../../retrieval/locator.js';
import { runAnswer, validateAsk } from '../answering.js';
import type { ServerContext } from '../context.js';
import { currentUser, requireSession } from './auth-middleware.js';
import { httpStatusOf, toHttpError } from './errors.js';
import { rejectCrossOrigin } from './origin-check.js';
import { bearerAuth } from './token-auth.js';

/** The knowledge-base assistant (answer with citations). */
export const ANSWER_MODEL = 'yingji';
/** Retrieval only: the passages found, no generated text. */
export const SEARCH_MODEL = 'yingji-search';
const MODELS = [
  { id: ANSWER_MODEL, description: '应急知识助手：检索预案与法规并带出处回答' },
  { id: SEARCH_MODEL, description: '只检索：返回找到的条文段落，不生成回答' },
] as const;
const JSON_BODY_LIMIT = '1mb';
const MAX_MESSAGES = 200;
/** Earlier question/answer pairs handed to follow-up rewriting; older ones do not change the standalone query. */
const MAX_HISTORY_TURNS = 10;

/** The structured part of a reply, beside the plain text: what the chat UI shows as sources and basis. */
export interface YingjiReplyInfo {
  mode: AskJson['mode'] | 'search';
  basis: AskJson['basis'];
  basisNote?: string;
  citations: AskJson['citations'];
  modeReason?: string;
}

interface ChatRequest {
  model: string;
  question: string;
  history: ConversationTurn[];
  stream: boolean;
}

/** The /v1 router: Bearer token or session cookie, OpenAI-shaped errors. */
export function openaiRoutes(ctx: ServerContext): Router {
  const router = Router();
  const { allowedOrigins } = ctx.services.config.server;
  const crossOrigin = rejectCrossOrigin(allowedOrigins);
  // A Bearer request cannot be forged by another site (browsers do not attach the header cross-origin without a
  // CORS preflight, which this server never grants); a cookie request must pass the same-origin check.
  router.use((req, res, next) => {
    if (req.headers.authorization) next();
    else crossOrigin(req, res, next);
  });
  router.use(express.json({ limit: JSON_BODY_LIMIT }));
  router.use(bearerAuth(ctx));
  router.use(requireSession(ctx));

  router.get('/models', (_req, res) => {
    res.json({ object: 'list', data: MODELS.map(toModel) });
  });

  router.get('/models/:id', (req, res) => {
    const model = MODELS.find((m) => m.id === req.params.id);
    if (!model) throw modelNotFound(req.params.id);
    res.json(toModel(model));
  });

  router.post('/chat/completions', async (req, res) => {
    const request = parseChatRequest(req.body);
    const user = currentUser(res);
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: request.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });

    if (request.model === SEARCH_MODEL) {
      const { content, info } = await searchReply(ctx, request.question);
      if (!request.stream) {
        res.json(completion(id, created, request.model, content, '', info));
        return;
      }
      startEventStream(res);
      sendEvent(res, chunk({ role: 'assistant', content }));
      sendEvent(res, chunk({}, 'stop', { yingji: info }));
      endEventStream(res);
      return;
    }

    if (!request.stream) {
      const result = await runAnswer(ctx, user, { requestId: id, question: request.question, history: request.history, signal: controller.signal });
      const info = replyInfo(result);
      res.json(completion(id, created, request.model, result.answer + sourcesText(result.citations), result.reasoning, info, result.promptTokens));
      return;
    }

    startEventStream(res);
    sendEvent(res, chunk({ role: 'assistant', content: '' }));
    let result: AnswerResult;
    try {
      result = await runAnswer(ctx, user, { requestId: id, question: request.question, history: request.history, signal: controller.signal }, (event) => {
        if (event.type === 'reasoning' && event.delta) sendEvent(res, chunk({ reasoning_content: event.delta }));
        else if (event.type === 'answer' && event.delta) sendEvent(res, chunk({ content: event.delta }));
      });
    } catch (e) {
      // The status line is gone: the error travels as one last event, as OpenAI's own stream does.
      if (!res.writableEnded && !controller.signal.aborted) {
        sendEvent(res, openaiErrorBody(toHttpError(e, 0)));
        endEventStream(res);
      }
      return;
    }
    const sources = sourcesText(result.citations);
    if (sources) sendEvent(res, chunk({ content: sources }));
    sendEvent(res, chunk({}, 'stop', { yingji: replyInfo(result) }));
    endEventStream(res);
  });

  router.use((req) => {
    throw new AppError('INVALID_REQUEST', `没有这个接口：${req.method} /v1${req.path}`);
  });
  router.use(openaiErrorHandler(ctx.log));
  return router;
}

function toModel(m: (typeof MODELS)[number]) {
  // A fixed creation time: the model list does not change from one start to the next.
  return { id: m.id, object: 'model', created: 1735689600, owned_by: 'yingji', description: m.description };
}

/** 404 with OpenAI's `model_not_found` (DOCUMENT_NOT_FOUND is the code that carries 404 here). */
function modelNotFound(model: string): AppError & { openaiCode?: string } {
  return Object.assign(new AppError('DOCUMENT_NOT_FOUND', `没有模型 ${model}；可用的模型：${MODELS.map((m) => m.id).join('、')}。`), {
    openaiCode: 'model_not_found',
  });
}

/**
 * The OpenAI request shape: the last message is the question, earlier user/assistant pairs are the history;
 * system messages are ignored (yingji's own prompt keeps the answer to the knowledge base), and so are
 * temperature, max_tokens and fields this server does not know (the server's settings decide).
 * @throws AppError INVALID_REQUEST for anything a client should fix.
 */
function parseChatRequest(body: unknown): ChatRequest {
  const b = (body ?? {}) as { model?: unknown; messages?: unknown; stream?: unknown; temperature?: unknown; max_tokens?: unknown };
  const model = b.model === undefined || b.model === '' ? ANSWER_MODEL : b.model;
  if (typeof model !== 'string') throw new AppError('INVALID_REQUEST', 'model 须为字符串，例如 "yingji"。');
  if (!MODELS.some((m) => m.id === model)) throw modelNotFound(model);
  if (b.temperature !== undefined && typeof b.temperature !== 'number') throw new AppError('INVALID_REQUEST', 'temperature 须为数字。');
  if (b.max_tokens !== undefined && b.max_tokens !== null && (typeof b.max_tokens !== 'number' || b.max_tokens < 1)) {
    throw new AppError('INVALID_REQUEST', 'max_tokens 须为正整数。');
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new AppError('INVALID_REQUEST', 'messages 须为非空数组。');
  if (b.messages.length > MAX_MESSAGES) throw new AppError('INVALID_REQUEST', `messages 最多 ${MAX_MESSAGES} 条。`);
  const messages = b.messages.map((m: unknown, i: number) => {
    const msg = (m ?? {}) as { role?: unknown; content?: unknown };
    if (typeof msg.role !== 'string') throw new AppError('INVALID_REQUEST', `messages[${i}].role 须为 system / user / assistant。`);
    return { role: msg.role, content: messageText(msg.content, i) };
  });
  const last = messages.at(-1);
  if (!last || last.role !== 'user') throw new AppError('INVALID_REQUEST', '最后一条消息须为 user 的提问。');
  const history: ConversationTurn[] = [];
  let pendingQuestion: string | undefined;
  for (const m of messages.slice(0, -1)) {
    if (m.role === 'user') pendingQuestion = m.content;
    else if (m.role === 'assistant' && pendingQuestion !== undefined) {
      history.push({ question: pendingQuestion, answer: m.content });
      pendingQuestion = undefined;
    }
  }
  validateAsk({ requestId: 'v1', question: last.content });
  return { model, question: last.content.trim(), history: history.slice(-MAX_HISTORY_TURNS), stream: b.stream === true };
}

/** A message's text: a string, or the text parts of a content array (images are not read). */
function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = (part ?? {}) as { type?: unknown; text?: unknown };
        return p.type === 'text' && typeof p.text === 'string' ? p.text : '';
      })
      .join('');
  }
  throw new AppError('INVALID_REQUEST', `messages[${i}].content 须为字符串或文本片段数组。`);
}

function replyInfo(result: AnswerResult): YingjiReplyInfo {
  const json = toAskJson(result);
  return {
    mode: json.mode,
    basis: json.basis,
    ...(json.basisNote ? { basisNote: json.basisNote } : {}),
    citations: json.citations,
    ...(json.modeReason ? { modeReason: json.modeReason } : {}),
  };
}

/**
 * The 来源 list appended to the text, so a client that knows nothing of the `yingji` field still shows where
 * each [n] comes from: the cited passages, or all of them when the answer cites none by number.
 */
export function sourcesText(citations: readonly Citation[]): string {
  if (!citations.length) return '';
  const cited = citations.filter((c) => c.cited);
  const listed = cited.length ? cited : citations;
  const lines = listed.map((c) => `[${c.n}] 《${c.title}》${c.locator ? ` ${c.locator}` : ''}${c.page ? `（第 ${c.page} 页）` : ''}`);
  return `\n\n来源：\n${lines.join('\n')}`;
}

async function searchReply(ctx: ServerContext, question: string): Promise<{ content: string; info: YingjiReplyInfo }> {
  const result = await ctx.services.retriever.retrieve(question, { k: ctx.services.config.retrievalK });
  const citations = result.hits.map((hit, i) => {
    const h = toSearchHitJson(hit);
    return { n: i + 1, docId: h.docId, source: h.source, title: h.title, locator: h.locator, page: h.page, text: h.text, cited: true };
  });
  const content = citations.length
    ? citations.map((c) => `[${c.n}] 《${c.title}》${c.locator ? ` ${c.locator}` : ''}\n${c.text}`).join('\n\n')
    : '知识库中没有找到与问题相关的内容。';
  return {
    content,
    info: { mode: 'search', basis: result.basis, ...(result.basisNote ? { basisNote: result.basisNote } : {}), citations },
  };
}

function completion(id: string, created: number, model: string, content: string, reasoning: string, info: YingjiReplyInfo, promptTokens?: number) {
  // Token counts are estimates (one per character is an upper bound for Chinese text); clients only display them.
  const completionTokens = [...content].length + [...reasoning].length;
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, ...(reasoning ? { reasoning_content: reasoning } : {}) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens ?? 0, completion_tokens: completionTokens, total_tokens: (promptTokens ?? 0) + completionTokens },
    yingji: info,
  };
}

function startEventStream(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  // nginx would otherwise hold the stream back until its buffer fills.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
}

function sendEvent(res: Response, body: unknown): void {
  if (!res.writableEnded) res.write(`data: ${JSON.stringify(body)}\n\n`);
}

function endEventStream(res: Response): void {
  if (res.writableEnded) return;
  res.write('data: [DONE]\n\n');
  res.end();
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** `{ error: { message, type, code } }`; `code` is yingji's error code unless OpenAI has a well-known one. */
export function openaiErrorBody(error: AppError): { error: { message: string; type: string; code: string } } {
  const status = httpStatusOf(error.code);
  const code = (error as AppError & { openaiCode?: string }).openaiCode ?? (error.code === 'UNAUTHORIZED' ? 'invalid_api_key' : error.code);
  return { error: { message: error.message, type: OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), code } };
}

function openaiErrorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toHttpError(err, 0);
    const status = httpStatusOf(error.code);
    if (status >= 500) {
      const cause = error.cause ?? err;
      log(`${req.method} ${req.originalUrl} → ${error.code}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(openaiErrorBody(error));
  };
}
