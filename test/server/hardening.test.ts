/**
 * Regression tests for the server defects of issue 8 (items 2, 3, 4, 7, 8, 9 and the smaller ones) and the
 * server's part of issue 9. Only the project's seeds and files written here: runs under `npm test`.
 */
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/server/auth/rate-limit.js';
import { UserStore } from '../../src/server/auth/users.js';
import { createApp } from '../../src/server/app.js';
import { ConversationStore } from '../../src/server/conversations.js';
import type { IngestJobInfo, IngestProgressEvent } from '../../src/server/events.js';
import { JOURNAL_FILE } from '../../src/server/ingest-jobs.js';
import { guard, MAX_SOCKETS_PER_SESSION } from '../../src/server/socket/chat-handlers.js';
import { parseMetadata } from '../../src/server/uploads.js';
import { createTestKnowledgeBase, makeTempDir } from '../support/knowledge.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type ClientSocket, type TestServer } from './server-harness.js';

const DUTY_MD = '# 值班制度\n\n第一条 值班人员应当坚守岗位，接到突发事件信息后立即报告值班领导。\n';

/** Waits for `check` to hold, polling (for effects that arrive over a socket or a timer). */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function form(files: { name: string; text: string }[], metadata?: unknown): FormData {
  const f = new FormData();
  for (const file of files) f.append('files', new Blob([file.text]), file.name);
  if (metadata) f.append('metadata', JSON.stringify(metadata));
  return f;
}

async function jobOf(server: TestServer, cookie: string, jobId: string): Promise<IngestJobInfo> {
  let job: IngestJobInfo | undefined;
  await until(async () => {
    const jobs = (await (await server.api('/api/jobs', { cookie })).json()) as IngestJobInfo[];
    job = jobs.find((j) => j.jobId === jobId);
    return job?.state === 'done' || job?.state === 'failed';
  }, `job ${jobId} to end`);
  return job as IngestJobInfo;
}

