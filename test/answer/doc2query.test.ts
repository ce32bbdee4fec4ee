/**
 * doc2query against the Ollama-protocol server: questions are written per passage, stored, found by retrieval,
 * resumed after a stop, and kept when the model is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassageQuestions, parseQuestions, passagesNeedingQuestions } from '../../src/answer/doc2query.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { SEED_DOCUMENTS } from './source-hits.js';

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let server: OllamaTestServer;
const model = (url: string) =>
  createOllamaChatModel({ baseUrl: url, chatModel: 'deepseek-r1:7b', embedModel: 'bge-m3', timeoutMs: 2000, numCtx: 4096, maxAnswerTokens: 256 });

beforeAll(async () => {
  server = await startOllamaServer();
  kb = await createTestKnowledgeBase(SEED_DOCUMENTS);
});
afterAll(async () => {
  await server?.close();
  await kb?.cleanup();
});

describe('doc2query', () => {
  it('reads one question per line, without numbering, reasoning or non-questions', () => {
    expect(parseQuestions('1. 罐子漏了找谁？\n- 多久要报上去？\n以下是问题：\n（3）要不要疏散周边群众')).toEqual([
      '罐子漏了找谁？',
      '多久要报上去？',
      '要不要疏散周边群众',
    ]);
  });

  it('writes questions for new passages, resumes where it stopped, and a paraphrase then finds the passage', async () => {
    const deps = () => ({ kb: kb.services.kb, questions: kb.services.questions, chatModel: model(server.url), numCtx: 4096, timeoutMs: 2000 });
    const total = passagesNeedingQuestions(deps()).length;
    expect(total).toBeGreaterThan(3);
    server.defaultChat = (body) => ({
      thinking: ['想一想这段讲什么。'],
      content: [/危险化学品泄漏[^》]*》[^\n]*信息报告/.test(body.messages[1].content) ? '厂里罐子冒白烟了要跟谁说？\n多久打电话报上去？' : '这段说的是啥？\n要做什么？'],
    });
    const first = await generatePassageQuestions(deps(), { limit: 3 });
    expect(first).toMatchObject({ done: 3, total });
    const requestsAfterFirst = server.chatRequests().length;
    // The passage text goes to the model fenced, as material.
    expect(server.chatRequests()[0].messages[1].content).toMatch(/^<<‹原文 [0-9a-f]{12}›>>\n/);

    const rest = await generatePassageQuestions(deps());
    expect(rest.total).toBe(total - 3);
    expect(server.chatRequests().length - requestsAfterFirst).toBe(total - 3);
    expect(passagesNeedingQuestions(deps())).toEqual([]);

    const hits = (await kb.services.retriever.retrieve('厂里罐子冒白烟了要跟谁说')).hits;
    expect(hits[0].chunk.headingPath.join('')).toContain('信息报告');
    expect(hits[0].chunk.text).not.toContain('冒白烟');
  });

  it('stops with the reason when the model is unreachable, and retrieval keeps the questions already written', async () => {
    const report = await generatePassageQuestions({
      kb: kb.services.kb,
      questions: kb.services.questions,
      chatModel: model(await closedPortUrl()),
      numCtx: 4096,
      timeoutMs: 1000,
    });
    expect(report.total).toBe(0); // nothing left to do: every passage has its questions
    const hits = (await kb.services.retriever.retrieve('厂里罐子冒白烟了要跟谁说')).hits;
    expect(hits[0].chunk.headingPath.join('')).toContain('信息报告');
  });
});
