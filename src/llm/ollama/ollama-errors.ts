/** Maps what the ollama client throws onto AppError codes with messages a duty officer can act on. */
import { AppError } from '../../core/errors.js';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']);
const CUT_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED']);

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface OllamaErrorContext {
  baseUrl: string;
  model: string;
  /** The caller's signal: an abort it requested becomes ANSWER_ABORTED, not an outage. */
  signal?: AbortSignal;
}

/** The message shown when no Ollama server answers at `baseUrl`. */
export function unavailableMessage(baseUrl: string): string {
  return `未检测到 Ollama 服务（${baseUrl}），已切换到离线检索模式`;
}

/** The message shown when `model` is not pulled. */
export function modelMissingMessage(model: string): string {
  return `模型 ${model} 未安装，请运行 ollama pull ${model}`;
}

/**
 * Turns anything the ollama client (or fetch) throws into an AppError:
 * connection refused / fetch failed → LLM_UNAVAILABLE, HTTP 404 → MODEL_NOT_FOUND, caller abort → ANSWER_ABORTED,
 * a stream cut mid-answer or any other server error → LLM_UNAVAILABLE with the detail.
 */
export function mapOllamaError(e: unknown, ctx: OllamaErrorContext): AppError {
  if (e instanceof AppError) return e;
  if (ctx.signal?.aborted) return new AppError('ANSWER_ABORTED', '已停止生成。', { cause: e });
  const err = e instanceof Error ? e : new Error(String(e));
  // ResponseError is not exported by the package; its name and status_code are stable.
  const status = (err as { status_code?: unknown }).status_code;
  if (err.name === 'ResponseError' && typeof status === 'number') {
    if (status === 404) return new AppError('MODEL_NOT_FOUND', modelMissingMessage(ctx.model), { cause: e });
    return new AppError('LLM_UNAVAILABLE', `Ollama 服务返回错误（HTTP ${status}）：${err.message}，已切换到离线检索模式`, {
      cause: e,
    });
  }
  const code = causeCode(err);
  if ((code && UNREACHABLE_CODES.has(code)) || (err.message === 'fetch failed' && !(code && CUT_CODES.has(code)))) {
    return new AppError('LLM_UNAVAILABLE', unavailableMessage(ctx.baseUrl), { cause: e });
  }
  if ((code && CUT_CODES.has(code)) || /terminated|other side closed|Did not receive done/i.test(err.message)) {
    return new AppError('LLM_UNAVAILABLE', `与 Ollama 服务（${ctx.baseUrl}）的连接中断，回答未完成`, { cause: e });
  }
  if (err.name === 'AbortError') return new AppError('ANSWER_ABORTED', '已停止生成。', { cause: e });
  return new AppError('LLM_UNAVAILABLE', `Ollama 服务出错：${err.message}，已切换到离线检索模式`, { cause: e });
}
