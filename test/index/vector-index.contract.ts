/** The behaviour every VectorIndex implementation must show; run it from each implementation's test file. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VectorIndex } from '../../src/index/vector-index.js';

export interface VectorIndexContractOptions {
  name: string;
  create(dimensions: number): VectorIndex;
  /** Reads what save() wrote; omit for indexes that cannot be loaded. */
  load?(file: string, dimensions: number): Promise<VectorIndex>;
}

const DIMS = 16;

/** Deterministic pseudo-random unit vector (mulberry32), so failures reproduce. */
export function unitVector(seed: number, dims = DIMS): number[] {
  let s = seed >>> 0;
  const v: number[] = [];
  for (let i = 0; i < dims; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    v.push(((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5);
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function runVectorIndexContract(options: VectorIndexContractOptions): void {
  describe(`VectorIndex contract: ${options.name}`, () => {
    let tmp: string;
    beforeAll(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'yingji-vec-'));
    });
    afterAll(async () => {
      await rm(tmp, { recursive: true, force: true });
    });

    it('returns no results from an empty index', () => {
      const index = options.create(DIMS);
      expect(index.size()).toBe(0);
      expect(index.search(unitVector(1), 5)).toEqual([]);
    });

    it('finds a stored vector first with similarity close to 1', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 50; i++) index.add(i, unitVector(i));
      const [best] = index.search(unitVector(17), 3);
      expect(best.label).toBe(17);
      expect(best.similarity).toBeGreaterThan(0.999);
      expect(index.dimensions).toBe(DIMS);
    });

    it('orders results by decreasing cosine similarity', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 40; i++) index.add(i, unitVector(i + 100));
      const hits = index.search(unitVector(5), 10);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].similarity).toBeGreaterThanOrEqual(hits[i].similarity - 1e-6);
      const cosine = (a: number[], b: number[]) => a.reduce((s, x, j) => s + x * b[j], 0);
      expect(hits[0].similarity).toBeCloseTo(cosine(unitVector(5), unitVector(hits[0].label + 100)), 4);
    });

    it('returns every live vector when k exceeds the size', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 7; i++) index.add(i, unitVector(i));
      const hits = index.search(unitVector(3), 1000);
      expect(hits.map((h) => h.label).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    });

    it('drops removed labels from size and results, and ignores unknown labels', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 10; i++) index.add(i, unitVector(i));
      index.remove(4);
      index.remove(4);
      index.remove(999);
      expect(index.size()).toBe(9);
      const labels = index.search(unitVector(4), 100).map((h) => h.label);
      expect(labels).not.toContain(4);
      expect(labels).toHaveLength(9);
    });

    it('accepts a removed label again and reuses freed space for new labels', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 10; i++) index.add(i, unitVector(i));
      for (let i = 0; i < 5; i++) index.remove(i);
      index.add(2, unitVector(202));
      for (let i = 10; i < 14; i++) index.add(i, unitVector(i));
      expect(index.size()).toBe(10);
      expect(index.search(unitVector(202), 1)[0]).toMatchObject({ label: 2 });
      expect(index.search(unitVector(12), 1)[0]).toMatchObject({ label: 12 });
      expect(index.search(unitVector(0), 100).map((h) => h.label)).not.toContain(0);
    });

    it('replaces the vector when a live label is added again', () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 10; i++) index.add(i, unitVector(i));
      index.add(3, unitVector(333));
      expect(index.size()).toBe(10);
      expect(index.search(unitVector(333), 1)[0]).toMatchObject({ label: 3 });
    });

    it('grows beyond its initial capacity', () => {
      const index = options.create(DIMS);
      const n = 2600;
      for (let i = 0; i < n; i++) index.add(i, unitVector(i));
      expect(index.size()).toBe(n);
      expect(index.search(unitVector(2500), 1)[0].label).toBe(2500);
    });

    it('rejects a vector of the wrong dimension', () => {
      const index = options.create(DIMS);
      expect(() => index.add(1, unitVector(1, DIMS + 1))).toThrow();
    });

    it.runIf(options.load !== undefined)('loads what it saved, with identical results and deletions kept', async () => {
      const index = options.create(DIMS);
      for (let i = 0; i < 300; i++) index.add(i, unitVector(i));
      for (let i = 0; i < 300; i += 3) index.remove(i);
      const file = path.join(tmp, `saved-${Date.now()}.bin`);
      await index.save(file);
      const loaded = await (options.load as NonNullable<typeof options.load>)(file, DIMS);
      expect(loaded.size()).toBe(200);
      for (const q of [5, 77, 150, 3]) {
        expect(loaded.search(unitVector(q), 10)).toEqual(index.search(unitVector(q), 10));
      }
      loaded.add(3, unitVector(3));
      expect(loaded.search(unitVector(3), 1)[0]).toMatchObject({ label: 3 });
      expect(loaded.size()).toBe(201);
    });
  });
}
