import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTextEncoding } from '../../src/ingest/file-type.js';
import { isCalendarDate, parseChineseDate, validateSidecar } from '../../src/ingest/metadata.js';
import { parseFile } from '../../src/ingest/parsers/index.js';
import { collectInputs } from '../../src/ingest/pipeline.js';
import { SEEDS_DIR } from '../support/paths.js';
import { expectAppError } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

/** Paragraph lines of a seed document, without Markdown markup: the project's own Chinese text. */
async function seedLines(): Promise<string[]> {
  const md = await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'), 'utf8');
  return md
    .split('\n')
    .map((l) => l.replace(/^[#>*\-\s|]+/u, '').trim())
    .filter((l) => /\p{Script=Han}/u.test(l) && !/[|*#]/u.test(l));
}

describe('text encodings', () => {
  it.each(['utf-16le', 'utf-16be'] as const)(
    'UTF-16 text without a BOM is read, not rejected as binary (%s, Chinese lines with only newlines as ASCII)',
    async (encoding) => {
      const lines = await seedLines();
      const bytes = iconv.encode(lines.join('\n') + '\n', encoding);
      expect(detectTextEncoding(bytes)).toBe(encoding);
      const doc = await parseFile(bytes, ctx('无BOM.txt'));
      expect(doc.blocks.map((b) => b.text)).toEqual(lines);
    },
  );

  it.each(['utf-16le', 'utf-16be'] as const)('UTF-16 Chinese text without a BOM and without any ASCII (%s) is read', async (encoding) => {
    // Without characters such as 一 (U+4E00) whose UTF-16 has a zero byte.
    const line = [...(await seedLines()).join('')].filter((c) => (c.charCodeAt(0) & 0xff) !== 0 && c.charCodeAt(0) > 0xff).join('');
    const bytes = iconv.encode(line, encoding);
    expect(bytes.includes(0)).toBe(false);
    const doc = await parseFile(bytes, ctx('纯中文.txt'));
    expect(doc.blocks[0].text).toBe(line);
  });

  it('GBK and UTF-8 Chinese text are still not mistaken for UTF-16', async () => {
    const text = (await seedLines()).join('\n');
    expect(detectTextEncoding(iconv.encode(text, 'gbk'))).toBe('gb18030');
    expect(detectTextEncoding(Buffer.from(text, 'utf8'))).toBe('utf-8');
  });
});

describe('calendar dates', () => {
  it.each([
    ['2024-02-29', true],
    ['2025-02-28', true],
    ['2025-12-31', true],
    ['2025-02-29', false],
    ['2025-13-99', false],
    ['2025-04-31', false],
    ['2025-00-10', false],
    ['2025-1-5', false],
  ])('isCalendarDate(%s) is %s', (iso, ok) => {
    expect(isCalendarDate(iso)).toBe(ok);
  });

  it('a date in the text that does not exist (2025年2月30日) is not taken as a date', () => {
    expect(parseChineseDate('2025年2月30日公布')).toBeUndefined();
    expect(parseChineseDate('2024年2月29日公布')).toBe('2024-02-29');
  });
});

describe('sidecar .meta.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'yingji-sidecar-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an issuedDate of 2025-13-99 in a sidecar .meta.json is refused with INVALID_REQUEST naming the field', async () => {
    await writeFile(path.join(dir, '预案.txt'), '某区防汛应急预案\n');
    await writeFile(path.join(dir, '预案.txt.meta.json'), JSON.stringify({ issuedDate: '2025-13-99' }));
    const e = await expectAppError(collectInputs([dir]), 'INVALID_REQUEST');
    expect(e.message).toContain('issuedDate');
    expect(e.message).toContain('预案.txt.meta.json');
  });

  it('accepts a valid sidecar and refuses unknown document types and fields', () => {
    expect(validateSidecar({ title: ' 防汛预案 ', docType: '应急预案', effectiveDate: '2024-02-29' }, 'x.meta.json')).toEqual({
      title: '防汛预案',
      docType: '应急预案',
      effectiveDate: '2024-02-29',
    });
    expect(() => validateSidecar({ docType: '通知' }, 'x.meta.json')).toThrow(/docType/u);
    expect(() => validateSidecar({ titel: '防汛预案' }, 'x.meta.json')).toThrow(/titel/u);
  });
});
