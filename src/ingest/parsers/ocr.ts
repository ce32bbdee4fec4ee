import { appendFileSync } from 'node:fs';
import { access, constants, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../core/errors.js';
import { removeJustificationSpaces } from '../normalize.js';
import { killProcessGroup, runProgram } from './child-process.js';
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
}

export interface OcrPdfOptions extends OcrOptions {
  /** Pages in the PDF (from its page tree). */
  pageCount: number;
  /** Pages 1..maxPages are read; the rest are left out (OCR_MAX_PAGES). */
  maxPages: number;
  /** Told the pages recognised so far, of the pages that will be read. */
  onPage?: (done: number, total: number) => void;
}

export interface OcrResult {
  pages: PageLines[];
  /** Pages read, from page 1; less than the page count when OCR_MAX_PAGES cut the document short. */
  pagesDone: number;
}

/** Rendering resolution; tesseract's Chinese model is trained on text at roughly 300 dpi. */
const RENDER_DPI = 300;
const OCR_LANGUAGE = 'chi_sim';
/** Per-page OCR limit; a dense A4 page takes about 5–15 s on this hardware. */
const OCR_PAGE_TIMEOUT_MS = 180_000;
/** Rendering one page at 300 dpi takes well under a second; a page that takes a minute is hostile. */
const RENDER_PAGE_TIMEOUT_MS = 60_000;
export const OCR_TEMP_PREFIX = 'yingji-ocr-';
/** Files in an OCR temp folder naming the process that owns it and the process groups it started. */
const OWNER_FILE = 'owner.pid';
const CHILDREN_FILE = 'children.pid';
/** A folder without an owner file younger than this may be one being set up right now. */
const OWNERLESS_GRACE_MS = 60_000;

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
    const langs = await runProgram(tesseract, ['--list-langs'], { timeoutMs: 10_000 }).catch(() => undefined);
    if (!langs || langs.code !== 0) missing.push('tesseract');
    else if (!langs.stdout.split(/\s+/u).includes(OCR_LANGUAGE)) missing.push(`tesseract ${OCR_LANGUAGE}`);
  }
  return missing;
}

/**
 * Renders the PDF one page at a time (300 dpi grey) and reads each page with tesseract chi_sim, up to
 * `maxPages`. One page at a time keeps disk use at one image and lets an abort stop within a page.
 * Returns per-page lines with the spaces tesseract puts between CJK characters removed.
 * @throws AppError NEEDS_OCR when the programs are missing, PARSE_FAILED when they fail, ANSWER_ABORTED on abort.
 */
export async function ocrPdf(bytes: Buffer, fileName: string, options: OcrPdfOptions): Promise<OcrResult> {
  const missing = await findMissingOcrPrograms(options);
  if (missing.length > 0) throw needsOcrError(fileName, missing);
  const pdftoppm = (await resolveProgram('pdftoppm', options.searchPath)) as string;
  const tesseract = (await resolveProgram('tesseract', options.searchPath)) as string;
  const dir = await mkdtemp(path.join(tmpdir(), OCR_TEMP_PREFIX));
  // Synchronous so the pid is on disk before the child can outlive a SIGKILL of this process.
  const recordChild = (pid: number) => appendFileSync(path.join(dir, CHILDREN_FILE), `${pid}\n`);
  try {
    await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
    const input = path.join(dir, 'input.pdf');
    await writeFile(input, bytes);
    const last = Math.min(options.pageCount, options.maxPages);
    const pages: PageLines[] = [];
    options.onPage?.(0, last);
    for (let page = 1; page <= last; page++) {
      const image = path.join(dir, 'page');
      const render = await runProgram(
        pdftoppm,
        ['-r', String(RENDER_DPI), '-gray', '-png', '-f', String(page), '-l', String(page), '-singlefile', input, image],
        { timeoutMs: RENDER_PAGE_TIMEOUT_MS, signal: options.signal, onSpawn: recordChild },
      );
      if (render.code !== 0) throw new Error(`pdftoppm 第 ${page} 页退出码 ${render.code}：${render.stderr.trim().slice(0, 300)}`);
      // --psm 4 (one column, varying sizes) fits official documents; measured on the scanned fixture it had
      // half the character errors of the default --psm 3, which split a centred heading into stray glyphs.
      const ocr = await runProgram(tesseract, [`${image}.png`, '-', '-l', OCR_LANGUAGE, '--psm', '4'], {
        timeoutMs: OCR_PAGE_TIMEOUT_MS,
        signal: options.signal,
        onSpawn: recordChild,
      });
      if (ocr.code !== 0) throw new Error(`tesseract 第 ${page} 页退出码 ${ocr.code}：${ocr.stderr.trim().slice(0, 300)}`);
      pages.push({ page, lines: ocr.stdout.split(/\r?\n/u).map(cleanOcrLine) });
      options.onPage?.(page, last);
      await rm(`${image}.png`, { force: true });
    }
    return { pages, pagesDone: last };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('PARSE_FAILED', `文件“${fileName}”OCR 识别失败：${(e as Error).message}`, { cause: e });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes OCR temp folders left by a process that died (SIGKILL, power loss), first killing the pdftoppm or
 * tesseract it had started if they still run. Folders of a live process are left alone. Never throws.
 * @returns the folders removed.
 */
export async function cleanStaleOcrFolders(root: string = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.startsWith(OCR_TEMP_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      const owner = Number((await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => '')).trim());
      if (owner > 0 ? isAlive(owner) : Date.now() - (await stat(dir)).mtimeMs < OWNERLESS_GRACE_MS) continue;
      const children = (await readFile(path.join(dir, CHILDREN_FILE), 'utf8').catch(() => ''))
        .split('\n')
        .map(Number)
        .filter((pid) => pid > 0);
      for (const pid of children) if (await isOcrProgram(pid)) killProcessGroup(pid);
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Another process cleaning at the same time, or no permission: leave it.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled pid: only a process still running pdftoppm or tesseract is killed. */
async function isOcrProgram(pid: number): Promise<boolean> {
  try {
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0];
    return /(?:^|\/)(?:pdftoppm|tesseract)$/u.test(argv0);
  } catch {
    return false;
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
    const r = await runProgram(program, args, { timeoutMs: 10_000 });
    // pdftoppm -v exits 0 on new poppler and 99 on old ones, but always prints its version.
    return r.code === 0 || /pdftoppm version/iu.test(r.stderr);
  } catch {
    return false;
  }
}
