import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineWithPrevious, isEllipticalFollowUp, needsRewrite, rewriteFollowUp } from '../../src/answer/follow-up.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';

const history = [{ question: '一般事故应当上报到哪一级？', answer: '一般事故上报至设区的市级人民政府安全生产监督管理部门[1]。' }];
const cfg = (baseUrl: string, timeoutMs = 2000) => ({
  baseUrl,
  chatModel: 'deepseek-r1:7b',
  embedModel: 'bge-m3',
  timeoutMs,
  numCtx: 4096,
  maxAnswerTokens: 300,
});

describe('follow-up detection', () => {
  it('recognises elliptical follow-ups and leaves standalone questions alone', () => {
    for (const q of ['那较大事故呢？', '还有呢', '如果是夜间呢？', '那么重大事故？', '谁负责？']) expect(isEllipticalFollowUp(q), q).toBe(true);
    for (const q of ['《安全生产法》第五条是什么内容？', '台风红色预警发布后区里要做哪些事？', '地震灾害分几级？不同级别由哪级政府启动预案？'])
      expect(isEllipticalFollowUp(q), q).toBe(false);
    expect(needsRewrite('那较大事故呢？', [])).toBe(false);
    expect(needsRewrite('那较大事故呢？', history)).toBe(true);
    expect(needsRewrite('这种情况谁来调查？', history)).toBe(true);
    expect(needsRewrite('燃气泄漏报修后燃气公司应该怎么处理？', history)).toBe(false);
  });

  it('carries the previous topic: replaces the matching phrase or appends the new subject', () => {
    expect(combineWithPrevious('那较大事故呢？', '一般事故应当上报到哪一级？')).toBe('较大事故应当上报到哪一级？');
    expect(combineWithPrevious('如果是夜间呢？', '燃气泄漏怎么处理？')).toBe('燃气泄漏怎么处理，夜间');
  });
});

describe('follow-up rewriting', () => {
  let server: OllamaTestServer;
  beforeAll(async () => {
    server = await startOllamaServer();
  });
  afterAll(() => server.close());

  it('uses the model rewrite without its reasoning', async () => {
    server.scriptChat({ content: ['<think>用户上一问是一般', '事故，这次问较大事故。</th', 'ink>\n\n较大事故应当逐级上报到哪一级？'] });
    const r = await rewriteFollowUp({ question: '那较大事故呢？', history, chatModel: createOllamaChatModel(cfg(server.url)), timeoutMs: 2000, numCtx: 4096 });
    expect(r).toMatchObject({ query: '较大事故应当逐级上报到哪一级？', method: 'model' });
    const prompt = server.chatRequests().at(-1)!.messages[0].content;
    expect(prompt).toContain('后续问题：那较大事故呢？');
    expect(prompt).toContain('一般事故应当上报到哪一级？');
  });

  it('drops reasoning that came as message.thinking', async () => {
    server.scriptChat({ thinking: ['这是推理，不能进入检索。'], content: ['较大事故应当逐级上报到哪一级？'] });
    const r = await rewriteFollowUp({ question: '那较大事故呢？', history, chatModel: createOllamaChatModel(cfg(server.url)), timeoutMs: 2000, numCtx: 4096 });
    expect(r.query).toBe('较大事故应当逐级上报到哪一级？');
  });

  it('falls back to carrying the topic when the model is down, missing or too slow', async () => {
    const down = await rewriteFollowUp({ question: '那较大事故呢？', history, chatModel: createOllamaChatModel(cfg(await closedPortUrl())), timeoutMs: 2000, numCtx: 4096 });
    expect(down).toMatchObject({ query: '较大事故应当上报到哪一级？', method: 'heuristic' });
    expect(down.error?.code).toBe('LLM_UNAVAILABLE');

    server.scriptChat({ hang: true });
    const started = Date.now();
    const slow = await rewriteFollowUp({ question: '那较大事故呢？', history, chatModel: createOllamaChatModel(cfg(server.url, 300)), timeoutMs: 300, numCtx: 4096 });
    expect(slow).toMatchObject({ query: '较大事故应当上报到哪一级？', method: 'heuristic' });
    expect(slow.error?.code).toBe('LLM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(300 + 1500);
  });

  it('does not call the model for a standalone question', async () => {
    const before = server.chatRequests().length;
    const r = await rewriteFollowUp({ question: '台风红色预警发布后区里要做哪些事？', history, chatModel: createOllamaChatModel(cfg(server.url)), timeoutMs: 2000, numCtx: 4096 });
    expect(r).toMatchObject({ query: '台风红色预警发布后区里要做哪些事？', method: 'none' });
    expect(server.chatRequests().length).toBe(before);
  });
});