describe('CSRF: state-changing routes refuse other origins (issue 8 item 2)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  it('a forged cross-origin upload, reimport, login, logout, user change or feedback is refused with CROSS_ORIGIN_REJECTED and nothing is ingested', async () => {
    const before = server.kb.listDocuments().length;
    const docId = server.kb.listDocuments()[0].id;
    const foreign: Record<string, string>[] = [
      { origin: 'http://127.0.0.1:1' },
      { origin: 'http://evil.localhost:3000' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      { referer: 'http://127.0.0.1:1/attack.html' },
    ];
    const routes: [string, () => RequestInit & { json?: unknown }][] = [
      ['/api/documents', () => ({ method: 'POST', body: form([{ name: 'csrf.md', text: DUTY_MD }]) })],
      ['/api/reimport', () => ({ method: 'POST' })],
      ['/api/reindex', () => ({ method: 'POST' })],
      [`/api/documents/${docId}`, () => ({ method: 'DELETE' })],
      [`/api/documents/${docId}`, () => ({ method: 'PUT', json: { title: '被篡改' } })],
      ['/api/users', () => ({ method: 'POST', json: { username: 'evil', role: 'admin', password: 'evil-password-1' } })],
      ['/api/users/admin', () => ({ method: 'PUT', json: { password: 'evil-password-1' } })],
      ['/api/feedback', () => ({ method: 'POST', json: { requestId: 'r1', rating: 'down' } })],
      ['/api/login', () => ({ method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } })],
      ['/api/logout', () => ({ method: 'POST' })],
    ];
    for (const headers of foreign) {
      for (const [url, init] of routes) {
        const res = await server.api(url, { ...init(), headers, cookie: admin });
        expect(res.status, `${url} ${JSON.stringify(headers)}`).toBe(403);
        const body = await res.json();
        expect(body.code).toBe('CROSS_ORIGIN_REJECTED');
        expect(body.message).toMatch(/其他网站/);
      }
    }
    expect(server.kb.listDocuments()).toHaveLength(before);
    expect(await (await server.api('/api/jobs', { cookie: admin })).json()).toEqual([]);
    expect(server.app.users.get('evil')).toBeUndefined();
    // The admin's session survived the forged logout.
    expect((await server.api('/api/me', { cookie: admin })).status).toBe(200);
  });

  it('accepts the same requests from its own origin and from non-browser clients', async () => {
    const own = new URL(server.url).origin;
    const res = await server.api('/api/documents', { method: 'POST', body: form([{ name: '值班制度.md', text: DUTY_MD }]), headers: { origin: own }, cookie: admin });
    expect(res.status).toBe(202);
    expect((await jobOf(server, admin, (await res.json()).jobId)).state).toBe('done');
    const sameOrigin = await server.api('/api/me', { headers: { 'sec-fetch-site': 'same-origin' }, cookie: admin });
    expect(sameOrigin.status).toBe(200);
    const login = await server.api('/api/login', { method: 'POST', headers: { referer: `${own}/` }, json: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
  });

  it('sets the session cookie SameSite=Strict', async () => {
    const res = await server.api('/api/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
  });

  it('refuses a cookie-bearing socket.io handshake whose Origin or Sec-Fetch-Site is foreign', async () => {
    await expect(server.socket(admin, { origin: 'http://127.0.0.1:1' })).rejects.toThrow();
    await expect(server.socket(admin, { 'sec-fetch-site': 'cross-site' })).rejects.toThrow();
    const ok = await server.socket(admin, { origin: new URL(server.url).origin });
    expect(ok.connected).toBe(true);
  });
});

describe('login throttling and unauthenticated writes (issue 8 item 7)', () => {
  let proxied: TestServer;
  let direct: TestServer;
  const limit = { freeFailures: 3, baseDelayMs: 60_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };

  beforeAll(async () => {
    proxied = await startTestServer([], { env: { TRUST_PROXY: 'loopback' }, loginRateLimit: limit });
    direct = await startTestServer([], { loginRateLimit: limit });
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const attempt = (server: TestServer, username: string, password: string, ip?: string) =>
    server.api('/api/login', { method: 'POST', headers: ip ? { 'x-forwarded-for': ip } : {}, json: { username, password } });

  it('ten wrong admin passwords from another address do not lock the admin out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(proxied, 'admin', 'wrong-password', '203.0.113.9')).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(4)).toEqual(Array(6).fill(429));
    // The guesser waits; the admin at his own desk logs in at once.
    expect((await attempt(proxied, 'admin', ADMIN_PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('the delay grows with each failure past the free ones instead of a fixed lock', () => {
    const limiter = new FailureLimiter({ freeFailures: 2, baseDelayMs: 10_000, maxDelayMs: 80_000, forgetAfterMs: 3_600_000 });
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      limiter.recordFailure('k');
      waits.push(limiter.retryAfterMs('k'));
    }
    expect(waits[0]).toBe(0);
    // 10 s, 20 s, 40 s, then the 80 s ceiling (allowing the few ms the loop itself takes).
    for (const [i, expected] of [10_000, 20_000, 40_000, 80_000, 80_000, 80_000].entries()) {
      expect(waits[i + 1]).toBeGreaterThan(expected - 1000);
      expect(waits[i + 1]).toBeLessThanOrEqual(expected);
    }
  });

  it('a spoofed X-Forwarded-For does not bypass the per-address limit when no proxy is configured', async () => {
    let status = 0;
    // 30 free failures per address over all accounts (10 × 3); each try uses a new name and a new claimed address.
    for (let i = 0; i < 30; i++) status = (await attempt(direct, `guess${i}`, 'wrong-password', `10.9.${i}.1`)).status;
    expect(status).toBe(401);
    const blocked = await attempt(direct, 'guess-next', 'wrong-password', '10.9.200.1');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await blocked.json()).message).toMatch(/加倍/);
  });

  it('a 900 KB or 100-character user name is refused before anything is stored (audit does not grow)', async () => {
    const audit = path.join(proxied.dir, 'audit.jsonl');
    const sizeBefore = (await stat(audit)).size;
    const huge = await attempt(proxied, '甲'.repeat(300_000), 'x', '192.0.2.50');
    expect(huge.status).toBe(413);
    expect((await huge.json()).code).toBe('LIMIT_EXCEEDED');
    const long = await attempt(proxied, 'a'.repeat(100), 'wrong-password', '192.0.2.51');
    expect(long.status).toBe(400);
    expect((await long.json()).code).toBe('INVALID_REQUEST');
    expect((await stat(audit)).size).toBe(sizeBefore);
  });

  it('pages the audit view server-side (limit, offset, X-Next-Offset) and streams the whole export', async () => {
    const admin = await proxied.login('admin', ADMIN_PASSWORD);
    for (let i = 0; i < 5; i++) await attempt(proxied, `nobody${i}`, 'wrong-password', `192.0.2.${100 + i}`);
    const first = await proxied.api('/api/audit?action=login_failed&limit=2', { cookie: admin });
    const page1 = (await first.json()) as { user: string }[];
    expect(page1.map((e) => e.user)).toEqual(['nobody4', 'nobody3']);
    expect(first.headers.get('x-next-offset')).toBe('2');
    const page2 = (await (await proxied.api('/api/audit?action=login_failed&limit=2&offset=2', { cookie: admin })).json()) as { user: string }[];
    expect(page2.map((e) => e.user)).toEqual(['nobody2', 'nobody1']);
    const exported = await proxied.api('/api/audit?format=jsonl', { cookie: admin });
    const text = await exported.text();
    expect(text).toBe(await readFile(path.join(proxied.dir, 'audit.jsonl'), 'utf8'));
  });
});

describe('upload temp files, the job journal and failing jobs (issue 8 items 3, 4, 8)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  it('upload temp files are deleted when the job ends, so uploads-tmp/ does not keep the bytes of uploaded documents', async () => {
    const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: 'a.md', text: DUTY_MD }, { name: 'b.md', text: DUTY_MD.replace('值班', '带班') }]) });
    expect(res.status).toBe(202);
    expect((await jobOf(server, admin, (await res.json()).jobId)).state).toBe('done');
    await until(async () => (await readdir(path.join(server.dir, 'uploads-tmp'))).length === 0, 'uploads-tmp to be empty');
  });

  it('an accepted upload not yet run when the server stopped is resumed at the next start; one whose file is gone is reported failed', async () => {
    const tmp = path.join(server.dir, 'uploads-tmp');
    const waiting = path.join(tmp, 'resume-me.upload');
    // What a run killed after answering 202 leaves behind: the journal with two accepted jobs, their uploads,
    // and an upload file of a crash that no job names.
    await server.app.close();
    await writeFile(waiting, '# 交接班制度\n\n第一条 交接班时应当当面交接值班台账和未办结事项。\n');
    await writeFile(path.join(tmp, 'orphan.upload'), 'left by a crash');
    const journal = {
      version: 1,
      jobs: [
        { jobId: 'job-resumed', createdAt: new Date().toISOString(), options: { kind: 'upload', user: 'admin', inputs: [{ sourceKey: 'upload:交接班制度.md', fileName: '交接班制度.md', path: waiting }], cleanup: [waiting] } },
        { jobId: 'job-lost', createdAt: new Date().toISOString(), options: { kind: 'upload', user: 'admin', inputs: [{ sourceKey: 'upload:gone.md', fileName: 'gone.md', path: path.join(tmp, 'gone.upload') }], cleanup: [] } },
      ],
    };
    await writeFile(path.join(server.kb.dir, JOURNAL_FILE), JSON.stringify(journal));
    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
    expect((await jobOf(server, admin, 'job-resumed')).state).toBe('done');
    expect(server.kb.listDocuments().some((d) => d.source === '交接班制度.md')).toBe(true);
    const lost = await jobOf(server, admin, 'job-lost');
    expect(lost.state).toBe('failed');
    expect(lost.error?.message).toMatch(/gone\.md.*重新上传/);
    await until(async () => (await readdir(tmp)).length === 0, 'resumed and orphaned upload files removed');
    // Both jobs are settled, so the journal (rewritten when each ends) names none.
    await until(async () => JSON.parse(await readFile(path.join(server.kb.dir, JOURNAL_FILE), 'utf8')).jobs.length === 0, 'journal emptied');
  });

  it('a background job whose commit hits a full disk shows as failed, its files never as indexed', async () => {
    const socket = await server.socket(admin);
    const events: IngestProgressEvent[] = [];
    socket.on('ingest:progress', (e) => events.push(e));
    // A real ENOSPC: the knowledge base's commit writes CURRENT through this temporary name.
    const trap = path.join(server.kb.dir, `CURRENT.tmp-${process.pid}`);
    await symlink('/dev/full', trap);
    try {
      const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: '满盘.md', text: DUTY_MD.replace('坚守', '认真坚守') }]) });
      expect(res.status).toBe(202);
      const job = await jobOf(server, admin, (await res.json()).jobId);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('DISK_FULL');
      expect(job.outcomes.every((o) => o.status !== 'added' && o.status !== 'replaced')).toBe(true);
      await until(() => events.some((e) => e.jobId === job.jobId && e.progress.phase === 'done'), 'final event');
      const last = events.filter((e) => e.jobId === job.jobId).at(-1) as IngestProgressEvent;
      expect(last.error?.code).toBe('DISK_FULL');
      expect(last.outcomes.every((o) => o.status !== 'added')).toBe(true);
    } finally {
      await rm(trap, { force: true });
    }
    // And the server keeps answering.
    const ask = await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '有限空间作业前应当检测什么？' } });
    expect(ask.status).toBe(200);
  });

  it('after a DISK_FULL failure the upload reports DISK_FULL with an actionable message and /api/ask keeps answering (never 500)', async () => {
    const audit = path.join(server.dir, 'audit.jsonl');
    const conversations = path.join(server.dir, 'conversations');
    // The conversation is in memory before the disk fills (a full disk still reads; /dev/full does not).
    expect((await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '有限空间作业前应当检测什么？', conversationId: 'conv-full' } })).status).toBe(200);
    await rm(path.join(conversations, 'admin.jsonl'));
    const saved = await readFile(audit);
    await rm(audit);
    await symlink('/dev/full', audit);
    await symlink('/dev/full', path.join(conversations, 'admin.jsonl'));
    try {
      const up = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: '满盘2.md', text: DUTY_MD }]) });
      expect(up.status).toBe(507);
      const body = await up.json();
      expect(body.code).toBe('DISK_FULL');
      expect(body.message).toMatch(/磁盘空间不足.*清理/);
      expect(await readdir(path.join(server.dir, 'uploads-tmp'))).toEqual([]);
      for (const conversationId of [undefined, 'conv-full']) {
        const ask = await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '有限空间作业前应当检测什么？', conversationId } });
        expect(ask.status).toBe(200);
        expect((await ask.json()).answer).toBeTruthy();
      }
      expect(server.logs.some((l) => l.includes('磁盘已满'))).toBe(true);
    } finally {
      await rm(audit, { force: true });
      await rm(path.join(conversations, 'admin.jsonl'), { force: true });
      await writeFile(audit, saved);
    }
  });

  it('an audit or conversation record appended after a torn line starts on a line of its own and is kept', async () => {
    const audit = path.join(server.dir, 'audit.jsonl');
    await server.app.close(); // nothing else appends while the torn line is planted
    await writeFile(audit, (await readFile(audit, 'utf8')) + '{"at":"2025-01-01T00:00:00.000Z","action":"log');
    const conversations = path.join(server.dir, 'conversations');
    await mkdir(conversations, { recursive: true });
    await writeFile(path.join(conversations, 'admin.jsonl'), '{"type":"turn","conversationId":"c0","turn":{"requestId":"r0","quest');
    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
    const ask = await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '发现作业人员晕倒应当怎么办？', conversationId: 'conv-torn' } });
    expect(ask.status).toBe(200);
    await server.app.close();
    const lines = (await readFile(audit, 'utf8')).trimEnd().split('\n');
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { action: string; user: string }];
      } catch {
        return [];
      }
    });
    expect(lines.length - parsed.length).toBe(1); // only the planted torn line
    expect(parsed.some((e) => e.action === 'login' && e.user === 'admin')).toBe(true);
    const fresh = new ConversationStore(server.dir);
    expect((await fresh.get('admin', 'conv-torn'))?.messages).toHaveLength(1);
    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
});

