import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../../src/index/hnsw-index.js';
import { ThreadedHnswIndex } from '../../src/index/threaded-hnsw-index.js';
import { runVectorIndexContract, unitVector } from './vector-index.contract.js';

runVectorIndexContract({
  name: 'ThreadedHnswIndex',
  create: (dims) => ThreadedHnswIndex.create(dims, { initialCapacity: 16 }),
  load: (file, dims) => ThreadedHnswIndex.load(file, dims),
});

describe('ThreadedHnswIndex', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('answers searches that follow adds and removes in the same tick, as a synchronous index would', async () => {
    const dims = 32;
    const index = ThreadedHnswIndex.create(dims, { initialCapacity: 8 });
    for (let i = 0; i < 3000; i++) index.add(i, unitVector(i, dims)); // crosses batches and resizes
    expect(index.search(unitVector(2999, dims), 1)[0].label).toBe(2999);
    for (let i = 0; i < 3000; i += 2) index.remove(i);
    expect(index.search(unitVector(1000, dims), 5).map((h) => h.label)).not.toContain(1000);
    index.add(1000, unitVector(1000, dims)); // revives a deleted label
    expect(index.search(unitVector(1000, dims), 1)[0]).toMatchObject({ label: 1000 });
    expect(index.size()).toBe(1501);
    await index.close();
  });

  it('writes files the single-threaded HnswIndex reads, and the reverse', async () => {
    const dims = 16;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-thnsw-'));
    dirs.push(dir);
    const threaded = ThreadedHnswIndex.create(dims);
    for (let i = 0; i < 200; i++) threaded.add(i, unitVector(i, dims));
    threaded.remove(7);
    await threaded.save(path.join(dir, 'a.hnsw'));
    const plain = await HnswIndex.load(path.join(dir, 'a.hnsw'), dims);
    expect(plain.size()).toBe(199);
    expect(plain.has(7)).toBe(false);
    expect(plain.search(unitVector(42, dims), 1)[0].label).toBe(42);
    await plain.save(path.join(dir, 'b.hnsw'));
    const back = await ThreadedHnswIndex.load(path.join(dir, 'b.hnsw'), dims);
    expect(back.size()).toBe(199);
    expect(back.search(unitVector(42, dims), 3)).toEqual(threaded.search(unitVector(42, dims), 3));
    await Promise.all([threaded.close(), back.close()]);
  });

  it('rejects a load of a damaged file and a vector of the wrong size', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-thnsw-'));
    dirs.push(dir);
    await expect(ThreadedHnswIndex.load(path.join(dir, 'missing.hnsw'), 8)).rejects.toThrow();
    const index = ThreadedHnswIndex.create(8);
    expect(() => index.add(1, [1, 0, 0])).toThrow(RangeError);
    await index.close();
  });
});
