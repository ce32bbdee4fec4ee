/** Admins attach questions to passages (learning from use); the next search by a paraphrase finds the passage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredQuestion } from '../../src/index/question-store.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

let server: TestServer;
let admin: string;
let officer: string;

beforeAll(async () => {
  server = await startTestServer([SEED_FILES.hazchem, SEED_FILES.flood, SEED_FILES.confinedSpace]);
  admin = await server.login('admin', ADMIN_PASSWORD);
  officer = await server.userCookie('duty1', 'officer');
});
afterAll(async () => server?.close());

describe('attached questions over HTTP', () => {
  it('an admin confirms a question for a passage; a paraphrase then finds it first; officers may not attach', async () => {
    const doc = server.kb.listDocuments().find((d) => d.title.includes('危险化学品泄漏'))!;
    const chunk = server.kb.getChunks(doc.id).find((c) => c.headingPath.some((h) => h.includes('信息报告')))!;
    const body = { chunkId: chunk.id, question: '储罐冒白烟泄漏了，应当向谁报告？' };

    expect((await server.api('/api/questions', { method: 'POST', cookie: officer, json: body })).status).toBe(403);
    const res = await server.api('/api/questions', { method: 'POST', cookie: admin, json: body });
    expect(res.status).toBe(201);
    const stored = (await res.json()) as StoredQuestion;
    expect(stored).toMatchObject({ chunkId: chunk.id, source: 'admin', addedBy: 'admin' });

    const search = (await (await server.api(`/api/search?q=${encodeURIComponent('厂里罐子冒白烟了要跟谁说')}`, { cookie: officer })).json()) as {
      hits: { chunkId: string }[];
    };
    expect(search.hits[0].chunkId).toBe(chunk.id);

    const listed = (await (await server.api(`/api/documents/${doc.id}/questions`, { cookie: admin })).json()) as StoredQuestion[];
    expect(listed.map((q) => q.id)).toEqual([stored.id]);
    expect((await server.api(`/api/questions/${stored.id}`, { method: 'DELETE', cookie: admin })).status).toBe(200);
    expect((await server.api(`/api/questions/${stored.id}`, { method: 'DELETE', cookie: admin })).status).toBe(404);
  });
});

describe('learning from 👍', () => {
  it('a question whose answer an officer marked useful is attached to the passage the answer cited first', async () => {
    const question = '有限空间作业人员晕倒后，监护人员应当在多长时间内报告作业负责人？';
    const ask = await server.api('/api/ask', { method: 'POST', cookie: officer, json: { question, requestId: 'praise-1', conversationId: 'c-praise' } });
    expect(ask.status).toBe(200);
    const answer = (await ask.json()) as { citations: { n: number; docId: string; cited: boolean }[] };
    const first = answer.citations.find((c) => c.cited)!;
    expect((await server.api('/api/feedback', { method: 'POST', cookie: officer, json: { requestId: 'praise-1', rating: 'up' } })).status).toBe(200);
    const listed = (await (await server.api(`/api/documents/${first.docId}/questions`, { cookie: admin })).json()) as StoredQuestion[];
    expect(listed).toContainEqual(expect.objectContaining({ question, source: 'feedback', addedBy: 'duty1' }));
  });
});
