import { copyFile, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { makeTempDir } from '../support/knowledge.js';
import { regulationText, SEED_FILES } from '../support/sample-docs.js';
import { runYingji } from './run-cli.js';

interface DocRow {
  id: string;
  title: string;
  type: string;
  source: string;
  chunks: number;
  indexStatus: string;
  status: string;
  error: { code: string; message: string } | null;
}

async function docs(data: string): Promise<DocRow[]> {
  const run = await runYingji(['docs', '--json', '--data', data]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as DocRow[];
}

describe('yingji command line', () => {
  let work: string;
  let data: string;
  let inbox: string;

  beforeAll(async () => {
    work = await makeTempDir('yingji-cli-');
    data = path.join(work, 'kb');
    inbox = path.join(work, 'inbox');
    await mkdir(path.join(inbox, 'nested'), { recursive: true });
    // Documents written here from the project's own text, so the test can change and delete them.
    await writeFile(
      path.join(inbox, 'sample-safety-law.md'),
      regulationText({
        title: '示例安全生产法',
        topic: '安全生产',
        articles: { 21: '生产经营单位的主要负责人对本单位安全生产工作负有下列职责：建立健全全员安全生产责任制，组织制定并实施本单位生产安全事故应急救援预案。' },
      }),
    );
    await copyFile(SEED_FILES.dutyHandbook, path.join(inbox, 'nested/duty-handbook-sample.docx'));
    await writeFile(
      path.join(inbox, 'sample-large-events-reg.md'),
      regulationText({
        title: '某市大型群众性活动安全管理示例条例',
        topic: '大型群众性活动',
        variant: 3,
        articles: { 5: '大型群众性活动的承办者是活动的安全责任人；演唱会等活动发生踩踏事故的，安全责任人应当立即启动应急预案，组织人员疏散，并报告公安机关。' },
      }),
    );
    const gas = regulationText({
      title: '某市燃气管理示例条例',
      topic: '城镇燃气',
      variant: 7,
      articles: { 8: '用户发现燃气泄漏的，应当立即关闭阀门、开窗通风，并向燃气企业报修；燃气企业接到泄漏报修后应当立即派员抢修。' },
    }).replace(/^# .*\n/, '');
    await writeFile(path.join(inbox, 'nested/某市燃气管理示例条例.txt'), iconv.encode(gas, 'gbk'));
    // An admin's sidecar overrides what the text says (the TXT has lost its title line).
    await writeFile(
      path.join(inbox, 'nested/某市燃气管理示例条例.txt.meta.json'),
      JSON.stringify({ title: '某市燃气管理示例条例', docType: '地方性法规', issuedDate: '2008-03-01' }),
    );
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints help after a fresh install', async () => {
    const run = await runYingji(['--help']);
    expect(run.code).toBe(0);
    for (const cmd of ['ingest', 'search', 'ask', 'docs', 'remove', 'reindex', 'stats', 'eval', 'serve']) {
      expect(run.stdout).toContain(cmd);
    }
  });

  it('tells how to add documents when searching an empty knowledge base', async () => {
    const run = await runYingji(['search', '台风红色预警', '--data', path.join(work, 'empty-kb')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('为空');
    expect(run.stdout).toContain('yingji ingest');
  });

  it('ingests a folder recursively, including DOCX and GBK text, and exits 0', async () => {
    const run = await runYingji(['ingest', inbox, '--data', data]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const rows = await docs(data);
    expect(rows).toHaveLength(4);
    expect(rows.every((d) => d.indexStatus === 'indexed' && d.chunks > 0)).toBe(true);
    const law = rows.find((d) => d.source === 'sample-safety-law.md');
    expect(law?.title).toBe('示例安全生产法');
    expect(law?.type).toBe('法律');
    const gas = rows.find((d) => d.source === '某市燃气管理示例条例.txt');
    expect(gas).toMatchObject({ title: '某市燃气管理示例条例', type: '地方性法规' });
  });

  it('answers search --batch with one JSON object per query, article lookups first', async () => {
    const batch = path.join(work, 'queries.txt');
    await writeFile(batch, '安全生产法第二十一条\n燃气泄漏报修怎么处理\n演唱会发生踩踏 安全责任人怎么办\n');
    const run = await runYingji(['search', '--batch', batch, '--k', '3', '--json', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.query)).toEqual(['安全生产法第二十一条', '燃气泄漏报修怎么处理', '演唱会发生踩踏 安全责任人怎么办']);
    const first = lines[0].hits[0];
    expect(first).toMatchObject({ source: 'sample-safety-law.md', title: '示例安全生产法' });
    expect(first.locator).toMatch(/第二十一条$/);
    expect(first.text).toContain('主要负责人');
    for (const key of ['docId', 'source', 'title', 'locator', 'page', 'score', 'text']) expect(first).toHaveProperty(key);
    expect(typeof lines[0].tookMs).toBe('number');
    expect(lines[1].hits[0].source).toBe('某市燃气管理示例条例.txt');
    expect(lines[2].hits.map((h: { source: string }) => h.source)).toContain('sample-large-events-reg.md');
  });

  it('skips unchanged files, replaces changed ones and prunes vanished ones', async () => {
    const before = await docs(data);
    const again = await runYingji(['ingest', inbox, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/未变化 4/);

    const lawFile = path.join(inbox, 'sample-large-events-reg.md');
    const text = await readFile(lawFile, 'utf8');
    await writeFile(lawFile, text.replace('第十九条', '第十九条 【测试修订】演练增补一句。'));
    await unlink(path.join(inbox, 'nested/某市燃气管理示例条例.txt'));
    const changed = await runYingji(['ingest', inbox, '--prune', '--data', data]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/更新 1/);
    expect(changed.stdout).toMatch(/删除 1/);
    const after = await docs(data);
    expect(after.map((d) => d.source).sort()).toEqual(['duty-handbook-sample.docx', 'sample-large-events-reg.md', 'sample-safety-law.md']);
    // Same source keeps its id when replaced.
    expect(after.find((d) => d.source === 'sample-large-events-reg.md')?.id).toBe(before.find((d) => d.source === 'sample-large-events-reg.md')?.id);
    const search = await runYingji(['search', '燃气泄漏 报修', '--json', '--data', data]);
    const hits = JSON.parse(search.stdout).hits as { source: string }[];
    expect(hits.some((h) => h.source.includes('燃气'))).toBe(false);
    const revised = await runYingji(['search', '测试修订 演练增补', '--json', '--data', data]);
    expect(JSON.parse(revised.stdout).hits[0].text).toContain('测试修订');
  });

  it('reports each bad file with a Chinese message and code, keeps going, and exits 2', async () => {
    const bad = path.join(work, 'bad');
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, 'empty.pdf'), '');
    await writeFile(path.join(bad, 'corrupt.pdf'), Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 7)]));
    await writeFile(path.join(bad, 'binary.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97) % 256)));
    await writeFile(path.join(bad, 'notes.xyz'), '未知格式');
    await writeFile(path.join(bad, 'sample-fire-reg.md'), regulationText({ title: '某市消防安全示例条例', topic: '消防安全', variant: 11 }));
    const beforeIds = (await docs(data)).map((d) => d.id).sort();

    const run = await runYingji(['ingest', bad, '--data', data]);
    expect(run.code).toBe(2);
    const rows = await docs(data);
    const bySource = new Map(rows.map((d) => [d.source, d]));
    expect(bySource.get('sample-fire-reg.md')?.indexStatus).toBe('indexed');
    for (const [file, code] of [
      ['empty.pdf', 'EMPTY_FILE'],
      ['corrupt.pdf', 'PARSE_FAILED'],
      ['binary.txt', 'BINARY_NOT_TEXT'],
      ['notes.xyz', 'UNSUPPORTED_FILE_TYPE'],
    ] as const) {
      expect(bySource.get(file)?.indexStatus, file).toBe('failed');
      expect(bySource.get(file)?.error?.code, file).toBe(code);
      expect(bySource.get(file)?.error?.message, file).toMatch(/[\u4e00-\u9fff]/);
      expect(run.stdout).toContain(file);
    }
    // Everything indexed before is still there and searchable.
    for (const id of beforeIds) expect(rows.find((d) => d.id === id)?.indexStatus).toBe('indexed');
  });

  it('removes a document and all its chunks', async () => {
    const law = (await docs(data)).find((d) => d.source === 'sample-safety-law.md')!;
    const run = await runYingji(['remove', law.id, '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    expect((await docs(data)).some((d) => d.id === law.id)).toBe(false);
    const search = await runYingji(['search', '安全生产法第二十一条', '--json', '--data', data]);
    expect(JSON.parse(search.stdout).hits.every((h: { docId: string }) => h.docId !== law.id)).toBe(true);
    const missing = await runYingji(['remove', 'nosuchdoc', '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DOCUMENT_NOT_FOUND');
  });

  it('refuses to open a knowledge base built with another embedder and tells how to fix it', async () => {
    const run = await runYingji(['search', '火灾', '--data', data], { EMBEDDER: 'ollama', OLLAMA_BASE_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EMBEDDER_MISMATCH');
    expect(run.stderr).toContain('yingji reindex');
  });

  it('reports stats', async () => {
    const run = await runYingji(['stats', '--json', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats.documents).toBeGreaterThan(0);
    expect(stats.manifest.embedder.id).toMatch(/builtin/);
  });
});
