/**
 * answerQuestion end to end: the real knowledge base and retriever over the project's seeds/, and the
 * Ollama-protocol server in test/support as the only stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, collectAnswer, type AnswerDeps } from '../../src/answer/answer-question.js';
import { ACTIONS_HEADING } from '../../src/answer/extractive.js';
import { createLlmStatusMonitor } from '../../src/answer/llm-status.js';
import type { AnswerEvent } from '../../src/answer/types.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import type { Retriever } from '../../src/retrieval/types.js';
import { AppError } from '../../src/core/errors.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { parsePrompt } from './prompt-structure.js';
import { SEED_DOCUMENTS } from './source-hits.js';

const TIMEOUT_MS = 800;
const QUESTION = '发现作业人员晕倒后，监护人员应当在多长时间内报告作业负责人？';
/** Fallback must land within the first-token timeout plus this (a behavioural bound, not a benchmark). */
const MARGIN_MS = 1500;

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let server: OllamaTestServer;
let retriever: Retriever;

function deps(baseUrl: string, over: { chatModel?: string; timeoutMs?: number; numCtx?: number } = {}): AnswerDeps {
  const ollama = {
    baseUrl,
    chatModel: over.chatModel ?? 'deepseek-r1:7b',
    embedModel: 'bge-m3',
    timeoutMs: over.timeoutMs ?? TIMEOUT_MS,
    numCtx: over.numCtx ?? 8192,
    maxAnswerTokens: 1024,
  };
  return { retriever, chatModel: createOllamaChatModel(ollama), config: { ...ollama, retrievalK: 6 } };
}

async function events(d: AnswerDeps, question: string, signal?: AbortSignal): Promise<AnswerEvent[]> {
  const out: AnswerEvent[] = [];
  for await (const ev of answerQuestion(d, { question, signal })) out.push(ev);
  return out;
}

beforeAll(async () => {
  server = await startOllamaServer();
  kb = await createTestKnowledgeBase(SEED_DOCUMENTS);
  retriever = kb.services.retriever;
});
afterAll(async () => {
  await server?.close();
  await kb?.cleanup();
});

describe('answering with the model', () => {
  it('streams reasoning and a cited answer; the prompt carries the retrieved passages', async () => {
    server.scriptChat({
      content: ['<th', 'ink>资料[1]说5分钟。</thi', 'nk>\n\n监护人员应当立即呼救，并在5分钟内', '报告作业负责人[1]，不得拖延[1,', '9]。'],
      delayMs: 5,
    });
    const evs = await events(deps(server.url), QUESTION);
    const types = evs.map((e) => e.type);
    expect(types[0]).toBe('sources');
    expect(types.at(-1)).toBe('done');
    expect(types).toContain('reasoning');
    const done = evs.at(-1) as Extract<AnswerEvent, { type: 'done' }>;
    const r = done.result;
    expect(r.mode).toBe('llm');
    expect(r.reasoning).toBe('资料[1]说5分钟。');
    expect(r.answer).toBe('监护人员应当立即呼救，并在5分钟内报告作业负责人[1]，不得拖延[1]。');
    expect(r.answer).not.toMatch(/think/);
    expect(r.droppedCitations).toBe(1);
    expect(r.citations[0].cited).toBe(true);
    expect(r.citations.slice(1).every((c) => !c.cited)).toBe(true);
    const streamed = evs.filter((e) => e.type === 'answer').map((e) => (e as { delta: string }).delta).join('');
    expect(streamed).toBe(r.answer);
    // the retrieved passages are what the model saw, numbered as the citations are
    const prompt = parsePrompt(server.chatRequests().at(-1)!.messages);
    expect(r.citations.length).toBeGreaterThan(1);
    expect(prompt.sources.map((s) => s.n)).toEqual(r.citations.map((c) => c.n));
    for (const [i, c] of r.citations.entries()) {
      expect(prompt.sources[i].title).toBe(c.title);
      expect(prompt.sources[i].text).toBe(c.text.trim());
    }
    expect(prompt.questions).toEqual([QUESTION]);
    expect(r.citations.some((c) => c.text.includes('并在5分钟内报告作业负责人'))).toBe(true);
    expect(r.timings.firstTokenMs).not.toBeNull();
  });

  it('renumbers the model\'s citations in order of first appearance as they stream, re-sending the sources to match', async () => {
    server.scriptChat({ content: ['单位负责人应当报告[3', ']，并通知[2]', '、[3]。'], delayMs: 5 });
    const evs = await events(deps(server.url), QUESTION);
    const r = (evs.at(-1) as Extract<AnswerEvent, { type: 'done' }>).result;
    expect(r.answer).toBe('单位负责人应当报告[1]，并通知[2]、[1]。');
    const prompt = parsePrompt(server.chatRequests().at(-1)!.messages);
    // [1] is what the model called 资料 3, [2] its 资料 2; the sources list reads [1] [2] [3] … with no gap.
    expect(r.citations[0].title).toBe(prompt.sources[2].title);
    expect(r.citations[0].text.trim()).toBe(prompt.sources[2].text);
    expect(r.citations[1].text.trim()).toBe(prompt.sources[1].text);
    expect(r.citations.map((c) => c.n)).toEqual(r.citations.map((_c, i) => i + 1));
    expect(r.citations.filter((c) => c.cited).map((c) => c.n)).toEqual([1, 2]);
    const lastSources = evs.filter((e) => e.type === 'sources').at(-1) as Extract<AnswerEvent, { type: 'sources' }>;
    expect(lastSources.citations.map((c) => c.text)).toEqual(r.citations.map((c) => c.text));
    const streamed = evs.filter((e) => e.type === 'answer').map((e) => (e as { delta: string }).delta).join('');
    expect(streamed).toBe(r.answer);
  });

  it('takes reasoning from message.thinking', async () => {
    server.scriptChat({ thinking: ['先看资料。'], content: ['监护人员应当在5分钟内报告[1]。'] });
    const r = await collectAnswer(deps(server.url), { question: QUESTION });
    expect(r).toMatchObject({ mode: 'llm', reasoning: '先看资料。', answer: '监护人员应当在5分钟内报告[1]。' });
  });

  it('aborting stops the upstream request and throws ANSWER_ABORTED', async () => {
    server.scriptChat({ content: ['<think>想</think>', ...Array.from({ length: 200 }, (_, i) => `第${i}句[1]。`)], delayMs: 20 });
    const ac = new AbortController();
    const closed = server.waitForChatClosedByClient();
    const out: AnswerEvent[] = [];
    const run = async () => {
      for await (const ev of answerQuestion(deps(server.url), { question: QUESTION, signal: ac.signal })) {
        out.push(ev);
        if (ev.type === 'answer' && out.filter((e) => e.type === 'answer').length === 2) ac.abort();
      }
    };
    const thrown = await run().then(() => null, (e: unknown) => e);
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'ANSWER_ABORTED' });
    expect(out.some((e) => e.type === 'done')).toBe(false);
    expect((await closed).closedByClient).toBe(true);
  });
});

