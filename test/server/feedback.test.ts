/** Feedback reaches the admin's review; conversations are renamed and deleted by their owner only. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackEntry } from '../../src/server/events.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const QUESTION = '有限空间作业人员晕倒后，监护人员应当如何报告？';

let server: TestServer;
let officer: string;
let other: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer([SEED_FILES.confinedSpace, SEED_FILES.flood]);
  officer = await server.userCookie('fb-officer', 'officer');
  other = await server.userCookie('fb-other', 'officer');
  admin = await server.login('admin', ADMIN_PASSWORD);
  const res = await server.api('/api/ask', { method: 'POST', cookie: officer, json: { question: QUESTION, requestId: 'fb-req-1', conversationId: 'fb-conv-1' } });
  expect(res.status).toBe(200);
});
afterAll(async () => server?.close());

describe('feedback review', () => {
  it('a 👎 with a comment is listed for the admin with its question, answer, sources and comment, and survives a restart', async () => {
    const down = await server.api('/api/feedback', { method: 'POST', cookie: officer, json: { requestId: 'fb-req-1', rating: 'down' } });
    expect(down.status).toBe(200);
    // The comment box sends the same rating again with the comment: one entry, not two.
    const withComment = await server.api('/api/feedback', { method: 'POST', cookie: officer, json: { requestId: 'fb-req-1', rating: 'down', comment: '没有说向谁报告' } });
    expect(withComment.status).toBe(200);
    const list: FeedbackEntry[] = await (await server.api('/api/feedback', { cookie: admin })).json();
    expect(list).toHaveLength(1);
    const [entry] = list;
    expect(entry).toMatchObject({ user: 'fb-officer', requestId: 'fb-req-1', rating: 'down', comment: '没有说向谁报告', question: QUESTION, handled: false });
    expect(entry.answer).toContain('[1]');
    expect(entry.citations.length).toBeGreaterThan(0);
    expect(entry.citations[0]).toMatchObject({ n: 1, title: expect.any(String), locator: expect.any(String) });
    expect(await readFile(path.join(server.dir, 'feedback.jsonl'), 'utf8')).toContain('没有说向谁报告');

    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
    const again: FeedbackEntry[] = await (await server.api('/api/feedback', { cookie: admin })).json();
    expect(again.map((e) => e.comment)).toEqual(['没有说向谁报告']);
  });

  it('the admin marks a 👎 handled and it leaves the open list; officers cannot list or mark feedback', async () => {
    const officerCookie = await server.login('fb-officer', 'fb-officer-password-1');
    expect((await server.api('/api/feedback', { cookie: officerCookie })).status).toBe(403);
    const [entry]: FeedbackEntry[] = await (await server.api('/api/feedback?handled=false', { cookie: admin })).json();
    expect((await server.api(`/api/feedback/${entry.id}`, { method: 'PUT', cookie: officerCookie, json: { handled: true } })).status).toBe(403);
    const marked = await server.api(`/api/feedback/${entry.id}`, { method: 'PUT', cookie: admin, json: { handled: true } });
    expect(await marked.json()).toMatchObject({ id: entry.id, handled: true, handledBy: 'admin' });
    expect(await (await server.api('/api/feedback?handled=false', { cookie: admin })).json()).toEqual([]);
    expect(await (await server.api('/api/feedback?handled=true', { cookie: admin })).json()).toHaveLength(1);
    const bad = await server.api('/api/feedback/nope', { method: 'PUT', cookie: admin, json: { handled: true } });
    expect(bad.status).toBe(400);
  });
});

describe('conversations', () => {
  it('the owner renames a conversation; another user cannot rename or delete it; the owner deletes it', async () => {
    officer = await server.login('fb-officer', 'fb-officer-password-1');
    other = await server.login('fb-other', 'fb-other-password-1');
    const renamed = await server.api('/api/conversations/fb-conv-1', { method: 'PUT', cookie: officer, json: { title: '  有限空间  报告 ' } });
    expect(await renamed.json()).toMatchObject({ id: 'fb-conv-1', title: '有限空间 报告' });
    expect((await (await server.api('/api/conversations', { cookie: officer })).json())[0].title).toBe('有限空间 报告');
    expect((await server.api('/api/conversations/fb-conv-1', { method: 'PUT', cookie: other, json: { title: 'x' } })).status).toBe(400);
    expect((await server.api('/api/conversations/fb-conv-1', { method: 'DELETE', cookie: other })).status).toBe(400);
    expect((await server.api('/api/conversations/fb-conv-1', { method: 'PUT', cookie: officer, json: { title: '   ' } })).status).toBe(400);
    await server.restart();
    officer = await server.login('fb-officer', 'fb-officer-password-1');
    expect((await (await server.api('/api/conversations', { cookie: officer })).json())[0].title).toBe('有限空间 报告');
    expect((await server.api('/api/conversations/fb-conv-1', { method: 'DELETE', cookie: officer })).status).toBe(200);
    expect(await (await server.api('/api/conversations', { cookie: officer })).json()).toEqual([]);
  });
});
