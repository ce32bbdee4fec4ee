import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../src/core/errors.js';
import type { Block } from '../../src/core/types.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';
import { SEEDS_DIR, corpusPath } from '../support/paths.js';

export { REPO_ROOT } from '../support/paths.js';

/** A file of the public corpus (YINGJI_CORPUS_DIR); only `*.full.test.ts` files may call this. */
export function corpusFile(relative: string): Promise<Buffer> {
  return readFile(corpusPath(relative));
}

/** Removes all whitespace, for comparisons that must not depend on line layout. */
export function compact(text: string): string {
  return text.replace(/\s+/gu, '');
}

/** Only the Han characters of a text, in order: layout- and punctuation-width-independent content. */
export function hanOnly(text: string): string {
  return (text.match(/\p{Script=Han}/gu) ?? []).join('');
}

/** Asserts that a promise rejects with an AppError of the given code and returns it. */
export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe(code);
    return e as AppError;
  }
  throw new Error(`expected AppError ${code}, but the promise resolved`);
}

/** Levenshtein distance over code points (two-row dynamic programme). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/**
 * Builds a minimal valid PDF from object bodies (object i+1 = bodies[i]; object 1 must be the catalog),
 * computing the xref offsets, so tests can make PDFs with exactly the feature under test.
 */
export function buildPdf(bodies: string[]): Buffer {
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export function pdfStream(content: string): string {
  return `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
}

/** UCS-2 big-endian hex of a string, for a `<…> Tj` string shown through UniGB-UCS2-H. */
function ucs2Hex(text: string): string {
  const units = Buffer.from(text, 'utf16le');
  units.swap16();
  return units.toString('hex').toUpperCase();
}

/**
 * A text PDF in Chinese from the project's own text: each page a list of lines set in the non-embedded
 * STSong-Light font through the predefined CMap UniGB-UCS2-H (common in older Chinese PDFs; pdf.js reads it
 * only with cMapUrl), optionally with a /Title in the document info.
 */
export function buildChinesePdf(pages: string[][], options: { title?: string; fontSize?: number } = {}): Buffer {
  const size = options.fontSize ?? 12;
  const leading = Math.round(size * 1.6);
  const bodies: string[] = [];
  // 1 catalog, 2 pages, 3 font, 4 descendant font, 5 descriptor, then page/content pairs, then info.
  const pageIds = pages.map((_, i) => 6 + i * 2);
  bodies.push('<< /Type /Catalog /Pages 2 0 R >>');
  bodies.push(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`);
  bodies.push('<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>');
  bodies.push(
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light ' +
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 >>',
  );
  bodies.push(
    '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] ' +
      '/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
  );
  pages.forEach((lines, i) => {
    const ops = lines.map((l, j) => `BT /F1 ${size} Tf 50 ${800 - j * leading} Td <${ucs2Hex(l)}> Tj ET`).join('\n');
    bodies.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i] + 1} 0 R >>`);
    bodies.push(pdfStream(ops));
  });
  const pdf = buildPdf(bodies).toString('latin1');
  if (options.title === undefined) return Buffer.from(pdf, 'latin1');
  // Add an Info dictionary (UTF-16BE title with BOM) as one more object referenced from the trailer.
  const infoId = bodies.length + 1;
  return buildPdfWithInfo([...bodies, `<< /Title <FEFF${ucs2Hex(options.title)}> >>`], infoId);
}

function buildPdfWithInfo(bodies: string[], infoId: number): Buffer {
  return Buffer.from(buildPdf(bodies).toString('latin1').replace('/Root 1 0 R >>', `/Root 1 0 R /Info ${infoId} 0 R >>`), 'latin1');
}

/** The project's own sample plan (seeds/), as the blocks the Markdown parser reads from it. */
export async function seedPlanBlocks(): Promise<Block[]> {
  return parseMarkdownBlocks(await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'), 'utf8'));
}

/**
 * A Word document written by the `docx` package from blocks: core-properties title, Heading 1–3 styles,
 * paragraphs and tables, as Word itself saves them.
 */
export async function buildDocx(blocks: Block[], title: string): Promise<Buffer> {
  const headingLevels = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3, HeadingLevel.HEADING_4];
  const children = blocks.map((b) => {
    if (b.kind === 'heading') return new Paragraph({ text: b.text, heading: headingLevels[Math.min(b.level ?? 1, 4) - 1] });
    if (b.kind === 'table') {
      return new Table({
        rows: b.text.split('\n').map(
          (row) => new TableRow({ children: row.split(' | ').map((cell) => new TableCell({ children: [new Paragraph(cell)] })) }),
        ),
      });
    }
    return new Paragraph(b.text);
  });
  return Packer.toBuffer(new Document({ title, sections: [{ children }] }));
}
