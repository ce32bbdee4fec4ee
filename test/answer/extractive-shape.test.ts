/** The duty officer's answer shape: 行动要点 first, supporting sentences after, citations 1, 2, 3 … (seeds/ only). */
import { describe, expect, it } from 'vitest';
import { createCitationRenumberer, renumberCitations, renumberSources } from '../../src/answer/citations.js';
import { ACTIONS_HEADING, RELATED_ACTIONS_HEADING, SUPPORT_HEADING, buildExtractiveAnswer, emphasise } from '../../src/answer/extractive.js';
import { hitsFromArticles, makeDoc, makeHit, seedPath } from './source-hits.js';

const PROCEDURE = seedPath('confined-space-procedure-sample.md');
const numbered = <T>(xs: T[]) => xs.map((hit, i) => ({ n: i + 1, hit }));

describe('extractive answer shape', () => {
  it('opens with 行动要点: obligation sentences with their [n] and deadlines and parties in bold, then 依据原文', async () => {
    const sources = numbered(await hitsFromArticles(PROCEDURE, ['第七条', '第八条', '第九条']));
    const r = buildExtractiveAnswer({ question: '发现作业人员晕倒后，监护人员多长时间内要报告作业负责人？', sources });
    const [lead, support] = r.text.split(`\n\n${SUPPORT_HEADING}\n`);
    expect(lead.startsWith(`${ACTIONS_HEADING}\n`)).toBe(true);
    const lines = lead.split('\n').slice(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^- .+\[\d+\]$/);
    expect(lead).toContain('**立即**');
    expect(lead).toContain('**5分钟内**');
    expect(lead).toContain('**作业负责人**');
    expect(support).toContain('监护人员应当立即呼救，并在5分钟内报告作业负责人');
  });

  it('a list keeps its whole lead-in, even a long one split at semicolons (第九十七条-style: who is punished and how before （一）…)', () => {
    const doc = makeDoc('/tmp/penalties.md', '处罚规定（测试）');
    const intro =
      '第九十七条 生产经营单位有下列行为之一的，责令限期改正，处十万元以下的罚款；逾期未改正的，责令停产停业整顿，并处十万元以上二十万元以下的罚款，对其直接负责的主管人员和其他直接责任人员处二万元以上五万元以下的罚款：';
    const items = ['（一）未按照规定设置安全生产管理机构的；', '（二）危险物品的生产单位的主要负责人未按照规定经考核合格的；', '（三）未如实记录安全生产教育和培训情况的。'];
    const hit = makeHit(doc, 0, [intro, ...items].join('\n'), [], '第九十七条', 0.9);
    const r = buildExtractiveAnswer({ question: '未如实记录安全生产教育和培训情况的怎么处罚？', sources: numbered([hit]) });
    expect(r.text).toContain('生产经营单位有下列行为之一的，责令限期改正，处十万元以下的罚款；');
    expect(r.text).toContain('对其直接负责的主管人员和其他直接责任人员处二万元以上五万元以下的罚款：');
    expect(r.text.indexOf('生产经营单位有下列行为之一的')).toBeLessThan(r.text.indexOf('（三）未如实记录'));
  });

  it('after the 事件速判 行动要点 the extracted obligations come as 相关规定要点, not a second 行动要点', async () => {
    const sources = numbered(await hitsFromArticles(PROCEDURE, ['第七条']));
    const r = buildExtractiveAnswer({ question: '作业人员晕倒后监护人员多长时间内要报告？', sources, afterIncidentActions: true });
    expect(r.text.startsWith(`${RELATED_ACTIONS_HEADING}\n`)).toBe(true);
    expect(r.text).not.toContain(ACTIONS_HEADING);
  });

  it('bolds deadlines, parties and emergency numbers without changing the words', () => {
    const s = '单位负责人接到报告后，应当于1小时内向区应急管理局报告，并拨打120。';
    const out = emphasise(s);
    expect(out).toBe('**单位负责人**接到报告后，应当于**1小时内**向**区应急管理局**报告，并拨打**120**。');
    expect(out.replace(/\*\*/g, '')).toBe(s);
  });
});

