import { describe, expect, it } from 'vitest';
import { parseChineseNumber, toChineseNumber } from '../../src/core/chinese-text.js';
import {
  classifyHeadingText,
  cleanLine,
  isHeadingLike,
  matchArticleStart,
  matchHeadingLine,
  matchLegalHeading,
  matchOutlineHeading,
} from '../../src/ingest/structure.js';

describe('Chinese numerals', () => {
  it('round-trips every article number from 1 to 2000 in the form laws use', () => {
    for (let n = 1; n <= 2000; n++) expect(parseChineseNumber(toChineseNumber(n))).toBe(n);
    expect(toChineseNumber(10)).toBe('十');
    expect(toChineseNumber(12)).toBe('十二');
    expect(toChineseNumber(29)).toBe('二十九');
    expect(toChineseNumber(101)).toBe('一百零一');
    expect(toChineseNumber(110)).toBe('一百一十');
    expect(toChineseNumber(119)).toBe('一百一十九');
    expect(toChineseNumber(1005)).toBe('一千零五');
  });

  it('reads year numerals digit by digit and full-width digits', () => {
    expect(parseChineseNumber('二〇二一')).toBe(2021);
    expect(parseChineseNumber('一九九五')).toBe(1995);
    expect(parseChineseNumber('２３')).toBe(23);
    expect(parseChineseNumber('两百')).toBe(200);
    expect(parseChineseNumber('abc')).toBeUndefined();
    expect(parseChineseNumber('')).toBeUndefined();
  });
});

describe('article starts (条)', () => {
  it('recognises 第X条 with a space, an ideographic space or directly followed by text', () => {
    expect(matchArticleStart('第一条 为了加强安全生产工作')).toEqual({ label: '第一条', number: 1 });
    expect(matchArticleStart('第一百二十条　本法自公布之日起施行。')).toEqual({ label: '第一百二十条', number: 120 });
    expect(matchArticleStart('第五条生产经营单位的主要负责人')?.label).toBe('第五条');
    expect(matchArticleStart('第十条之一 国家建立……')).toEqual({ label: '第十条之一', number: 10 });
    expect(matchArticleStart('第15条 阿拉伯数字编号')).toEqual({ label: '第15条', number: 15 });
    expect(matchArticleStart('\u200b第一条 零宽空格开头')?.label).toBe('第一条');
  });

  it('does not take a cross-reference at the start of a line for an article', () => {
    expect(matchArticleStart('第三十条规定的情形')).toBeUndefined();
    expect(matchArticleStart('第五条第一款所列单位')).toBeUndefined();
    expect(matchArticleStart('第三十一条的决定》第一次修正')).toBeUndefined();
    expect(matchArticleStart('第二十条、第二十一条')).toBeUndefined();
    expect(matchArticleStart('依照第一条')).toBeUndefined();
  });
});

describe('headings', () => {
  it('recognises 编/章/节 headings but not sentences that start like them', () => {
    expect(matchLegalHeading('第五章 生产安全事故的应急救援与调查处理')).toEqual({
      kind: 'chapter',
      text: '第五章 生产安全事故的应急救援与调查处理',
    });
    expect(matchLegalHeading('第一节 一般规定')?.kind).toBe('section');
    expect(matchLegalHeading('第二编 物权')?.kind).toBe('book');
    expect(matchLegalHeading('第一章')?.kind).toBe('chapter');
    expect(matchLegalHeading('第一章规定的职责，由各部门履行。')).toBeUndefined();
  });

  it('recognises plan outline numbering only on short heading-like lines', () => {
    expect(matchOutlineHeading('一、总则')?.kind).toBe('outline-cn');
    expect(matchOutlineHeading('（二）Ⅳ级响应')?.kind).toBe('outline-paren-cn');
    expect(matchOutlineHeading('1.人员转移')?.kind).toBe('outline-num');
    expect(matchOutlineHeading('（1）现场警戒')?.kind).toBe('outline-paren-num');
    expect(matchOutlineHeading('1 总则')?.kind).toBe('decimal-1');
    expect(matchOutlineHeading('1.1 编制目的')?.kind).toBe('decimal-2');
    expect(matchOutlineHeading('4.1.2 区级接报与上报')?.kind).toBe('decimal-3');
    expect(matchOutlineHeading('4.1.2区级接报与上报')?.kind).toBe('decimal-3');
    expect(matchOutlineHeading('附件1 突发事件信息首报格式（示例）')?.kind).toBe('appendix');
    expect(matchOutlineHeading('附件')?.kind).toBe('appendix');
    expect(matchOutlineHeading('附件1突发事件信息首报格式（示例）')?.kind).toBe('appendix');
    expect(matchOutlineHeading('附件所列物品')).toBeUndefined();
    // Numbered list sentences are items, not headings.
    expect(matchOutlineHeading('1.承担区防指日常工作，汛期实行24小时值班值守；')).toBeUndefined();
    expect(matchOutlineHeading('（一）建立健全并落实本单位全员安全生产责任制；')).toBeUndefined();
    expect(matchOutlineHeading('（一）有效提升综合监管能效。持续开展治本攻坚三年行动')).toBeUndefined();
    expect(matchOutlineHeading('2025年是“十四五”规划的收官之年')).toBeUndefined();
    expect(matchOutlineHeading('普通的一句话')).toBeUndefined();
  });

  it('classifies heading block text by its numbering', () => {
    expect(classifyHeadingText('第一章 总则')).toBe('chapter');
    expect(classifyHeadingText('（一）编制目的')).toBe('outline-paren-cn');
    expect(classifyHeadingText('附件 区防汛指挥部成员单位防汛值班联系表（示例）')).toBe('appendix');
    expect(classifyHeadingText('序言')).toBe('other');
    expect(matchHeadingLine('三、应急处置')?.text).toBe('三、应急处置');
  });

  it('treats long lines and lines ending in punctuation as running text', () => {
    expect(isHeadingLike('应急响应')).toBe(true);
    expect(isHeadingLike('发生事故后应当立即报告。')).toBe(false);
    expect(isHeadingLike('包括：')).toBe(false);
    expect(isHeadingLike('很'.repeat(41))).toBe(false);
    expect(cleanLine('\u200b  第一条 \u200b')).toBe('第一条');
  });
});
