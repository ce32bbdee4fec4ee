/**
 * Several Ollama servers behind one ChatModel (OLLAMA_BASE_URL with more than one address). Each question goes to
 * a healthy server with the fewest answers in flight; a server that fails (refused, cut mid-answer, HTTP error) is
 * marked down at once, so the next question goes elsewhere, and is re-checked in the background with a back-off
 * that doubles up to a ceiling. With no healthy server the model call fails fast with LLM_UNAVAILABLE and the
 * answer stage gives its extractive answer, as with one server down.
 */
import type { Config } from '../../config.js';
import { AppError } from '../../core/errors.js';
import type { ChatChunk, ChatMessage, ChatModel, ChatOptions, ModelHealth, ModelServerInfo } from '../chat-model.js';
import type { Embedder } from '../embedder.js';
import { createOllamaChatModel } from './ollama-chat-model.js';
import { isSameModel } from './ollama-client.js';
import { createOllamaEmbedder, type OllamaEmbedder } from './ollama-embedder.js';

const DEFAULT_HEALTH_INTERVAL_MS = 10_000;
/** A server down for long is still tried at least this often, so it comes back within a minute of recovering. */
const MAX_BACKOFF_MS = 60_000;

interface Server {
  url: string;
  model: ChatModel;
  state: 'unknown' | 'up' | 'down';
  models: string[];
  outstanding: number;
  /** Answers started here, for the health view and the load benchmark. */
  served: number;
  failures: number;
  reason?: string;
  checkedAt: number;
  nextCheckAt: number;
  checking?: Promise<void>;
}

export interface OllamaPool extends ChatModel {
  servers(): ModelServerInfo[];
  /** Checks every server whose turn has come (all of them with `force`). */
  checkNow(options?: { force?: boolean }): Promise<void>;
  close(): void;
}

/**
 * One ChatModel for `cfg.baseUrls`: the plain client for a single server (behaviour unchanged), a pool for more.
 */
export function createOllamaChatModels(cfg: Config['ollama']): ChatModel & { close?(): void } {
  const urls = cfg.baseUrls ?? [cfg.baseUrl];
  return urls.length > 1 ? createOllamaPool(cfg) : createOllamaChatModel({ ...cfg, baseUrl: urls[0] ?? cfg.baseUrl });
}

