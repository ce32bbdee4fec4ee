import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { createOllamaEmbedder } from '../../src/llm/ollama/ollama-embedder.js';
import { closedPortUrl, fakeEmbedding, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';

const cfg = (baseUrl: string, embedModel = 'bge-m3') => ({
  baseUrl,
  chatModel: 'deepseek-r1:7b',
  embedModel,
  timeoutMs: 2000,
  numCtx: 4096,
  maxAnswerTokens: 300,
});

describe('Ollama embedder', () => {
  let server: OllamaTestServer;
  beforeAll(async () => {
    server = await startOllamaServer({ models: ['bge-m3:latest', 'tiny-embed:latest'], embedDimensions: 16 });
  });
  afterAll(() => server.close());

  it('identifies itself by model and knows common dimensions before any request', () => {
    const e = createOllamaEmbedder(cfg(server.url));
    expect(e.id).toBe('ollama:bge-m3');
    expect(e.dimensions).toBe(1024);
  });

  it('discovers the dimension of an unknown model with one embed call', async () => {
    const e = createOllamaEmbedder(cfg(server.url, 'tiny-embed'));
    expect(e.dimensions).toBe(0);
    expect(await e.discoverDimensions()).toBe(16);
    expect(e.dimensions).toBe(16);
  });

  it('embeds in batches through /api/embed and L2-normalises every vector', async () => {
    const e = createOllamaEmbedder(cfg(server.url, 'tiny-embed'));
    const before = server.requests.filter((r) => r.path === '/api/embed').length;
    const texts = Array.from({ length: 70 }, (_, i) => `第${i}条 生产经营单位应当……`);
    const vectors = await e.embedDocuments(texts);
    const calls = server.requests.filter((r) => r.path === '/api/embed').slice(before);
    expect(calls).toHaveLength(3);
    expect(vectors).toHaveLength(70);
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    const raw = fakeEmbedding(texts[5], 16);
    const norm = Math.hypot(...raw);
    expect(vectors[5]).toEqual(raw.map((x) => x / norm));
    expect(await e.embedQuery(texts[5])).toEqual(vectors[5]);
  });

  it('fails at once (no retries) with MODEL_NOT_FOUND when the model is not pulled', async () => {
    const e = createOllamaEmbedder(cfg(server.url, 'nomic-embed-text'));
    const before = server.requests.length;
    const err = await e.embedQuery('火灾').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('MODEL_NOT_FOUND');
    expect((err as AppError).message).toContain('ollama pull nomic-embed-text');
    expect(server.requests.length - before).toBe(1);
  });

  it('fails with LLM_UNAVAILABLE when Ollama is not running', async () => {
    const e = createOllamaEmbedder(cfg(await closedPortUrl()));
    const err = await e.embedDocuments(['火灾']).catch((x: unknown) => x);
    expect((err as AppError).code).toBe('LLM_UNAVAILABLE');
  });
});
