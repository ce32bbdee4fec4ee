import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../src/core/errors.js';
import { corpusPath } from '../support/paths.js';

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
