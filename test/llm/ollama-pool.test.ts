/**
 * Several Ollama servers behind one ChatModel, with two real instances of the Ollama-protocol server: spreading by
 * outstanding answers, one killed mid-stream, one slow, both down, recovery. Then the same through the real
 * server: answers, health and the fallback to the extractive mode.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { runDoctor } from '../../src/ops/doctor.js';
import type { ChatChunk } from '../../src/llm/chat-model.js';
import { createOllamaChatModels, createOllamaEmbedders, createOllamaPool, type OllamaPool } from '../../src/llm/ollama/ollama-pool.js';
import { SEED_FILES, startTestServer, type TestServer } from '../server/server-harness.js';
import { startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = (urls: string[]): Config['ollama'] => ({
  baseUrl: urls[0],
  baseUrls: urls,
  embedUrls: urls,
  healthIntervalMs: 100,
  chatModel: 'deepseek-r1:7b',
  embedModel: 'bge-m3',
  timeoutMs: 20_000,
  numCtx: 8192,
  maxAnswerTokens: 256,
});

async function collect(stream: AsyncIterable<ChatChunk>): Promise<string> {
  let text = '';
  for await (const c of stream) text += c.content ?? '';
  return text;
}

/** Polls until `check` holds (the background health check runs on its own clock). */
async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

const ask = [{ role: 'user' as const, content: '问题' }];
const chatCount = (s: OllamaTestServer) => s.chatRequests().length;

describe('a pool of two Ollama servers', () => {
  let a: OllamaTestServer;
  let b: OllamaTestServer;
  let pool: OllamaPool;

  beforeEach(async () => {
    a = await startOllamaServer({ defaultChat: { content: ['甲答'] } });
    b = await startOllamaServer({ defaultChat: { content: ['乙答'] } });
    pool = createOllamaPool(config([a.url, b.url]));
    await pool.checkNow({ force: true });
  });
  afterEach(async () => {
    pool.close();
    await a.close();
    await b.close();
  });

  it('a single URL keeps the plain client (no pool, no background checks)', () => {
    const single = createOllamaChatModels({ ...config([a.url]), baseUrls: [a.url] });
    expect(single.servers).toBeUndefined();
    expect(createOllamaChatModels(config([a.url, b.url])).servers?.()).toHaveLength(2);
  });

  it('spreads questions over both idle servers and reports each one up with its models', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await collect(pool.stream(ask)));
    expect(chatCount(a)).toBe(3);
    expect(chatCount(b)).toBe(3);
    expect(new Set(answers)).toEqual(new Set(['甲答', '乙答']));
    const servers = pool.servers();
    expect(servers.map((s) => s.state)).toEqual(['up', 'up']);
    expect(servers[0].models).toContain('deepseek-r1:7b');
    expect(servers.map((s) => s.served)).toEqual([3, 3]);
  });

  it('sends new questions to the other server while a slow one is still answering (least outstanding)', async () => {
    const slow = { content: Array.from({ length: 40 }, () => '慢'), delayMs: 50 };
    a.defaultChat = slow;
    b.defaultChat = slow;
    const first = pool.stream(ask)[Symbol.asyncIterator]();
    await first.next(); // the first answer is now streaming on one server
    const busy = pool.servers().find((s) => s.outstanding === 1);
    expect(busy).toBeDefined();
    const other = busy?.url === a.url ? b : a;
    other.defaultChat = { content: ['快答'] };
    for (let i = 0; i < 3; i++) expect(await collect(pool.stream(ask))).toBe('快答');
    expect(chatCount(other)).toBe(3);
    await first.return?.(undefined);
  });

  it('a server killed mid-stream fails that answer, is marked down, and the next question goes to the other', async () => {
    a.defaultChat = { content: Array.from({ length: 50 }, () => '甲'), delayMs: 30 };
    b.defaultChat = { content: Array.from({ length: 50 }, () => '乙'), delayMs: 30 };
    const it1 = pool.stream(ask)[Symbol.asyncIterator]();
    await it1.next();
    const victim = chatCount(a) === 1 ? a : b;
    const survivor = victim === a ? b : a;
    await victim.stop();
    await expect((async () => {
      for (let r = await it1.next(); !r.done; r = await it1.next());
    })()).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
    const down = pool.servers().find((s) => s.url === victim.url);
    expect(down?.state).toBe('down');
    expect(down?.reason).toBeTruthy();
    survivor.defaultChat = { content: ['继续'] };
    for (let i = 0; i < 3; i++) expect(await collect(pool.stream(ask))).toBe('继续');
    expect(chatCount(survivor)).toBe(3);
    expect(chatCount(victim)).toBe(1);
  });

  it('with both down it refuses at once with LLM_UNAVAILABLE naming both, and recovers when one comes back', async () => {
    await a.stop();
    await b.stop();
    await pool.checkNow({ force: true });
    await expect(collect(pool.stream(ask))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringContaining(a.url) });
    const health = await pool.health();
    expect(health.reachable).toBe(false);
    expect(health.reason).toContain(b.url);
    await b.start();
    await until(() => pool.servers().find((s) => s.url === b.url)?.state === 'up', 'b back up by the background check');
    expect(await collect(pool.stream(ask))).toBe('乙答');
    expect((await pool.health()).chatModelPresent).toBe(true);
  });

  it('a server without the chat model is not asked', async () => {
    a.models = ['bge-m3:latest'];
    await pool.checkNow({ force: true });
    for (let i = 0; i < 3; i++) await collect(pool.stream(ask));
    expect(chatCount(a)).toBe(0);
    expect(pool.servers()[0]).toMatchObject({ state: 'down', reason: expect.stringContaining('未安装') });
  });

  it('yingji doctor shows each server with its state and models', async () => {
    await b.stop();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-doctor-pool-'));
    try {
      const cfg = loadConfig({ env: { YINGJI_DATA_DIR: dir, OLLAMA_BASE_URL: `${a.url}, ${b.url}/` }, dotenvPath: false });
      expect(cfg.ollama.baseUrls).toEqual([a.url, b.url]);
      expect(cfg.ollama.baseUrl).toBe(a.url);
      const chatModel = createOllamaChatModels(cfg.ollama);
      const report = await runDoctor({ config: cfg, embedder: createBuiltinEmbedder(), chatModel, findMissingOcrPrograms: async () => [], ocrInstallHint: '' });
      chatModel.close?.();
      const lines = report.checks.filter((c) => c.id === 'ollama-server');
      expect(lines.map((c) => [c.title, c.status])).toEqual([
        [`Ollama 服务器 ${a.url}`, 'ok'],
        [`Ollama 服务器 ${b.url}`, 'warn'],
      ]);
      expect(lines[0].detail).toContain('deepseek-r1:7b');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad address in the list is a configuration error naming it', () => {
    expect(() => loadConfig({ env: { OLLAMA_BASE_URL: 'http://127.0.0.1:1,not a url' }, dotenvPath: false })).toThrow(/not a url/);
  });

  it('embeddings fail over to the next server when one is down', async () => {
    const embedder = createOllamaEmbedders(config([a.url, b.url]));
    await a.stop();
    const v = await embedder.embedQuery('应急');
    expect(v.length).toBe(8);
    expect(b.requests.some((r) => r.path === '/api/embed')).toBe(true);
  });
});

