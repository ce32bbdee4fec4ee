/**
 * Regressions of issue 8 item 3 (index side): on a full disk an upload failed with INTERNAL, left its partial
 * index/gen-N so the disk stayed full, the failed document stayed searchable in memory, and the next start
 * failed with ENOSPC in tryAcquireWriteLock ← cleanUpAfterCrash ← open. The disk is a real 3 MiB tmpfs
 * (mounting needs root; elsewhere these tests are skipped and say so).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from 'node:fs';
import { mkdir, readdir, rm, truncate, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { openKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { embedDoc, regulationDocs } from './corpus-docs.js';

const embedder = createBuiltinEmbedder();
const SIZE = '3m';

function mountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canMount = (() => {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'yingji-tmpfs-probe-'));
  const ok = mountTmpfs(probe);
  if (ok) execFileSync('umount', [probe]);
  rmdirSync(probe);
  if (!ok) console.warn('disk-full tests skipped: mounting a tmpfs needs root');
  return ok;
})();

/** Writes `file` until the disk is full; returns its size. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return size;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => undefined, (e: unknown) => e);
}

const generations = async (dir: string) => (await readdir(path.join(dir, 'index'))).filter((n) => n.startsWith('gen-'));

describe.skipIf(!canMount)('knowledge base on a full disk', () => {
  const mounts: string[] = [];
  afterEach(async () => {
    for (const m of mounts.splice(0)) {
      execFileSync('umount', ['-l', m]);
      await rm(m, { recursive: true, force: true });
    }
  });

  async function smallDisk(): Promise<{ mount: string; dir: string }> {
    const mount = mkdtempSync(path.join(os.tmpdir(), 'yingji-full-'));
    if (!mountTmpfs(mount)) throw new Error('tmpfs mount failed');
    mounts.push(mount);
    const dir = path.join(mount, 'knowledge');
    await mkdir(dir);
    return { mount, dir };
  }

  it('regression: a commit that runs out of space throws DISK_FULL, removes its partial generation at once, rolls memory back (the failed document is not searchable) and keeps serving reads', async () => {
    const { mount, dir } = await smallDisk();
    const [small, big] = await regulationDocs(6).then((d) => [d[0], d.slice(1).reduce((a, b) => (b.chunks.length > a.chunks.length ? b : a))]);
    const kb = await openKnowledgeBase({ dir, embedder });
    kb.putDocument(small.doc, small.chunks, await embedDoc(embedder, small));
    await kb.commit();
    const committed = await generations(dir);
    const filler = path.join(mount, 'filler');
    const size = fillDisk(filler);
    await truncate(filler, size - 16 * 1024); // a little room: the commit starts, then runs out

    kb.putDocument(big.doc, big.chunks, await embedDoc(embedder, big));
    const error = await errorOf(kb.commit());
    expect(isAppError(error, 'DISK_FULL'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/磁盘空间不足.*已恢复到上次保存的内容.*清理或扩容/);
    expect(await generations(dir)).toEqual(committed);
    expect(kb.getDocument(big.doc.id)).toBeUndefined();
    expect(kb.searchVector(await embedder.embedQuery(big.chunks[0].text), 50).map((h) => h.doc.id)).not.toContain(big.doc.id);
    const still = kb.searchVector(await embedder.embedQuery(small.chunks[0].text), 1);
    expect(still[0].doc.id).toBe(small.doc.id);
    expect(kb.listDocuments().map((d) => d.id)).toEqual([small.doc.id]);

    // Space freed: the same write succeeds without reopening.
    await unlink(filler);
    kb.putDocument(big.doc, big.chunks, await embedDoc(embedder, big));
    await kb.commit();
    await kb.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments().map((d) => d.id).sort()).toEqual([small.doc.id, big.doc.id].sort());
    await again.close();
  });

  it('regression: storing an original on a full disk throws DISK_FULL and leaves no partial file behind', async () => {
    const { mount, dir } = await smallDisk();
    const kb = await openKnowledgeBase({ dir, embedder });
    const filler = path.join(mount, 'filler');
    const size = fillDisk(filler);
    await truncate(filler, size - 12 * 1024); // room for the lock and marker, not for the original
    const error = await errorOf(kb.storeOriginal('doc-1', '预案.docx', Buffer.alloc(256 * 1024, 7)));
    expect(isAppError(error, 'DISK_FULL'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/原件未保存/);
    const leftovers = await readdir(path.join(dir, 'files'), { recursive: true }).catch(() => [] as string[]);
    expect(leftovers.filter((n) => n.includes('.tmp'))).toEqual([]);
    await unlink(filler);
    await kb.close();
  });

  it('regression: opening a folder whose crashed commit filled the disk cleans the partial generation up before it needs any space', async () => {
    const { dir } = await smallDisk();
    const [doc] = await regulationDocs(1);
    const kb = await openKnowledgeBase({ dir, embedder });
    kb.putDocument(doc.doc, doc.chunks, await embedDoc(embedder, doc));
    await kb.commit();
    await kb.close();
    const committed = await generations(dir);
    const partial = path.join(dir, 'index', 'gen-000099');
    await mkdir(partial);
    fillDisk(path.join(partial, 'vectors.hnsw'));

    const reopened = await openKnowledgeBase({ dir, embedder });
    expect(await generations(dir)).toEqual(committed);
    expect(reopened.listDocuments().map((d) => d.id)).toEqual([doc.doc.id]);
    await reopened.close();
  });
});
