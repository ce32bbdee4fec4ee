import { describe, expect, it } from 'vitest';
import { BigramSketch } from '../../src/index/bigram-sketch.js';

const texts = [
  '生产经营单位发生生产安全事故后，事故现场有关人员应当立即报告本单位负责人。',
  '有限空间作业应当先通风、再检测、后作业，检测不合格的不得作业。',
  '燃气企业应当建立燃气安全事故应急预案，配备应急人员和必要的应急装备。',
  '发生火灾后，任何人都应当立即报警。',
];

function sketchOf(all: string[]): BigramSketch {
  const sketch = new BigramSketch();
  for (const t of all) sketch.add(t);
  return sketch;
}

describe('bigram sketch', () => {
  it('scores a text by the question bigrams it contains, rarer bigrams counting more, and ignores non-CJK text', () => {
    const sketch = sketchOf(texts);
    expect(sketch.size()).toBe(4);
    // 事故, 现场 and 报告 are bigrams of the question; the gas text shares only 事故.
    const [accident, confined, gas, fire] = sketch.scoreTexts('出了事故，现场的人先报告谁？', 1, texts);
    expect(accident).toBeGreaterThan(0);
    expect(accident).toBeGreaterThan(gas);
    expect(confined).toBe(0);
    expect(fire).toBe(0);
    // 应当 is in every text (low IDF), 通风 in one (high IDF).
    const [, ventilate] = sketch.scoreTexts('通风', 1, texts);
    const [should] = sketch.scoreTexts('应当', 1, texts);
    expect(ventilate).toBeGreaterThan(should);
    expect(sketch.scoreTexts('abc 123 ?', 1, texts)).toEqual([0, 0, 0, 0]);
    expect(sketch.scoreTexts('现场报告', 0, texts)).toEqual([0, 0, 0, 0]);
  });

  it('weight scales the scores linearly', () => {
    const sketch = sketchOf(texts);
    const one = sketch.scoreTexts('燃气安全事故', 1, texts);
    const third = sketch.scoreTexts('燃气安全事故', 0.3, texts);
    one.forEach((s, i) => expect(third[i]).toBeCloseTo(0.3 * s, 12));
  });

  it('remove() undoes add(), and serialised bytes reload with identical scores', () => {
    const sketch = sketchOf(texts);
    const before = sketch.scoreTexts('燃气泄漏后应当报警', 1, texts);
    sketch.add('燃气泄漏报警燃气泄漏报警');
    expect(sketch.scoreTexts('燃气泄漏后应当报警', 1, texts)).not.toEqual(before);
    sketch.remove('燃气泄漏报警燃气泄漏报警');
    expect(sketch.scoreTexts('燃气泄漏后应当报警', 1, texts)).toEqual(before);
    const reloaded = BigramSketch.deserialize(sketch.serialize());
    expect(reloaded.size()).toBe(4);
    expect(reloaded.scoreTexts('燃气泄漏后应当报警', 1, texts)).toEqual(before);
  });

  it('rejects damaged bytes', () => {
    const bytes = sketchOf(texts).serialize();
    expect(() => BigramSketch.deserialize(bytes.subarray(0, bytes.length - 4))).toThrow(/length/);
    expect(bytes.length).toBeLessThan(4096); // sparse: four short texts, not the 8 MiB table
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0, 0);
    expect(() => BigramSketch.deserialize(bad)).toThrow(/magic/);
  });
});
