import { describe, expect, it } from 'vitest';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { corpusFile, hanOnly } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

describe('DOCX parser on real Word files', () => {
  it.each([
    ['work-safety-law', '中华人民共和国安全生产法'],
    ['sh-emergency-response-measures', '上海市实施《中华人民共和国突发事件应对法》办法'],
    ['work-accident-emergency-reg', '生产安全事故应急条例'],
  ])('%s.docx: title from core properties, Heading 1/2 as heading blocks, all text kept', async (name, title) => {
    const doc = await parseFile(await corpusFile(`fixtures/${name}.docx`), ctx(`${name}.docx`));
    expect(doc.propertiesTitle).toBe(title);
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: title });
    const chapters = doc.blocks.filter((b) => b.kind === 'heading' && b.level === 2);
    expect(chapters.length).toBeGreaterThan(3);
    expect(chapters.every((b) => /^第[一二三四五六七八九十]+章/u.test(b.text))).toBe(true);
    // The fixture was made from the corpus Markdown without editing the text: the Han characters match exactly.
    const md = (await corpusFile(`regulations/${name}.md`)).toString('utf8');
    expect(hanOnly(doc.blocks.map((b) => b.text).join(''))).toBe(hanOnly(md.replace(/<!--[\s\S]*?-->/gu, '')));
  });

  it('work-safety-law.docx keeps a known article sentence as one paragraph', async () => {
    const doc = await parseFile(await corpusFile('fixtures/work-safety-law.docx'), ctx('work-safety-law.docx'));
    expect(doc.blocks).toContainEqual({
      kind: 'paragraph',
      text: '第一条 为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，促进经济社会持续健康发展，制定本法。',
    });
  });

  it('putuo-flood-typhoon-plan.docx: 一、 as Heading 2, （一） as Heading 3, and both Word tables as table blocks', async () => {
    const doc = await parseFile(await corpusFile('fixtures/putuo-flood-typhoon-plan.docx'), ctx('putuo-flood-typhoon-plan.docx'));
    expect(doc.propertiesTitle).toBe('普陀区防汛防台专项应急预案（虚构示例）');
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: '一、总则' });
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 3, text: '（一）编制目的' });
    const tables = doc.blocks.filter((b) => b.kind === 'table');
    expect(tables).toHaveLength(2);
    const levels = tables[0].text.split('\n');
    expect(levels).toHaveLength(5);
    expect(levels[0]).toBe('响应级别 | 对应预警 | 本区直接启动条件（满足其一） | 决定启动 | 指挥');
    expect(levels[4]).toMatch(/^Ⅰ级 \| 红色 \| /u);
    expect(tables[1].text.split('\n')[0]).toBe('单位 | 值班岗位 | 值班电话（示例）');
    expect(tables[1].text).toContain('区防汛指挥部办公室 | 24小时防汛值班 | 021-5xxx-0001（示例）');
    // numbered items are ordinary paragraphs whose numbers are part of the text
    expect(doc.blocks.some((b) => b.kind === 'paragraph' && b.text.startsWith('1.人民至上、生命至上。'))).toBe(true);
  });

  it('DOCX text passes normalizeBlocks unchanged', async () => {
    const doc = await parseFile(await corpusFile('fixtures/putuo-flood-typhoon-plan.docx'), ctx('plan.docx'));
    expect(normalizeBlocks(doc.blocks)).toEqual(doc.blocks);
  });
});