describe('no sufficient basis', () => {
  it('says the knowledge base has no basis, lists the nearest documents and does not call the model', async () => {
    const before = server.chatRequests().length;
    const r = await collectAnswer(deps(server.url), { question: '按《证券法》，上市公司信息披露违规怎么处罚？' });
    expect(r.mode).toBe('no-basis');
    expect(r.answer).toContain('知识库中没有找到回答这个问题的充分依据');
    expect(r.citations.every((c) => !c.cited)).toBe(true);
    for (const c of r.citations) expect(r.answer).toContain(`《${c.title}》`);
    expect(server.chatRequests().length).toBe(before);
  });
});

describe('falling back to extractive answers', () => {
  const question = QUESTION;

  function expectUsefulExtractive(r: Awaited<ReturnType<typeof collectAnswer>>) {
    expect(r.mode).toBe('extractive');
    expect(r.answer).toContain(`${ACTIONS_HEADING}\n- `);
    expect(r.answer).not.toContain('离线检索模式');
    expect(r.answer).not.toContain('Ollama');
    expect(r.answer).toContain('5分钟内');
    const numbers = [...r.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const firstSeen = [...new Set(numbers)];
    expect(firstSeen).toEqual(firstSeen.map((_n, i) => i + 1));
    expect(r.citations.some((c) => c.cited)).toBe(true);
    for (const n of r.answer.matchAll(/\[(\d+)\]/g)) expect(r.citations.map((c) => c.n)).toContain(Number(n[1]));
  }

  it('when Ollama is not running', async () => {
    const url = await closedPortUrl();
    const started = Date.now();
    const r = await collectAnswer(deps(url), { question });
    expectUsefulExtractive(r);
    expect(r.modeErrorCode).toBe('LLM_UNAVAILABLE');
    expect(r.modeReason).toContain(`未检测到 Ollama 服务（${url}）`);
    expect(r.answer).not.toContain(url);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });

  it('when the model is not installed (404)', async () => {
    const r = await collectAnswer(deps(server.url, { chatModel: 'deepseek-r1:70b' }), { question });
    expectUsefulExtractive(r);
    expect(r.modeErrorCode).toBe('MODEL_NOT_FOUND');
    expect(r.modeReason).toContain('模型 deepseek-r1:70b 未安装，请运行 ollama pull deepseek-r1:70b');
    expect(r.answer).not.toContain('ollama pull');
    expect(r.answer.startsWith(ACTIONS_HEADING)).toBe(true);
  });

  it('when the first token does not arrive within the timeout, closing the hung request', async () => {
    server.scriptChat({ hang: true });
    const closed = server.waitForChatClosedByClient();
    const started = Date.now();
    const r = await collectAnswer(deps(server.url), { question });
    const took = Date.now() - started;
    expectUsefulExtractive(r);
    expect(r.modeErrorCode).toBe('LLM_TIMEOUT');
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect((await closed).closedByClient).toBe(true);
  });

  it('when the stream is cut mid-answer: keeps the partial answer, says so, and appends the extractive answer', async () => {
    server.scriptChat({ content: ['<think>想</think>', '监护人员应当', '在5分钟内报告[1]；', '此外还应当'], cutAfter: 3 });
    const evs = await events(deps(server.url), question);
    const r = (evs.at(-1) as Extract<AnswerEvent, { type: 'done' }>).result;
    expectUsefulExtractive(r);
    expect(r.answer.startsWith('监护人员应当在5分钟内报告[1]；')).toBe(true);
    expect(r.answer).toContain('模型回答中断');
    expect(r.answer).not.toContain('此外还应当');
    const modes = evs.filter((e) => e.type === 'sources').map((e) => (e as { mode: string }).mode);
    // The model's first citation re-sends the sources renumbered; the fallback announces the mode.
    expect(modes[0]).toBe('llm');
    expect(modes.at(-1)).toBe('extractive');
    expect(new Set(modes)).toEqual(new Set(['llm', 'extractive']));
  });

  it('returns a directly requested article verbatim', async () => {
    const r = await collectAnswer(deps(await closedPortUrl()), { question: '《有限空间作业事故应急处置规程（示例）》第七条' });
    expect(r.mode).toBe('extractive');
    const top = r.citations[0];
    expect(top.locator).toContain('第七条');
    expect(r.answer).toContain('第七条 发现作业人员出现晕倒、呼吸困难等异常情况的，监护人员应当立即呼救，并在5分钟内报告作业负责人；');
    expect(r.answer).toContain('[1]');
  });

  it('switches back to the model when Ollama answers again, and the status says so', async () => {
    const d = deps(server.url);
    const status = createLlmStatusMonitor(d.chatModel, { minProbeIntervalMs: 0 });
    const withStatus = { ...d, status };
    await server.stop();
    try {
      const down = await collectAnswer(withStatus, { question });
      expect(down.mode).toBe('extractive');
      expect(status.getLlmStatus()).toMatchObject({ mode: 'extractive', model: 'deepseek-r1:7b' });
      expect(status.getLlmStatus().reason).toContain('未检测到 Ollama 服务');
      expect((await status.refresh()).mode).toBe('extractive');
    } finally {
      await server.start();
    }
    expect((await status.refresh({ force: true })).mode).toBe('llm');
    server.scriptChat({ content: ['监护人员应当在5分钟内报告[1]。'] });
    const up = await collectAnswer(withStatus, { question });
    expect(up.mode).toBe('llm');
    expect(status.getLlmStatus()).toMatchObject({ mode: 'llm', model: 'deepseek-r1:7b', reason: '已连接 Ollama，模型 deepseek-r1:7b 可用' });
  });
});

describe('follow-up questions', () => {
  const history = [{ question: 'Ⅳ级响应由谁决定启动？', answer: 'Ⅳ级响应由区防指办公室主任决定启动[1]。' }];

  it('carries the previous topic when no model answers', async () => {
    const r = await collectAnswer(deps(await closedPortUrl()), { question: '那Ⅲ级响应呢？', history });
    expect(r.query).toBe('Ⅲ级响应由谁决定启动？');
    expect(r.rewrittenBy).toBe('heuristic');
    expect(r.mode).toBe('extractive');
    expect(r.answer).toContain('由区防指副总指挥决定启动Ⅲ级响应');
  });

  it('uses the model rewrite, and its reasoning reaches neither retrieval nor the answer prompt', async () => {
    server.scriptChat(
      { thinking: ['推理标记XYZ：上一问是Ⅳ级响应。'], content: ['<think>推理标记QRS</think>防汛Ⅲ级响应由谁决定启动？'] },
      { content: ['Ⅲ级响应由区防指副总指挥决定启动[1]。'] },
    );
    const r = await collectAnswer(deps(server.url), { question: '那Ⅲ级响应呢？', history });
    expect(r.query).toBe('防汛Ⅲ级响应由谁决定启动？');
    expect(r.rewrittenBy).toBe('model');
    expect(r.mode).toBe('llm');
    const answerPrompt = server.chatRequests().at(-1)!.messages;
    expect(answerPrompt.map((m) => m.content).join('\n')).not.toMatch(/推理标记/);
    const parsed = parsePrompt(answerPrompt);
    expect(parsed.questions).toHaveLength(1);
    expect(parsed.questions[0]).toContain('防汛Ⅲ级响应由谁决定启动？');
    expect(parsed.questions[0]).toContain('那Ⅲ级响应呢？');
    expect(parsed.sources.some((s) => s.text.includes('由区防指副总指挥决定启动Ⅲ级响应'))).toBe(true);
  });
});

describe('failures are thrown, never yielded', () => {
  it('an empty question throws AppError INVALID_REQUEST before any event', async () => {
    const seen: AnswerEvent[] = [];
    const thrown = await (async () => {
      for await (const ev of answerQuestion(deps(server.url), { question: '  ' })) seen.push(ev);
    })().then(() => null, (e: unknown) => e);
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'INVALID_REQUEST', message: '问题不能为空。' });
    expect(seen).toEqual([]);
    await expect(collectAnswer(deps(server.url), { question: '' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});
