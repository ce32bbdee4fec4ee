import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AnswerDeltaEvent,
  AnswerDoneEvent,
  AnswerErrorEvent,
  AnswerSourcesEvent,
} from '../../src/server/events.js';
import { startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type ClientSocket, type TestServer } from './server-harness.js';

const CORPUS = [SEED_FILES.confinedSpace, SEED_FILES.flood, SEED_FILES.hazchem];
const QUESTION = '有限空间作业人员晕倒后，监护人员应当如何报告？';

/** A long reply streamed slowly, so it is still running when the test stops it or drops the connection. */
const slowReply = () => ({
  thinking: ['先查条例。'],
  content: Array.from({ length: 300 }, (_, i) => `第${i}点，应当立即报告[1]。\n`),
  delayMs: 100,
});

interface Collected {
  sources?: AnswerSourcesEvent;
  deltas: AnswerDeltaEvent[];
  reasoning: AnswerDeltaEvent[];
  ended: Promise<{ done?: AnswerDoneEvent; error?: AnswerErrorEvent }>;
  firstDelta: Promise<void>;
}

/** Listens for every answer:* event of one request id. */
function collect(socket: ClientSocket, requestId: string): Collected {
  const c: Partial<Collected> & { deltas: AnswerDeltaEvent[]; reasoning: AnswerDeltaEvent[] } = { deltas: [], reasoning: [] };
  let firstDelta: () => void = () => undefined;
  c.firstDelta = new Promise((r) => (firstDelta = r));
  socket.on('answer:sources', (e) => {
    if (e.requestId === requestId) c.sources = e;
  });
  socket.on('answer:delta', (e) => {
    if (e.requestId !== requestId) return;
    c.deltas.push(e);
    firstDelta();
  });
  socket.on('answer:reasoning', (e) => {
    if (e.requestId === requestId) c.reasoning.push(e);
  });
  c.ended = new Promise((resolve) => {
    socket.on('answer:done', (e) => {
      if (e.requestId === requestId) resolve({ done: e });
    });
    socket.on('answer:error', (e) => {
      if (e.requestId === requestId) resolve({ error: e });
    });
  });
  return c as Collected;
}

