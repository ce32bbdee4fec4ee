import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { compact, corpusFile, hanOnly } from './parser-helpers.js';

/** The corpus text PDFs (YINGJI_CORPUS_DIR): `npm run test:full`. */
const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

async function parsePdf(name: string): Promise<{ blocks: Block[]; pageCount?: number; propertiesTitle?: string }> {
  const doc = await parseFile(await corpusFile(`fixtures/${name}`), ctx(name));
  return { ...doc, blocks: normalizeBlocks(doc.blocks, doc.pageCount) };
}

/** Markdown paragraphs of the source file, whitespace removed. */
async function sourceParagraphs(md: string): Promise<string[]> {
  const doc = await parseFile(await corpusFile(md), ctx(md));
  return doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => compact(b.text));
}

describe('PDF parser on the text PDFs', () => {
  it.each([
    ['emergency-response-law.pdf', 'regulations/emergency-response-law.md', '中华人民共和国突发事件应对法', 25],
    ['sh-flood-prevention-reg.pdf', 'regulations/sh-flood-prevention-reg.md', '上海市防汛条例', 13],
    ['hazardous-chemicals-reg.pdf', 'regulations/hazardous-chemicals-reg.md', '危险化学品安全管理条例', 33],
    ['duty-officer-handbook.pdf', 'plans/duty-officer-handbook.md', '区应急管理局值班值守工作手册（虚构示例）', 13],
  ])('%s: Info title, page count, every Han character of the source in order', async (pdf, md, title, pages) => {
    const doc = await parsePdf(pdf);
    expect(doc.propertiesTitle).toBe(title);
    expect(doc.pageCount).toBe(pages);
    expect(doc.blocks.find((b) => b.kind === 'heading' && b.level === 1)?.text).toBe(title);
    const source = (await corpusFile(md)).toString('utf8').replace(/<!--[\s\S]*?-->/gu, '');
    expect(hanOnly(doc.blocks.map((b) => b.text).join(''))).toBe(hanOnly(source));
    // pages are carried on every block, start at 1, never go backwards and reach the last page
    const seen = doc.blocks.map((b) => b.page ?? 0);
    expect(seen[0]).toBe(1);
    expect(seen.every((p, i) => p >= 1 && (i === 0 || p >= seen[i - 1]))).toBe(true);
    expect(seen[seen.length - 1]).toBe(pages);
  });

  it.each([
    // measured: 0.923, 0.840, 0.857, 0.991 of source paragraphs come out as exactly one PDF block
    ['emergency-response-law.pdf', 'regulations/emergency-response-law.md', 0.88],
    ['sh-flood-prevention-reg.pdf', 'regulations/sh-flood-prevention-reg.md', 0.8],
    ['hazardous-chemicals-reg.pdf', 'regulations/hazardous-chemicals-reg.md', 0.8],
    ['duty-officer-handbook.pdf', 'plans/duty-officer-handbook.md', 0.95],
  ])('%s: wrapped lines are re-joined into the source paragraphs', async (pdf, md, minShare) => {
    const doc = await parsePdf(pdf);
    const blocks = new Set(doc.blocks.map((b) => compact(b.text)));
    const paragraphs = await sourceParagraphs(md);
    const exact = paragraphs.filter((p) => blocks.has(p)).length / paragraphs.length;
    console.log(`${pdf}: ${(exact * 100).toFixed(1)}% of source paragraphs are exactly one PDF block`);
    expect(exact).toBeGreaterThanOrEqual(minShare);
    expect(doc.blocks.every((b) => !b.text.includes('\n'))).toBe(true);
  });

  it('emergency-response-law.pdf: an article broken over lines (引\\n起) is one sentence on the right page', async () => {
    const doc = await parsePdf('emergency-response-law.pdf');
    const first = doc.blocks.find((b) => b.text.startsWith('第一条 '));
    expect(first).toEqual({
      kind: 'paragraph',
      page: 1,
      text: '第一条 为了预防和减少突发事件的发生，控制、减轻和消除突发事件引起的严重社会危害，提高突发事件预防和应对能力，规范突发事件应对活动，保护人民生命财产安全，维护国家安全、公共安全、生态环境安全和社会秩序，根据宪法，制定本法。',
    });
    // 第四条 starts at the foot of page 1 and runs onto page 2: one block, page 1
    const fourth = doc.blocks.find((b) => b.text.startsWith('第四条 '));
    expect(fourth?.page).toBe(1);
    expect(fourth?.text).toContain('坚持以马克思列宁主义、毛泽东思想');
    expect(doc.blocks.find((b) => b.text.startsWith('第五条 '))?.page).toBe(2);
    // "第一章 总 则" (justified) becomes a level-2 heading without the stray space
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: '第一章 总则', page: 1 });
  });

  it('emergency-response-law.pdf: PDF justification spaces are gone ("事故灾难 、" → "事故灾难、", "2024 年" → "2024年")', async () => {
    const doc = await parsePdf('emergency-response-law.pdf');
    const all = doc.blocks.map((b) => b.text).join('\n');
    expect(all).toContain('突发自然灾害、事故灾难、公共卫生事件分为特别重大、重大、较大和一般四级。');
    expect(all).toContain('2024年6月28日');
    const strayGaps = doc.blocks
      .map((b) => b.text.replace(/^第\S+?[编章节条] /u, ''))
      .filter((t) => /[\u4e00-\u9fff] +[\u4e00-\u9fff0-9]|[0-9] +[\u4e00-\u9fff]/u.test(t));
    expect(strayGaps).toEqual([]);
  });

  it('duty-officer-handbook.pdf: outline headings and the attachment on the last page', async () => {
    const doc = await parsePdf('duty-officer-handbook.pdf');
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: '一、总则', page: 1 });
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 3, text: '（一）目的和依据', page: 1 });
    expect(doc.blocks).toContainEqual({ kind: 'paragraph', text: '2.值班时间为每日8时30分至次日8时30分。', page: 2 });
    expect(doc.blocks.find((b) => b.text.startsWith('附件2'))?.page).toBe(13);
  });
});
