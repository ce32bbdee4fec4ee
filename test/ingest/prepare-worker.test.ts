import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_INGEST_LIMITS } from '../../src/ingest/limits.js';
import { createPreparePool, type PreparePool } from '../../src/ingest/prepare-pool.js';
import { prepareDocument } from '../../src/ingest/prepare.js';
import { SEEDS_DIR } from '../support/paths.js';
import { expectAppError } from './parser-helpers.js';

const input = (fileName: string, limits = DEFAULT_INGEST_LIMITS) => ({ fileName, ocr: 'off' as const, limits });

describe('preparing a file on the worker thread (prepare-worker.ts)', () => {
  let pool: PreparePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('gives exactly what the inline preparation gives (metadata and chunks)', async () => {
    pool = createPreparePool();
    for (const name of ['flood-typhoon-plan-sample.md', 'duty-handbook-sample.docx']) {
      const bytes = await readFile(path.join(SEEDS_DIR, name));
      expect(await pool.prepare(bytes, input(name))).toEqual(await prepareDocument(bytes, input(name)));
    }
  });

  it('keeps the caller’s bytes intact (they are hashed and stored after preparation)', async () => {
    pool = createPreparePool();
    const bytes = await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'));
    const copy = Buffer.from(bytes);
    await pool.prepare(bytes, input('plan.md'));
    expect(bytes.equals(copy)).toBe(true);
  });

  it('returns the parser’s AppError with its code and Chinese message (LIMIT_EXCEEDED)', async () => {
    pool = createPreparePool();
    const e = await expectAppError(
      pool.prepare(Buffer.from('应急管理'.repeat(50_000)), input('长文.txt', { ...DEFAULT_INGEST_LIMITS, maxChars: 100_000 })),
      'LIMIT_EXCEEDED',
    );
    expect(e.message).toContain('INGEST_MAX_CHARS');
  });

  it('a file that exhausts the worker’s heap fails as LIMIT_EXCEEDED and the next file is prepared by a new worker', async () => {
    pool = createPreparePool({ heapMb: 128 });
    const unbounded = { ...DEFAULT_INGEST_LIMITS, maxExpandedBytes: 1e12, maxChars: 1e12, maxBlocks: 1e12, maxChunks: 1e12 };
    const huge = Buffer.alloc(64 * 1024 * 1024, '第一条 应急。\n');
    const e = await expectAppError(pool.prepare(huge, input('巨大.txt', unbounded)), 'LIMIT_EXCEEDED');
    expect(e.message).toContain('内存');
    const bytes = await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'));
    expect((await pool.prepare(bytes, input('plan.md'))).drafts.length).toBeGreaterThan(1);
  });

  it('an aborted preparation rejects with ANSWER_ABORTED', async () => {
    pool = createPreparePool();
    const stop = new AbortController();
    stop.abort();
    await expectAppError(pool.prepare(Buffer.from('第一条 应急。'), input('a.txt'), stop.signal), 'ANSWER_ABORTED');
  });
});
