/** `yingji ask` in process: real knowledge base (a seed document) and retriever, the Ollama-protocol server as the model. */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import type { CliContext } from '../../src/cli/context.js';
import { openServices } from '../../src/main.js';
import { createTestKnowledgeBase, testConfig } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { seedPath } from './source-hits.js';

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
let server: OllamaTestServer;

function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { stream, text: () => text };
}

async function ask(args: string[], baseUrl: string, tty = false): Promise<{ out: string; err: string }> {
  const out = capture(tty);
  const err = capture(false);
  const ctx: CliContext = {
    loadConfig: () => testConfig(kb.dir, { OLLAMA_BASE_URL: baseUrl, OLLAMA_TIMEOUT_MS: '1000' }),
    // The command opens its own instance of the test knowledge base, wired to this test's Ollama URL.
    openServices,
    out: out.stream,
    err: err.stream,
  };
  await buildProgram(ctx).parseAsync(['node', 'yingji', 'ask', ...args, '--data', kb.dir]);
  return { out: out.text(), err: err.text() };
}

beforeAll(async () => {
  server = await startOllamaServer();
  kb = await createTestKnowledgeBase([seedPath('confined-space-procedure-sample.md')]);
});
afterAll(async () => {
  await server?.close();
  await kb?.cleanup();
});

describe('yingji ask', () => {
  it('--json prints one object with mode, answer, reasoning, citations and timings', async () => {
    server.scriptChat({ content: ['<think>看第七条</think>', '应当在5分钟内报告[1]。'] });
    const { out } = await ask(['作业人员晕倒后监护人员多长时间内要报告作业负责人？', '--json'], server.url);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j).toMatchObject({ mode: 'llm', answer: '应当在5分钟内报告[1]。', reasoning: '看第七条' });
    expect(Object.keys(j.citations[0]).sort()).toEqual(['cited', 'docId', 'locator', 'n', 'page', 'source', 'text', 'title']);
    expect(j.citations[0]).toMatchObject({ n: 1, cited: true, source: 'confined-space-procedure-sample.md' });
    expect(Object.keys(j.timings).sort()).toEqual(['firstTokenMs', 'retrievalMs', 'totalMs']);
  });

  it('streams reasoning dimmed on a terminal, then the answer and the sources', async () => {
    server.scriptChat({ thinking: ['看第七条'], content: ['应当在5分钟内', '报告[1]。'] });
    const { out } = await ask(['作业人员晕倒后监护人员多长时间内要报告作业负责人？'], server.url, true);
    expect(out).toContain('\u001b[2m（推理过程）\n看第七条\u001b[0m');
    expect(out).toContain('应当在5分钟内报告[1]。');
    expect(out).toMatch(/来源：\n\[1\] 《有限空间作业事故应急处置规程（示例）》/);
  });

  it('writes no escape codes when stdout is not a terminal, and answers offline without a model', async () => {
    const { out } = await ask(['作业人员晕倒后监护人员多长时间内要报告作业负责人？'], await closedPortUrl(), false);
    expect(out).not.toContain('\u001b[');
    expect(out).toContain('【离线检索模式（未连接模型）】');
    expect(out).toContain('来源：');
  });
});
