import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildAnswerPrompt, estimateTokens, truncateToTokens } from '../../src/answer/prompt.js';
import { corpusPath } from '../support/paths.js';
import { hitsFromArticles } from './corpus-hits.js';

describe('answer prompt', () => {
  it('estimates Chinese at one token per character and ASCII at less', () => {
    expect(estimateTokens('生产安全事故')).toBe(6);
    expect(estimateTokens('abcd')).toBe(2);
    expect(estimateTokens('1小时内')).toBeGreaterThanOrEqual(4);
  });

  it('numbers the sources with title, locator and text, and puts the instructions and question in Chinese', async () => {
    const hits = await hitsFromArticles('regulations/work-accident-reporting-reg.md', ['第九条', '第十条']);
    const p = buildAnswerPrompt({ question: '事故发生后多久要上报？', hits, numCtx: 8192, maxAnswerTokens: 1024 });
    const content = p.messages.map((m) => m.content).join('\n');
    expect(p.messages).toHaveLength(1);
    expect(content).toContain('[1] 《生产安全事故报告和调查处理条例》');
    expect(content).toContain('第九条');
    expect(content).toContain(hits[0].chunk.text.trim());
    expect(content).toContain('[2] 《生产安全事故报告和调查处理条例》');
    expect(content).toContain('只依据下面编号的【参考资料】');
    expect(content).toContain('编号步骤');
    expect(content).toContain('参考资料中没有相关规定');
    expect(content.trim().endsWith('事故发生后多久要上报？')).toBe(true);
    expect(p.droppedSources).toBe(0);
  });

  it('never exceeds num_ctx: truncates, then drops the lowest-ranked sources and says how many', async () => {
    const text = await readFile(corpusPath('regulations/work-safety-law.md'), 'utf8');
    const labels = [...text.matchAll(/^(第[一二三四五六七八九十百]+条) /gm)].map((m) => m[1]).slice(0, 40);
    const hits = await hitsFromArticles('regulations/work-safety-law.md', labels);
    const numCtx = 1500;
    const maxAnswerTokens = 512;
    const p = buildAnswerPrompt({ question: '主要负责人有哪些职责？', hits, numCtx, maxAnswerTokens });
    expect(p.estimatedTokens).toBeLessThanOrEqual(numCtx - maxAnswerTokens);
    expect(p.droppedSources).toBeGreaterThan(0);
    expect(p.sources.length + p.droppedSources).toBe(hits.length);
    expect(p.messages[0].content).toContain(`另有 ${p.droppedSources} 条检索结果因模型上下文长度限制未列出`);
    // best-ranked first: the kept ones are a prefix of the ranking
    expect(p.sources.map((s) => s.hit.chunk.id)).toEqual(hits.slice(0, p.sources.length).map((h) => h.chunk.id));
  });

  it('truncates one long source to the budget rather than overflowing', () => {
    const long = '生产经营单位应当建立安全生产责任制。'.repeat(200);
    const t = truncateToTokens(long, 300);
    expect(estimateTokens(t)).toBeLessThanOrEqual(300);
    expect(t.endsWith('……（节选）')).toBe(true);
  });
});
