import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/ops/doctor.js';
import { runYingji } from '../cli/run-cli.js';
import { makeTempDir } from '../support/knowledge.js';
import { closedPortUrl, startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { currentGeneration, ingestWithCli, listTree } from './helpers.js';

async function doctor(dataDir: string, env: Record<string, string>, extra: string[] = []) {
  const run = await runYingji(['doctor', '--json', '--data', dataDir, ...extra], env);
  let report: DoctorReport;
  try {
    report = JSON.parse(run.stdout) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  const check = (id: string) => {
    const c = report.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id} in ${JSON.stringify(report.checks.map((x) => x.id))}`);
    return c;
  };
  return { run, report, check };
}

describe('yingji doctor', () => {
  let root: string;
  let kb: string;
  let ollama: OllamaTestServer;
  let downUrl: string;

  beforeAll(async () => {
    root = await makeTempDir('yingji-doctor-');
    kb = path.join(root, 'kb');
    await ingestWithCli(kb);
    ollama = await startOllamaServer({ models: ['deepseek-r1:7b', 'bge-m3:latest'], embedDimensions: 1024 });
    downUrl = await closedPortUrl();
  });
  afterAll(async () => {
    await ollama?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('passes a healthy deployment with exit 0 and says the embedding model is not needed with the builtin embedder', async () => {
    const { run, report, check } = await doctor(kb, { OLLAMA_BASE_URL: ollama.url });
    expect(run.code, run.stderr).toBe(0);
    expect(report.ok).toBe(true);
    for (const id of ['node', 'knowledge-writable', 'knowledge-consistent', 'embedder', 'ollama', 'chat-model']) {
      expect(check(id).status, `${id}: ${check(id).detail}`).toBe('ok');
    }
    expect(check('knowledge-consistent').detail).toMatch(/3 份文档，\d+ 个段落/);
    expect(check('embed-model').status).toBe('skip');
    expect(check('embed-model').detail).toContain('EMBEDDER=builtin');
    expect(['ok', 'warn', 'fail']).toContain(check('disk').status);
    expect(check('disk').detail).toMatch(/GiB|MiB|KiB/);
  });

  it('treats an unreachable Ollama as a warning (extractive mode): exit 0, and exit 1 with --strict', async () => {
    const { run, report, check } = await doctor(kb, { OLLAMA_BASE_URL: downUrl });
    expect(run.code, run.stderr).toBe(0);
    expect(report.failures).toBe(0);
    expect(check('ollama').status).toBe('warn');
    expect(check('ollama').detail).toContain('离线检索模式');
    expect(check('ollama').fix).toContain('ollama');
    const strict = await runYingji(['doctor', '--strict', '--data', kb], { OLLAMA_BASE_URL: downUrl });
    expect(strict.code).toBe(1);
  });

  it('warns about a missing chat model with the pull and GGUF-import fix', async () => {
    const { run, check } = await doctor(kb, { OLLAMA_BASE_URL: ollama.url, CHAT_MODEL: 'deepseek-r1:14b' });
    expect(run.code).toBe(0);
    expect(check('chat-model').status).toBe('warn');
    expect(check('chat-model').fix).toContain('ollama pull deepseek-r1:14b');
    expect(check('chat-model').fix).toContain('ollama create deepseek-r1:14b -f Modelfile');
  });

  it('fails with EMBEDDER=ollama when the index was built with the builtin embedder or the embedding model is missing', async () => {
    const { run, check } = await doctor(kb, { OLLAMA_BASE_URL: ollama.url, EMBEDDER: 'ollama', EMBED_MODEL: 'nomic-embed-text' });
    expect(run.code).toBe(1);
    expect(check('embedder').status).toBe('fail');
    expect(check('embedder').fix).toContain('yingji reindex');
    expect(check('embed-model').status).toBe('fail');
    expect(check('embed-model').fix).toContain('ollama pull nomic-embed-text');
    // Without Ollama, an Ollama embedder cannot work at all: a failure, not a warning.
    const down = await doctor(kb, { OLLAMA_BASE_URL: downUrl, EMBEDDER: 'ollama' });
    expect(down.run.code).toBe(1);
    expect(down.check('ollama').status).toBe('fail');
  });

  it('prints every problem with its fix on the next line', async () => {
    const run = await runYingji(['doctor', '--data', kb], { OLLAMA_BASE_URL: downUrl, EMBEDDER: 'ollama' });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const problems = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s+[!✗] /.test(l));
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const [line, i] of problems) expect(lines[i + 1], `fix after: ${line}`).toMatch(/^\s+修复：\S/);
    expect(run.stdout).toMatch(/结论：\d+ 项故障/);
  });

  it('reports a damaged index as a failure and changes nothing in the knowledge folder', async () => {
    const damaged = path.join(root, 'damaged');
    await ingestWithCli(damaged);
    const gen = await currentGeneration(damaged);
    const chunksFile = path.join(damaged, 'index', gen, 'chunks.jsonl');
    const bytes = await readFile(chunksFile);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await writeFile(chunksFile, bytes);
    // A partial generation that open() would delete: doctor must leave it alone.
    await mkdir(path.join(damaged, 'index', 'gen-999999'), { recursive: true });
    await writeFile(path.join(damaged, 'index', 'gen-999999', 'docs.json'), '[');
    const before = await listTree(damaged);
    const { run, check } = await doctor(damaged, { OLLAMA_BASE_URL: downUrl });
    expect(run.code).toBe(1);
    expect(check('knowledge-consistent').status).toBe('fail');
    expect(check('knowledge-consistent').detail).toContain('INDEX_CORRUPT');
    expect(check('knowledge-consistent').detail).toContain('chunks.jsonl');
    expect(check('knowledge-consistent').fix).toContain('yingji restore');
    expect(await listTree(damaged)).toEqual(before);
  });

  it('warns when the OCR programs cannot be found, naming the packages to install', async () => {
    const emptyBin = path.join(root, 'empty-bin');
    await mkdir(emptyBin, { recursive: true });
    const { run, check } = await doctor(kb, { OLLAMA_BASE_URL: ollama.url, PATH: emptyBin });
    expect(run.code, run.stderr).toBe(0);
    expect(check('ocr').status).toBe('warn');
    expect(check('ocr').detail).toContain('tesseract');
    expect(check('ocr').fix).toContain('tesseract-ocr-chi-sim');
    const off = await doctor(kb, { OLLAMA_BASE_URL: ollama.url, PATH: emptyBin, OCR: 'off' });
    expect(off.check('ocr').status).toBe('skip');
  });

  it('says a folder without a knowledge base is not yet created rather than broken', async () => {
    const { run, check } = await doctor(path.join(root, 'not-yet'), { OLLAMA_BASE_URL: ollama.url });
    expect(run.code).toBe(0);
    expect(check('knowledge-writable').status).toBe('ok');
    expect(check('knowledge-consistent').status).toBe('warn');
    expect(check('knowledge-consistent').fix).toContain('yingji ingest');
  });
});