export function createOllamaPool(cfg: Config['ollama']): OllamaPool {
  const intervalMs = cfg.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  const servers: Server[] = (cfg.baseUrls ?? [cfg.baseUrl]).map((url) => ({
    url,
    model: createOllamaChatModel({ ...cfg, baseUrl: url }),
    state: 'unknown',
    models: [],
    outstanding: 0,
    served: 0,
    failures: 0,
    checkedAt: 0,
    nextCheckAt: 0,
  }));
  /** Rotates among equally loaded servers, so two idle servers share the questions. */
  let turn = 0;

  const markDown = (s: Server, reason: string) => {
    s.state = 'down';
    s.reason = reason;
    s.failures += 1;
    s.nextCheckAt = Date.now() + Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.min(s.failures - 1, 20));
  };

  const check = (s: Server): Promise<void> =>
    (s.checking ??= (async () => {
      const h = await s.model.health();
      s.checkedAt = Date.now();
      s.models = h.models;
      if (h.reachable && h.chatModelPresent) {
        s.state = 'up';
        s.failures = 0;
        s.reason = undefined;
        s.nextCheckAt = Date.now() + intervalMs;
      } else {
        markDown(s, h.reason ?? '模型不可用');
      }
    })().finally(() => {
      s.checking = undefined;
    }));

  const checkNow = async (options: { force?: boolean } = {}) => {
    const now = Date.now();
    await Promise.all(servers.filter((s) => options.force || s.nextCheckAt <= now).map(check));
  };

  const timer = setInterval(() => void checkNow(), Math.max(100, Math.min(intervalMs, 5000)));
  timer.unref();
  void checkNow();

  function pick(): Server | undefined {
    const healthy = servers.filter((s) => s.state === 'up');
    if (!healthy.length) return undefined;
    const least = Math.min(...healthy.map((s) => s.outstanding));
    const candidates = healthy.filter((s) => s.outstanding === least);
    turn = (turn + 1) % candidates.length;
    return candidates[turn];
  }

  async function* stream(messages: ChatMessage[], options: ChatOptions = {}): AsyncIterable<ChatChunk> {
    // Before the first background check has finished, wait for it rather than refusing the first question.
    if (servers.every((s) => s.state === 'unknown')) await checkNow({ force: true });
    const server = pick();
    if (!server) {
      throw new AppError('LLM_UNAVAILABLE', `${servers.length} 台 Ollama 服务器都不可用（${servers.map((s) => s.url).join('、')}），已切换到离线检索模式`);
    }
    server.outstanding += 1;
    server.served += 1;
    try {
      yield* server.model.stream(messages, options);
    } catch (e) {
      // A stop or a first-token timeout is the caller's doing; anything else means this server is not fit now.
      if (!(e instanceof AppError && e.code === 'ANSWER_ABORTED') && !options.signal?.aborted) {
        markDown(server, e instanceof Error ? e.message : String(e));
      }
      throw e;
    } finally {
      server.outstanding -= 1;
    }
  }

  async function health(): Promise<ModelHealth> {
    await checkNow();
    const up = servers.filter((s) => s.state === 'up');
    const models = [...new Set(servers.flatMap((s) => s.models))];
    const embedModelPresent = servers.some((s) => s.models.some((m) => isSameModel(m, cfg.embedModel)));
    if (up.length) return { reachable: true, chatModelPresent: true, embedModelPresent, models };
    const reachable = servers.some((s) => s.models.length > 0);
    return {
      reachable,
      chatModelPresent: false,
      embedModelPresent,
      models,
      reason: `${servers.length} 台 Ollama 服务器都不可用：${servers.map((s) => `${s.url}（${s.reason ?? '未检测'}）`).join('；')}`,
    };
  }

  return {
    id: `ollama:${cfg.chatModel}`,
    stream,
    health,
    checkNow,
    servers: () =>
      servers.map((s) => ({
        url: s.url,
        state: s.state,
        models: s.models,
        outstanding: s.outstanding,
        served: s.served,
        ...(s.reason ? { reason: s.reason } : {}),
        checkedAt: s.checkedAt ? new Date(s.checkedAt).toISOString() : null,
      })),
    close: () => clearInterval(timer),
  };
}

/**
 * The embedder for `cfg.embedUrls`: one server as before; with several, each batch tries them in turn starting
 * from the last that answered, so an embedding server going down does not stop ingestion or search. All servers
 * must run the same embedding model (same vectors).
 */
export function createOllamaEmbedders(cfg: Config['ollama']): OllamaEmbedder {
  const urls = cfg.embedUrls ?? cfg.baseUrls ?? [cfg.baseUrl];
  const embedders = urls.map((url) => createOllamaEmbedder({ ...cfg, baseUrl: url }));
  if (embedders.length === 1) return embedders[0];
  let current = 0;
  async function failover<T>(run: (e: OllamaEmbedder) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < embedders.length; i++) {
      const index = (current + i) % embedders.length;
      try {
        const result = await run(embedders[index]);
        current = index;
        return result;
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'LLM_UNAVAILABLE')) throw e;
        last = e;
      }
    }
    throw last;
  }
  const first: Embedder = embedders[0];
  const pooled: OllamaEmbedder = {
    get id() {
      return first.id;
    },
    get dimensions() {
      return embedders.find((e) => e.dimensions > 0)?.dimensions ?? 0;
    },
    embedDocuments: (texts) => failover((e) => e.embedDocuments(texts)),
    embedQuery: (text) => failover((e) => e.embedQuery(text)),
    discoverDimensions: () => failover((e) => e.discoverDimensions()),
  };
  return pooled;
}