describe('行动要点 lines', () => {
  it('an adjacent party and department are one bold run, never "****"', () => {
    expect(emphasise('向县级以上人民政府安全生产监督管理部门报告')).toBe('向县级以上**人民政府安全生产监督管理部门**报告');
  });

  it('a list item under a lead-in ("（一）不立即组织事故抢救的") is not a 要点 on its own; it stays with its lead-in in 依据原文', () => {
    const doc = makeDoc('/tmp/penalties2.md', '处罚规定（测试）');
    const text = '第三十五条 事故发生单位主要负责人有下列行为之一的，处上一年年收入40%至80%的罚款：\n（一）不立即组织事故抢救的；\n（二）迟报或者漏报事故的。';
    const r = buildExtractiveAnswer({ question: '单位主要负责人不立即组织事故抢救怎么处罚？', sources: numbered([makeHit(doc, 0, text, [], '第三十五条', 0.9)]) });
    expect(r.text).not.toMatch(/^- （一）/m);
    expect(r.text).toContain('事故发生单位主要负责人有下列行为之一的');
    expect(r.text).toContain('（一）不立即组织事故抢救的；[1]');
  });
});

describe('行动要点 for a time-limit question', () => {
  it('"多长时间内报告" lists the sentences that state a time limit, not a neighbouring 不得 rule', () => {
    const doc = makeDoc('/tmp/report-reg.md', '事故报告条例（测试）');
    const a = makeHit(doc, 0, '第九条 事故发生后，单位负责人接到报告后，应当于1小时内向县级以上人民政府安全生产监督管理部门报告。', [], '第九条', 0.9);
    const b = makeHit(doc, 1, '第四十条 事故发生单位主要负责人受到刑事处罚的，5年内不得担任任何生产经营单位的主要负责人。', [], '第四十条', 0.85);
    const r = buildExtractiveAnswer({ question: '事故发生后单位负责人应当在多长时间内报告？', sources: numbered([a, b]) });
    const lead = r.text.split(SUPPORT_HEADING)[0];
    expect(lead).toContain('**1小时内**');
    expect(lead).not.toContain('不得担任');
  });
});

describe('citation renumbering', () => {
  it('numbers citations by first appearance, consecutive from [1] — "来源（3）" never lists [1] [2] [4]', () => {
    const r = renumberCitations('先看[4]，再看[1][4]，最后[2]。');
    expect(r.text).toBe('先看[1]，再看[2][1]，最后[3]。');
    const sources = [1, 2, 3, 4].map((n) => ({ n, name: `s${n}` }));
    const out = renumberSources(sources, r.mapping);
    expect(out.map((s) => [s.n, s.name])).toEqual([
      [1, 's4'],
      [2, 's1'],
      [3, 's2'],
      [4, 's3'],
    ]);
  });

  it('renumbers a stream chunk by chunk with one mapping, as the model answer arrives', () => {
    const r = createCitationRenumberer();
    expect(r.push('应当报告[3]')).toBe('应当报告[1]');
    expect(r.push('，并通知[2]、[3]。')).toBe('，并通知[2]、[1]。');
    expect([...r.mapping]).toEqual([
      [3, 1],
      [2, 2],
    ]);
  });

  it('an extractive answer over seeds/, renumbered, cites 1..k in reading order', async () => {
    const sources = numbered(await hitsFromArticles(PROCEDURE, ['第九条', '第八条', '第七条']));
    const built = buildExtractiveAnswer({ question: '发现作业人员晕倒后，监护人员多长时间内要报告作业负责人？', sources });
    const { text } = renumberCitations(built.text);
    const seen = [...new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
    expect(seen).toEqual(seen.map((_n, i) => i + 1));
  });
});
