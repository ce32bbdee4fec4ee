/**
 * The chat server: REST under /api, socket.io for streaming answers and ingest progress, the built UI at /.
 * createApp(deps) starts listening and returns { url, port, close() }.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { Server } from 'socket.io';
import type { ModelStatus } from '../answer/llm-status.js';
import { AppError } from '../core/errors.js';
import { AuditLog } from './audit.js';
import { DEFAULT_LOGIN_RATE_LIMIT, FailureLimiter, type RateLimitOptions } from './auth/rate-limit.js';
import { loadSessionSecret, SessionSigner } from './auth/session.js';
import { UserStore } from './auth/users.js';
import { ApiTokenStore, TokenRateLimiter } from './auth/tokens.js';
import type { ServerContext, ServerServices } from './context.js';
import { ConversationStore } from './conversations.js';
import type { HealthInfo } from './events.js';
import { adminRoutes } from './http/admin-routes.js';
import { requireSession } from './http/auth-middleware.js';
import { authRoutes } from './http/auth-routes.js';
import { documentRoutes } from './http/document-routes.js';
import { feedbackRoutes } from './http/feedback-routes.js';
import { errorHandler } from './http/errors.js';
import { isSameOriginRequest, rejectCrossOrigin } from './http/origin-check.js';
import { queryRoutes } from './http/query-routes.js';
import { questionRoutes } from './http/question-routes.js';
import { triageRoutes } from './http/triage-routes.js';
import { openaiRoutes } from './http/openai-routes.js';
import { buildOpenApiDocument, listExpressRoutes } from './http/openapi.js';
import { bearerAuth } from './http/token-auth.js';
import { tokenRoutes } from './http/token-routes.js';
import { trainingRoutes } from './http/training-routes.js';
import { versionsRoutes } from './http/versions-routes.js';
import { IngestJobs } from './ingest-jobs.js';
import { startFolderWatcher, type FolderWatcher } from './folder-watcher.js';
import { attachChatHandlers, closeStaleSockets, emitToAdmins, sessionRoom, type ChatServer } from './socket/chat-handlers.js';
import { budgetedRetriever, createTurnBudget } from './turn-budget.js';
import { WEB_DIST_DIR, webRoutes } from './web-assets.js';
import { QuestionWriter } from './question-writer.js';

/** How often users.json is checked for edits made by `yingji user` while the server runs. */
const USERS_RELOAD_MS = 5000;
const JSON_BODY_LIMIT = '1mb';
/** Version of the HTTP API in /api/openapi.json. */
const API_VERSION = '1.0.0';
/** Login and logout bodies are a name and a password: anything bigger is refused before it is parsed. */
const AUTH_BODY_LIMIT = '8kb';

export interface CreateAppDeps {
  /** The lead's Services (src/main.ts) or anything with the same parts. */
  services: ServerServices;
  /** Overrides config.server.port (0 = a free port). */
  port?: number;
  host?: string;
  /** Built UI folder; null serves the API only. Default web/dist. */
  webDistDir?: string | null;
  loginRateLimit?: RateLimitOptions;
  log?: (line: string) => void;
}

export interface App {
  url: string;
  port: number;
  /** Set when this start created the first admin with a generated password: print it once. */
  initialAdminPassword: string | null;
  users: UserStore;
  /** Every `method path` the server answers (walked from the express router; the OpenAPI test compares). */
  routes(): { method: string; path: string }[];
  close(): Promise<void>;
}

