/**
 * The basis level travels from retrieval to every answer, and with a model up the question is also searched in
 * legal terms. Real knowledge base over seeds/; the Ollama-protocol server is the only stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAnswer, type AnswerDeps } from '../../src/answer/answer-question.js';
import { toAskJson } from '../../src/answer/ask-json.js';
import { createLlmStatusMonitor } from '../../src/answer/llm-status.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { SEED_DOCUMENTS } from './source-hits.js';

const PARTIAL_QUESTION = '有限空间作业的监护人员每人要配几台气体检测仪的备用电池？';
const SOLID_QUESTION = '发现作业人员晕倒后，监护人员应当在多长时间内报告作业负责人？';

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let server: OllamaTestServer;

async function deps(baseUrl: string, queryRewriteMs = 0): Promise<AnswerDeps> {
  const ollama = { baseUrl, chatModel: 'deepseek-r1:7b', embedModel: 'bge-m3', timeoutMs: 1500, numCtx: 8192, maxAnswerTokens: 512 };
  const chatModel = createOllamaChatModel(ollama);
  const status = createLlmStatusMonitor(chatModel);
  await status.refresh({ force: true });
  return { retriever: kb.services.retriever, chatModel, status, config: { ...ollama, retrievalK: 6, queryRewriteMs } };
}

beforeAll(async () => {
  server = await startOllamaServer();
  kb = await createTestKnowledgeBase(SEED_DOCUMENTS);
});
afterAll(async () => {
  await server?.close();
  await kb?.cleanup();
});

describe('basis level of answers', () => {
  it('opens an extractive answer with one plain sentence when the provisions do not state what is asked', async () => {
    const r = await collectAnswer(await deps(await closedPortUrl()), { question: PARTIAL_QUESTION });
    expect(r.mode).toBe('extractive');
    expect(r.basis).toBe('partial');
    expect(r.answer.startsWith(r.basisNote!)).toBe(true);
    expect(toAskJson(r)).toMatchObject({ mode: 'extractive', basis: 'partial' });
    expect(r.citations.length).toBeGreaterThan(0);
  });

  it('is none, with mode no-basis and no model call, when nothing relevant is held', async () => {
    const before = server.chatRequests().length;
    const r = await collectAnswer(await deps(server.url), { question: '明天的足球联赛几点开球？' });
    expect(toAskJson(r)).toMatchObject({ mode: 'no-basis', basis: 'none' });
    expect(server.chatRequests().length).toBe(before);
  });

  it('maps the model saying its sources do not state the figure onto partial', async () => {
    server.scriptChat({ content: ['参考资料中未载明具体的复审期限，只规定了报告要求[1]。'] });
    const r = await collectAnswer(await deps(server.url), { question: SOLID_QUESTION });
    expect(r.mode).toBe('llm');
    expect(r.basis).toBe('partial');
  });

  it('searches the model rewrite in legal terms as extra terms when the model is up, and not when it is down', async () => {
    server.scriptChat({ content: ['有限空间作业人员出现异常情况后监护人员的报告时限'] }, { content: ['监护人员应当在5分钟内报告作业负责人[1]。'] });
    const up = await collectAnswer(await deps(server.url, 2000), { question: '井下干活的人晕了，看着的人多久要报？' });
    expect(up.legalRewrite).toBe('有限空间作业人员出现异常情况后监护人员的报告时限');
    expect(up.basis).toBe('solid');
    const [rewriteRequest] = server.chatRequests().slice(-2);
    expect(rewriteRequest.messages[1].content).toBe('井下干活的人晕了，看着的人多久要报？');

    const down = await collectAnswer(await deps(await closedPortUrl(), 2000), { question: '井下干活的人晕了，看着的人多久要报？' });
    expect(down.legalRewrite).toBeUndefined();
    expect(down.mode).toBe('extractive');
  });
});
