import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../core/errors.js';
import { removeJustificationSpaces } from '../normalize.js';
import type { PageLines } from './pdf-lines.js';

/**
 * OCR for scanned PDFs through the system programs pdftoppm (poppler-utils) and tesseract.
 * They are child processes, so OCR does not block the event loop; it costs a few seconds per page.
 */

export interface OcrOptions {
  /**
   * PATH-style list of directories to look for pdftoppm and tesseract in. Undefined: the process PATH.
   * Lets a caller (or a test) point at a different install, or at none.
   */
  searchPath?: string;
  signal?: AbortSignal;
  /** Called after each page is recognised (OCR takes seconds per page; the UI shows how far it got). */
  onPage?: (done: number, total: number) => void;
}

/** Rendering resolution; tesseract's Chinese model is trained on text at roughly 300 dpi. */
const RENDER_DPI = 300;
const OCR_LANGUAGE = 'chi_sim';
/** Per-page OCR limit; a dense A4 page takes about 5–15 s on this hardware. */
const OCR_PAGE_TIMEOUT_MS = 180_000;
const RENDER_TIMEOUT_MS = 300_000;

export const OCR_INSTALL_HINT = 'apt-get install tesseract-ocr tesseract-ocr-chi-sim poppler-utils';

/** True when pdftoppm and tesseract (with the chi_sim language) can be run. */
export async function ocrAvailable(options: OcrOptions = {}): Promise<boolean> {
  return (await findMissingOcrPrograms(options)).length === 0;
}

/** Names what is missing for OCR: 'pdftoppm', 'tesseract', 'tesseract chi_sim'. Empty when OCR can run. */
export async function findMissingOcrPrograms(options: OcrOptions = {}): Promise<string[]> {
  const missing: string[] = [];
  const pdftoppm = await resolveProgram('pdftoppm', options.searchPath);
  if (!pdftoppm || !(await runs(pdftoppm, ['-v']))) missing.push('pdftoppm');
  const tesseract = await resolveProgram('tesseract', options.searchPath);
  if (!tesseract) {
    missing.push('tesseract');
  } else {
    const langs = await run(tesseract, ['--list-langs'], { timeoutMs: 10_000 }).catch(() => undefined);
    if (!langs) missing.push('tesseract');
    else if (!langs.stdout.split(/\s+/u).includes(OCR_LANGUAGE)) missing.push(`tesseract ${OCR_LANGUAGE}`);
  }
  return missing;
}

/**
 * Renders each page of a PDF at 300 dpi grey and reads it with tesseract chi_sim.
 * Returns per-page lines with the spaces tesseract puts between CJK characters removed.
 * @throws AppError NEEDS_OCR when the programs are missing, PARSE_FAILED when they fail.
 */
export async function ocrPdf(bytes: Buffer, fileName: string, options: OcrOptions = {}): Promise<PageLines[]> {
  const missing = await findMissingOcrPrograms(options);
  if (missing.length > 0) throw needsOcrError(fileName, missing);
  const pdftoppm = (await resolveProgram('pdftoppm', options.searchPath)) as string;
  const tesseract = (await resolveProgram('tesseract', options.searchPath)) as string;
  const dir = await mkdtemp(path.join(tmpdir(), 'yingji-ocr-'));
  try {
    const input = path.join(dir, 'input.pdf');
    await writeFile(input, bytes);
    await run(pdftoppm, ['-r', String(RENDER_DPI), '-gray', '-png', input, path.join(dir, 'page')], {
      timeoutMs: RENDER_TIMEOUT_MS,
      signal: options.signal,
    });
    // pdftoppm names pages page-1.png or page-01.png depending on the page count; sort numerically.
    const images = (await readdir(dir))
      .filter((f) => /^page-\d+\.png$/u.test(f))
      .sort((a, b) => pageNumberOf(a) - pageNumberOf(b));
    const pages: PageLines[] = [];
    options.onPage?.(0, images.length);
    for (const image of images) {
      // --psm 4 (one column, varying sizes) fits official documents; measured on the scanned fixture it had
      // half the character errors of the default --psm 3, which split a centred heading into stray glyphs.
      const { stdout } = await run(tesseract, [path.join(dir, image), '-', '-l', OCR_LANGUAGE, '--psm', '4'], {
        timeoutMs: OCR_PAGE_TIMEOUT_MS,
        signal: options.signal,
      });
      pages.push({ page: pageNumberOf(image), lines: stdout.split(/\r?\n/u).map(cleanOcrLine) });
      options.onPage?.(pages.length, images.length);
    }
    return pages;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('PARSE_FAILED', `文件“${fileName}”OCR 识别失败：${(e as Error).message}`, { cause: e });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The AppError for a scanned file that cannot be read without OCR. */
export function needsOcrError(fileName: string, missing: string[] | 'disabled'): AppError {
  if (missing === 'disabled') {
    return new AppError(
      'NEEDS_OCR',
      `文件“${fileName}”是扫描件（没有文字层），当前已关闭 OCR。请开启 OCR 后重新导入，或提供带文字层的 PDF。`,
    );
  }
  return new AppError(
    'NEEDS_OCR',
    `文件“${fileName}”是扫描件（没有文字层），需要 OCR 才能读取，但本机缺少 ${missing.join('、')}。` +
      `请由管理员安装：${OCR_INSTALL_HINT}，然后重新导入。`,
  );
}

/**
 * Tesseract separates CJK characters (and CJK from digits) with spaces; remove those, keep spaces between
 * Latin words and the one after a leading 第X条 label.
 */
export function cleanOcrLine(line: string): string {
  return removeJustificationSpaces(line.trim());
}

function pageNumberOf(fileName: string): number {
  return Number(/(\d+)\.png$/u.exec(fileName)?.[1] ?? 0);
}

async function resolveProgram(name: string, searchPath: string | undefined): Promise<string | undefined> {
  // Without an override, let the OS resolve the name through the process PATH when spawning.
  if (searchPath === undefined) return name;
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function runs(program: string, args: string[]): Promise<boolean> {
  try {
    await run(program, args, { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects on spawn failure, non-zero exit, timeout or abort. */
function run(program: string, args: string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    // Our own timer (not spawn's `timeout`), so a program that failed to start does not keep the process alive.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      // pdftoppm -v exits 0 on new poppler and 99 on old ones, but always prints its version.
      if (code === 0 || (args[0] === '-v' && /pdftoppm version/iu.test(stderr))) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(program)} ${sig ? `被信号 ${sig} 终止` : `退出码 ${code}`}：${stderr.trim().slice(0, 300)}`));
    });
  });
}
