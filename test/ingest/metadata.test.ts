import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { classifyDocType, extractMetadata, parseChineseDate } from '../../src/ingest/metadata.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';

import { SEEDS_DIR } from '../support/paths.js';

function blocksOf(file: string): Block[] {
  return normalizeBlocks(parseMarkdownBlocks(readFileSync(file, 'utf8')));
}

describe('extractMetadata fallbacks and overrides', () => {
  it('takes a 《…》 title line when there is no heading, after a disclaimer line', () => {
    const meta = extractMetadata({
      fileName: 'x.pdf',
      blocks: [
        { kind: 'paragraph', text: '【示例】本文件仅用于测试。' },
        { kind: 'paragraph', text: '《某区地下空间防汛应急处置规程》' },
        { kind: 'paragraph', text: '二〇二一年六月十日印发' },
        { kind: 'paragraph', text: '一、总则' },
      ],
    });
    expect(meta).toMatchObject({ title: '某区地下空间防汛应急处置规程', docType: '应急预案', issuedDate: '2021-06-10' });
  });

  it('falls back to the properties title, then to the file name', () => {
    const blocks: Block[] = [{ kind: 'paragraph', text: '为做好有关工作，特作如下安排。' }];
    expect(extractMetadata({ fileName: 'a.docx', blocks, propertiesTitle: '值班安排' }).title).toBe('值班安排');
    expect(extractMetadata({ fileName: '防汛值班安排.docx', blocks }).title).toBe('防汛值班安排');
    expect(extractMetadata({ fileName: '防汛值班安排.docx', blocks: [] }).docType).toBe('其他');
  });

  it('lets sidecar values override what the text says', () => {
    const blocks = blocksOf(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'));
    expect(extractMetadata({ fileName: 'plan.md', blocks })).toMatchObject({ title: '某区防汛防台应急预案（示例）', docType: '应急预案' });
    const meta = extractMetadata({
      fileName: 'plan.md',
      blocks,
      sidecar: { title: '某区防汛防台应急预案（2025修订）', docType: '其他', effectiveDate: '2025-06-01' },
    });
    expect(meta).toMatchObject({ title: '某区防汛防台应急预案（2025修订）', docType: '其他', effectiveDate: '2025-06-01' });
  });

  it('reads the issuer from a header line whose date is glued to it (PDF text layer)', () => {
    const meta = extractMetadata({
      fileName: 'sh-flood-prevention-reg.pdf',
      blocks: [
        { kind: 'heading', level: 1, text: '上海市防汛条例', page: 1 },
        { kind: 'paragraph', text: '2017年11月23日上海市第十四届人民代表大会常务委员会第四十一次会议第三次修正', page: 1 },
        { kind: 'paragraph', text: '第一章 总则', page: 1 },
      ],
    });
    expect(meta).toMatchObject({ issuer: '上海市人民代表大会常务委员会', issuedDate: '2017-11-23', docType: '地方性法规' });
  });

  it('parses dates written with spaces and with Chinese numerals', () => {
    expect(parseChineseDate('2021年6月10日')).toBe('2021-06-10');
    expect(parseChineseDate('2021 年 6 月 10 日')).toBe('2021-06-10');
    expect(parseChineseDate('二〇二一年六月十日')).toBe('2021-06-10');
    expect(parseChineseDate('一九九五年二月十一日')).toBe('1995-02-11');
    expect(parseChineseDate('二〇二〇年十二月三十一日')).toBe('2020-12-31');
    expect(parseChineseDate('2021年13月40日')).toBeUndefined();
  });

  it('classifies document types from the title and the adopting body', () => {
    expect(classifyDocType('中华人民共和国防洪法', '全国人民代表大会常务委员会第二十七次会议通过')).toBe('法律');
    expect(classifyDocType('中华人民共和国防汛条例', '中华人民共和国国务院令第86号公布')).toBe('行政法规');
    expect(classifyDocType('森林防火条例')).toBe('行政法规');
    expect(classifyDocType('特种设备安全监督检查办法', '国家市场监督管理总局令第57号公布')).toBe('部门规章');
    expect(classifyDocType('上海市燃气管理条例')).toBe('地方性法规');
    expect(classifyDocType('上海市实施《中华人民共和国突发事件应对法》办法', '上海市第十三届人民代表大会常务委员会第三十八次会议通过')).toBe('地方性法规');
    expect(classifyDocType('济南市城市供水条例')).toBe('地方性法规');
    expect(classifyDocType('城市市容和环境卫生管理条例')).toBe('行政法规');
    expect(classifyDocType('普陀区防汛防台专项应急预案（虚构示例）')).toBe('应急预案');
    expect(classifyDocType('有限空间作业事故现场处置方案')).toBe('应急预案');
    expect(classifyDocType('危险化学品泄漏应急处置卡')).toBe('应急预案');
    expect(classifyDocType('区应急管理局值班值守工作手册')).toBe('工作制度');
    expect(classifyDocType('安全生产约谈工作制度')).toBe('工作制度');
    expect(classifyDocType('应急管理行政执法实施细则')).toBe('工作制度');
    expect(classifyDocType('关于做好节日期间安全工作的通知')).toBe('其他');
  });
});
