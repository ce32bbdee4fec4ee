/** Starts the real server on a random port over a real knowledge base built from real files (seeds/ by default). */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { openServices } from '../../src/main.js';
import type { RateLimitOptions } from '../../src/server/auth/rate-limit.js';
import { createApp, type App } from '../../src/server/app.js';
import type { ClientToServerEvents, Role, ServerToClientEvents } from '../../src/server/events.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { SEEDS_DIR } from '../support/paths.js';

/** The project's own sample documents: what `npm test` may rely on. */
export const SEED_FILES = {
  confinedSpace: path.join(SEEDS_DIR, 'confined-space-procedure-sample.md'),
  flood: path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'),
  hazchem: path.join(SEEDS_DIR, 'hazchem-leak-card-sample.md'),
  dutyDocx: path.join(SEEDS_DIR, 'duty-handbook-sample.docx'),
};

export const ADMIN_PASSWORD = 'admin-test-密码-123';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  app: App;
  url: string;
  dir: string;
  kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>['services']['kb'];
  /** Logs in and returns the session cookie (`name=value`). */
  login(username: string, password: string): Promise<string>;
  /** Creates a user through the store and logs in as it. */
  userCookie(username: string, role: Role): Promise<string>;
  api(path: string, init?: RequestInit & { cookie?: string; json?: unknown }): Promise<Response>;
  socket(cookie?: string, extraHeaders?: Record<string, string>): Promise<ClientSocket>;
  /** Server log lines so far. */
  logs: string[];
  /** Stops the server and the knowledge base, runs `whileStopped`, then starts both again on the same folder (a new port). */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(
  corpusFiles: string[],
  options: { env?: Record<string, string>; loginRateLimit?: RateLimitOptions; webDistDir?: string | null } = {},
): Promise<TestServer> {
  // Server tests script the model's replies one by one; the legal-terms rewrite and the background question
  // writer would take some of them (test/server/question-writer.test.ts turns the writer on).
  const knowledge = await createTestKnowledgeBase(corpusFiles, {
    YINGJI_ADMIN_PASSWORD: ADMIN_PASSWORD,
    QUERY_REWRITE_MS: '0',
    DOC2QUERY_BACKGROUND: 'false',
    ...options.env,
  });
  const logs: string[] = [];
  let services = knowledge.services;
  const start = () =>
    createApp({
      services,
      port: 0,
      host: '127.0.0.1',
      webDistDir: 'webDistDir' in options ? options.webDistDir : null,
      loginRateLimit: options.loginRateLimit,
      log: (line) => logs.push(line),
    });
  let app = await start();
  const sockets: ClientSocket[] = [];

  const api: TestServer['api'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(app.url + path, { ...init, headers, body });
  };

  const login = async (username: string, password: string) => {
    const res = await api('/api/login', { method: 'POST', json: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username} → ${res.status} ${await res.text()}`);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return setCookie.split(';')[0];
  };

  const server: TestServer = {
    app,
    url: app.url,
    dir: knowledge.dir,
    kb: knowledge.services.kb,
    logs,
    async restart(whileStopped) {
      for (const s of sockets) s.disconnect();
      await app.close();
      await services.close();
      await whileStopped?.();
      services = await openServices(knowledge.config);
      app = await start();
      Object.assign(server, { app, url: app.url, kb: services.kb });
    },
    login,
    async userCookie(username, role) {
      const password = `${username}-password-1`;
      if (!app.users.get(username)) await app.users.add(username, role, password);
      return login(username, password);
    },
    api,
    socket(cookie, extraHeaders = {}) {
      const socket: ClientSocket = connect(app.url, {
        transports: ['websocket'],
        extraHeaders: { ...(cookie ? { cookie } : {}), ...extraHeaders },
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (e) => reject(e));
      });
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      if (logs.length) process.stderr.write(logs.join('\n') + '\n');
      if (services === knowledge.services) {
        await knowledge.cleanup();
      } else {
        await services.close();
        await rm(knowledge.dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}
