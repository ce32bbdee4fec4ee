import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { buildDocx, seedPlanBlocks } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });
const TITLE = '某区防汛防台应急预案（示例）';
const DUTY_TABLE: Block = { kind: 'table', text: '单位 | 值班岗位 | 值班电话（示例）\n区防汛指挥部办公室 | 24小时防汛值班 | 021-0000-0001（示例）' };

/** Word files written by the `docx` package from the seed plan, so the expected blocks are known exactly. */
describe('DOCX parser on a Word file made from the seed plan', () => {
  it('title from core properties, Heading 1–3 as heading blocks, every paragraph kept as written', async () => {
    const blocks = await seedPlanBlocks();
    const doc = await parseFile(await buildDocx(blocks, TITLE), ctx('plan.docx'));
    expect(doc.propertiesTitle).toBe(TITLE);
    expect(doc.blocks).toEqual(blocks);
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: '一、总则' });
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 3, text: '（一）目的' });
  });

  it('a Word table becomes one table block, cells joined with " | "', async () => {
    const blocks = [...(await seedPlanBlocks()).slice(0, 4), DUTY_TABLE];
    const doc = await parseFile(await buildDocx(blocks, TITLE), ctx('plan.docx'));
    expect(doc.blocks.filter((b) => b.kind === 'table')).toEqual([DUTY_TABLE]);
  });

  it('DOCX text passes normalizeBlocks unchanged', async () => {
    const doc = await parseFile(await buildDocx(await seedPlanBlocks(), TITLE), ctx('plan.docx'));
    expect(normalizeBlocks(doc.blocks)).toEqual(doc.blocks);
  });

  it('a Word file with no text is NO_EXTRACTABLE_TEXT', async () => {
    await expect(parseFile(await buildDocx([], TITLE), ctx('空白.docx'))).rejects.toMatchObject({ code: 'NO_EXTRACTABLE_TEXT' });
  });
});
