import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/durable-files.js';
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

  it('prepares a file from its path, reading and hashing it on the worker, as prepare() does from its bytes', async () => {
    pool = createPreparePool();
    const file = path.join(SEEDS_DIR, 'duty-handbook-sample.docx');
    const bytes = await readFile(file);
    const hashes: string[] = [];
    const got = await pool.prepareFile(file, input('duty.docx'), { onHashed: (h) => hashes.push(h.contentHash) });
    expect(got.contentHash).toBe(sha256Hex(bytes));
    expect(got.sizeBytes).toBe(bytes.length);
    expect(hashes).toEqual([sha256Hex(bytes)]);
    expect(got.prepared).toEqual(await prepareDocument(bytes, input('duty.docx')));
  });

  it('skips the parse of a file whose hash is the one already indexed', async () => {
    pool = createPreparePool();
    const file = path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md');
    const contentHash = sha256Hex(await readFile(file));
    expect(await pool.prepareFile(file, input('plan.md'), { unchangedHash: contentHash })).toEqual({ contentHash, sizeBytes: expect.any(Number) });
  });

  it('a file that cannot be read fails with FILE_NOT_FOUND', async () => {
    pool = createPreparePool();
    await expectAppError(pool.prepareFile(path.join(SEEDS_DIR, 'no-such-file.md'), input('no-such-file.md')), 'FILE_NOT_FOUND');
  });

  it.runIf(process.platform === 'linux')('runs at the lowest CPU priority (nice 19), so searches and chats win the CPU while a file is parsed', async () => {
    pool = createPreparePool();
    const nices = async () => {
      const out: number[] = [];
      for (const tid of await readdir('/proc/self/task')) {
        const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => '');
        // Fields after the parenthesised name: state is field 3, nice field 19.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.length > 16) out.push(Number(fields[16]));
      }
      return out;
    };
    expect(await nices()).not.toContain(19);
    await pool.prepare(await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md')), input('plan.md'));
    expect(await nices()).toContain(19);
  });
});