describe('chat over socket.io in extractive mode (no model reachable)', () => {
  let server: TestServer;
  let officer: string;
  let socket: ClientSocket;

  beforeAll(async () => {
    server = await startTestServer(CORPUS);
    officer = await server.userCookie('duty1', 'officer');
    socket = await server.socket(officer);
  });
  afterAll(() => server?.close());

  it('streams sources, answer deltas and done, each carrying the request id', async () => {
    const c = collect(socket, 'req-1');
    const ack = await socket.emitWithAck('chat:ask', { requestId: 'req-1', conversationId: 'conv-1', question: QUESTION });
    expect(ack).toEqual({ ok: true, data: { requestId: 'req-1' } });
    const { done, error } = await c.ended;
    expect(error).toBeUndefined();
    expect(done?.conversationId).toBe('conv-1');
    expect(done?.result.mode).toBe('extractive');
    expect(c.sources?.citations.length).toBeGreaterThan(0);
    expect(c.sources?.citations.some((s) => s.title.includes('有限空间作业事故应急处置规程'))).toBe(true);
    expect(c.deltas.length).toBeGreaterThan(0);
    expect(done?.result.answer.length).toBeGreaterThan(0);
  });

  it('rejects an empty question in the ack, without leaking internals', async () => {
    const ack = await socket.emitWithAck('chat:ask', { requestId: 'req-empty', conversationId: 'conv-1', question: '   ' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('keeps the conversation per user, on disk, and passes it on for follow-ups', async () => {
    const c = collect(socket, 'req-2');
    await socket.emitWithAck('chat:ask', { requestId: 'req-2', conversationId: 'conv-1', question: '那单位主要负责人多久内向应急管理部门报告？' });
    expect((await c.ended).done).toBeDefined();
    const list = await (await server.api('/api/conversations', { cookie: officer })).json();
    expect(list).toEqual([expect.objectContaining({ id: 'conv-1', turns: 2, title: expect.stringContaining('有限空间') })]);
    const conv = await (await server.api('/api/conversations/conv-1', { cookie: officer })).json();
    expect(conv.messages.map((m: { requestId: string }) => m.requestId)).toEqual(['req-1', 'req-2']);
    const onDisk = await readFile(path.join(server.dir, 'conversations', 'duty1.jsonl'), 'utf8');
    expect(onDisk.trim().split('\n')).toHaveLength(2);
    // Another user sees none of it.
    const other = await server.userCookie('duty2', 'officer');
    expect(await (await server.api('/api/conversations', { cookie: other })).json()).toEqual([]);
    expect((await server.api('/api/conversations/conv-1', { cookie: other })).status).toBe(400);
  });

  it('answers POST /api/ask with the same result object as the CLI', async () => {
    const res = await server.api('/api/ask', { method: 'POST', cookie: officer, json: { question: QUESTION } });
    expect(res.status).toBe(200);
    const result = await res.json();
    expect(result.mode).toBe('extractive');
    expect(result.citations[0]).toEqual(expect.objectContaining({ n: 1, docId: expect.any(String), locator: expect.any(String) }));
    expect(result.timings.totalMs).toEqual(expect.any(Number));
  });

  it('records questions, sources, mode and feedback in the audit log', async () => {
    const fb = await server.api('/api/feedback', { method: 'POST', cookie: officer, json: { requestId: 'req-1', rating: 'down', comment: '没有提到报告时限' } });
    expect(fb.status).toBe(200);
    const conv = await (await server.api('/api/conversations/conv-1', { cookie: officer })).json();
    expect(conv.messages[0].feedback).toEqual({ rating: 'down', comment: '没有提到报告时限' });
    const admin = await server.login('admin', ADMIN_PASSWORD);
    const entries = await (await server.api('/api/audit?limit=50', { cookie: admin })).json();
    const ask = entries.find((e: { action: string; requestId?: string }) => e.action === 'ask' && e.requestId === 'req-1');
    expect(ask).toMatchObject({ user: 'duty1', question: QUESTION, mode: 'extractive' });
    expect(ask.sources.length).toBeGreaterThan(0);
    expect(entries.find((e: { action: string }) => e.action === 'feedback')).toMatchObject({ user: 'duty1', rating: 'down', requestId: 'req-1' });
  });

  it('searches with k', async () => {
    const res = await server.api(`/api/search?q=${encodeURIComponent('有限空间 通风 检测')}&k=2`, { cookie: officer });
    const body = await res.json();
    expect(body.hits).toHaveLength(2);
    expect(body.hits[0]).toEqual(expect.objectContaining({ title: expect.any(String), locator: expect.any(String), text: expect.any(String) }));
    expect((await server.api('/api/search?q=x&k=0', { cookie: officer })).status).toBe(400);
  });
});

describe('chat with a streaming model behind the Ollama protocol', () => {
  let ollama: OllamaTestServer;
  let server: TestServer;
  let cookie: string;

  beforeAll(async () => {
    ollama = await startOllamaServer();
    server = await startTestServer(CORPUS, { env: { OLLAMA_BASE_URL: ollama.url, OLLAMA_TIMEOUT_MS: '20000' } });
    cookie = await server.userCookie('trainer1', 'trainer');
  });
  afterAll(async () => {
    await server?.close();
    await ollama?.close();
  });

  it('forwards reasoning and answer deltas, and reports the model online', async () => {
    ollama.scriptChat({ thinking: ['先找', '依据。'], content: ['监护人员应当', '立即呼救并在5分钟内报告[1]。'] });
    const socket = await server.socket(cookie);
    const c = collect(socket, 'llm-1');
    await socket.emitWithAck('chat:ask', { requestId: 'llm-1', conversationId: 'c-llm', question: QUESTION });
    const { done } = await c.ended;
    expect(done?.result.mode).toBe('llm');
    expect(c.reasoning.map((d) => d.delta).join('')).toContain('依据');
    expect(c.deltas.map((d) => d.delta).join('')).toContain('5分钟内报告');
    const health = await (await server.api('/api/health', { cookie })).json();
    expect(health.llm).toMatchObject({ mode: 'llm', model: 'deepseek-r1:7b' });
    socket.disconnect();
  });

  it('chat:stop aborts the model request', async () => {
    ollama.scriptChat(slowReply());
    const socket = await server.socket(cookie);
    const c = collect(socket, 'llm-stop');
    await socket.emitWithAck('chat:ask', { requestId: 'llm-stop', conversationId: 'c-stop', question: QUESTION });
    await c.firstDelta;
    const stopped = await socket.emitWithAck('chat:stop', { requestId: 'llm-stop' });
    expect(stopped).toEqual({ ok: true, data: { stopped: true } });
    const { error } = await c.ended;
    expect(error?.error.code).toBe('ANSWER_ABORTED');
    expect((await ollama.waitForChatClosedByClient()).closedByClient).toBe(true);
    const conv = await (await server.api('/api/conversations/c-stop', { cookie })).json();
    expect(conv.messages[0]).toMatchObject({ requestId: 'llm-stop', stopped: true });
    socket.disconnect();
  });

  it('a dropped connection aborts its answer', async () => {
    const before = ollama.requests.filter((r) => r.path === '/api/chat' && r.closedByClient).length;
    ollama.scriptChat(slowReply());
    const socket = await server.socket(cookie);
    const c = collect(socket, 'llm-drop');
    await socket.emitWithAck('chat:ask', { requestId: 'llm-drop', conversationId: 'c-drop', question: QUESTION });
    await c.firstDelta;
    socket.disconnect();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (ollama.requests.filter((r) => r.path === '/api/chat' && r.closedByClient).length > before) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    const last = ollama.requests.filter((r) => r.path === '/api/chat').at(-1);
    expect(last?.closedByClient).toBe(true);
  });
});
