import { describe, expect, it } from 'vitest';
import { ACTIONS_HEADING, SUPPORT_HEADING, buildExtractiveAnswer } from '../../src/answer/extractive.js';
import type { QueryAnalysis } from '../../src/retrieval/types.js';
import { corpusPath } from '../support/paths.js';
import { hitFromPlanSection as planSection, hitsFromArticles as articles } from './source-hits.js';

/** The public corpus (YINGJI_CORPUS_DIR): real laws and plans, longer and messier than seeds/. */
const hitsFromArticles = (file: string, labels: string[]) => articles(corpusPath(file), labels);
const hitFromPlanSection = (file: string, heading: string, score?: number) => planSection(corpusPath(file), heading, score);

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

describe('extractive answers over the public corpus', () => {
  it('opens with 行动要点 taken from the most relevant sentences, then the supporting sentences, each line cited, with no system text', async () => {
    const hits = await hitsFromArticles('regulations/work-accident-reporting-reg.md', ['第九条', '第十条', '第十一条']);
    const sources = numbered(hits);
    const r = buildExtractiveAnswer({
      question: '事故发生后单位负责人多长时间内要向安全生产监督管理部门报告？',
      sources,
    });
    expect(r.text.startsWith(`${ACTIONS_HEADING}\n- `)).toBe(true);
    expect(r.text).toContain(SUPPORT_HEADING);
    expect(r.text).not.toContain('离线检索模式');
    expect(r.text).not.toContain('Ollama');
    expect(r.text).toContain('单位负责人接到报告后，应当于1小时内向事故发生地县级以上人民政府安全生产监督管理部门');
    expect(r.cited.has(1)).toBe(true);
    expectVerbatimLines(r.text, sources);
    expect(r.text.length).toBeLessThan(2000);
  });

  it('keeps a numbered list whole and in order when its introduction is relevant', async () => {
    const hits = await hitsFromArticles('regulations/work-accident-reporting-reg.md', ['第十条', '第九条']);
    const r = buildExtractiveAnswer({ question: '较大事故应当逐级上报到哪一级？', sources: numbered(hits) });
    const i1 = r.text.indexOf('(一)特别重大事故、重大事故逐级上报');
    const i2 = r.text.indexOf('(二)较大事故逐级上报至省、自治区、直辖市');
    const i3 = r.text.indexOf('(三)一般事故上报至设区的市级');
    expect(i1).toBeGreaterThan(0);
    expect(i2).toBeGreaterThan(i1);
    expect(i3).toBeGreaterThan(i2);
    expect(r.text).toContain('应当依照下列规定上报事故情况');
  });

  it('keeps plan steps numbered and in source order, from the plan section', async () => {
    const hit = await hitFromPlanSection('plans/putuo-work-accident-plan.md', '4.1.2 区级接报与上报');
    const r = buildExtractiveAnswer({ question: '死了3个人的事故区应急管理局多少分钟内电话报告？', sources: numbered([hit]) });
    expect(r.text).toContain('3.造成3人以上死亡（含失踪）的事故，区应急管理局应当在接报后15分钟内电话报告');
    const steps = [...r.text.matchAll(/^(\d)\./gm)].map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThan(0);
    expect([...steps].sort()).toEqual(steps);
    expect(r.text).toContain('4.1.2 区级接报与上报');
  });

  it('does not repeat a sentence that two sources share', async () => {
    const reg = await hitsFromArticles('regulations/work-accident-reporting-reg.md', ['第三条']);
    const plan = await hitFromPlanSection('plans/putuo-work-accident-plan.md', '1.4 事故分级', 0.85);
    const r = buildExtractiveAnswer({ question: '较大事故是指死亡多少人的事故？', sources: numbered([reg[0], plan]) });
    const occurrences = r.text.split('造成3人以上10人以下死亡').length - 1;
    expect(occurrences).toBe(1);
  });

  it('returns a directly requested article verbatim with its citation', async () => {
    const hits = await hitsFromArticles('regulations/work-accident-reporting-reg.md', ['第九条', '第十条']);
    const analysis: QueryAnalysis = {
      original: '生产安全事故报告和调查处理条例第九条',
      terms: [],
      articleRef: { docHint: '生产安全事故报告和调查处理条例', articleLabel: '第九条', docIds: [hits[0].doc.id], kind: 'article' },
    };
    const r = buildExtractiveAnswer({ question: analysis.original, analysis, sources: numbered(hits) });
    expect(r.kind).toBe('article');
    expect(r.text).toContain(`${hits[0].chunk.text.trim()}[1]`);
    expect(r.text).not.toContain('[2]');
    expect([...r.cited]).toEqual([1]);
  });
});
