/**
 * The OpenAI-compatible API driven by the official `openai` npm client against the real server, with the
 * Ollama-protocol server scripting an R1-style model; API tokens (Bearer, roles, revocation by the CLI while the
 * server runs, no fallback to a cookie, rate limit, audit); the OpenAPI description against the real routes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_DOCS } from '../../src/server/http/openapi.js';
import { startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');
const CORPUS = [SEED_FILES.confinedSpace, SEED_FILES.flood, SEED_FILES.hazchem];
const QUESTION = '有限空间作业人员晕倒后，监护人员应当如何报告？';

interface YingjiInfo {
  mode: string;
  basis: string;
  citations: { n: number; title: string; locator: string; cited: boolean; text: string }[];
}

/** `yingji token …` as a real child process on the server's knowledge folder. */
async function tokenCli(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(REPO, 'bin/yingji.js'), 'token', ...args, '--data', dir], {
    cwd: REPO,
    env: { ...process.env, YINGJI_DATA_DIR: dir },
  });
  return stdout;
}

describe('OpenAI-compatible /v1 API with API tokens', () => {
  let ollama: OllamaTestServer;
  let server: TestServer;
  let adminCookie: string;
  let officerToken: string;
  let officerTokenId: string;

  const createToken = async (name: string, role: string) => {
    const res = await server.api('/api/tokens', { method: 'POST', cookie: adminCookie, json: { name, role } });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; info: { id: string; name: string } };
  };
  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    ollama = await startOllamaServer();
    server = await startTestServer(CORPUS, { env: { OLLAMA_BASE_URL: ollama.url, OLLAMA_TIMEOUT_MS: '20000', API_TOKEN_REQUESTS_PER_MINUTE: '40' } });
    adminCookie = await server.userCookie('admin2', 'admin');
    const created = await createToken('指挥平台', 'officer');
    officerToken = created.token;
    officerTokenId = created.info.id;
  });
  afterAll(async () => {
    await server?.close();
    await ollama?.close();
  });

  it('lists the yingji models to the official client', async () => {
    const models = await client(officerToken).models.list();
    expect(models.data.map((m) => m.id)).toEqual(['yingji', 'yingji-search']);
  });

  it('answers a non-streaming completion with the reasoning, the [n] citations, a 来源 list and the structured yingji field', async () => {
    ollama.scriptChat({ thinking: ['先找', '有限空间的报告规定。'], content: ['监护人员应当', '立即呼救并在5分钟内报告[1]。'] });
    const reply = await client(officerToken).chat.completions.create({
      model: 'yingji',
      messages: [
        { role: 'system', content: '你是助手' },
        { role: 'user', content: QUESTION },
      ],
      temperature: 0.2,
      max_tokens: 512,
    });
    const message = reply.choices[0].message as typeof reply.choices[0]['message'] & { reasoning_content?: string };
    expect(reply.object).toBe('chat.completion');
    expect(message.content).toContain('5分钟内报告[1]');
    expect(message.content).toMatch(/来源：\n\[1\] 《[^》]+》/);
    expect(message.reasoning_content).toContain('有限空间的报告规定');
    const info = (reply as unknown as { yingji: YingjiInfo }).yingji;
    expect(info.mode).toBe('llm');
    expect(info.basis).toMatch(/solid|partial/);
    expect(info.citations[0]).toMatchObject({ n: 1, cited: true, title: expect.any(String), locator: expect.any(String) });
    // The same path as the chat UI: the question reached the model with the retrieved passages.
    const sent = ollama.chatRequests().at(-1);
    expect(JSON.stringify(sent?.messages)).toContain('监护');
  });

  it('streams reasoning_content and content chunks, the 来源 list, the yingji field on the final chunk, then [DONE]', async () => {
    // R1 through Ollama without a separate thinking field: the <think> block arrives inside the content.
    ollama.scriptChat({ content: ['<think>先查', '条例。</think>', '监护人员应当立即', '报告[1]。'], delayMs: 5 });
    const stream = await client(officerToken).chat.completions.create({
      model: 'yingji',
      stream: true,
      messages: [
        { role: 'user', content: '有限空间作业有什么要求？' },
        { role: 'assistant', content: '须先通风、检测，再作业[1]。' },
        { role: 'user', content: QUESTION },
      ],
    });
    let content = '';
    let reasoning = '';
    let last: unknown;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      content += delta?.content ?? '';
      reasoning += delta?.reasoning_content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      last = chunk;
    }
    expect(reasoning).toContain('先查条例');
    expect(content).toContain('监护人员应当立即报告[1]');
    expect(content).not.toContain('<think>');
    expect(content).toContain('来源：');
    expect(finish).toBe('stop');
    const info = (last as { yingji: YingjiInfo }).yingji;
    expect(info.mode).toBe('llm');
    expect(info.citations.some((c) => c.cited)).toBe(true);
  });

  it('sends the raw SSE lines clients parse: data: {…} events ending with data: [DONE]', async () => {
    ollama.scriptChat({ content: ['应当立即报告[1]。'] });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'yingji', stream: true, messages: [{ role: 'user', content: QUESTION }], unknown_field: 1 }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const lines = (await res.text()).split('\n\n').filter(Boolean);
    expect(lines.at(-1)).toBe('data: [DONE]');
    expect(lines.slice(0, -1).every((l) => l.startsWith('data: {'))).toBe(true);
  });

  it('a client that drops the stream aborts the model request', async () => {
    ollama.scriptChat({ content: Array.from({ length: 300 }, (_, i) => `第${i}点，应当立即报告[1]。`), delayMs: 50 });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'yingji', stream: true, messages: [{ role: 'user', content: QUESTION }] }),
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while (!seen.includes('第1点')) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect((await ollama.waitForChatClosedByClient()).closedByClient).toBe(true);
  });

  it('answers in extractive mode, still with citations, when the model is unreachable', async () => {
    await ollama.stop();
    try {
      const reply = await client(officerToken).chat.completions.create({ model: 'yingji', messages: [{ role: 'user', content: QUESTION }] });
      const info = (reply as unknown as { yingji: YingjiInfo }).yingji;
      expect(info.mode).toBe('extractive');
      expect(info.citations.length).toBeGreaterThan(0);
      expect(reply.choices[0].message.content).toContain('来源：');
    } finally {
      await ollama.start();
    }
  });

  it('yingji-search returns the passages found, without a model call', async () => {
    const before = ollama.chatRequests().length;
    const reply = await client(officerToken).chat.completions.create({ model: 'yingji-search', messages: [{ role: 'user', content: '有限空间 监护' }] });
    expect(reply.choices[0].message.content).toMatch(/^\[1\] 《/);
    expect((reply as unknown as { yingji: YingjiInfo }).yingji.mode).toBe('search');
    expect(ollama.chatRequests().length).toBe(before);
  });

  it('answers errors in OpenAI shape with the right status', async () => {
    const post = (body: unknown, token = officerToken) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ model: 'yingji', messages: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', code: 'INVALID_REQUEST' } });
    const noModel = await post({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    expect(noModel.status).toBe(404);
    expect((await noModel.json()).error.code).toBe('model_not_found');
    const unknownToken = await post({ messages: [{ role: 'user', content: 'x' }] }, 'yj_not-a-token');
    expect(unknownToken.status).toBe(401);
    expect((await unknownToken.json()).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    await expect(client('yj_wrong').models.list()).rejects.toMatchObject({ status: 401 });
    const anonymous = await fetch(`${server.url}/v1/models`);
    expect(anonymous.status).toBe(401);
  });

  it('an officer token cannot upload or delete, and cannot manage tokens; an admin token cannot mint tokens either', async () => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const docs = (await (await server.api('/api/documents', { cookie: adminCookie })).json()) as { id: string }[];
    const del = await server.api(`/api/documents/${docs[0].id}`, { method: 'DELETE', headers: bearer(officerToken) });
    expect(del.status).toBe(403);
    const form = new FormData();
    form.append('files', new Blob(['# 测试\n\n内容。'], { type: 'text/markdown' }), 'x.md');
    expect((await server.api('/api/documents', { method: 'POST', body: form, headers: bearer(officerToken) })).status).toBe(403);
    expect((await server.api('/api/tokens', { headers: bearer(officerToken) })).status).toBe(403);
    const admin = await createToken('运维脚本', 'admin');
    expect((await server.api('/api/documents', { headers: bearer(admin.token) })).status).toBe(200);
    expect((await server.api('/api/tokens', { method: 'POST', headers: bearer(admin.token), json: { name: 'x', role: 'admin' } })).status).toBe(403);
    // An officer token asks on /api like an officer.
    expect((await server.api('/api/search?q=有限空间', { headers: bearer(officerToken) })).status).toBe(200);
  });

  it('a request with a bad token gets 401 even with a valid session cookie beside it', async () => {
    const res = await server.api('/api/me', { cookie: adminCookie, headers: { authorization: 'Bearer yj_revoked-or-wrong' } });
    expect(res.status).toBe(401);
    const v1 = await fetch(`${server.url}/v1/models`, { headers: { cookie: adminCookie, authorization: 'Bearer yj_revoked-or-wrong' } });
    expect(v1.status).toBe(401);
    // The cookie alone still works for the browser, on /api and /v1.
    expect((await server.api('/api/me', { cookie: adminCookie })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/models`, { headers: { cookie: adminCookie } })).status).toBe(200);
  });

  it('every use of a token is in the audit log under the token name', async () => {
    const res = await server.api('/api/audit?user=token:指挥平台', { cookie: adminCookie });
    const entries = (await res.json()) as { action: string; user: string; path?: string }[];
    expect(entries.some((e) => e.action === 'ask' && e.user === 'token:指挥平台')).toBe(true);
    expect(entries.some((e) => e.action === 'token_use' && e.path === '/v1/chat/completions')).toBe(true);
    expect(entries.some((e) => e.action === 'token_use' && e.path === '/v1/models')).toBe(true);
  });

  it('a token revoked with the CLI while the server runs is refused at once, with 401 in OpenAI shape', async () => {
    const created = await createToken('值班脚本', 'officer');
    expect((await client(created.token).models.list()).data.length).toBe(2);
    const listed = await tokenCli(server.dir, 'list');
    expect(listed).toContain('值班脚本');
    expect(listed).not.toContain(created.token);
    await tokenCli(server.dir, 'revoke', created.info.id);
    const res = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.type).toBe('authentication_error');
  });

  it('a token made with the CLI works at once; revoking it in the UI is effective at once', async () => {
    const out = await tokenCli(server.dir, 'add', '应急平台', '--role', 'officer', '--expires', '2099-12-31');
    const token = /yj_[A-Za-z0-9_-]+/.exec(out)?.[0];
    expect(token).toBeDefined();
    expect((await client(token as string).models.list()).data.length).toBe(2);
    const list = (await (await server.api('/api/tokens', { cookie: adminCookie })).json()) as { id: string; name: string; expiresAt: string }[];
    const entry = list.find((t) => t.name === '应急平台');
    expect(entry?.expiresAt).toBe('2100-01-01T00:00:00.000Z');
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await server.api(`/api/tokens/${entry?.id}`, { method: 'DELETE', cookie: adminCookie })).status).toBe(200);
    await expect(client(token as string).models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('rate-limits per token with 429 and Retry-After, leaving other tokens alone', async () => {
    const busy = await createToken('压测', 'officer');
    let limited: Response | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const res = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${busy.token}` } });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await limited?.json()).error.type).toBe('rate_limit_error');
    expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${officerToken}` } })).status).toBe(200);
    expect(officerTokenId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('serves an OpenAPI 3.1 description that lists exactly the routes the server has', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const described = Object.entries(doc.paths)
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const real = server.app
      .routes()
      .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .sort();
    expect(described).toEqual([...new Set(real)]);
    expect(ROUTE_DOCS.length).toBe(described.length);
    expect(doc.paths['/v1/chat/completions'].post).toBeDefined();
  });
});
