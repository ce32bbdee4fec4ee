import { describe, expect, it } from 'vitest';
import { extractFacts, normalizeFactValue } from '../../src/training/facts.js';

const kinds = (text: string) => extractFacts(text).map((f) => [f.kind, f.text]);

describe('extractFacts', () => {
  it('finds deadlines in Arabic and Chinese numerals, with the words of the article', () => {
    expect(kinds('单位负责人接到报告后，应当于1小时内报告。')).toContainEqual(['deadline', '1小时内']);
    expect(kinds('应当自事故发生之日起三十日内提交报告。')).toContainEqual(['deadline', '三十日内']);
    expect(kinds('处十日以上十五日以下拘留。')).toContainEqual(['deadline', '十日以上十五日以下']);
  });

  it('takes an amount range as one fact (五十万元以上一百万元以下)', () => {
    expect(kinds('处五十万元以上一百万元以下的罚款。')).toContainEqual(['amount', '五十万元以上一百万元以下']);
    expect(kinds('处违法所得一倍以上三倍以下的罚款。')).toContainEqual(['amount', '一倍以上三倍以下']);
  });

  it('finds thresholds of people and quantities', () => {
    expect(kinds('造成3人以上10人以下死亡的')).toContainEqual(['threshold', '3人以上10人以下']);
    expect(kinds('储存五十吨以上的')).toContainEqual(['threshold', '五十吨以上']);
  });

  it('takes the subject of 应当 / 不得 as the responsible party, and the act as the obligation', () => {
    const facts = kinds('第五条 生产经营单位的主要负责人应当组织制定本单位安全生产规章制度。');
    expect(facts).toContainEqual(['party', '生产经营单位的主要负责人']);
    expect(facts).toContainEqual(['obligation', '组织制定本单位安全生产规章制度']);
  });

  it('does not take the last item of an enumeration as a party (生产、储存、装卸单位)', () => {
    const facts = kinds('危险物品的生产、储存、装卸单位应当有注册安全工程师从事安全生产管理工作。');
    expect(facts.filter(([k]) => k === 'party')).toEqual([]);
  });

  it('does not read ordinals or words with 一 as quantities (第一日, 同一年内)', () => {
    expect(kinds('自第一日内起算；同一年内不得重复。').filter(([k]) => k === 'deadline')).toEqual([]);
  });

  it('keeps numeric facts from overlapping one another', () => {
    const facts = extractFacts('处五万元以上十万元以下的罚款，并处十日以下拘留。').filter((f) => f.kind !== 'obligation' && f.kind !== 'party');
    for (let i = 1; i < facts.length; i++) expect(facts[i]!.start).toBeGreaterThanOrEqual(facts[i - 1]!.end);
    expect(facts.map((f) => f.text)).toEqual(['五万元以上十万元以下', '十日以下']);
  });

  it('compares values across numeral styles (三十日内 = 30日内 = 30日以内)', () => {
    expect(normalizeFactValue('三十日内')).toBe(normalizeFactValue('30日以内'));
    expect(normalizeFactValue('五十万元')).toBe('500000元');
  });
});
