import { describe, expect, it } from 'vitest';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { buildChinesePdf, buildPdf, compact, expectAppError, hanOnly, pdfStream, seedPlanBlocks } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });
const TITLE = '某区防汛防台应急预案（示例）';
/** Lines per generated page: a few pages, so page numbers are tested too. */
const LINES_PER_PAGE = 10;

/** A text PDF of the seed plan, one block per line, in a non-embedded STSong-Light font (as older Chinese PDFs). */
async function seedPdf(): Promise<{ pdf: Buffer; lines: string[]; pages: string[][] }> {
  // Long paragraphs become several lines of at most 40 characters, as a PDF text layer gives them.
  const lines = (await seedPlanBlocks()).flatMap((b) => b.text.match(/.{1,40}/gu) ?? []);
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE));
  return { pdf: buildChinesePdf(pages, { title: TITLE }), lines, pages };
}

describe('PDF parser on a PDF made from the seed plan', () => {
  it('Info title, page count, every Han character of the source in order, pages on every block', async () => {
    const { pdf, lines, pages } = await seedPdf();
    const parsed = await parseFile(pdf, ctx('plan.pdf'));
    const blocks = normalizeBlocks(parsed.blocks, parsed.pageCount);
    expect(parsed.propertiesTitle).toBe(TITLE);
    expect(parsed.pageCount).toBe(pages.length);
    expect(pages.length).toBeGreaterThan(2);
    expect(hanOnly(blocks.map((b) => b.text).join(''))).toBe(hanOnly(lines.join('')));
    const seen = blocks.map((b) => b.page ?? 0);
    expect(seen[0]).toBe(1);
    expect(seen.every((p, i) => p >= 1 && (i === 0 || p >= seen[i - 1]))).toBe(true);
    expect(seen[seen.length - 1]).toBe(pages.length);
  });

  it('reads CJK text set in a non-embedded font with a predefined CMap (STSong-Light, UniGB-UCS2-H)', async () => {
    const text = '第一条 应急预案';
    const hex = Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
    const pdf = buildPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      pdfStream(`BT /F1 24 Tf 20 100 Td <${hex}> Tj ET`),
      '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>',
      '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>',
      '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    ]);
    const doc = await parseFile(pdf, ctx('cmap.pdf'));
    expect(compact(doc.blocks.map((b) => b.text).join(''))).toBe(compact(text));
  });

  it('a PDF with neither text nor images is NO_EXTRACTABLE_TEXT', async () => {
    const pdf = buildPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R >>',
      pdfStream('0 0 1 rg 10 10 100 100 re f'),
    ]);
    const e = await expectAppError(parseFile(pdf, ctx('空白页.pdf')), 'NO_EXTRACTABLE_TEXT');
    expect(e.message).toContain('空白页.pdf');
  });
});
