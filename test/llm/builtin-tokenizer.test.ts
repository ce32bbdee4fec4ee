import { describe, expect, it } from 'vitest';
import { cjkBigrams, tokenize, tokenizeQuery } from '../../src/core/chinese-tokenizer.js';

describe('chinese tokenizer', () => {
  it('keeps domain terms whole and also emits their parts', () => {
    const tokens = tokenize('生产经营单位应当制定本单位生产安全事故应急预案，并定期组织应急演练。');
    for (const t of ['生产经营单位', '生产安全事故', '应急预案', '应急', '预案', '演练', '应当']) expect(tokens).toContain(t);
    expect(tokenize('有限空间作业和危险化学品、防汛防台，安全生产委员会')).toEqual(expect.arrayContaining(['有限空间', '危险化学品', '防汛防台', '安全生产委员会']));
  });

  it('drops punctuation, whitespace and function words, lower-cases Latin', () => {
    const tokens = tokenize('《中华人民共和国 安全生产法》的 GB 6441 和 PDF。');
    expect(tokens).not.toContain('的');
    expect(tokens).not.toContain('和');
    expect(tokens.some((t) => /^[\s\p{P}]+$/u.test(t))).toBe(false);
    expect(tokens).toEqual(expect.arrayContaining(['gb', '6441', 'pdf']));
  });

  it('keeps repeated words in index tokens but not in query tokens', () => {
    expect(tokenize('火灾 火灾 火灾').filter((t) => t === '火灾')).toHaveLength(3);
    expect(tokenizeQuery('火灾火灾')).toEqual(['火灾']);
  });

  it('drops interrogatives from questions', () => {
    const q = tokenizeQuery('请问发生火灾以后应该怎么办？');
    expect(q).toContain('火灾');
    for (const w of ['请问', '怎么办', '应该']) expect(q).not.toContain(w);
  });

  it('makes overlapping bigrams of CJK runs only', () => {
    expect(cjkBigrams('应急预案 abc 火，灾害')).toEqual(['应急', '急预', '预案', '火', '灾害']);
    expect(cjkBigrams('')).toEqual([]);
  });
});
