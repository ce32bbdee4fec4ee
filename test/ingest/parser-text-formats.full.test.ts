import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { compact, corpusFile } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

/** The corpus Markdown and TXT files (YINGJI_CORPUS_DIR): `npm run test:full`. */
describe('Markdown parser on the regulation corpus', () => {
  it('turns # headings into heading blocks with their level and keeps article paragraphs', async () => {
    const doc = await parseFile(await corpusFile('regulations/sh-flood-prevention-reg.md'), ctx('sh-flood-prevention-reg.md'));
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: '上海市防汛条例' });
    const chapter = doc.blocks.find((b) => b.kind === 'heading' && b.text.startsWith('第一章'));
    expect(chapter?.level).toBe(2);
    expect(doc.blocks).toContainEqual({
      kind: 'paragraph',
      text: '第三条 防汛工作实行全面规划、统筹兼顾、预防为主、及时抢险、局部利益服从全局利益的原则。',
    });
  });

  it('drops the <!-- INFO END --> comment but keeps the adoption-date lines above it', async () => {
    const doc = await parseFile(await corpusFile('regulations/sh-flood-prevention-reg.md'), ctx('x.md'));
    const all = doc.blocks.map((b) => b.text).join('\n');
    expect(all).not.toContain('INFO END');
    expect(all).not.toContain('<!--');
    expect(doc.blocks[1].text).toBe('2003年8月8日 上海市第十二届人民代表大会常务委员会第六次会议通过');
  });

  it('makes one table block per Markdown table, cells joined with " | " and rule rows dropped', async () => {
    const doc = await parseFile(await corpusFile('plans/putuo-flood-typhoon-plan.md'), ctx('putuo-flood-typhoon-plan.md'));
    const tables = doc.blocks.filter((b) => b.kind === 'table');
    expect(tables).toHaveLength(2);
    const rows = tables[0].text.split('\n');
    expect(rows[0]).toBe('响应级别 | 对应预警 | 本区直接启动条件（满足其一） | 决定启动 | 指挥');
    expect(rows).toHaveLength(5);
    expect(tables[0].text).not.toMatch(/---/u);
    expect(rows[1].startsWith('Ⅳ级 | 蓝色 | ')).toBe(true);
    const outline = doc.blocks.find((b) => b.text === '（一）编制目的');
    expect(outline).toEqual({ kind: 'heading', level: 3, text: '（一）编制目的' });
  });

  it('loses no text: every non-markup character of every corpus Markdown file survives', async () => {
    for (const file of ['regulations/work-safety-law.md', 'regulations/emergency-response-law.md', 'plans/duty-officer-handbook.md']) {
      const source = (await corpusFile(file)).toString('utf8');
      const doc = await parseFile(Buffer.from(source, 'utf8'), ctx(file));
      const expected = compact(source.replace(/<!--[\s\S]*?-->/gu, '').replace(/^#+ /gmu, '').replace(/^\|?[\s|:-]+\|?$/gmu, '').replace(/\|/gu, ''));
      expect(compact(doc.blocks.map((b) => b.text.replace(/ \| /gu, '')).join(''))).toBe(expected);
    }
  });

  it('passes Markdown text through normalizeBlocks unchanged (no furniture stripping, no space removal)', async () => {
    const doc = await parseFile(await corpusFile('regulations/work-safety-law.md'), ctx('work-safety-law.md'));
    const normalized = normalizeBlocks(doc.blocks);
    expect(normalized).toEqual(doc.blocks);
  });
});

describe('TXT parser on the corpus', () => {
  it('reads a real UTF-8 plan .txt from the corpus, one paragraph per line', async () => {
    const doc = await parseFile(await corpusFile('plans/putuo-2025-work-priorities.txt'), ctx('putuo-2025-work-priorities.txt'));
    expect(doc.blocks.some((b) => b.text === '上海市普陀区应急管理局')).toBe(true);
    expect(doc.blocks.every((b: Block) => b.kind === 'paragraph' && !b.text.includes('\n') && b.text.trim() === b.text)).toBe(true);
  });
});
