import { describe, expect, it } from 'vitest';
import { checkCitations, citedNumbers, createCitationFilter } from '../../src/answer/citations.js';

describe('citation checking', () => {
  it('normalises [1][2], [1,2], [1、2], ［1］, 【1】 and [来源1] to [n] markers', () => {
    const r = checkCitations('甲[1][2]。乙[1,2]。丙[1、 3]。丁［2］。戊【3】。己[来源1]。庚[1-3]。', 3);
    expect(r.text).toBe('甲[1][2]。乙[1][2]。丙[1][3]。丁[2]。戊[3]。己[1]。庚[1][2][3]。');
    expect([...r.cited].sort()).toEqual([1, 2, 3]);
    expect(r.dropped).toBe(0);
  });

  it('removes and counts citations of sources that do not exist', () => {
    const r = checkCitations('应当于1小时内报告[1][7]。较大事故[9]由省级上报[2,0]。', 2);
    expect(r.text).toBe('应当于1小时内报告[1]。较大事故由省级上报[2]。');
    expect(r.dropped).toBe(3);
    expect([...r.cited].sort()).toEqual([1, 2]);
  });

  it('leaves brackets that are not citations alone', () => {
    const text = '见【虚构示例（测试用）】和[注]以及[2023]年';
    expect(checkCitations(text, 3)).toEqual({ text, cited: new Set(), dropped: 0 });
  });

  it('checks a citation split across stream chunks as a whole', () => {
    const f = createCitationFilter(2);
    const out = ['应当报告[', '1', ',', '5', ']。并通知［', '2］', '。另见[3'].map((d) => f.push(d)).join('') + f.end();
    // the stream ends inside "[3": the fragment is not shown
    expect(out).toBe('应当报告[1]。并通知[2]。另见');
    expect(f.dropped).toBe(1);
    expect([...f.cited].sort()).toEqual([1, 2]);
  });

  it('does not hold back ordinary text after a bracket that cannot be a citation', () => {
    const f = createCitationFilter(2);
    expect(f.push('见[注')).toBe('见[注');
    expect(f.push('释]')).toBe('释]');
  });

  it('reads cited numbers from canonical text', () => {
    expect([...citedNumbers('a[1]b[3][1]')]).toEqual([1, 3]);
  });
});
