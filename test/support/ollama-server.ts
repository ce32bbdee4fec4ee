/**
 * A small server speaking Ollama's documented HTTP API on 127.0.0.1 — the project's only test double, at the
 * network boundary. Scriptable per test (reply text, chunk splits, delays, hang, 404, cut mid-stream) and it
 * records every request it received, including whether the client closed the connection early.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the server answers one /api/chat request. */
export interface ChatScript {
  /** Streamed first, one NDJSON line each, as `message.thinking`. */
  thinking?: string[];
  /** Streamed next, one NDJSON line each, as `message.content` (split wherever the test wants). */
  content?: string[];
  /** Pause between lines (ms). */
  delayMs?: number;
  /** Pause before the response headers (ms). */
  firstByteDelayMs?: number;
  /** Never send a single byte. */
  hang?: boolean;
  /** Destroy the socket after this many lines, without a `done` line. */
  cutAfter?: number;
  /** Answer with this HTTP status and `{ error }` instead. */
  status?: number;
  error?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  /** The client closed the connection before the server finished the response. */
  closedByClient: boolean;
  finished: boolean;
}

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  options?: Record<string, unknown>;
}

export interface OllamaTestServer {
  readonly url: string;
  readonly port: number;
  /** Installed models (as /api/tags lists them); chat/embed/show for any other model is a 404. */
  models: string[];
  embedDimensions: number;
  readonly requests: RecordedRequest[];
  /** Replies used when no scripted reply is queued. */
  defaultChat: ChatScript | ((body: ChatRequestBody) => ChatScript);
  /** Queues replies for the next /api/chat requests, in order. */
  scriptChat(...scripts: (ChatScript | ((body: ChatRequestBody) => ChatScript))[]): void;
  chatRequests(): ChatRequestBody[];
  /** Resolves with the next /api/chat request whose connection the client closed early. */
  waitForChatClosedByClient(): Promise<RecordedRequest>;
  /** Stops listening and drops all connections: clients now get ECONNREFUSED. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deterministic, unnormalised vector for `text`, so tests can check normalisation and identity. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) v[(text.charCodeAt(i) * 31 + i) % dimensions] += 1 + (i % 3);
  v[0] += 1;
  return v;
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

export async function startOllamaServer(
  init: { models?: string[]; embedDimensions?: number; defaultChat?: ChatScript } = {},
): Promise<OllamaTestServer> {
  const queue: (ChatScript | ((body: ChatRequestBody) => ChatScript))[] = [];
  const sockets = new Set<Socket>();
  const closeWaiters: ((r: RecordedRequest) => void)[] = [];
  let port = 0;

  const self: OllamaTestServer = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    models: init.models ?? ['deepseek-r1:7b', 'bge-m3:latest'],
    embedDimensions: init.embedDimensions ?? 8,
    requests: [],
    defaultChat: init.defaultChat ?? { content: ['好的。'] },
    scriptChat: (...scripts) => queue.push(...scripts),
    chatRequests: () => self.requests.filter((r) => r.path === '/api/chat').map((r) => r.body as ChatRequestBody),
    waitForChatClosedByClient: () =>
      new Promise((resolve) => {
        const already = self.requests.find((r) => r.path === '/api/chat' && r.closedByClient);
        if (already) resolve(already);
        else closeWaiters.push(resolve);
      }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    start: async () => {
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const installed = (model: unknown) =>
    typeof model === 'string' &&
    self.models.some((m) => m === model || m === `${model}:latest` || `${m}:latest` === model);

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: http.ServerResponse, model: unknown) =>
    sendJson(res, 404, { error: `model "${String(model)}" not found, try pulling it first` });

  async function handleChat(body: ChatRequestBody, rec: RecordedRequest, res: http.ServerResponse): Promise<void> {
    if (!installed(body.model)) return notFound(res, body.model);
    const next = queue.shift() ?? self.defaultChat;
    const script = typeof next === 'function' ? next(body) : next;
    if (script.hang) return; // never a byte; the client must give up
    if (script.firstByteDelayMs) await sleep(script.firstByteDelayMs);
    if (rec.closedByClient) return;
    if (script.status) return sendJson(res, script.status, { error: script.error ?? 'error' });
    const parts = [
      ...(script.thinking ?? []).map((t) => ({ role: 'assistant', content: '', thinking: t })),
      ...(script.content ?? []).map((c) => ({ role: 'assistant', content: c })),
    ];
    const base = { model: body.model, created_at: new Date().toISOString() };
    if (body.stream === false) {
      const content = (script.content ?? []).join('');
      const thinking = (script.thinking ?? []).join('');
      return sendJson(res, 200, {
        ...base,
        message: { role: 'assistant', content, ...(thinking ? { thinking } : {}) },
        done: true,
        done_reason: 'stop',
      });
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (let i = 0; i < parts.length; i++) {
      if (rec.closedByClient) return;
      if (script.cutAfter !== undefined && i >= script.cutAfter) {
        res.socket?.destroy();
        return;
      }
      // Wait until the line is handed to the socket, so a cut that follows does not swallow it.
      await new Promise<void>((r) => res.write(`${JSON.stringify({ ...base, message: parts[i], done: false })}\n`, () => r()));
      if (script.delayMs) await sleep(script.delayMs);
    }
    if (script.cutAfter !== undefined && parts.length <= script.cutAfter) {
      res.socket?.destroy();
      return;
    }
    res.end(
      `${JSON.stringify({ ...base, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: parts.length })}\n`,
    );
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      return sendJson(res, 400, { error: 'invalid JSON' });
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body, closedByClient: false, finished: false };
    self.requests.push(rec);
    res.on('finish', () => (rec.finished = true));
    res.on('close', () => {
      if (!rec.finished) {
        rec.closedByClient = true;
        if (rec.path === '/api/chat') for (const w of closeWaiters.splice(0)) w(rec);
      }
    });
    const b = (body ?? {}) as Record<string, unknown>;
    switch (`${req.method} ${req.url}`) {
      case 'GET /api/version':
        return sendJson(res, 200, { version: '0.12.0' });
      case 'GET /api/tags':
        return sendJson(res, 200, {
          models: self.models.map((name) => ({
            name,
            model: name,
            modified_at: new Date(0).toISOString(),
            size: 1,
            digest: 'sha256:0',
            details: { format: 'gguf', family: 'test', families: null, parameter_size: '7B', quantization_level: 'Q4_K_M' },
          })),
        });
      case 'POST /api/show':
        if (!installed(b.model)) return notFound(res, b.model);
        return sendJson(res, 200, {
          details: { family: 'test' },
          model_info: { 'test.embedding_length': self.embedDimensions, 'test.context_length': 131072 },
          capabilities: ['completion'],
        });
      case 'POST /api/embed': {
        if (!installed(b.model)) return notFound(res, b.model);
        const input = Array.isArray(b.input) ? (b.input as string[]) : [String(b.input)];
        return sendJson(res, 200, { model: b.model, embeddings: input.map((t) => fakeEmbedding(t, self.embedDimensions)) });
      }
      case 'POST /api/chat':
        return handleChat(body as ChatRequestBody, rec, res);
      default:
        return sendJson(res, 404, { error: 'not found' });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(e) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return self;
}
