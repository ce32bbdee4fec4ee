/** Shared by the deployment tests: small real knowledge bases built by the real CLI, folder listings. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runYingji, type CliRun } from '../cli/run-cli.js';
import { SEED_MARKDOWN } from '../support/sample-docs.js';

/**
 * Three documents of the project's own seeds/ (a plan, a procedure, a card): enough documents and chunks to notice
 * anything lost, fast to ingest, and present on a bare clone.
 */
export const SMALL_CORPUS = SEED_MARKDOWN;

/** Ingests `files` into `dataDir` with the real CLI; fails the test when the ingest fails. */
export async function ingestWithCli(dataDir: string, files: string[] = SMALL_CORPUS, env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runYingji(['ingest', ...files, '--data', dataDir], env);
  expect(run.code, run.stderr).toBe(0);
  return run;
}

export async function statsOf(dataDir: string, env: Record<string, string> = {}): Promise<{ documents: number; chunks: number; manifest: { embedder: { id: string } } }> {
  const run = await runYingji(['stats', '--json', '--data', dataDir], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** Every file under `dir` (relative POSIX path → size and content), to prove a command changed nothing. */
export async function listTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out[child] = `${(await stat(path.join(dir, child))).size}:${(await readFile(path.join(dir, child))).toString('base64').slice(0, 64)}`;
    }
  };
  await walk('');
  return out;
}

export async function currentGeneration(dataDir: string): Promise<string> {
  return (await readFile(path.join(dataDir, 'CURRENT'), 'utf8')).trim();
}
