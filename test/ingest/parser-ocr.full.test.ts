import { describe, expect, it } from 'vitest';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { cleanOcrLine, ocrAvailable } from '../../src/ingest/parsers/ocr.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { compact, corpusFile, editDistance, expectAppError } from './parser-helpers.js';

const SCANNED = 'fixtures/sh-flood-prevention-reg-p1-scanned.pdf';
/** Measured 0.985 (CER 1.5%) with tesseract 5.3 chi_sim --psm 4 at 300 dpi; margin for other tesseract builds. */
const MIN_OCR_ACCURACY = 0.95;
const OCR_TIMEOUT_MS = 300_000;

describe('scanned PDF', () => {
  it('OCR tools are installed on this machine (CI installs tesseract-ocr tesseract-ocr-chi-sim poppler-utils)', async () => {
    expect(await ocrAvailable()).toBe(true);
  });

  it(
    'is read by OCR when ocr is auto, with character accuracy against the ground truth',
    async () => {
      const doc = await parseFile(await corpusFile(SCANNED), { fileName: 'scan.pdf', ocr: 'auto' });
      expect(doc.ocr).toBe(true);
      expect(doc.pageCount).toBe(1);
      const blocks = normalizeBlocks(doc.blocks, doc.pageCount);
      expect(blocks.every((b) => b.page === 1)).toBe(true);
      const expected = compact((await corpusFile(`${SCANNED.replace('.pdf', '.expected.txt')}`)).toString('utf8'));
      const got = compact(blocks.map((b) => b.text).join(''));
      const accuracy = 1 - editDistance(expected, got) / [...expected].length;
      console.log(`OCR character accuracy: ${(accuracy * 100).toFixed(2)}% (CER ${((1 - accuracy) * 100).toFixed(2)}%, ${[...got].length}/${[...expected].length} chars)`);
      expect(accuracy).toBeGreaterThanOrEqual(MIN_OCR_ACCURACY);
      // tesseract's spaces between CJK characters are removed
      expect(got.length).toBeGreaterThan(0);
      expect(blocks.some((b) => b.text.includes('第一条 为了加强本市的防汛工作'))).toBe(true);
    },
    OCR_TIMEOUT_MS,
  );

  it('is NEEDS_OCR naming the packages to install when the OCR programs cannot be found', async () => {
    const e = await expectAppError(
      parseFile(await corpusFile(SCANNED), { fileName: '扫描件.pdf', ocr: 'auto', ocrSearchPath: '' }),
      'NEEDS_OCR',
    );
    expect(e.message).toContain('扫描件.pdf');
    expect(e.message).toContain('apt-get install tesseract-ocr tesseract-ocr-chi-sim poppler-utils');
    expect(await ocrAvailable({ searchPath: '' })).toBe(false);
  });

  it('is NEEDS_OCR when OCR is switched off', async () => {
    const e = await expectAppError(parseFile(await corpusFile(SCANNED), { fileName: 'scan.pdf', ocr: 'off' }), 'NEEDS_OCR');
    expect(e.message).toMatch(/OCR/u);
  });

  it('removes the spaces tesseract puts between CJK characters but keeps them between Latin words', () => {
    expect(cleanOcrLine('上 海 市 防 汛 条 例 ， 维 护')).toBe('上海市防汛条例，维护');
    expect(cleanOcrLine('第一条 为了 加强')).toBe('第一条 为了加强');
    expect(cleanOcrLine('2003 年8月 8 日 PM 2.5 浓 度')).toBe('2003年8月8日 PM 2.5浓度');
  });
});
