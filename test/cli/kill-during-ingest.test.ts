import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/knowledge.js';
import { REPO_ROOT } from '../support/paths.js';
import { writeSampleRegulations } from '../support/sample-docs.js';
import { BIN, runYingji } from './run-cli.js';

/** Starts `yingji ingest`, waits `afterMs` past the first committed output, then SIGKILLs it. */
function ingestAndKill(data: string, inputs: string[], afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'ingest', ...inputs, '--data', data], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (!timer) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    };
    // Arm the timer once the process is past start-up and working on files.
    child.stderr.on('data', arm);
    child.stdout.on('data', arm);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('crash safety of the knowledge folder', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('stays loadable and consistent after kill -9 at arbitrary moments of an ingest', async () => {
    const data = path.join(await makeTempDir('yingji-kill-'), 'kb');
    dirs.push(path.dirname(data));
    // Two folders of regulations written here (about 4 MB): an ingest of both takes seconds, so the kills land inside it.
    const inbox = path.dirname(data);
    const regulations = path.join(inbox, 'regulations');
    const plans = path.join(inbox, 'more');
    const total = (await writeSampleRegulations(regulations, 160, 40)).length + (await writeSampleRegulations(plans, 40, 80, 160)).length;
    // A mix of moments: early in parsing, mid-batch, around the commit at the end; then incremental runs.
    const delays = [50, 300, 800, 1500, 2500, 4000];
    let previousDocs = 0;
    for (const [i, delay] of delays.entries()) {
      await ingestAndKill(data, i % 2 ? [regulations, plans] : [regulations], delay);
      const listing = await runYingji(['docs', '--json', '--data', data]);
      expect(listing.code, `after kill at ${delay} ms: ${listing.stderr}`).toBe(0);
      const docs = JSON.parse(listing.stdout) as { chunks: number; status: string }[];
      const stats = await runYingji(['stats', '--json', '--data', data]);
      expect(stats.code, stats.stderr).toBe(0);
      const s = JSON.parse(stats.stdout) as { chunks: number; documents: number };
      expect(s.documents).toBe(docs.length);
      expect(s.chunks).toBe(docs.reduce((sum, d) => sum + d.chunks, 0));
      // Committed work is never lost: a later state never has fewer documents than an earlier one.
      expect(docs.length).toBeGreaterThanOrEqual(previousDocs);
      previousDocs = docs.length;
      if (docs.length) {
        const search = await runYingji(['search', '突发事件 应急预案', '--json', '--data', data]);
        expect(search.code, search.stderr).toBe(0);
        expect(JSON.parse(search.stdout).hits.length).toBeGreaterThan(0);
      }
    }
    // Finishing the ingest afterwards works and yields the complete corpus.
    const finish = await runYingji(['ingest', regulations, plans, '--data', data]);
    expect(finish.code, finish.stderr).toBe(0);
    const final = JSON.parse((await runYingji(['docs', '--json', '--data', data])).stdout) as unknown[];
    expect(final.length).toBe(total);
  }, 600_000);
});
