import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../../src/ingest/limits.js';
import { parseFile } from '../../src/ingest/parsers/index.js';
import { runYingji } from '../cli/run-cli.js';
import { expectAppError } from './parser-helpers.js';

const MIB = 1024 * 1024;
/** Heap of the child ingest: a bomb must be refused inside it (the battery's server died at ~4 GB). */
const CHILD_HEAP = '--max-old-space-size=256';
const SHORT_PARAGRAPH = '<w:p><w:r><w:t>一</w:t></w:r></w:p>';
const W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A DOCX whose word/document.xml is `paragraphs` copies of one paragraph; deflates ~300×. */
async function buildDocx(paragraph: string, bodyBytes: number): Promise<Buffer> {
  const unit = Buffer.from(paragraph);
  const body = Buffer.alloc(Math.floor(bodyBytes / unit.length) * unit.length);
  body.fill(unit);
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    Buffer.concat([Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document ${W_NS}><w:body>`), body, Buffer.from('</w:body></w:document>')]),
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** Rewrites every declared uncompressed size in the central directory to 1 KiB: headers that lie. */
function underDeclareSizes(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  for (let at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    out.writeUInt32LE(1024, at + 24);
  }
  return out;
}

const limits = (over: Partial<IngestLimits>): IngestLimits => ({ ...DEFAULT_INGEST_LIMITS, ...over });
const ctx = (fileName: string, l?: IngestLimits) => ({ fileName, ocr: 'off' as const, limits: l });

describe('expansion limits (zip/XML bombs, huge texts)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'yingji-bomb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a 357 KB DOCX that inflates to 100 MiB is refused with LIMIT_EXCEEDED inside a 256 MB heap, naming INGEST_MAX_EXPANDED_MB', async () => {
    const bomb = await buildDocx(SHORT_PARAGRAPH, 100 * MIB);
    expect(bomb.length).toBeLessThan(400 * 1024);
    const file = path.join(dir, '炸弹.docx');
    await writeFile(file, bomb);
    const run = await runYingji(['ingest', file, '--data', path.join(dir, 'kb-expanded')], { NODE_OPTIONS: CHILD_HEAP });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain('[LIMIT_EXCEEDED]');
    expect(run.stdout).toContain('INGEST_MAX_EXPANDED_MB');
    expect(run.stdout).toContain('50 MB');
  }, 120_000);

  it('a 143 KB DOCX of a million short paragraphs (once 599,160 chunks at 5.6 GB) is refused before mammoth, naming INGEST_MAX_BLOCKS', async () => {
    const bomb = await buildDocx(SHORT_PARAGRAPH, 40 * MIB);
    const file = path.join(dir, '百万段.docx');
    await writeFile(file, bomb);
    const run = await runYingji(['ingest', file, '--data', path.join(dir, 'kb-blocks')], { NODE_OPTIONS: CHILD_HEAP });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain('[LIMIT_EXCEEDED]');
    expect(run.stdout).toContain('INGEST_MAX_BLOCKS');
  }, 120_000);

  it('a DOCX whose zip headers under-declare the inflated size is still stopped while inflating', async () => {
    const lying = underDeclareSizes(await buildDocx(SHORT_PARAGRAPH, 4 * MIB));
    const e = await expectAppError(parseFile(lying, ctx('说谎.docx', limits({ maxExpandedBytes: 1 * MIB }))), 'LIMIT_EXCEEDED');
    expect(e.message).toContain('INGEST_MAX_EXPANDED_MB');
  });

  it('a DOCX with more characters than INGEST_MAX_CHARS is refused', async () => {
    const docx = await buildDocx(`<w:p><w:r><w:t>${'应急'.repeat(500)}</w:t></w:r></w:p>`, 1 * MIB);
    const e = await expectAppError(parseFile(docx, ctx('长文.docx', limits({ maxChars: 100_000 }))), 'LIMIT_EXCEEDED');
    expect(e.message).toContain('INGEST_MAX_CHARS');
  });

  it('a normal DOCX under the bounds still parses', async () => {
    const docx = await buildDocx('<w:p><w:r><w:t>第一条 为了预防和减少突发事件的发生，制定本法。</w:t></w:r></w:p>', 4 * 1024);
    const doc = await parseFile(docx, ctx('正常.docx'));
    expect(doc.blocks[0].text).toContain('第一条');
  });

  it.each([
    ['txt', (n: number) => '第一条 应急。\n'.repeat(n)],
    ['md', (n: number) => '第一条 应急。\n\n'.repeat(n)],
    ['html', (n: number) => `<html><body>${'<p>第一条 应急。</p>'.repeat(n)}</body></html>`],
  ] as const)('a .%s file with more paragraphs than INGEST_MAX_BLOCKS is refused', async (ext, make) => {
    const e = await expectAppError(parseFile(Buffer.from(make(2_000)), ctx(`多段.${ext}`, limits({ maxBlocks: 1_000 }))), 'LIMIT_EXCEEDED');
    expect(e.message).toContain('INGEST_MAX_BLOCKS');
  });

  it.each(['txt', 'md', 'html'])('a .%s file with more characters than INGEST_MAX_CHARS is refused before it is split', async (ext) => {
    const text = Buffer.from('应急管理'.repeat(50_000));
    const e = await expectAppError(parseFile(text, ctx(`长文.${ext}`, limits({ maxChars: 100_000 }))), 'LIMIT_EXCEEDED');
    expect(e.message).toContain('INGEST_MAX_CHARS');
  });

  it('a text file larger than INGEST_MAX_FILE_MB is refused by the CLI with a message, not an out-of-memory abort (exit 134)', async () => {
    const file = path.join(dir, '超大.txt');
    await writeFile(file, Buffer.alloc(3 * MIB, '第一条 应急。\n'));
    const run = await runYingji(['ingest', file, '--data', path.join(dir, 'kb-file')], { INGEST_MAX_FILE_MB: '2' });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain('[LIMIT_EXCEEDED]');
    expect(run.stdout).toContain('INGEST_MAX_FILE_MB');
  }, 60_000);

  it('a document that splits into more chunks than INGEST_MAX_CHUNKS is refused and not indexed', async () => {
    const file = path.join(dir, '多块.txt');
    await writeFile(file, Array.from({ length: 400 }, (_, i) => `第${i + 1}条 ${'应急管理部门应当加强值班值守。'.repeat(30)}`).join('\n'));
    const data = path.join(dir, 'kb-chunks');
    const run = await runYingji(['ingest', file, '--data', data], { INGEST_MAX_CHUNKS: '100' });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain('INGEST_MAX_CHUNKS');
    expect(run.stdout).toContain('共 0 个段落');
  }, 60_000);

  it('the ingest bounds in CONFIG_SPEC default to DEFAULT_INGEST_LIMITS', () => {
    expect(loadConfig({ env: {}, dotenvPath: false }).ingest).toEqual(DEFAULT_INGEST_LIMITS);
  });
});