describe('revocation and sockets (issue 8 item 9)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  const disconnected = (s: ClientSocket) => new Promise<void>((resolve) => s.once('disconnect', () => resolve()));

  it('a logged-out cookie stays void after a restart', async () => {
    const cookie = await server.userCookie('logout1', 'officer');
    expect((await server.api('/api/logout', { method: 'POST', cookie })).status).toBe(200);
    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
    expect((await server.api('/api/me', { cookie })).status).toBe(401);
    await expect(server.socket(cookie)).rejects.toThrow(/登录/);
  });

  it('removing a user or resetting his password closes his open sockets', async () => {
    const removed = await server.userCookie('remove1', 'officer');
    const s1 = await server.socket(removed);
    const gone1 = disconnected(s1);
    expect((await server.api('/api/users/remove1', { method: 'DELETE', cookie: admin })).status).toBe(200);
    await gone1;

    const reset = await server.userCookie('reset1', 'officer');
    const s2 = await server.socket(reset);
    const gone2 = disconnected(s2);
    expect((await server.api('/api/users/reset1', { method: 'PUT', cookie: admin, json: { password: 'reset1-new-password' } })).status).toBe(200);
    await gone2;
    await expect(server.socket(reset)).rejects.toThrow(/登录/);
  });

  it('a user removed by `yingji user remove` (another process) loses his open socket', async () => {
    const cookie = await server.userCookie('cliremoved', 'trainer');
    const socket = await server.socket(cookie);
    const gone = disconnected(socket);
    const other = await UserStore.open(server.dir);
    await other.remove('cliremoved');
    await gone;
  });

  it("a demoted admin's socket is closed and no longer receives admin-only ingest:progress", async () => {
    const cookie = await server.userCookie('admin2', 'admin');
    const demoted = await server.socket(cookie);
    const received: IngestProgressEvent[] = [];
    demoted.on('ingest:progress', (e) => received.push(e));
    const gone = disconnected(demoted);
    expect((await server.api('/api/users/admin2', { method: 'PUT', cookie: admin, json: { role: 'officer' } })).status).toBe(200);
    await gone;
    const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: '降级.md', text: DUTY_MD }]) });
    await jobOf(server, admin, (await res.json()).jobId);
    expect(received).toEqual([]);
    // Reconnecting as an officer does not rejoin the admin room.
    const again = await server.socket(cookie);
    const later: IngestProgressEvent[] = [];
    again.on('ingest:progress', (e) => later.push(e));
    const res2 = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: '降级2.md', text: DUTY_MD.replace('值班', '值守') }]) });
    await jobOf(server, admin, (await res2.json()).jobId);
    expect(later).toEqual([]);
  });

  it(`refuses socket number ${MAX_SOCKETS_PER_SESSION + 1} on one session`, async () => {
    const cookie = await server.userCookie('tabs1', 'officer');
    for (let i = 0; i < MAX_SOCKETS_PER_SESSION; i++) await server.socket(cookie);
    await expect(server.socket(cookie)).rejects.toThrow(/最多同时打开/);
  });
});

