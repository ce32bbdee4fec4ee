/** Starts the real server on a random port over a real knowledge base built from corpus files. */
import { io as connect, type Socket } from 'socket.io-client';
import type { RateLimitOptions } from '../../src/server/auth/rate-limit.js';
import { createApp, type App } from '../../src/server/app.js';
import type { ClientToServerEvents, Role, ServerToClientEvents } from '../../src/server/events.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';

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
  socket(cookie?: string): Promise<ClientSocket>;
  close(): Promise<void>;
}

export async function startTestServer(
  corpusFiles: string[],
  options: { env?: Record<string, string>; loginRateLimit?: RateLimitOptions; webDistDir?: string | null } = {},
): Promise<TestServer> {
  const knowledge = await createTestKnowledgeBase(corpusFiles, { YINGJI_ADMIN_PASSWORD: ADMIN_PASSWORD, ...options.env });
  const logs: string[] = [];
  const app = await createApp({
    services: knowledge.services,
    port: 0,
    host: '127.0.0.1',
    webDistDir: 'webDistDir' in options ? options.webDistDir : null,
    loginRateLimit: options.loginRateLimit,
    log: (line) => logs.push(line),
  });
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

  return {
    app,
    url: app.url,
    dir: knowledge.dir,
    kb: knowledge.services.kb,
    login,
    async userCookie(username, role) {
      const password = `${username}-password-1`;
      if (!app.users.get(username)) await app.users.add(username, role, password);
      return login(username, password);
    },
    api,
    socket(cookie) {
      const socket: ClientSocket = connect(app.url, {
        transports: ['websocket'],
        extraHeaders: cookie ? { cookie } : {},
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
      await knowledge.cleanup();
    },
  };
}
