import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYingji } from '../cli/run-cli.js';
import { makeTempDir } from '../support/knowledge.js';
import { FILES, writeVersions } from './sample-versions.js';

interface DocRow {
  id: string;
  source: string;
  indexStatus: string;
  family: string;
  version: string | null;
  status: string;
  supersededBy: string | null;
}

describe('yingji docs / diff / changes on versions of a regulation (示例)', () => {
  let work: string;
  let data: string;
  let rows: DocRow[];
  const row = (source: string) => rows.find((r) => r.source === source)!;

  beforeAll(async () => {
    work = await makeTempDir('yingji-versions-cli-');
    data = path.join(work, 'kb');
    const inbox = path.join(work, 'inbox');
    await mkdir(inbox);
    await writeVersions(inbox);
    const ingest = await runYingji(['ingest', inbox, '--data', data]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const docs = await runYingji(['docs', '--json', '--data', data]);
    expect(docs.code, docs.stderr).toBe(0);
    rows = JSON.parse(docs.stdout) as DocRow[];
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('docs --json reports family, version, status and supersededBy', () => {
    expect(row(FILES.v2023)).toMatchObject({ family: '某市突发事件应对示例条例', version: '2023-05-01', status: 'in_force', supersededBy: null, indexStatus: 'indexed' });
    expect(row(FILES.v2019)).toMatchObject({ version: '2019-03-01', status: 'superseded', supersededBy: row(FILES.v2023).id });
    expect(row(FILES.v2099)).toMatchObject({ version: '2099-01-01', status: 'not_yet_in_force', supersededBy: null });
  });

  it('docs without --json says how many families have several versions', async () => {
    const run = await runYingji(['docs', '--data', data]);
    expect(run.stdout).toContain('多版本文件 1 组，其中已被修订的旧版本 1 份');
    expect(run.stdout).toMatch(/已被修订（2019-03-01）/);
  });

  it('diff OLD NEW --json (file names as ingested) puts every article of each version in exactly one change', async () => {
    const run = await runYingji(['diff', FILES.v2019, FILES.v2023, '--json', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const diff = JSON.parse(run.stdout) as {
      old: { docId: string; articles: string[] };
      new: { docId: string; articles: string[] };
      changes: { kind: string; old: string | null; new: string | null; diff?: unknown[] }[];
    };
    expect(diff.old.docId).toBe(row(FILES.v2019).id);
    expect(diff.new.docId).toBe(row(FILES.v2023).id);
    const olds = diff.changes.map((c) => c.old).filter((x) => x !== null);
    const news = diff.changes.map((c) => c.new).filter((x) => x !== null);
    expect(olds.sort()).toEqual([...diff.old.articles].sort());
    expect(news.sort()).toEqual([...diff.new.articles].sort());
    for (const c of diff.changes) expect(['added', 'removed', 'modified', 'moved', 'unchanged']).toContain(c.kind);
    expect(diff.changes.find((c) => c.kind === 'modified')?.diff?.length).toBeGreaterThan(0);
  });

  it('diff by document id prints a readable 修订对照', async () => {
    const run = await runYingji(['diff', row(FILES.v2019).id, row(FILES.v2023).id, '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('新增 1 条、删除 1 条、修改 2 条、移动 2 条、未变 2 条');
    expect(run.stdout).toContain('【-一小时】【+三十分钟】');
  });

  it('diff of an unknown document fails with DOCUMENT_NOT_FOUND', async () => {
    const run = await runYingji(['diff', 'no-such.md', FILES.v2023, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DOCUMENT_NOT_FOUND');
  });

  it('ask shows the warning beside a citation of the superseded text, and 原第三条 for the version in force', async () => {
    const old = await runYingji(['ask', '2019年版某市突发事件应对示例条例第五条', '--data', data]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toMatch(/⚠ 此为旧版（2019-03-01 施行）.*现行版本/);
    const json = await runYingji(['ask', '某市突发事件应对示例条例第四条', '--json', '--data', data]);
    const body = JSON.parse(json.stdout) as { citations: { source: string; version?: { formerLabel?: string; status: string } }[] };
    expect(body.citations[0]).toMatchObject({ source: FILES.v2023, version: { status: 'in_force', formerLabel: '原第三条' } });
  });

  it('changes --since lists the new version with its change summary', async () => {
    const run = await runYingji(['changes', '--since', '2000-01-01', '--json', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const items = JSON.parse(run.stdout) as { source: string; changes: { counts: Record<string, number> } | null }[];
    expect(items).toHaveLength(3);
    expect(items.find((i) => i.source === FILES.v2023)!.changes!.counts.modified).toBe(2);
    const text = await runYingji(['changes', '--since', '2000-01-01', '--data', data]);
    expect(text.stdout).toContain('修订情况：');
    const none = await runYingji(['changes', '--since', '2999-01-01', '--data', data]);
    expect(none.stdout).toContain('没有新导入的文件');
  });
});