describe('smaller defects (issue 8 "Also", issue 9)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  it('/api/documents/%ZZ answers 400, not 500', async () => {
    for (const url of ['/api/documents/%ZZ', '/api/documents/%E4%B8', '/api/conversations/%ZZ']) {
      const res = await server.api(url, { cookie: admin });
      expect(res.status, url).toBe(400);
      expect((await res.json()).code).toBe('INVALID_REQUEST');
    }
  });

  it('a NUL or control character in a multipart file name is stored under a safe name, never a 500', async () => {
    for (const name of ['bad\u0000name.md', 'tab\tand\u001bescape.md', '\u0007.md']) {
      const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name, text: DUTY_MD.replace('坚守', `坚守${name.length}`) }]) });
      expect([202, 400], JSON.stringify(name)).toContain(res.status);
      const body = await res.json();
      if (res.status === 202) expect(body.files[0].storedName).not.toMatch(/[\u0000-\u001f]/);
    }
  });

  // Storing the original under a hashed name is the index stage's part; the server's part is that nothing
  // it sends shows a server path or a raw system error.
  it('a Chinese file name of 100 characters is accepted and no response shows a server path or ENAMETOOLONG', async () => {
    const name = '关于进一步加强'.repeat(14) + '值班.md';
    const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name, text: DUTY_MD.replace('坚守岗位', '坚守值班岗位') }]) });
    const text = await res.text();
    expect(text).not.toContain(server.dir);
    expect(res.status).toBe(202);
    const job = await jobOf(server, admin, JSON.parse(text).jobId);
    expect(JSON.stringify(job)).not.toContain(server.dir);
    expect(JSON.stringify(job)).not.toMatch(/ENAMETOOLONG/);
  });

  it('validates real calendar dates in upload metadata (2025-13-99 and 2025-02-29 are refused)', async () => {
    for (const bad of ['2025-13-99', '2025-02-29', '2024-04-31', '2025-1-5']) {
      expect(() => parseMetadata({ issuedDate: bad }), bad).toThrow(/真实存在的日期/);
    }
    expect(parseMetadata({ issuedDate: '2024-02-29', effectiveDate: '2025-12-31' })).toEqual({ issuedDate: '2024-02-29', effectiveDate: '2025-12-31' });
    const res = await server.api('/api/documents', { method: 'POST', cookie: admin, body: form([{ name: 'd.md', text: DUTY_MD }], { issuedDate: '2025-13-99' }) });
    expect(res.status).toBe(400);
  });

  it('/api/health without a session says only up/down, not the Ollama address or model', async () => {
    const anon = await (await server.api('/api/health')).json();
    expect(anon).toEqual({ status: 'ok', llm: { mode: 'extractive' } });
    const signedIn = await (await server.api('/api/health', { cookie: admin })).json();
    expect(signedIn.llm.model).toBeTruthy();
    expect(signedIn.index.documents).toBeGreaterThan(0);
  });

  it('creates the admin when users exist before the first start but none is an admin, using YINGJI_ADMIN_PASSWORD', async () => {
    const kb = await createTestKnowledgeBase([], { YINGJI_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const logs: string[] = [];
    try {
      await (await UserStore.open(kb.dir)).add('duty1', 'officer', 'duty1-password-1');
      const app = await createApp({ services: kb.services, port: 0, host: '127.0.0.1', webDistDir: null, log: (l) => logs.push(l) });
      expect(app.users.get('admin')?.role).toBe('admin');
      expect(await app.users.verify('admin', ADMIN_PASSWORD)).toBeDefined();
      await app.close();
      // Started again with an admin present: the setting is ignored, and the log says so.
      const again = await createApp({ services: kb.services, port: 0, host: '127.0.0.1', webDistDir: null, log: (l) => logs.push(l) });
      await again.close();
      expect(logs.some((l) => l.includes('YINGJI_ADMIN_PASSWORD 已忽略'))).toBe(true);
    } finally {
      await kb.cleanup();
    }
  });

  it('keeps a bounded number of conversation turns in memory (LRU) and reads dropped users back from disk', async () => {
    const dir = await makeTempDir();
    try {
      const store = new ConversationStore(dir, 3);
      const turn = (n: number) => ({ requestId: `r${n}`, question: `问题${n}`, answer: `回答${n}`, reasoning: '', mode: 'extractive' as const, citations: [], at: new Date().toISOString() });
      for (const user of ['u1', 'u2', 'u3']) for (let i = 0; i < 2; i++) await store.addTurn(user, 'c', turn(i));
      expect(store.cachedUsers()).not.toContain('u1');
      expect(store.cachedUsers().length).toBeLessThan(3);
      expect((await store.get('u1', 'c'))?.messages.map((m) => m.question)).toEqual(['问题0', '问题1']);
      await store.idle();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the socket guard logs an INTERNAL error with its cause and answers only the safe message', () => {
    const logs: string[] = [];
    let answered: unknown;
    guard({ log: (l) => logs.push(l) }, 'chat:test', (res) => (answered = res), () => {
      throw new Error('secret internal detail /srv/yingji');
    });
    expect(answered).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(answered)).not.toContain('secret internal detail');
    expect(logs.join('\n')).toContain('secret internal detail');
  });

  it('POST /api/reimport re-imports every stored document (POST /api/reindex stays as its old name)', async () => {
    const before = (await (await server.api('/api/health', { cookie: admin })).json()).index;
    for (const url of ['/api/reimport', '/api/reindex']) {
      const res = await server.api(url, { method: 'POST', cookie: admin });
      expect(res.status, url).toBe(202);
      const { jobId, documents } = await res.json();
      expect(documents).toBe(before.documents);
      const job = await jobOf(server, admin, jobId);
      expect(job.kind).toBe(url === '/api/reimport' ? 'reimport' : 'reindex');
      expect(job.outcomes.every((o) => o.status === 'replaced')).toBe(true);
    }
    const lines = (await (await server.api('/api/audit?action=reimport', { cookie: admin })).json()) as unknown[];
    expect(lines).toHaveLength(2);
  });
});
