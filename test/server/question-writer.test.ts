/**
 * doc2query in the server's background, against the Ollama-protocol server: passages get questions without anyone
 * running a command, an answer takes the model first, an upload's new passages follow, and a restart sends no
 * passage twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthInfo, SearchResponse } from '../../src/server/events.js';
import { startOllamaServer, type ChatRequestBody, type OllamaTestServer } from '../support/ollama-server.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const isDoc2Query = (body: ChatRequestBody) => body.messages[0]?.content.includes('写出 3 到 5 个');
const passageOf = (body: ChatRequestBody) => body.messages[1]?.content ?? '';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('background question writer', () => {
  let ollama: OllamaTestServer;
  let server: TestServer;
  let admin: string;
  const doc2queryRequests = () => ollama.chatRequests().filter(isDoc2Query);
  const health = async () => (await (await server.api('/api/health', { cookie: admin })).json()) as HealthInfo;
  const idle = () =>
    until('the writer to finish', async () => {
      const h = await health();
      return h.questions.state === 'idle' && h.questions.remaining === 0 ? h : undefined;
    });

  beforeAll(async () => {
    ollama = await startOllamaServer();
    ollama.defaultChat = (body) =>
      isDoc2Query(body)
        ? { content: [/有限空间|受限空间/.test(passageOf(body)) ? '井下那个池子里有人倒了咋整？\n' : '这段说的是啥？\n', '要做什么？'], delayMs: 20 }
        : { content: ['按预案先报告值班长[1]。'] };
    server = await startTestServer([SEED_FILES.confinedSpace], { env: { OLLAMA_BASE_URL: ollama.url, OLLAMA_TIMEOUT_MS: '5000', DOC2QUERY_BACKGROUND: 'true' } });
    admin = await server.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
    await ollama?.close();
  });

  it('writes questions for every passage once, without a command, and reports progress in /api/health', async () => {
    const done = await idle();
    expect(done.questions.generated).toBeGreaterThan(0);
    const [doc] = await (await server.api('/api/documents', { cookie: admin })).json();
    const attached = (await (await server.api(`/api/documents/${doc.id}/questions`, { cookie: admin })).json()) as { source: string; chunkId: string }[];
    const generated = attached.filter((q) => q.source === 'generated');
    expect(generated.length).toBe(done.questions.generated);
    // One model request per passage: none was sent twice.
    const passages = doc2queryRequests().map(passageOf);
    expect(new Set(passages).size).toBe(passages.length);
    expect(new Set(generated.map((q) => q.chunkId)).size).toBe(passages.length);
  });

  it('finds a passage by a question the model wrote for it, words the documents never use', async () => {
    const [doc] = await (await server.api('/api/documents', { cookie: admin })).json();
    const attached = (await (await server.api(`/api/documents/${doc.id}/questions`, { cookie: admin })).json()) as { question: string; chunkId: string }[];
    const withQuestion = new Set(attached.filter((q) => q.question.startsWith('井下那个池子')).map((q) => q.chunkId));
    expect(withQuestion.size).toBeGreaterThan(0);
    const res = (await (await server.api(`/api/search?q=${encodeURIComponent('井下那个池子里有人倒了咋整')}`, { cookie: admin })).json()) as SearchResponse;
    expect(withQuestion.has(res.hits[0].chunkId)).toBe(true);
    expect(res.hits[0].text).not.toContain('池子');
  });

  it('gives the model to an answer first: the passage being written is dropped and written later', async () => {
    ollama.defaultChat = (body) =>
      isDoc2Query(body) ? { content: ['这段说的是啥？\n', '要做什么？\n', '找谁？'], delayMs: 400 } : { content: ['按预案先报告值班长[1]。'] };
    const before = doc2queryRequests().length;
    const upload = new FormData();
    upload.append('files', new Blob(['# 示例：燃气泄漏处置卡\n\n## 一、发现\n\n闻到燃气味时，立即关闭总阀，打开门窗，严禁开关电器，到室外拨打燃气抢修电话并报告值班长。\n\n## 二、报告\n\n值班长接报后十分钟内报告区应急管理局总值班室，并通知燃气企业到场处置。\n']), 'gas-card-sample.md');
    expect((await server.api('/api/documents', { method: 'POST', body: upload, cookie: admin })).status).toBe(202);
    await until('a question request for the new passages', async () => (doc2queryRequests().length > before ? true : undefined));

    const dropped = ollama.waitForChatClosedByClient();
    const answer = await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '有限空间有人晕倒了怎么办？' } });
    expect(answer.status).toBe(200);
    expect((await answer.json()).mode).toBe('llm');
    expect(isDoc2Query((await dropped).body as ChatRequestBody)).toBe(true);

    // The upload's passages all get their questions once the answer is done.
    await idle();
    const docs = (await (await server.api('/api/documents', { cookie: admin })).json()) as { id: string; source: string }[];
    const gas = docs.find((d) => d.source === 'gas-card-sample.md')!;
    const attached = (await (await server.api(`/api/documents/${gas.id}/questions`, { cookie: admin })).json()) as { source: string }[];
    expect(attached.filter((q) => q.source === 'generated').length).toBeGreaterThan(0);
  });

  it('sends no passage again after a restart', async () => {
    const before = doc2queryRequests().length;
    await server.restart();
    admin = await server.login('admin', ADMIN_PASSWORD);
    await idle();
    expect(doc2queryRequests().length).toBe(before);
  });
});
