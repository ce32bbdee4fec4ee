import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, DocType } from '../../src/core/types.js';
import { classifyDocType, extractMetadata, parseChineseDate } from '../../src/ingest/metadata.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';

const CORPUS = '/work/shared/corpus';

function blocksOf(file: string): Block[] {
  return normalizeBlocks(parseMarkdownBlocks(readFileSync(file, 'utf8')));
}

/** MANIFEST.tsv rows as objects keyed by the header row. */
function manifest(dir: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path.join(CORPUS, dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const keys = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [keys[i], v])));
}

const MANIFEST_TYPE: Record<string, DocType> = {
  law: '法律',
  'administrative-regulation': '行政法规',
  'departmental-rule': '部门规章',
  'local-regulation': '地方性法规',
  // DocType has no 司法解释; interpretations are 其他.
  'judicial-interpretation': '其他',
};

describe('extractMetadata on the regulation corpus', () => {
  it('matches MANIFEST.tsv title, type and stated date for all 60 regulations', () => {
    const rows = manifest('regulations');
    expect(rows).toHaveLength(60);
    for (const row of rows) {
      const file = row.file!;
      const meta = extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'regulations', file)) });
      expect(meta.title, file).toBe(row.title);
      expect(meta.docType, file).toBe(MANIFEST_TYPE[row.type!]);
      const [date, event] = row.date!.split(' ');
      // The manifest gives the latest stated date with its event; 施行 is the effective date, the rest issue dates.
      if (event === '施行') expect(meta.effectiveDate, file).toBe(date);
      else expect(meta.issuedDate, file).toBe(date);
    }
  });

  it('reads the issuer and the effective date where the text states them', () => {
    const read = (file: string) => extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'regulations', file)) });
    expect(read('work-safety-law.md')).toEqual({
      title: '中华人民共和国安全生产法',
      docType: '法律',
      issuedDate: '2021-06-10',
      effectiveDate: '2002-11-01',
      issuer: '全国人民代表大会常务委员会',
    });
    expect(read('hazardous-chemicals-reg.md').issuer).toBe('国务院');
    expect(read('military-disaster-relief-reg.md').issuer).toBe('国务院、中央军事委员会');
    expect(read('sh-fire-protection-reg.md').issuer).toBe('上海市人民代表大会常务委员会');
    expect(read('special-equipment-inspection-rule.md')).toMatchObject({
      issuer: '国家市场监督管理总局',
      issuedDate: '2022-05-26',
      effectiveDate: '2022-07-01',
    });
    expect(read('work-safety-crime-interpretation-2.md')).toMatchObject({
      issuedDate: '2022-10-25',
      effectiveDate: '2022-12-19',
      issuer: '最高人民法院、最高人民检察院',
    });
    // No header lines: the effective date comes from 本条例自…起施行 in the body.
    expect(read('sh-gas-reg.md').effectiveDate).toBe('2008-03-01');
  });
});

describe('extractMetadata on plans', () => {
  it('skips the 虚构示例 notice and reads titles and types of the sample plans', () => {
    const expected: Record<string, DocType> = {
      'putuo-flood-typhoon-plan.md': '应急预案',
      'putuo-work-accident-plan.md': '应急预案',
      'confined-space-onsite-procedure.md': '应急预案',
      'duty-officer-handbook.md': '工作制度',
    };
    const titles = new Map(manifest('plans').map((r) => [r.file!, r.title!]));
    for (const [file, docType] of Object.entries(expected)) {
      const meta = extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'plans', file)) });
      expect(meta.title, file).toBe(titles.get(file));
      expect(meta.docType, file).toBe(docType);
      expect(meta.issuedDate, file).toBeUndefined();
    }
  });

  it('reads a plain-text work plan: title line, 工作制度, the signature date as issue date', () => {
    const lines = readFileSync(path.join(CORPUS, 'plans', 'putuo-2025-work-priorities.txt'), 'utf8').split('\n');
    const blocks: Block[] = lines.map((t) => ({ kind: 'paragraph' as const, text: t.trim() })).filter((b) => b.text);
    expect(extractMetadata({ fileName: 'putuo-2025-work-priorities.txt', blocks })).toEqual({
      title: '上海市普陀区应急管理局2025年工作要点',
      docType: '工作制度',
      issuedDate: '2025-03-28',
      issuer: '上海市普陀区应急管理局',
    });
  });
});

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
    const meta = extractMetadata({
      fileName: 'work-safety-law.md',
      blocks: blocksOf(path.join(CORPUS, 'regulations', 'work-safety-law.md')),
      sidecar: { title: '安全生产法（2021修正）', docType: '其他', effectiveDate: '2021-09-01' },
    });
    expect(meta).toMatchObject({
      title: '安全生产法（2021修正）',
      docType: '其他',
      effectiveDate: '2021-09-01',
      issuedDate: '2021-06-10',
    });
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
