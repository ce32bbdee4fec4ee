import { describe, expect, it } from 'vitest';
import { NgramSketch } from '../../src/index/ngram-sketch.js';

const texts = [
  '生产经营单位发生生产安全事故后，事故现场有关人员应当立即报告本单位负责人。',
  '有限空间作业应当先通风、再检测、后作业，检测不合格的不得作业。',
  '燃气企业应当建立燃气安全事故应急预案，配备应急人员和必要的应急装备。',
  '发生火灾后，任何人都应当立即报警。',
];

function sketchOf(all: string[]): NgramSketch {
  const sketch = new NgramSketch();
  for (const t of all) sketch.add(t);
  return sketch;
}

const BIGRAMS = { bigram: 1, character: 0 };
const CHARACTERS = { bigram: 0, character: 1 };
const OFF = { bigram: 0, character: 0 };

describe('character and bigram sketch', () => {
  it('scores a text by the question bigrams it contains, rarer bigrams counting more, and ignores non-CJK text', () => {
    const sketch = sketchOf(texts);
    expect(sketch.size()).toBe(4);
    // 事故, 现场 and 报告 are bigrams of the question; the gas text shares only 事故.
    const [accident, confined, gas, fire] = sketch.scoreTexts('出了事故，现场的人先报告谁？', BIGRAMS, texts);
    expect(accident).toBeGreaterThan(0);
    expect(accident).toBeGreaterThan(gas);
    expect(confined).toBe(0);
    expect(fire).toBe(0);
    // 应当 is in every text (low IDF), 通风 in one (high IDF).
    const [, ventilate] = sketch.scoreTexts('通风', BIGRAMS, texts);
    const [should] = sketch.scoreTexts('应当', BIGRAMS, texts);
    expect(ventilate).toBeGreaterThan(should);
    expect(sketch.scoreTexts('abc 123 ?', { bigram: 1, character: 1 }, texts)).toEqual([0, 0, 0, 0]);
    expect(sketch.scoreTexts('现场报告', OFF, texts)).toEqual([0, 0, 0, 0]);
  });

  it('meets a word through a shared character where no bigram is shared (瞎编 · 编造, 被淹 · 受淹)', () => {
    const docs = ['编造并传播虚假信息的，由公安机关处罚。', '房屋受淹的，街道组织转移。', '燃气企业应当定期巡查。'];
    const sketch = sketchOf(docs);
    const [rumour, flood, gas] = sketch.scoreTexts('网上瞎编', CHARACTERS, docs);
    expect(sketch.scoreTexts('网上瞎编', BIGRAMS, docs)).toEqual([0, 0, 0]);
    expect(rumour).toBeGreaterThan(0);
    expect(flood).toBe(0);
    expect(gas).toBe(0);
    const [, flooded] = sketch.scoreTexts('家里被淹了', CHARACTERS, docs);
    expect(flooded).toBeGreaterThan(0);
  });

  it('each weight scales its kind linearly, and the two kinds add up', () => {
    const sketch = sketchOf(texts);
    const bigrams = sketch.scoreTexts('燃气安全事故', BIGRAMS, texts);
    const characters = sketch.scoreTexts('燃气安全事故', CHARACTERS, texts);
    const third = sketch.scoreTexts('燃气安全事故', { bigram: 0.3, character: 0.3 }, texts);
    bigrams.forEach((b, i) => expect(third[i]).toBeCloseTo(0.3 * (b + characters[i]), 12));
  });

  it('remove() undoes add(), and serialised bytes reload with identical scores', () => {
    const sketch = sketchOf(texts);
    const before = sketch.scoreTexts('燃气泄漏后应当报警', { bigram: 1, character: 1 }, texts);
    sketch.add('燃气泄漏报警燃气泄漏报警');
    expect(sketch.scoreTexts('燃气泄漏后应当报警', { bigram: 1, character: 1 }, texts)).not.toEqual(before);
    sketch.remove('燃气泄漏报警燃气泄漏报警');
    expect(sketch.scoreTexts('燃气泄漏后应当报警', { bigram: 1, character: 1 }, texts)).toEqual(before);
    const reloaded = NgramSketch.deserialize(sketch.serialize())!;
    expect(reloaded.size()).toBe(4);
    expect(reloaded.scoreTexts('燃气泄漏后应当报警', { bigram: 1, character: 1 }, texts)).toEqual(before);
  });

  it('rejects damaged bytes', () => {
    const bytes = sketchOf(texts).serialize();
    expect(() => NgramSketch.deserialize(bytes.subarray(0, bytes.length - 4))).toThrow(/length/);
    expect(bytes.length).toBeLessThan(4096); // sparse: four short texts, not the 8 MiB table
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0, 0);
    expect(() => NgramSketch.deserialize(bad)).toThrow(/magic/);
    // The bigram-only format of the first release is no damage: it is read as absent, to be counted again.
    expect(NgramSketch.deserialize(Buffer.from(new Uint32Array([0x4d534742, 1, 21 | 0x100, 4, 40, 0]).buffer))).toBeUndefined();
  });
});
