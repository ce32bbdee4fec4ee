import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../cli/run-cli.js';
import { REPO_ROOT, SEEDS_DIR } from '../support/paths.js';

const CHILD = path.join(REPO_ROOT, 'test/server/upload-memory-child.ts');
const MIB = 1024 * 1024;
/** The upload: ~5.5 M characters, over the child's INGEST_MAX_CHARS (1 M), under MAX_UPLOAD_MB and the expanded-size bound. */
const UPLOAD_BYTES = 16 * MIB;
/**
 * What the main thread may hold meanwhile, over what it holds idle: the upload's stream buffers while receiving
 * (3 × UPLOAD_BUFFER_BYTES, measured +3 MB), next to nothing while the job runs (measured +4 MB; it held the
 * whole file then, +16.8 MB, before the worker read files from their path).
 */
const MAIN_THREAD_LIMIT_BYTES = 8 * MIB;

describe('a large upload is never held whole by the server’s main thread (issue 8, item 5)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-upload-memory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a 16 MB text upload is streamed to uploads-tmp/ and read only by the prepare worker (refused as LIMIT_EXCEEDED), the main thread holding under 8 MB of it', async () => {
    const seeds = (await readdir(SEEDS_DIR)).filter((n) => n.endsWith('.md')).sort();
    const unit = Buffer.from((await Promise.all(seeds.map((n) => readFile(path.join(SEEDS_DIR, n), 'utf8')))).join('\n') + '\n');
    const bytes = Buffer.alloc(Math.floor(UPLOAD_BYTES / unit.length) * unit.length);
    bytes.fill(unit);
    const file = path.join(dir, '超大预案汇编.txt');
    await writeFile(file, bytes);

    // A bounded heap too: the child must not need the file's size in heap either.
    const run = await runNode(['--max-old-space-size=256', '--expose-gc', '--import', 'tsx', CHILD, path.join(dir, 'kb'), file]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
      status: number;
      outcome: string;
      peakWhileReceivingBytes: number;
      peakDuringJobBytes: number;
      leftInTmp: number;
    };
    expect(result.status).toBe(202);
    expect(result.outcome).toBe('failed LIMIT_EXCEEDED');
    expect(result.leftInTmp).toBe(0);
    // Over the idle server's own buffers: the stream buffers while receiving, next to nothing while the job runs.
    expect(result.peakWhileReceivingBytes).toBeLessThan(MAIN_THREAD_LIMIT_BYTES);
    expect(result.peakDuringJobBytes).toBeLessThan(MAIN_THREAD_LIMIT_BYTES);
  }, 300_000);
});