/** @throws AppError INVALID_REQUEST when YINGJI_ADMIN_PASSWORD is too short for the first admin. */
export async function createApp(deps: CreateAppDeps): Promise<App> {
  const { services } = deps;
  const { config } = services;
  const log = deps.log ?? ((line: string) => console.error(line));
  const dataDir = config.dataDir;

  const users = await UserStore.open(dataDir);
  const { generatedPassword, notice } = await users.ensureAdmin(config.server.adminPassword);
  if (notice) log(notice);
  const sessions = await SessionSigner.open(dataDir, await loadSessionSecret(dataDir, config.server.sessionSecret));
  const audit = new AuditLog(dataDir);
  let io: ChatServer | undefined;
  const usersTimer = setInterval(() => {
    users
      .reloadIfChanged()
      .then((changed) => {
        if (changed && io) closeStaleSockets(io, { users });
      })
      .catch((e: unknown) => log(`读取 users.json 失败：${e instanceof Error ? e.message : String(e)}`));
  }, USERS_RELOAD_MS);
  usersTimer.unref();

  const questionWriter = new QuestionWriter({
    generate: {
      kb: services.kb,
      questions: services.questions,
      chatModel: services.answerDeps.chatModel,
      numCtx: config.ollama.numCtx,
      timeoutMs: config.ollama.timeoutMs * 3,
    },
    status: services.llmStatus,
    answersInFlight: () => ctx.answersInFlight,
    enabled: config.doc2queryBackground,
    log,
  });
  // Answers retrieve in time slices, so a burst of asks cannot hold the loop away from searches (turn-budget.ts).
  const answerDeps = { ...services.answerDeps, retriever: budgetedRetriever(services.answerDeps.retriever, createTurnBudget()) };
  const ctx: ServerContext = {
    services: { ...services, answerDeps },
    users,
    sessions,
    audit,
    conversations: new ConversationStore(dataDir),
    jobs: new IngestJobs({
      kb: services.kb,
      ocr: config.ocr,
      limits: config.ingest,
      audit,
      emit: (event) => {
        if (io) emitToAdmins(io, { users }, 'ingest:progress', event);
        // New or changed passages want questions.
        if (event.progress.phase === 'done') questionWriter.kick();
      },
      log,
      uploadDir: path.join(dataDir, 'uploads-tmp'),
    }),
    loginLimiter: new FailureLimiter(deps.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT),
    tokens: await ApiTokenStore.open(dataDir),
    tokenLimiter: new TokenRateLimiter(config.server.apiTokenRequestsPerMinute),
    uploadDir: path.join(dataDir, 'uploads-tmp'),
    answersInFlight: 0,
    questionWriter,
    log,
    health: () => computeHealth(services, questionWriter),
    endSocketSession: (sid) => io?.in(sessionRoom(sid)).disconnectSockets(true),
    closeStaleSockets: () => {
      if (io) closeStaleSockets(io, { users });
    },
  };
  const { allowedOrigins } = config.server;

  await ctx.jobs.resume();
  questionWriter.kick();
  const watcher: FolderWatcher | undefined = config.watch.dir
    ? await startFolderWatcher({ ...config.watch, kb: services.kb, jobs: ctx.jobs, log })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is trusted only from configured proxies; otherwise anyone could pick his own address.
  app.set('trust proxy', parseTrustProxy(config.server.trustProxy));
  const api = express.Router();
  // Before any body is read: a cross-site page gets nothing parsed, stored or ingested.
  api.use(rejectCrossOrigin(allowedOrigins));
  api.use(['/login', '/logout'], express.json({ limit: AUTH_BODY_LIMIT }));
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument(API_VERSION));
  });
  // A request with a token is judged by the token alone (401 when bad), before any cookie is looked at.
  api.use(bearerAuth(ctx));
  api.use(authRoutes(ctx));
  api.use(requireSession(ctx));
  api.use(queryRoutes(ctx));
  // Before adminRoutes, whose router.use(requireRole('admin')) refuses every request that reaches it.
  api.use(feedbackRoutes(ctx));
  api.use(triageRoutes(ctx));
  api.use(trainingRoutes(ctx));
  api.use(questionRoutes(ctx));
  api.use(versionsRoutes(ctx));
  api.use(documentRoutes(ctx));
  api.use(tokenRoutes(ctx));
  api.use(adminRoutes(ctx));
  api.use((req) => {
    throw new AppError('INVALID_REQUEST', `没有这个接口：${req.method} ${req.path}`);
  });
  api.use(errorHandler({ maxUploadBytes: config.server.maxUploadBytes, log }));
  app.use('/api', api);
  app.use('/v1', openaiRoutes(ctx));
  const distDir = deps.webDistDir === undefined ? WEB_DIST_DIR : deps.webDistDir;
  if (distDir) app.use(webRoutes(distDir));

  const httpServer = createServer(app);
  io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1e6,
    // WebSockets are not covered by CORS: refuse browser handshakes from another site (cross-site socket hijacking).
    allowRequest: (req, callback) => callback(null, isSameOriginRequest(req.headers, allowedOrigins)),
  }) as ChatServer;
  attachChatHandlers(io, ctx);

  const host = deps.host ?? config.server.host;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(deps.port ?? config.server.port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    initialAdminPassword: generatedPassword,
    users,
    routes: () => listExpressRoutes(app),
    close: () =>
      (closing ??= (async () => {
        clearInterval(usersTimer);
        await watcher?.close();
        await questionWriter.close();
        await ctx.jobs.close();
        // io.close() disconnects sockets (aborting their answers) and closes the HTTP server.
        await new Promise<void>((resolve) => {
          io?.close(() => resolve());
          httpServer.closeAllConnections();
        });
        await Promise.all([audit.idle(), ctx.conversations.idle()]);
      })()),
  };
}

async function computeHealth(services: ServerServices, questionWriter: QuestionWriter): Promise<HealthInfo> {
  const { kb, llmStatus } = services;
  let status: ModelStatus;
  try {
    status = await llmStatus.refresh();
  } catch {
    status = llmStatus.getLlmStatus();
  }
  const servers = services.answerDeps.chatModel.servers?.();
  return {
    status: 'ok',
    llm: { mode: status.mode, model: status.model, reason: status.reason, ...(servers ? { servers } : {}) },
    index: { documents: kb.listDocuments().filter((d) => d.status === 'indexed').length, chunks: kb.chunkCount() },
    questions: questionWriter.state(),
  };
}

/** TRUST_PROXY as express wants it: '' → trust nothing, 'true' → everything, a number → hops, else addresses. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
