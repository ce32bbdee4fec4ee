import { describe, expect, it } from 'vitest';
import { HnswIndex } from '../../src/index/hnsw-index.js';
import { runVectorIndexContract, unitVector } from './vector-index.contract.js';

runVectorIndexContract({
  name: 'HnswIndex',
  create: (dims) => HnswIndex.create(dims, { initialCapacity: 16 }),
  load: (file, dims) => HnswIndex.load(file, dims),
});

describe('HnswIndex', () => {
  it('keeps recall on clustered data after many deletions and slot reuse', () => {
    const dims = 32;
    const index = HnswIndex.create(dims, { initialCapacity: 64 });
    for (let i = 0; i < 1500; i++) index.add(i, unitVector(i, dims));
    for (let i = 0; i < 1500; i += 2) index.remove(i);
    for (let i = 1500; i < 2000; i++) index.add(i, unitVector(i, dims));
    expect(index.size()).toBe(1250);
    let found = 0;
    for (let q = 1; q < 2000; q += 40) {
      if (q < 1500 && q % 2 === 0) continue;
      if (index.search(unitVector(q, dims), 1)[0]?.label === q) found++;
    }
    expect(found).toBeGreaterThanOrEqual(48);
  });
});
