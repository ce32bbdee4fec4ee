import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteInLegalTerms } from '../../src/answer/legal-rewrite.js';
import { createOllamaChatModel } from '../../src/llm/ollama/ollama-chat-model.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { SEEDS_DIR } from '../support/paths.js';

const cfg = (baseUrl: string) => ({ baseUrl, chatModel: 'deepseek-r1:7b', embedModel: 'bge-m3', timeoutMs: 2000, numCtx: 4096, maxAnswerTokens: 300 });
const QUESTION = '下水井里的人喊了半天没动静，要多久报上去？';

describe('rewriting a spoken question in legal terms (model mode)', () => {
  let server: OllamaTestServer;
  beforeAll(async () => {
    server = await startOllamaServer();
  });
  afterAll(() => server.close());

  it('returns the rewrite without the model reasoning, and sends the question as the user message', async () => {
    server.scriptChat({ thinking: ['用户说的下水井就是有限空间。'], content: ['有限空间作业人员出现异常情况', '后的报告时限'] });
    const rewrite = await rewriteInLegalTerms({ question: QUESTION, chatModel: createOllamaChatModel(cfg(server.url)), timeoutMs: 2000, numCtx: 4096 });
    expect(rewrite).toBe('有限空间作业人员出现异常情况后的报告时限');
    const sent = server.chatRequests().at(-1)!;
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(sent.messages[1].content).toBe(QUESTION);
  });

  it('is skipped, within its budget, when the model is slow', async () => {
    server.scriptChat({ firstByteDelayMs: 5000, content: ['太晚了'] });
    const started = Date.now();
    const rewrite = await rewriteInLegalTerms({ question: QUESTION, chatModel: createOllamaChatModel(cfg(server.url)), timeoutMs: 300, numCtx: 4096 });
    expect(rewrite).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('is skipped when no model server is reachable', async () => {
    const rewrite = await rewriteInLegalTerms({ question: QUESTION, chatModel: createOllamaChatModel(cfg(await closedPortUrl())), timeoutMs: 1000, numCtx: 4096 });
    expect(rewrite).toBeUndefined();
  });

  it('adds the rewrite to retrieval as extra terms, keeping the question\'s own terms at full weight', async () => {
    const kb = await createTestKnowledgeBase([SEEDS_DIR]);
    try {
      const plain = await kb.services.retriever.retrieve(QUESTION);
      const helped = await kb.services.retriever.retrieve(QUESTION, { alternativeQueries: ['有限空间作业人员出现异常情况后的报告时限'] });
      const weightOf = (r: typeof plain, term: string) => r.analysis.terms.find((t) => t.term === term)?.weight;
      expect(weightOf(helped, '有限空间')).toBeLessThan(1);
      for (const t of plain.analysis.terms.filter((x) => x.weight === 1)) expect(weightOf(helped, t.term)).toBe(1);
      expect(helped.hits[0].doc.title).toMatch(/有限空间/);
    } finally {
      await kb.cleanup();
    }
  });
});
