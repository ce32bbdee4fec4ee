/** LangChain embeddings classes as yingji Embedders: OllamaEmbeddings against the Ollama-protocol server, and @langchain/core's own test embeddings. */
import { OllamaEmbeddings } from '@langchain/ollama';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { Embedder } from '../../src/llm/embedder.js';
import { createLangChainEmbedder } from '../../src/llm/langchain-embedder.js';
import { closedPortUrl, fakeEmbedding, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';

let server: OllamaTestServer;
beforeAll(async () => {
  server = await startOllamaServer({ embedDimensions: 16 });
});
afterAll(async () => {
  await server?.close();
});

const norm = (v: number[]) => Math.hypot(...v);
const unit = (v: number[]) => v.map((x) => x / norm(v));

describe('LangChain embeddings as a yingji Embedder', () => {
  it('OllamaEmbeddings from @langchain/ollama plugs in: dimensions learnt from one call, vectors normalised, batches sent to /api/embed', async () => {
    const lc = new OllamaEmbeddings({ baseUrl: server.url, model: 'bge-m3', maxRetries: 0 });
    const embedder: Embedder = await createLangChainEmbedder(lc, { id: 'langchain-ollama:bge-m3' });
    expect(embedder.id).toBe('langchain-ollama:bge-m3');
    expect(embedder.dimensions).toBe(16);
    const texts = ['有限空间作业前应当检测氧气浓度。', '防汛Ⅳ级响应由区防指办公室主任决定启动。'];
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toHaveLength(2);
    for (const [i, v] of vectors.entries()) {
      expect(norm(v)).toBeCloseTo(1, 9);
      const expected = unit(fakeEmbedding(texts[i], 16));
      v.forEach((x, j) => expect(x).toBeCloseTo(expected[j], 9));
    }
    const q = await embedder.embedQuery(texts[0]);
    q.forEach((x, j) => expect(x).toBeCloseTo(vectors[0][j], 9));
    const embeds = server.requests.filter((r) => r.path === '/api/embed');
    expect(embeds.some((r) => JSON.stringify(r.body).includes(texts[1]))).toBe(true);
    expect(await embedder.embedDocuments([])).toEqual([]);
  });

  it("@langchain/core's FakeEmbeddings plugs in with a declared dimension", async () => {
    const embedder = await createLangChainEmbedder(new FakeEmbeddings(), { id: 'fake-4', dimensions: 4 });
    const [a, b] = await embedder.embedDocuments(['危险化学品泄漏', '值班']);
    expect(a).toHaveLength(4);
    expect(a).toEqual(b);
    expect(norm(a)).toBeCloseTo(1, 9);
  });

  it('a model that returns vectors of another length than declared is refused with EMBEDDER_MISMATCH', async () => {
    const embedder = await createLangChainEmbedder(new FakeEmbeddings(), { id: 'declared-8', dimensions: 8 });
    await expect(embedder.embedQuery('值班')).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' });
    await expect(embedder.embedDocuments(['值班'])).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' });
  });

  it('an embeddings class that cannot read Chinese (SyntheticEmbeddings gives an empty vector) is refused rather than indexing nothing', async () => {
    await expect(createLangChainEmbedder(new SyntheticEmbeddings({ vectorSize: 32 }), { id: 'synthetic' })).rejects.toMatchObject({
      code: 'EMBEDDER_MISMATCH',
      message: '向量模型 synthetic 返回了空向量，无法用于索引',
    });
  });

  it('Ollama not running becomes LLM_UNAVAILABLE with the LangChain error as cause, not a hang in retries', async () => {
    const lc = new OllamaEmbeddings({ baseUrl: await closedPortUrl(), model: 'bge-m3', maxRetries: 0 });
    const thrown = await createLangChainEmbedder(lc, { id: 'langchain-ollama:bge-m3' }).then(() => null, (e: unknown) => e);
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'LLM_UNAVAILABLE' });
    expect((thrown as AppError).message).toContain('向量模型 langchain-ollama:bge-m3 调用失败');
    expect((thrown as AppError).cause).toBeInstanceOf(Error);
  });
});
