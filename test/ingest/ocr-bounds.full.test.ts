/** Needs pdftoppm and tesseract (chi_sim): `npm run test:full`. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runYingji } from '../cli/run-cli.js';
import { REPO_ROOT } from '../support/paths.js';
import { buildPdf, pdfStream } from './parser-helpers.js';

const SCAN_PAGES = 2_000;
/** What the README promises for `docker stop`. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** A page image with text tesseract reads: a Helvetica PDF rendered by pdftoppm to raw grey (PGM). */
function renderTextImage(dir: string): { width: number; height: number; pixels: Buffer } {
  const ops = 'BT /F1 36 Tf 60 700 Td (2025 12 31) Tj ET\nBT /F1 36 Tf 60 600 Td (110 119 120) Tj ET';
  const textPdf = buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    pdfStream(ops),
  ]);
  const pgm = execFileSync('pdftoppm', ['-r', '100', '-gray', '-singlefile', '-'], { input: textPdf, cwd: dir });
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/u.exec(pgm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a PGM');
  return { width: Number(header[1]), height: Number(header[2]), pixels: pgm.subarray(header[0].length) };
}

/** An image-only PDF of `pages` pages all showing one scanned-looking image (a few hundred KB, like the battery's). */
function buildScannedPdf(image: { width: number; height: number; pixels: Buffer }, pages: number): Buffer {
  const data = deflateSync(image.pixels, { level: 9 }).toString('latin1');
  const bodies = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${5 + i} 0 R`).join(' ')}] /Count ${pages} >>`,
    `<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} /ColorSpace /DeviceGray ` +
      `/BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n${data}\nendstream`,
    pdfStream('q 595 0 0 842 0 0 cm /Im1 Do Q'),
    ...Array.from(
      { length: pages },
      () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 3 0 R >> >> /Contents 4 0 R >>',
    ),
  ];
  return buildPdf(bodies);
}

async function ocrFolders(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('yingji-ocr-'));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('OCR bounds on a 2,000-page image-only PDF', () => {
  let root: string;
  let scan: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'yingji-ocr-bounds-'));
    scan = path.join(root, '两千页扫描件.pdf');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(scan, buildScannedPdf(renderTextImage(root), SCAN_PAGES));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a 2,000-page scan is read by OCR only up to OCR_MAX_PAGES and recorded as partial with the page range done', async () => {
    const data = path.join(root, 'kb-partial');
    const run = await runYingji(['ingest', scan, '--data', data], { OCR_MAX_PAGES: '2' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('部分导入');
    expect(run.stdout).toContain(`共 ${SCAN_PAGES} 页，只识别了第 1–2 页`);
    const docs = await runYingji(['docs', '--json', '--data', data]);
    const [doc] = JSON.parse(docs.stdout) as { indexStatus: string; notice?: string; pageCount?: number }[];
    expect(doc.indexStatus).toBe('indexed');
    expect(doc.pageCount).toBe(SCAN_PAGES);
    expect(doc.notice).toContain('OCR_MAX_PAGES');
  }, 300_000);

  it('SIGTERM during the OCR of a 2,000-page scan exits within 10 s, kills pdftoppm/tesseract and leaves no /tmp/yingji-ocr-* folder', async () => {
    const tmp = await mkdtemp(path.join(root, 'tmp-'));
    const child = spawn(process.execPath, [BIN, 'ingest', scan, '--data', path.join(root, 'kb-term')], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp, OCR_MAX_PAGES: String(SCAN_PAGES), OLLAMA_BASE_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // Wait until OCR has started a few pages.
    let children: number[] = [];
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const [folder] = await ocrFolders(tmp);
      if (folder) {
        children = (await readFile(path.join(tmp, folder, 'children.pid'), 'utf8').catch(() => ''))
          .split('\n')
          .map(Number)
          .filter((n) => n > 0);
        if (children.length >= 3) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(children.length, output).toBeGreaterThanOrEqual(3);

    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await exit;
    expect(Date.now() - sent, output).toBeLessThan(SHUTDOWN_LIMIT_MS);
    expect(code, output).toBe(130);
    expect(children.filter(groupAlive)).toEqual([]);
    expect(await ocrFolders(tmp)).toEqual([]);
  }, 300_000);

  it('SIGTERM while the server OCRs an uploaded 2,000-page scan exits within 10 s and leaves no OCR program or folder', async () => {
    const tmp = await mkdtemp(path.join(root, 'tmp-serve-'));
    const password = 'ocr-shutdown-密码-1';
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', path.join(root, 'kb-serve')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        TMPDIR: tmp,
        YINGJI_ADMIN_PASSWORD: password,
        OCR_MAX_PAGES: String(SCAN_PAGES),
        OLLAMA_BASE_URL: 'http://127.0.0.1:9',
        OLLAMA_TIMEOUT_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          output += d;
          const m = /已启动：(http:\/\/\S+)/u.exec(output);
          if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
        });
        child.stderr.on('data', (d) => (output += d));
        void exit.then(() => reject(new Error(`serve exited before listening:\n${output}`)));
      });
      const login = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(login.status, await login.clone().text()).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const form = new FormData();
      form.append('files', new Blob([await readFile(scan)]), '两千页扫描件.pdf');
      const upload = await fetch(`${url}/api/documents`, { method: 'POST', headers: { cookie, origin: url }, body: form });
      expect(upload.status, await upload.clone().text()).toBe(202);

      let children: number[] = [];
      const until = Date.now() + 120_000;
      while (Date.now() < until) {
        const [folder] = await ocrFolders(tmp);
        if (folder) {
          children = (await readFile(path.join(tmp, folder, 'children.pid'), 'utf8').catch(() => ''))
            .split('\n')
            .map(Number)
            .filter((n) => n > 0);
          if (children.length >= 3) break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(children.length, output).toBeGreaterThanOrEqual(3);

      const sent = Date.now();
      child.kill('SIGTERM');
      const outcome = await exit;
      expect(Date.now() - sent, output).toBeLessThan(SHUTDOWN_LIMIT_MS);
      expect(outcome, output).toEqual({ code: 0, signal: null });
      expect(children.filter(groupAlive)).toEqual([]);
      expect(await ocrFolders(tmp)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await exit;
    }
  }, 300_000);
});
