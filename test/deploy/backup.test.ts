import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectKnowledgeFolder } from '../../src/ops/knowledge-check.js';
import { SNAPSHOT_MANIFEST, type SnapshotManifest } from '../../src/ops/snapshot.js';
import { BIN, runYingji } from '../cli/run-cli.js';
import { makeTempDir } from '../support/knowledge.js';
import { REPO_ROOT } from '../support/paths.js';
import { SEED_FILES, writeSampleRegulations } from '../support/sample-docs.js';
import { ingestWithCli, listTree, statsOf } from './helpers.js';

const QUERY = '有限空间 中毒 救援';

async function searchIds(dataDir: string): Promise<string[]> {
  const run = await runYingji(['search', QUERY, '--json', '--data', dataDir]);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { hits: { docId: string; locator: string }[] }).hits.map((h) => `${h.docId}|${h.locator}`);
}

describe('yingji backup / restore', () => {
  let root: string;
  let live: string;
  let snapshot: string;

  beforeAll(async () => {
    root = await makeTempDir('yingji-backup-');
    live = path.join(root, 'live');
    snapshot = path.join(root, 'snap');
    await ingestWithCli(live);
    const user = await runYingji(['user', 'add', 'zhangsan', '--role', 'officer', '--password', 'zhangsan-密码-1', '--data', live]);
    expect(user.code, user.stderr).toBe(0);
    await appendFile(path.join(live, 'audit.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), action: 'login', user: 'zhangsan' })}\n`);
    await writeFile(path.join(live, 'session-secret'), 'secret-for-test\n');
    const run = await runYingji(['backup', snapshot, '--data', live]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('已备份到');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a snapshot manifest with format version, time, counts and the sha256 of every file', async () => {
    const manifest = JSON.parse(await readFile(path.join(snapshot, SNAPSHOT_MANIFEST), 'utf8')) as SnapshotManifest;
    const stats = await statsOf(live);
    expect(manifest.formatVersion).toBe(1);
    expect(Date.parse(manifest.createdAt)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(manifest.counts).toMatchObject({ documents: stats.documents, chunks: stats.chunks, originals: 3, users: 1, auditRecords: 1 });
    for (const file of ['CURRENT', 'users.json', 'audit.jsonl', 'session-secret']) {
      expect(manifest.files[file]?.sha256, file).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(Object.keys(manifest.files).filter((f) => f.startsWith('files/'))).toHaveLength(3);
    expect(Object.keys(manifest.files).some((f) => f.endsWith('/vectors.hnsw'))).toBe(true);
  });

  it('restores into an empty folder: same documents, same search results, same users, audit log and secret', async () => {
    const target = path.join(root, 'restored');
    const run = await runYingji(['restore', snapshot, '--data', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('已从');
    const liveStats = await statsOf(live);
    expect(await statsOf(target)).toMatchObject({ documents: liveStats.documents, chunks: liveStats.chunks });
    expect(await searchIds(target)).toEqual(await searchIds(live));
    for (const file of ['users.json', 'audit.jsonl', 'session-secret']) {
      expect(await readFile(path.join(target, file), 'utf8'), file).toBe(await readFile(path.join(live, file), 'utf8'));
    }
    const docs = JSON.parse((await runYingji(['docs', '--json', '--data', target])).stdout) as { id: string }[];
    const restored = await inspectKnowledgeFolder(target);
    expect(restored?.missingOriginals).toEqual([]);
    expect(restored?.docs.filter((d) => d.storedFile)).toHaveLength(docs.length);
    // Nothing is left beside the target.
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses to overwrite a non-empty knowledge folder unless --force', async () => {
    const target = path.join(root, 'occupied');
    await ingestWithCli(target, [SEED_FILES.hazchemCard]);
    const before = await listTree(target);
    const refused = await runYingji(['restore', snapshot, '--data', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');
    expect(await listTree(target)).toEqual(before);
    const forced = await runYingji(['restore', snapshot, '--force', '--data', target]);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await statsOf(target)).documents).toBe(3);
    expect(await searchIds(target)).toEqual(await searchIds(live));
  });

  it('refuses a snapshot whose checksums do not match, leaving the target untouched', async () => {
    const tampered = path.join(root, 'tampered');
    const copy = await runYingji(['backup', tampered, '--data', live]);
    expect(copy.code, copy.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(tampered, SNAPSHOT_MANIFEST), 'utf8')) as SnapshotManifest;
    const victim = Object.keys(manifest.files).find((f) => f.startsWith('files/')) as string;
    await appendFile(path.join(tampered, 'data', victim), 'x');
    const target = path.join(root, 'from-tampered');
    const run = await runYingji(['restore', tampered, '--data', target]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('INDEX_CORRUPT');
    expect(run.stderr).toContain(victim);
    expect(await readdir(target).catch(() => [])).toEqual([]);
  });

  it('refuses a snapshot of another format version with INDEX_FORMAT_UNSUPPORTED', async () => {
    const future = path.join(root, 'future');
    expect((await runYingji(['backup', future, '--data', live])).code).toBe(0);
    const file = path.join(future, SNAPSHOT_MANIFEST);
    const manifest = JSON.parse(await readFile(file, 'utf8')) as SnapshotManifest;
    await writeFile(file, JSON.stringify({ ...manifest, formatVersion: 99 }));
    const run = await runYingji(['restore', future, '--data', path.join(root, 'from-future')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('INDEX_FORMAT_UNSUPPORTED');
    expect(run.stderr).toContain('99');
  });

  it('takes a consistent snapshot while another process is ingesting into the same folder', async () => {
    const busy = path.join(root, 'busy');
    await ingestWithCli(busy, [SEED_FILES.hazchemCard]);
    // Enough documents that the backup lands while the ingest is still working.
    const inbox = path.join(root, 'busy-inbox');
    await writeSampleRegulations(inbox, 120);
    const ingest = spawn(process.execPath, [BIN, 'ingest', inbox, '--data', busy], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ingestDone = new Promise<number | null>((resolve) => ingest.on('close', (code) => resolve(code)));
    // Start the backup once the ingest is working on files (its first progress line).
    await new Promise<void>((resolve) => ingest.stderr.once('data', () => resolve()));
    const snap = path.join(root, 'busy-snap');
    const backup = await runYingji(['backup', snap, '--data', busy]);
    expect(await ingestDone).toBe(0);
    expect(backup.code, backup.stderr).toBe(0);
    const target = path.join(root, 'busy-restored');
    const restore = await runYingji(['restore', snap, '--data', target]);
    expect(restore.code, restore.stderr).toBe(0);
    const doctor = await runYingji(['doctor', '--json', '--data', target]);
    const consistent = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.find(
      (c) => c.id === 'knowledge-consistent',
    );
    expect(consistent?.status, consistent?.detail).toBe('ok');
    const restored = await statsOf(target);
    expect(restored.documents).toBeGreaterThanOrEqual(1);
    expect(restored.documents).toBeLessThanOrEqual((await statsOf(busy)).documents);
    expect(restored.chunks).toBe(
      (JSON.parse((await runYingji(['docs', '--json', '--data', target])).stdout) as { chunks: number }[]).reduce((n, d) => n + d.chunks, 0),
    );
  });
});
