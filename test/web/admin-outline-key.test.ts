import { describe, expect, it } from 'vitest';
import { outlineKeyOf, outlineMatches } from '../../web/src/outline-key.js';

describe('jumping to a plan section by its outline number', () => {
  it('reads 三 / 三、 / (二) / （二） / ４.３.１ / 4.3.1. / 第三章 as heading prefixes', () => {
    expect(outlineKeyOf('三')).toBe('三、');
    expect(outlineKeyOf('三、')).toBe('三、');
    expect(outlineKeyOf('(二)')).toBe('（二）');
    expect(outlineKeyOf('（二）')).toBe('（二）');
    expect(outlineKeyOf('４.３.１')).toBe('4.3.1');
    expect(outlineKeyOf('4.3.1.')).toBe('4.3.1');
    expect(outlineKeyOf('第三章')).toBe('第三章');
    expect(outlineKeyOf(' ')).toBeUndefined();
  });

  it('4.3 names "4.3 分级响应" but neither 4.3.1 nor 4.30, and （二） names every second item', () => {
    expect(outlineMatches('4.3 分级响应', '4.3')).toBe(true);
    expect(outlineMatches('4.3.1 Ⅳ级响应', '4.3')).toBe(false);
    expect(outlineMatches('4.30 附录', '4.3')).toBe(false);
    expect(outlineMatches('4.3.1 Ⅳ级响应', '4.3.1')).toBe(true);
    expect(outlineMatches('（二）Ⅲ级响应', '（二）')).toBe(true);
    expect(outlineMatches('(二) 成员单位', '（二）')).toBe(true);
    expect(outlineMatches('三、响应分级', '三、')).toBe(true);
    expect(outlineMatches('十三、附则', '三、')).toBe(false);
  });
});