describe('the server with two model servers', () => {
  let a: OllamaTestServer;
  let b: OllamaTestServer;
  let server: TestServer;
  let cookie: string;
  const QUESTION = '有限空间作业人员晕倒后，监护人员应当如何报告？';

  beforeAll(async () => {
    a = await startOllamaServer({ defaultChat: { content: ['监护人员应当立即报告[1]。'] } });
    b = await startOllamaServer({ defaultChat: { content: ['监护人员应当立即报告[1]。'] } });
    server = await startTestServer([SEED_FILES.confinedSpace, SEED_FILES.flood], {
      env: { OLLAMA_BASE_URL: `${a.url},${b.url}`, OLLAMA_HEALTH_INTERVAL_MS: '100', OLLAMA_TIMEOUT_MS: '20000' },
    });
    cookie = await server.userCookie('officer1', 'officer');
  });
  afterAll(async () => {
    await server?.close();
    await a?.close();
    await b?.close();
  });

  const askMode = async () => {
    const res = await server.api('/api/ask', { method: 'POST', cookie, json: { question: QUESTION } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { mode: string }).mode;
  };

  it('answers with the model from both servers, shows each server in health, falls back to extractive when both are down, and recovers', async () => {
    for (let i = 0; i < 4; i++) expect(await askMode()).toBe('llm');
    expect(chatCount(a)).toBeGreaterThan(0);
    expect(chatCount(b)).toBeGreaterThan(0);
    const health = (await (await server.api('/api/health', { cookie })).json()) as { llm: { servers: { url: string; state: string; models: string[] }[] } };
    expect(health.llm.servers.map((s) => s.url)).toEqual([a.url, b.url]);
    expect(health.llm.servers.every((s) => s.state === 'up' && s.models.includes('deepseek-r1:7b'))).toBe(true);

    await a.stop();
    await b.stop();
    expect(await askMode()).toBe('extractive');
    expect(await askMode()).toBe('extractive');
    const down = (await (await server.api('/api/health', { cookie })).json()) as { llm: { mode: string; servers: { state: string }[] } };
    expect(down.llm.servers.every((s) => s.state === 'down')).toBe(true);

    await a.start();
    await until(async () => {
      const h = (await (await server.api('/api/health', { cookie })).json()) as { llm: { servers: { state: string }[] } };
      return h.llm.servers[0].state === 'up';
    }, 'a back up');
    expect(await askMode()).toBe('llm');
  });
});
