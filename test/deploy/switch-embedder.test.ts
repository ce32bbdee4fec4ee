import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runYingji } from '../cli/run-cli.js';
import { makeTempDir } from '../support/knowledge.js';
import { startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { REPO_ROOT } from '../support/paths.js';
import { writeSampleRegulations } from '../support/sample-docs.js';
import { currentGeneration, ingestWithCli, statsOf } from './helpers.js';

const QUERY = '地震灾害 应急响应';

describe('switching the embedder (builtin → bge-m3 via Ollama, and back)', () => {
  let root: string;
  let kb: string;
  let ollama: OllamaTestServer;
  let ollamaEnv: Record<string, string>;

  beforeAll(async () => {
    root = await makeTempDir('yingji-switch-');
    kb = path.join(root, 'kb');
    // Sixty regulations (about 2,400 passages): enough that re-embedding takes many sequential /api/embed requests.
    const inbox = path.join(root, 'inbox');
    await writeSampleRegulations(inbox, 60);
    await ingestWithCli(kb, [inbox]);
    ollama = await startOllamaServer({ models: ['deepseek-r1:7b', 'bge-m3:latest'], embedDimensions: 1024 });
    ollamaEnv = { EMBEDDER: 'ollama', EMBED_MODEL: 'bge-m3', OLLAMA_BASE_URL: ollama.url };
  });
  afterAll(async () => {
    await ollama?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses to use a builtin index with EMBEDDER=ollama and says to run yingji reindex', async () => {
    const run = await runYingji(['search', QUERY, '--data', kb], ollamaEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EMBEDDER_MISMATCH');
    expect(run.stderr).toContain('yingji reindex');
  });

  it('keeps the old index when a reindex is killed midway', async () => {
    const before = await currentGeneration(kb);
    const seen = ollama.requests.length;
    const child = spawn(process.execPath, [BIN, 'reindex', '--data', kb], {
      cwd: REPO_ROOT,
      env: { ...process.env, OLLAMA_TIMEOUT_MS: '5000', ...ollamaEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let exited = false;
    void closed.then(() => (exited = true));
    // Kill as soon as the first embedding request arrives: the rebuild is then mid-way through its batches.
    while (!exited && !ollama.requests.slice(seen).some((r) => r.path === '/api/embed')) {
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await closed;
    expect(ollama.requests.slice(seen).filter((r) => r.path === '/api/embed').length).toBeGreaterThan(0);
    expect(await currentGeneration(kb)).toBe(before);
    const stats = await statsOf(kb);
    expect(stats.manifest.embedder.id).toMatch(/^builtin/);
    const search = await runYingji(['search', QUERY, '--json', '--data', kb]);
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout).hits.length).toBeGreaterThan(0);
  });

  it('reindexes with EMBEDDER=ollama, printing progress, after which search uses the Ollama embedder', async () => {
    const docsBefore = (await statsOf(kb)).documents;
    const embedsBefore = ollama.requests.filter((r) => r.path === '/api/embed').length;
    const run = await runYingji(['reindex', '--data', kb], ollamaEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\d+\/\d+/); // progress: done/total
    expect(run.stdout).toContain('索引已重建');
    expect(ollama.requests.filter((r) => r.path === '/api/embed').length).toBeGreaterThan(embedsBefore + 1);

    const stats = await statsOf(kb, ollamaEnv);
    expect(stats.manifest.embedder.id).toBe('ollama:bge-m3');
    expect(stats.documents).toBe(docsBefore);
    const queriesBefore = ollama.requests.filter((r) => r.path === '/api/embed').length;
    const search = await runYingji(['search', QUERY, '--json', '--data', kb], ollamaEnv);
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout).hits.length).toBeGreaterThan(0);
    // The query itself was embedded by Ollama.
    const queryEmbeds = ollama.requests.slice(queriesBefore).filter((r) => r.path === '/api/embed');
    expect(queryEmbeds.length).toBeGreaterThan(0);
    expect(JSON.stringify(queryEmbeds.map((r) => r.body))).toContain('地震');

    // Now the builtin configuration is the mismatched one, until reindexed back.
    const builtin = await runYingji(['search', QUERY, '--data', kb]);
    expect(builtin.code).toBe(1);
    expect(builtin.stderr).toContain('EMBEDDER_MISMATCH');
    const back = await runYingji(['reindex', '--data', kb]);
    expect(back.code, back.stderr).toBe(0);
    expect((await statsOf(kb)).manifest.embedder.id).toMatch(/^builtin/);
  });
});
