import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

describe('auth and roles over the real server', () => {
  let server: TestServer;
  let admin: string;
  let officer: string;
  let trainer: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace], {
      loginRateLimit: { freeFailures: 3, baseDelayMs: 60_000, maxDelayMs: 60_000, forgetAfterMs: 60_000 },
    });
    admin = await server.login('admin', ADMIN_PASSWORD);
    officer = await server.userCookie('zhangsan', 'officer');
    trainer = await server.userCookie('李培训', 'trainer');
  });
  afterAll(() => server?.close());

  it('serves health without a session and without secrets', async () => {
    const res = await server.api('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', llm: { mode: 'extractive' } });
    const body = await (await server.api('/api/health', { cookie: officer })).json();
    expect(body.llm.mode).toBe('extractive');
    expect(body.index.documents).toBe(1);
    expect(body.index.chunks).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/secret|password/i);
  });

  it('answers 401 without a session and with a forged cookie', async () => {
    for (const cookie of [undefined, 'yingji_session=eyJ1IjoiYWRtaW4ifQ.forged']) {
      const res = await server.api('/api/search?q=应急预案', { cookie });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('sets an HttpOnly SameSite=Strict signed session cookie and stores only bcrypt hashes', async () => {
    const res = await server.api('/api/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^yingji_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const users = await readFile(path.join(server.dir, 'users.json'), 'utf8');
    expect(users).not.toContain(ADMIN_PASSWORD);
    expect(users).toMatch(/\$2[aby]\$10\$/);
  });

  it('tells the UI who is logged in', async () => {
    const res = await server.api('/api/me', { cookie: trainer });
    expect(await res.json()).toEqual({ username: '李培训', role: 'trainer' });
  });

  it('forbids an officer to upload, delete, reindex, or read the audit log and the users', async () => {
    const docId = server.kb.listDocuments()[0].id;
    const form = new FormData();
    form.append('files', new Blob(['# 标题\n\n第一条 内容。']), 'x.md');
    const attempts: [string, RequestInit][] = [
      ['/api/documents', { method: 'POST', body: form }],
      [`/api/documents/${docId}`, { method: 'DELETE' }],
      ['/api/reindex', { method: 'POST' }],
      [`/api/documents/${docId}`, { method: 'PUT', body: new FormData() }],
      ['/api/audit', {}],
      ['/api/users', {}],
    ];
    for (const [url, init] of attempts) {
      const res = await server.api(url, { ...init, cookie: officer });
      expect(res.status, url).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(server.kb.getDocument(docId)).toBeDefined();
  });

  it('lets a trainer browse documents and articles but not delete them', async () => {
    const docs = await (await server.api('/api/documents', { cookie: trainer })).json();
    expect(docs).toHaveLength(1);
    const detail = await (await server.api(`/api/documents/${docs[0].id}`, { cookie: trainer })).json();
    expect(detail.chunks.length).toBeGreaterThan(3);
    expect(detail.chunks.some((c: { articleLabel?: string }) => c.articleLabel === '第一条')).toBe(true);
    const file = await server.api(detail.fileUrl, { cookie: trainer });
    expect(file.status).toBe(200);
    expect(await file.text()).toContain('有限空间作业事故应急处置规程');
    expect((await server.api(`/api/documents/${docs[0].id}`, { method: 'DELETE', cookie: trainer })).status).toBe(403);
  });

  it('lets an officer read the documents and the whole article a source card cites (reading is for every role)', async () => {
    const docs = await (await server.api('/api/documents', { cookie: officer })).json();
    expect(docs).toHaveLength(1);
    const detail = await (await server.api(`/api/documents/${docs[0].id}`, { cookie: officer })).json();
    expect(detail.chunks.some((c: { articleLabel?: string }) => c.articleLabel === '第一条')).toBe(true);
    expect((await server.api(detail.fileUrl, { cookie: officer })).status).toBe(200);
  });

  it('lets an officer search and ask', async () => {
    const res = await server.api('/api/search?q=应急预案&k=3', { cookie: officer });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.hits.length).toBeLessThanOrEqual(3);
  });

  it('rate-limits repeated failed logins, even with the right password afterwards', async () => {
    await server.app.users.add('wangwu', 'officer', 'wangwu-password-1');
    for (let i = 0; i < 3; i++) {
      const res = await server.api('/api/login', { method: 'POST', json: { username: 'wangwu', password: 'wrong-password' } });
      expect(res.status).toBe(401);
    }
    const blocked = await server.api('/api/login', { method: 'POST', json: { username: 'wangwu', password: 'wangwu-password-1' } });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await blocked.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('logs out: the old cookie stops working and its socket is disconnected', async () => {
    const cookie = await server.userCookie('zhaoliu', 'officer');
    const socket = await server.socket(cookie);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    expect((await server.api('/api/logout', { method: 'POST', cookie })).status).toBe(200);
    await disconnected;
    expect((await server.api('/api/me', { cookie })).status).toBe(401);
    await expect(server.socket(cookie)).rejects.toThrow(/登录/);
  });

  it('refuses a socket without a session cookie', async () => {
    await expect(server.socket()).rejects.toThrow(/登录/);
  });

  it('refuses a socket handshake from another site even with a valid cookie', async () => {
    const { io } = await import('socket.io-client');
    const socket = io(server.url, { transports: ['websocket'], extraHeaders: { cookie: officer, origin: 'http://evil.example' }, reconnection: false, forceNew: true });
    await expect(
      new Promise((resolve, reject) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', reject);
      }),
    ).rejects.toThrow();
    socket.close();
  });

  it('voids sessions after a password change and after the user is removed', async () => {
    const cookie = await server.userCookie('sunqi', 'trainer');
    const res = await server.api('/api/users/sunqi', { method: 'PUT', cookie: admin, json: { password: 'sunqi-new-password' } });
    expect(res.status).toBe(200);
    expect((await server.api('/api/me', { cookie })).status).toBe(401);
    const fresh = await server.login('sunqi', 'sunqi-new-password');
    expect((await server.api('/api/users/sunqi', { method: 'DELETE', cookie: admin })).status).toBe(200);
    expect((await server.api('/api/me', { cookie: fresh })).status).toBe(401);
  });

  it('records logins and failed logins in the audit log, exportable as JSONL by admins', async () => {
    const res = await server.api('/api/audit?format=jsonl', { cookie: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="yingji-audit-/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.action === 'login' && l.user === 'admin')).toBe(true);
    expect(lines.some((l) => l.action === 'login_failed' && l.user === 'wangwu')).toBe(true);
    const json = await (await server.api('/api/audit?action=login_failed', { cookie: admin })).json();
    expect(json.every((e: { action: string }) => e.action === 'login_failed')).toBe(true);
  });
});
