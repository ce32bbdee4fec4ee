import { describe, expect, it } from 'vitest';
import { ACTIONS_HEADING, SUPPORT_HEADING, articleText, buildExtractiveAnswer, splitUnits } from '../../src/answer/extractive.js';
import type { QueryAnalysis } from '../../src/retrieval/types.js';
import { hitFromPlanSection, hitsFromArticles, makeDoc, makeHit, seedPath } from './source-hits.js';

const PROCEDURE = seedPath('confined-space-procedure-sample.md');
const numbered = <T>(xs: T[]) => xs.map((hit, i) => ({ n: i + 1, hit }));

/** Every cited line of an extractive answer must be verbatim source text followed by its [n]. */
function expectVerbatimLines(text: string, sources: { n: number; hit: { chunk: { text: string } } }[]) {
  const lines = text.split('\n').filter((l) => /\[\d+\]$/.test(l));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    // 行动要点 lines are the same sentences as a list item with deadlines and parties in bold.
    const m = /^(.*)\[(\d+)\]$/.exec(line.replace(/^- /, '').replace(/\*\*/g, ''))!;
    const src = sources.find((s) => s.n === Number(m[2]))!;
    expect(src, line).toBeDefined();
    expect(src.hit.chunk.text.replace(/\|/g, '｜'), line).toContain(m[1].trim().split('｜')[0]);
  }
  return lines;
}

