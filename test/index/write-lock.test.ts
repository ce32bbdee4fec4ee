import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { openKnowledgeBase } from '../../src/index/open.js';
import { WRITE_LOCK_FILE } from '../../src/index/write-lock.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { REPO_ROOT } from '../support/paths.js';
import { embedDoc, makeTempDir, regulationDocs, type TestDoc } from './corpus-docs.js';

const CHILD = path.join(REPO_ROOT, 'test/index/lock-holder-child.ts');
const embedder = createBuiltinEmbedder();

/** Starts a process that holds the folder's write lock; resolves once it has it. */
function holdLockInChild(dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.stdout?.on('data', (d) => {
      if (String(d).includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}: ${stderr}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('knowledge folder write lock', () => {
  let docs: TestDoc[];
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    docs = await regulationDocs(3);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('refuses a commit while another process writes, keeps serving reads, and recovers when that process dies', async () => {
    const dir = await makeTempDir('yingji-lock-');
    dirs.push(dir);
    const kb = await openKnowledgeBase({ dir, embedder, lockWaitMs: 0 });
    const [a, b] = docs;
    kb.putDocument(a.doc, a.chunks, await embedDoc(embedder, a));
    await kb.commit();

    const child = await holdLockInChild(dir);
    children.push(child);
    // Opening for reading needs no lock, and neither do searches.
    const reader = await openKnowledgeBase({ dir, embedder, lockWaitMs: 0 });
    expect(reader.listDocuments()).toHaveLength(1);
    expect(reader.searchLexical([{ term: '应急', weight: 1 }], 5).length).toBeGreaterThan(0);
    expect(reader.searchVector(await embedder.embedQuery('应急预案'), 5).length).toBeGreaterThan(0);

    kb.putDocument(b.doc, b.chunks, await embedDoc(embedder, b));
    const busy = await errorOf(kb.commit());
    expect(isAppError(busy, 'KNOWLEDGE_BASE_BUSY'), String(busy)).toBe(true);
    expect((busy as Error).message).toContain(`pid ${child.pid}`);
    expect((busy as Error).message).toMatch(/另一个 yingji 进程/);
    const storeBusy = await errorOf(kb.storeOriginal(b.doc.id, 'b.md', Buffer.from('原文')));
    expect(isAppError(storeBusy, 'KNOWLEDGE_BASE_BUSY')).toBe(true);

    // A killed writer leaves its lock behind; its pid is dead, so the lock is stale and broken.
    await killAndWait(child);
    await kb.commit();
    expect(kb.manifest().generation).toBe(3);
    await expect(readFile(path.join(dir, WRITE_LOCK_FILE))).rejects.toThrow(); // released after the commit
    await reader.close();
    await kb.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments()).toHaveLength(2);
    await again.close();
  });

  it('holds the lock from storing an original until the commit that names it, so another instance cannot commit meanwhile', async () => {
    const dir = await makeTempDir('yingji-lock-');
    dirs.push(dir);
    const first = await openKnowledgeBase({ dir, embedder });
    const second = await openKnowledgeBase({ dir, embedder, lockWaitMs: 0 });
    const [a, b] = docs;
    const storedFile = await first.storeOriginal(a.doc.id, 'a.md', Buffer.from('原文'));
    const owner = JSON.parse(await readFile(path.join(dir, WRITE_LOCK_FILE), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(process.pid);
    second.putDocument(b.doc, b.chunks, await embedDoc(embedder, b));
    expect(isAppError(await errorOf(second.commit()), 'KNOWLEDGE_BASE_BUSY')).toBe(true);
    // A third opener must not delete the uncommitted original as a stray: the writer is alive.
    const third = await openKnowledgeBase({ dir, embedder });
    await third.close();
    expect(await readFile(path.join(dir, storedFile), 'utf8')).toBe('原文');
    first.putDocument({ ...a.doc, storedFile }, a.chunks, await embedDoc(embedder, a));
    await first.commit();
    await expect(readFile(path.join(dir, WRITE_LOCK_FILE))).rejects.toThrow();
    // The refused change was made on a generation that is no longer current: it is replayed onto the new one,
    // so neither instance's work is lost.
    await second.commit();
    expect(second.listDocuments().map((d) => d.id).sort()).toEqual([a.doc.id, b.doc.id].sort());
    await first.close();
    await second.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments().map((d) => d.id).sort()).toEqual([a.doc.id, b.doc.id].sort());
    await again.close();
  });

  it('breaks a stale lock file left by a dead process', async () => {
    const dir = await makeTempDir('yingji-lock-');
    dirs.push(dir);
    const kb = await openKnowledgeBase({ dir, embedder });
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(
      path.join(dir, WRITE_LOCK_FILE),
      JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), token: 'gone', acquiredAt: new Date(0).toISOString() }),
    );
    kb.putDocument(docs[0].doc, docs[0].chunks, await embedDoc(embedder, docs[0]));
    await kb.commit();
    await kb.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments()).toHaveLength(1);
    await again.close();
  });
});
