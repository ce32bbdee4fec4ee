import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAuditFields } from '../../src/server/events.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];

describe('accounts, own password and the audit log over the real server', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => server?.close());

  it('a user changes his own password: the old one stops working, his other sessions and sockets end, this one goes on', async () => {
    const first = await server.userCookie('wang', 'officer');
    const second = await server.login('wang', 'wang-password-1');
    const socket = await server.socket(second);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));

    const wrong = await server.api('/api/me/password', { method: 'POST', cookie: first, json: { currentPassword: 'not-it-at-all', newPassword: 'new-password-22' } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ code: 'INVALID_REQUEST', message: '当前密码不正确。' });
    const short = await server.api('/api/me/password', { method: 'POST', cookie: first, json: { currentPassword: 'wang-password-1', newPassword: 'short' } });
    expect(short.status).toBe(400);

    const ok = await server.api('/api/me/password', { method: 'POST', cookie: first, json: { currentPassword: 'wang-password-1', newPassword: 'new-password-22' } });
    expect(ok.status).toBe(200);
    const renewed = cookieOf(ok);
    expect(renewed).toMatch(/^yingji_session=/);
    await disconnected;
    expect((await server.api('/api/me', { cookie: renewed })).status).toBe(200);
    expect((await server.api('/api/me', { cookie: first })).status).toBe(401);
    expect((await server.api('/api/me', { cookie: second })).status).toBe(401);
    await expect(server.login('wang', 'wang-password-1')).rejects.toThrow(/401/);
    await server.login('wang', 'new-password-22');
  });

  it('a disabled account cannot log in, its cookie and socket end at once, and it can be enabled again', async () => {
    const cookie = await server.userCookie('zhao', 'trainer');
    const socket = await server.socket(cookie);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    const res = await server.api('/api/users/zhao', { method: 'PUT', cookie: admin, json: { disabled: true } });
    expect(res.status).toBe(200);
    await disconnected;
    expect((await server.api('/api/me', { cookie })).status).toBe(401);
    const login = await server.api('/api/login', { method: 'POST', json: { username: 'zhao', password: 'zhao-password-1' } });
    expect(login.status).toBe(403);
    expect(await login.json()).toMatchObject({ code: 'FORBIDDEN', message: '此账号已停用，请联系管理员。' });
    const users = (await (await server.api('/api/users', { cookie: admin })).json()) as { username: string; disabled?: boolean }[];
    expect(users.find((u) => u.username === 'zhao')?.disabled).toBe(true);

    expect((await server.api('/api/users/zhao', { method: 'PUT', cookie: admin, json: { disabled: false } })).status).toBe(200);
    await server.login('zhao', 'zhao-password-1');
  });

  it('refuses to disable the signed-in admin or the last admin, and an officer cannot disable anyone', async () => {
    const self = await server.api('/api/users/admin', { method: 'PUT', cookie: admin, json: { disabled: true } });
    expect(self.status).toBe(400);
    expect(await self.json()).toMatchObject({ message: '不能停用当前登录的账号。' });
    await expect(server.app.users.setDisabled('admin', true)).rejects.toThrow('不能停用最后一个管理员账号。');
    const officer = await server.userCookie('qian', 'officer');
    expect((await server.api('/api/users/zhao', { method: 'PUT', cookie: officer, json: { disabled: true } })).status).toBe(403);
  });

  it('an admin changes a role and resets a password; each change is its own audit entry', async () => {
    await server.userCookie('sun', 'officer');
    expect((await server.api('/api/users/sun', { method: 'PUT', cookie: admin, json: { role: 'trainer' } })).status).toBe(200);
    expect((await server.api('/api/users/sun', { method: 'PUT', cookie: admin, json: { password: 'reset-password-9' } })).status).toBe(200);
    expect(await (await server.api('/api/me', { cookie: await server.login('sun', 'reset-password-9') })).json()).toEqual({ username: 'sun', role: 'trainer' });
    const entries = (await (await server.api('/api/audit?user=admin&limit=50', { cookie: admin })).json()) as { action: string; target?: string }[];
    const forSun = entries.filter((e) => e.target === 'sun').map((e) => e.action);
    expect(forSun).toEqual(['user_passwd', 'user_role']);
  });

  it('filters the audit log by action and date, and pages with X-Next-Offset', async () => {
    const failed = await server.api('/api/audit?action=login_failed', { cookie: admin });
    const rows = (await failed.json()) as { action: string; user: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.action === 'login_failed')).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    const page = await server.api(`/api/audit?from=${today}&to=${today}&limit=2`, { cookie: admin });
    expect((await page.json()).length).toBe(2);
    expect(Number(page.headers.get('x-next-offset'))).toBe(2);
    expect(await (await server.api('/api/audit?to=2000-01-01', { cookie: admin })).json()).toEqual([]);
    const bad = await server.api('/api/audit?from=gestern', { cookie: admin });
    expect(bad.status).toBe(400);
  });

  it('exports the audit log as CSV with Chinese actions, and as JSONL, with the same filters', async () => {
    const csv = await server.api('/api/audit?format=csv&action=user_disable', { cookie: admin });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="yingji-audit-.*\.csv"/);
    // fetch's text() drops a BOM; the bytes must still start with it for spreadsheet programs.
    const text = Buffer.from(await csv.arrayBuffer()).toString('utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('\ufeff时间,用户,操作,内容,操作代码');
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(/,admin,停用账号,对象：zhao,user_disable$/);

    const jsonl = await server.api('/api/audit?format=jsonl&user=wang', { cookie: admin });
    const entries = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l) as { user: string; action: string });
    expect(entries.every((e) => e.user === 'wang')).toBe(true);
    expect(entries.map((e) => e.action)).toContain('password_change');
  });

  it('describes audit details in words: file lists, outcomes and roles, never raw JSON for the usual fields', () => {
    const upload = { at: '2026-01-01T00:00:00.000Z', action: 'upload', user: 'admin', files: ['a.md', 'b.docx'], rejected: [{ file: 'x.pdf', error: 'UNSUPPORTED_FILE_TYPE' }] };
    expect(describeAuditFields(upload)).toBe('文件：a.md、b.docx；已拒绝：x.pdf（UNSUPPORTED_FILE_TYPE）');
    const done = { at: '', action: 'ingest_done', user: 'admin', kind: 'upload', outcomes: [{ file: 'a.md', status: 'added' }] };
    expect(describeAuditFields(done)).toBe('类型：上传；结果：a.md（已索引）');
    expect(describeAuditFields({ at: '', action: 'user_role', user: 'admin', target: 'sun', role: 'trainer' })).toBe('对象：sun；角色：培训师');
  });
});