describe('extractive answers', () => {
  it('opens with 行动要点 taken from the most relevant sentences, then the supporting sentences, each line cited, with no system text', async () => {
    const sources = numbered(await hitsFromArticles(PROCEDURE, ['第七条', '第八条', '第九条']));
    const r = buildExtractiveAnswer({
      question: '发现作业人员晕倒后，监护人员多长时间内要报告作业负责人？',
      sources,
    });
    expect(r.text.startsWith(`${ACTIONS_HEADING}\n- `)).toBe(true);
    expect(r.text).toContain(SUPPORT_HEADING);
    expect(r.text).not.toContain('离线检索模式');
    expect(r.text).not.toContain('Ollama');
    expect(r.text).toContain('监护人员应当立即呼救，并在5分钟内报告作业负责人');
    expect(r.cited.has(1)).toBe(true);
    expectVerbatimLines(r.text, sources);
    expect(r.text.length).toBeLessThan(2000);
  });

  it('answers 多久内要报 with the duty to report in time, not the 60-day period of an investigation report', () => {
    const doc = makeDoc('/tmp/accident-rules.md', '事故处理规定（测试）');
    const investigation = makeHit(doc, 0, '第十九条 事故调查工作应当自事故发生之日起60日内完成，并由调查组提出调查报告。', [], '第十九条', 0.8);
    const report = makeHit(doc, 1, '第九条 发生伤亡事故，单位负责人应当于1小时内向安全生产监督管理部门报告。', [], '第九条', 0.7);
    const immediate = makeHit(doc, 2, '第三十六条 发生矿山事故，对伤亡事故必须立即如实报告劳动行政主管部门。', [], '第三十六条', 0.7);
    const actions = (question: string, hits: typeof report[]) =>
      buildExtractiveAnswer({ question, sources: numbered(hits) }).text.split(SUPPORT_HEADING)[0];
    const timed = actions('工地上死了人，多长时间内要报告？', [investigation, report]);
    expect(timed).toContain('1小时内');
    expect(timed).not.toContain('60日内');
    // 立即 is the time a law gives most often.
    const now = actions('矿上冒顶压了人，报给哪些部门？多长时间内要报？', [investigation, immediate]);
    expect(now).toContain('立即');
    expect(now).not.toContain('60日内');
  });

  it('keeps a numbered list whole and in order when its introduction is relevant', () => {
    const doc = makeDoc('/tmp/report-rules.md', '险情报告规定（测试）');
    const text = '第五条 发现险情的，应当依照下列规定报告：\n(一)一般险情报告所在街道；\n(二)较大险情报告区防指办公室；\n(三)重大险情报告区人民政府。';
    const other = '第六条 报告应当写明时间、地点和已采取的措施。';
    const hits = [makeHit(doc, 0, text, [], '第五条', 0.9), makeHit(doc, 1, other, [], '第六条', 0.8)];
    const r = buildExtractiveAnswer({ question: '较大险情应当报告到哪里？', sources: numbered(hits) });
    const i1 = r.text.indexOf('(一)一般险情报告所在街道');
    const i2 = r.text.indexOf('(二)较大险情报告区防指办公室');
    const i3 = r.text.indexOf('(三)重大险情报告区人民政府');
    expect(i1).toBeGreaterThan(0);
    expect(i2).toBeGreaterThan(i1);
    expect(i3).toBeGreaterThan(i2);
    expect(r.text).toContain('应当依照下列规定报告');
  });

  it('keeps plan steps numbered and in source order, from the plan section', async () => {
    const hit = await hitFromPlanSection(seedPath('hazchem-leak-card-sample.md'), '二、班组长');
    const r = buildExtractiveAnswer({ question: '危险化学品泄漏后班组长多少分钟内到达现场？', sources: numbered([hit]) });
    expect(r.text).toContain('1.接报后5分钟内到达现场外围，组织设置警戒线');
    const steps = [...r.text.matchAll(/^(\d)\./gm)].map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThan(0);
    expect([...steps].sort()).toEqual(steps);
    expect(r.text).toContain('二、班组长');
  });

  it('does not repeat a sentence that two sources share', async () => {
    const plan = await hitFromPlanSection(seedPath('flood-typhoon-plan-sample.md'), '（二）Ⅲ级响应', 0.85);
    const copy = makeHit(makeDoc('/tmp/flood-copy.md', '防汛预案摘编（测试）'), 0, plan.chunk.text, ['Ⅲ级响应'], undefined, 0.8);
    const r = buildExtractiveAnswer({ question: 'Ⅲ级响应由谁决定启动？', sources: numbered([plan, copy]) });
    expect(r.text).toContain('由区防指副总指挥决定启动Ⅲ级响应');
    expect(r.text.split('由区防指副总指挥决定启动Ⅲ级响应').length - 1).toBe(1);
  });

  it('returns a directly requested article verbatim with its citation', async () => {
    const hits = await hitsFromArticles(PROCEDURE, ['第七条', '第八条']);
    const analysis: QueryAnalysis = {
      original: '有限空间作业事故应急处置规程第七条',
      terms: [],
      articleRef: { docHint: '有限空间作业事故应急处置规程', articleLabel: '第七条', docIds: [hits[0].doc.id], kind: 'article' },
    };
    const r = buildExtractiveAnswer({ question: analysis.original, analysis, sources: numbered(hits) });
    expect(r.kind).toBe('article');
    expect(r.text).toContain(`${hits[0].chunk.text.trim()}[1]`);
    expect(r.text).not.toContain('[2]');
    expect([...r.cited]).toEqual([1]);
  });

  it('cuts one article verbatim out of a chunk that merged short articles', () => {
    const merged = '第六条 工会依法参加事故调查处理。\n\n第七条 任何单位和个人不得阻挠。\n第二款内容。\n\n第八条 有权举报。';
    expect(articleText(merged, '第七条')).toBe('第七条 任何单位和个人不得阻挠。\n第二款内容。');
    expect(articleText(merged, '第九条')).toBe(merged);
  });

  it('splits passages into sentences, list items and table rows', () => {
    const units = splitUnits('### 标题\n总指挥的职责是：\n1.统一指挥；\n2.协调。\n| 级别 | 条件 |\n| --- | --- |\n| Ⅳ级 | 一般 |\n甲。乙！');
    expect(units.map((u) => u.text)).toEqual(['总指挥的职责是：', '1.统一指挥；', '2.协调。', '级别｜条件', 'Ⅳ级｜一般', '甲。', '乙！']);
    expect(units[0].intro).toBe(true);
    expect(units[1].listId).toBe(units[2].listId);
  });
});
