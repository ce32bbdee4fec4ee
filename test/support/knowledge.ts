/** Builds a real knowledge base in a temporary folder from real files (seeds/, files a test wrote, or the corpus in *.full tests). */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { collectInputs, ingestInputs } from '../../src/ingest/pipeline.js';
import { openServices, type Services } from '../../src/main.js';

export { CORPUS_DIR, EVAL_DIR, REPO_ROOT, SEEDS_DIR, corpusPath } from './paths.js';

export async function makeTempDir(prefix = 'yingji-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Config for tests: a given data folder, no .env, Ollama pointed at a closed port unless overridden. */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    env: { YINGJI_DATA_DIR: dataDir, OLLAMA_BASE_URL: 'http://127.0.0.1:9', OLLAMA_TIMEOUT_MS: '2000', ...env },
  });
}

/** @throws Error when an input path does not exist (a missing corpus would otherwise give an empty knowledge base). */
export async function createTestKnowledgeBase(
  paths: string[],
  env: Record<string, string> = {},
): Promise<{ dir: string; config: Readonly<Config>; services: Services; cleanup(): Promise<void> }> {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`test input not found: ${missing.join(', ')} (corpus files need YINGJI_CORPUS_DIR and a *.full.test.ts name)`);
  const dir = await makeTempDir();
  const config = testConfig(dir, env);
  const services = await openServices(config);
  if (paths.length) await ingestInputs({ kb: services.kb, ocr: config.ocr }, await collectInputs(paths));
  return {
    dir,
    config,
    services,
    async cleanup() {
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
