import { describe, expect, it } from 'vitest';
import { articleLabelOf } from '../../web/src/article-label.js';

describe('jumping to an article in the reader', () => {
  it('turns 1000 into 第一千条 as the index labels it (the web copy of the numerals once gave 第1000条)', () => {
    expect(articleLabelOf('1000')).toBe('第一千条');
  });

  it('reads Arabic, full-width and Chinese numbers with or without 第…条', () => {
    expect(articleLabelOf('21')).toBe('第二十一条');
    expect(articleLabelOf('２１')).toBe('第二十一条');
    expect(articleLabelOf('第 110 条')).toBe('第一百一十条');
    expect(articleLabelOf('二十一')).toBe('第二十一条');
    expect(articleLabelOf('第一百零五条')).toBe('第一百零五条');
  });

  it('gives nothing for input that is not an article number', () => {
    expect(articleLabelOf('')).toBeUndefined();
    expect(articleLabelOf('总则')).toBeUndefined();
  });
});
