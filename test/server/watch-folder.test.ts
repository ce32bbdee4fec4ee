/**
 * The watched folder with a real folder and the real server: a DOCX, a PDF and a bad file copied in (subfolders
 * included), one changed, one deleted, one renamed, the server stopped and started in between; admins see the
 * watcher's jobs as ingest:progress.
 */
import { spawn } from 'node:child_process';
import { appendFile, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openServices } from '../../src/main.js';
import type { IngestProgressEvent } from '../../src/server/events.js';
import { buildPdf, pdfStream } from '../ingest/parser-helpers.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

/** A text PDF (CJK in a predefined CMap font, as scanned-free government PDFs are). */
function chinesePdf(lines: string[]): Buffer {
  const hex = (t: string) => Buffer.from(t, 'utf16le').swap16().toString('hex').toUpperCase();
  const ops = lines.map((l, i) => `BT /F1 14 Tf 20 ${760 - i * 24} Td <${hex(l)}> Tj ET`).join('\n');
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    pdfStream(ops),
    '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>',
    '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
  ]);
}

describe('a watched folder (WATCH_DIR, WATCH_PRUNE=true)', () => {
  let server: TestServer;
  let watchDir: string;
  let adminCookie: string;
  const events: IngestProgressEvent[] = [];

  const docs = () => server.kb.listDocuments().filter((d) => d.status === 'indexed' && d.sourceKey.startsWith(watchDir + path.sep));
  const bySource = (file: string) => docs().find((d) => d.sourceKey === path.join(watchDir, file));
  const chunksOf = (file: string) => {
    const doc = bySource(file);
    return doc ? server.kb.getChunks(doc.id).map((c) => c.text).join('\n') : '';
  };
  const failedOutcome = (file: string) => events.some((e) => e.outcomes.some((o) => o.file === file && o.status === 'failed'));

  beforeAll(async () => {
    watchDir = await mkdtemp(path.join(os.tmpdir(), 'yingji-watch-'));
    server = await startTestServer([SEED_FILES.confinedSpace], {
      env: { WATCH_DIR: watchDir, WATCH_PRUNE: 'true', WATCH_SETTLE_MS: '300', WATCH_POLL_MS: '100' },
    });
    adminCookie = await server.login('admin', ADMIN_PASSWORD);
    const admin = await server.socket(adminCookie);
    admin.on('ingest:progress', (e) => {
      if (e.kind === 'watch') events.push(e);
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(watchDir, { recursive: true, force: true });
  });

  it('ingests a DOCX, a PDF in a subfolder and reports a bad file as failed, telling admins', async () => {
    await mkdir(path.join(watchDir, '预案', '防汛'), { recursive: true });
    await copyFile(SEED_FILES.dutyDocx, path.join(watchDir, '值班手册.docx'));
    await writeFile(path.join(watchDir, '预案', '防汛', '排涝预案.pdf'), chinesePdf(['第一条 为做好城区排涝工作，制定本预案。', '第二条 暴雨红色预警时，排涝泵站全部开机。']));
    await writeFile(path.join(watchDir, '坏文件.pdf'), Buffer.from('这不是 PDF'));
    const doneAdded = () => events.some((e) => e.progress.phase === 'done' && e.outcomes.some((o) => o.status === 'added'));
    await until(() => docs().length === 2 && failedOutcome('坏文件.pdf') && doneAdded(), 'docx and pdf indexed, bad file failed, admins told');
    expect(chunksOf('预案/防汛/排涝预案.pdf')).toContain('排涝泵站全部开机');
    expect(chunksOf('值班手册.docx').length).toBeGreaterThan(20);
    // The search sees the new document at once.
    const found = (await (await server.api(`/api/search?q=${encodeURIComponent('排涝泵站')}`, { cookie: adminCookie })).json()) as { hits: { title: string; text: string }[] };
    expect(found.hits[0]?.text).toContain('排涝泵站');
  });

  it('a file copied in two steps is taken once complete; a changed file is re-ingested', async () => {
    const file = path.join(watchDir, '通知.md');
    await writeFile(file, '# 台风防御通知\n\n第一条 各单位立即进入防台状态。\n');
    await sleep(80);
    await appendFile(file, '\n第二条 结尾标记：值班人员二十四小时在岗。\n');
    await until(() => chunksOf('通知.md').includes('二十四小时在岗'), 'the whole file indexed');
    await writeFile(file, '# 台风防御通知（修订）\n\n第一条 各单位立即进入防台一级状态。\n');
    await until(() => chunksOf('通知.md').includes('防台一级状态'), 'the changed file re-ingested');
    expect(chunksOf('通知.md')).not.toContain('二十四小时在岗');
  });

  it('a deleted file loses its document; a renamed file is the new name only', async () => {
    await rm(path.join(watchDir, '值班手册.docx'));
    await until(() => !bySource('值班手册.docx'), 'deleted docx removed');
    await rename(path.join(watchDir, '通知.md'), path.join(watchDir, '预案', '台风通知.md'));
    await until(() => !!bySource('预案/台风通知.md') && !bySource('通知.md'), 'renamed');
    expect(chunksOf('预案/台风通知.md')).toContain('防台一级状态');
    // The knowledge base's own documents (not from the folder) are never touched.
    expect(server.kb.listDocuments().some((d) => d.source.includes('confined-space'))).toBe(true);
  });

  it('catches up at start what changed while the server was stopped', async () => {
    await server.restart(async () => {
      await copyFile(SEED_FILES.dutyDocx, path.join(watchDir, '预案', '值班手册（新）.docx'));
      await rm(path.join(watchDir, '预案', '防汛', '排涝预案.pdf'));
    });
    await until(() => !!bySource('预案/值班手册（新）.docx') && !bySource('预案/防汛/排涝预案.pdf'), 'caught up after restart');
    expect(bySource('预案/台风通知.md')).toBeDefined();
  });
});

describe('a watched folder without WATCH_PRUNE', () => {
  let server: TestServer;
  let watchDir: string;

  beforeAll(async () => {
    watchDir = await mkdtemp(path.join(os.tmpdir(), 'yingji-watch-keep-'));
    server = await startTestServer([SEED_FILES.confinedSpace], { env: { WATCH_DIR: watchDir, WATCH_SETTLE_MS: '200', WATCH_POLL_MS: '100' } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(watchDir, { recursive: true, force: true });
  });

  it('keeps the document of a file deleted from the folder, also across a restart', async () => {
    const file = path.join(watchDir, '保留.md');
    await writeFile(file, '# 保留的预案\n\n第一条 删除文件后文档仍在知识库中。\n');
    const indexed = () => server.kb.listDocuments().some((d) => d.sourceKey === file && d.status === 'indexed');
    await until(indexed, 'indexed');
    await rm(file);
    // Several scans pass without a removal job.
    const scansLater = Date.now() + 600;
    await until(() => Date.now() > scansLater, 'a few scans');
    expect(indexed()).toBe(true);
    await server.restart();
    await until(() => Date.now() > scansLater + 600, 'a few scans after restart');
    expect(indexed()).toBe(true);
  });
});

describe('yingji watch DIR', () => {
  it('ingests what is copied into the folder, prints each outcome, and stops cleanly on SIGTERM', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'yingji-watch-cli-'));
    const watchDir = path.join(root, '收文');
    const dataDir = path.join(root, 'knowledge');
    await mkdir(watchDir, { recursive: true });
    const repo = path.resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--max-old-space-size=512', path.join(repo, 'bin/yingji.js'), 'watch', watchDir, '--data', dataDir], {
      cwd: repo,
      env: { ...process.env, WATCH_SETTLE_MS: '200', WATCH_POLL_MS: '100' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => stdout.includes('正在监视'), 'watching', 60_000);
      await copyFile(SEED_FILES.dutyDocx, path.join(watchDir, '值班手册.docx'));
      await writeFile(path.join(watchDir, '坏.docx'), Buffer.from('不是 docx'));
      await until(() => stdout.includes('已导入\t值班手册.docx') && stdout.includes('失败\t坏.docx'), 'outcomes printed', 60_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const services = await openServices(loadConfig({ env: { YINGJI_DATA_DIR: dataDir }, dotenvPath: false }));
      try {
        expect(services.kb.listDocuments().some((d) => d.source === '值班手册.docx' && d.status === 'indexed')).toBe(true);
      } finally {
        await services.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
