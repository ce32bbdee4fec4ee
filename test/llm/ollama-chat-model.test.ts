import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { ChatChunk } from '../../src/llm/chat-model.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';

const cfg = (baseUrl: string, over: Partial<{ chatModel: string; timeoutMs: number }> = {}) => ({
  baseUrl,
  chatModel: 'deepseek-r1:7b',
  embedModel: 'bge-m3',
  timeoutMs: 2000,
  numCtx: 4096,
  maxAnswerTokens: 300,
  ...over,
});

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('Ollama chat model', () => {
  let server: OllamaTestServer;
  beforeAll(async () => {
    server = await startOllamaServer();
  });
  afterAll(() => server.close());

  it('streams content and thinking as they arrive, sending num_ctx and num_predict', async () => {
    server.scriptChat({ thinking: ['想', '一想'], content: ['应当', '报告[1]。'], delayMs: 5 });
    const model = createOllamaChatModel(cfg(server.url));
    const chunks = await collect(model.stream([{ role: 'user', content: '问题' }], { maxTokens: 123 }));
    expect(chunks).toEqual([{ thinking: '想' }, { thinking: '一想' }, { content: '应当' }, { content: '报告[1]。' }]);
    const body = server.chatRequests().at(-1)!;
    expect(body.model).toBe('deepseek-r1:7b');
    expect(body.stream).toBe(true);
    expect(body.options).toMatchObject({ num_ctx: 4096, num_predict: 123 });
    expect(body.messages).toEqual([{ role: 'user', content: '问题' }]);
  });

  it('maps a missing model (HTTP 404) to MODEL_NOT_FOUND telling how to pull it', async () => {
    const model = createOllamaChatModel(cfg(server.url, { chatModel: 'qwen9:1b' }));
    const err = await rejection(collect(model.stream([{ role: 'user', content: '问' }])));
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toBe('模型 qwen9:1b 未安装，请运行 ollama pull qwen9:1b');
  });

  it('maps connection refused to LLM_UNAVAILABLE naming the URL', async () => {
    const url = await closedPortUrl();
    const model = createOllamaChatModel(cfg(url));
    const err = await rejection(collect(model.stream([{ role: 'user', content: '问' }])));
    expect(err.code).toBe('LLM_UNAVAILABLE');
    expect(err.message).toBe(`未检测到 Ollama 服务（${url}），已切换到离线检索模式`);
  });

  it('maps a stream cut mid-answer to LLM_UNAVAILABLE after yielding what arrived', async () => {
    server.scriptChat({ content: ['第一段', '第二段', '第三段'], cutAfter: 2 });
    const model = createOllamaChatModel(cfg(server.url));
    const got: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const c of model.stream([{ role: 'user', content: '问' }])) got.push(c.content ?? '');
      })(),
    );
    expect(got).toEqual(['第一段', '第二段']);
    expect(err.code).toBe('LLM_UNAVAILABLE');
    expect(err.message).toContain('连接中断');
  });

  it('aborting mid-stream closes the upstream request and raises ANSWER_ABORTED', async () => {
    server.scriptChat({ content: Array.from({ length: 200 }, (_, i) => `段${i}`), delayMs: 20 });
    const model = createOllamaChatModel(cfg(server.url));
    const ac = new AbortController();
    const closed = server.waitForChatClosedByClient();
    let n = 0;
    const err = await rejection(
      (async () => {
        for await (const _ of model.stream([{ role: 'user', content: '问' }], { signal: ac.signal })) {
          if (++n === 3) ac.abort();
        }
      })(),
    );
    expect(err.code).toBe('ANSWER_ABORTED');
    const rec = await closed;
    expect(rec.closedByClient).toBe(true);
    expect(n).toBeLessThan(10);
  });

  it('aborting while the server has not sent a byte closes the request', async () => {
    server.scriptChat({ hang: true });
    const model = createOllamaChatModel(cfg(server.url));
    const ac = new AbortController();
    const closed = server.waitForChatClosedByClient();
    const p = rejection(collect(model.stream([{ role: 'user', content: '问' }], { signal: ac.signal })));
    setTimeout(() => ac.abort(), 50);
    expect((await p).code).toBe('ANSWER_ABORTED');
    expect((await closed).closedByClient).toBe(true);
  });

  it('closes the upstream request when the consumer stops iterating early', async () => {
    const before = server.requests.filter((r) => r.closedByClient).length;
    server.scriptChat({ content: Array.from({ length: 100 }, (_, i) => `段${i}`), delayMs: 20 });
    const model = createOllamaChatModel(cfg(server.url));
    const closed = server.waitForChatClosedByClient();
    for await (const _ of model.stream([{ role: 'user', content: '问' }])) break;
    const rec = await closed;
    expect(rec.closedByClient).toBe(true);
    expect(server.requests.filter((r) => r.closedByClient).length).toBe(before + 1);
  });

  it('reports health from /api/tags: reachable, which models are present, why not', async () => {
    const ok = await createOllamaChatModel(cfg(server.url)).health();
    expect(ok).toMatchObject({ reachable: true, chatModelPresent: true, embedModelPresent: true });
    expect(ok.models).toContain('deepseek-r1:7b');
    expect(ok.reason).toBeUndefined();
    const missing = await createOllamaChatModel(cfg(server.url, { chatModel: 'qwen9:1b' })).health();
    expect(missing).toMatchObject({ reachable: true, chatModelPresent: false, reason: '模型 qwen9:1b 未安装，请运行 ollama pull qwen9:1b' });
    const url = await closedPortUrl();
    const down = await createOllamaChatModel(cfg(url)).health();
    expect(down).toMatchObject({ reachable: false, chatModelPresent: false, reason: `未检测到 Ollama 服务（${url}），已切换到离线检索模式` });
  });
});
