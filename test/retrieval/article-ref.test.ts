import { describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../src/core/types.js';
import { matchDocuments, parseArticleRef, titleMatchScore } from '../../src/retrieval/article-ref.js';
import { parseChineseNumber, toChineseNumber } from '../../src/core/chinese-text.js';

const doc = (id: string, title: string) => ({ id, title }) as SourceDoc;
const docs = [
  doc('a', '中华人民共和国安全生产法'),
  doc('b', '生产安全事故应急条例'),
  doc('c', '生产安全事故报告和调查处理条例'),
  doc('d', '中华人民共和国突发事件应对法'),
  doc('e', '上海市实施《中华人民共和国突发事件应对法》办法'),
  doc('f', '普陀区生产安全事故应急预案（虚构示例）'),
];

describe('chinese numbers', () => {
  it('converts article numbers both ways as laws write them', () => {
    for (const [n, s] of [[1, '一'], [10, '十'], [17, '十七'], [20, '二十'], [105, '一百零五'], [120, '一百二十'], [1000, '一千']] as const) {
      expect(toChineseNumber(n)).toBe(s);
      expect(parseChineseNumber(s)).toBe(n);
    }
    expect(parseChineseNumber('二〇二一')).toBe(2021);
  });
});

describe('parseArticleRef', () => {
  it('reads a law name and a Chinese article number', () => {
    expect(parseArticleRef('安全生产法第二十一条')).toEqual({ docHint: '安全生产法', articleLabel: '第二十一条', kind: 'article' });
  });
  it('reads a quoted title and Arabic numbers', () => {
    expect(parseArticleRef('《生产安全事故应急条例》第17条讲的是什么？')).toMatchObject({ docHint: '生产安全事故应急条例', articleLabel: '第十七条' });
    expect(parseArticleRef('应急条例第17条')).toMatchObject({ docHint: '应急条例', articleLabel: '第十七条' });
  });
  it('reads an article number written without 第 right after a law name (应对法78条), and nowhere else', () => {
    expect(parseArticleRef('应对法78条是啥内容')).toMatchObject({ docHint: '应对法', articleLabel: '第七十八条' });
    expect(parseArticleRef('防汛条例三十四条说了什么')).toMatchObject({ docHint: '防汛条例', articleLabel: '第三十四条' });
    expect(parseArticleRef('消防法规定3条通道')).toBeUndefined();
    expect(parseArticleRef('疏散通道要留3条吗')).toBeUndefined();
  });
  it('reads a plan section number only with a named document or the word 节', () => {
    expect(parseArticleRef('《普陀区生产安全事故应急预案（虚构示例）》5.3节规定了什么？')).toMatchObject({ articleLabel: '5.3', kind: 'section' });
    expect(parseArticleRef('风速超过10.8米每秒怎么办')).toBeUndefined();
  });
  it('reads a part and item of a plan outline (第五部分第（三）项)', () => {
    expect(parseArticleRef('值班手册第五部分的第（三）项规定了啥？')).toEqual({ docHint: '值班手册', articleLabel: '五、/（三）', kind: 'section' });
    expect(parseArticleRef('值班手册第五部分讲什么')).toMatchObject({ articleLabel: '五、', kind: 'section' });
  });
  it('ignores questions without an article', () => {
    expect(parseArticleRef('有限空间作业发生中毒怎么处置')).toBeUndefined();
  });
});

describe('matchDocuments', () => {
  it('finds the law from its short name', () => {
    expect(matchDocuments('安全生产法', docs).map((d) => d.id)).toEqual(['a']);
    expect(matchDocuments('突发事件应对法', docs).map((d) => d.id)).toEqual(['d']);
  });
  it('keeps every document an ambiguous short name fits equally well', () => {
    const withQuake = [...docs, doc('g', '破坏性地震应急条例')];
    expect(matchDocuments('应急条例', withQuake).map((d) => d.id).sort()).toEqual(['b', 'g']);
    expect(matchDocuments('生产安全事故应急条例', withQuake).map((d) => d.id)).toEqual(['b']);
  });
  it('resolves an abbreviation by character order', () => {
    expect(matchDocuments('应急条例', docs).map((d) => d.id)).toEqual(['b']);
    expect(titleMatchScore('事故报告条例', '生产安全事故报告和调查处理条例')).toBeGreaterThan(0);
  });
  it('matches nothing for an unrelated hint', () => {
    expect(matchDocuments('食品安全法', docs)).toEqual([]);
  });
});
