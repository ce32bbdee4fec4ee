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
import type { ServerContext, ServerServices } from './context.js';
import { ConversationStore } from './conversations.js';
import type { HealthInfo } from './events.js';
import { adminRoutes } from './http/admin-routes.js';
import { requireSession } from './http/auth-middleware.js';
import { authRoutes } from './http/auth-routes.js';
import { documentRoutes } from './http/document-routes.js';
import { errorHandler } from './http/errors.js';
import { queryRoutes } from './http/query-routes.js';
import { IngestJobs } from './ingest-jobs.js';
import { ADMIN_ROOM, attachChatHandlers, sessionRoom, type ChatServer } from './socket/chat-handlers.js';
import { WEB_DIST_DIR, webRoutes } from './web-assets.js';

/** How often users.json is checked for edits made by `yingji user` while the server runs. */
const USERS_RELOAD_MS = 5000;
const JSON_BODY_LIMIT = '1mb';

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
  close(): Promise<void>;
}

/** @throws AppError INVALID_REQUEST when YINGJI_ADMIN_PASSWORD is too short for the first admin. */
export async function createApp(deps: CreateAppDeps): Promise<App> {
  const { services } = deps;
  const { config } = services;
  const log = deps.log ?? ((line: string) => console.error(line));
  const dataDir = config.dataDir;

  const users = await UserStore.open(dataDir);
  const { generatedPassword } = await users.ensureAdmin(config.server.adminPassword);
  const sessions = new SessionSigner(await loadSessionSecret(dataDir, config.server.sessionSecret));
  const audit = new AuditLog(dataDir);
  let io: ChatServer | undefined;
  const usersTimer = setInterval(() => {
    users.reloadIfChanged().catch((e: unknown) => log(`读取 users.json 失败：${e instanceof Error ? e.message : String(e)}`));
  }, USERS_RELOAD_MS);
  usersTimer.unref();

  const ctx: ServerContext = {
    services,
    users,
    sessions,
    audit,
    conversations: new ConversationStore(dataDir),
    jobs: new IngestJobs({
      kb: services.kb,
      ocr: config.ocr,
      limits: config.ingest,
      audit,
      emit: (event) => io?.to(ADMIN_ROOM).emit('ingest:progress', event),
      log,
    }),
    loginLimiter: new FailureLimiter(deps.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT),
    uploadDir: path.join(dataDir, 'uploads-tmp'),
    log,
    health: () => computeHealth(services),
    endSocketSession: (sid) => io?.in(sessionRoom(sid)).disconnectSockets(true),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.use(authRoutes(ctx));
  api.use(requireSession(ctx));
  api.use(queryRoutes(ctx));
  api.use(documentRoutes(ctx));
  api.use(adminRoutes(ctx));
  api.use((req) => {
    throw new AppError('INVALID_REQUEST', `没有这个接口：${req.method} ${req.path}`);
  });
  api.use(errorHandler({ maxUploadBytes: config.server.maxUploadBytes, log }));
  app.use('/api', api);
  const distDir = deps.webDistDir === undefined ? WEB_DIST_DIR : deps.webDistDir;
  if (distDir) app.use(webRoutes(distDir));

  const httpServer = createServer(app);
  io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1e6,
    // WebSockets are not covered by CORS: refuse browser handshakes from another site (cross-site socket hijacking).
    allowRequest: (req, callback) => callback(null, isSameOrigin(req.headers.origin, req.headers.host)),
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
    close: () =>
      (closing ??= (async () => {
        clearInterval(usersTimer);
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

async function computeHealth(services: ServerServices): Promise<HealthInfo> {
  const { kb, llmStatus } = services;
  let status: ModelStatus;
  try {
    status = await llmStatus.refresh();
  } catch {
    status = llmStatus.getLlmStatus();
  }
  return {
    status: 'ok',
    llm: { mode: status.mode, model: status.model, reason: status.reason },
    index: { documents: kb.listDocuments().filter((d) => d.status === 'indexed').length, chunks: kb.chunkCount() },
  };
}

/** True without an Origin header (non-browser clients) or when Origin names the host the request was sent to. */
function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
