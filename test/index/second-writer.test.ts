/**
 * Regressions of issue 8 item 4: a server's knowledge base went stale when another process committed, and a
 * second `yingji ingest` on the same folder lost its work or aborted natively (`FATAL ERROR napi_throw` in
 * hnswlib's addPoint, exit 134). Real second processes throughout.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { REPO_ROOT } from '../support/paths.js';
import { embedDoc, makeTempDir, regulationDocs, type TestDoc } from './corpus-docs.js';

const COMMIT_CHILD = path.join(REPO_ROOT, 'test/index/commit-child.ts');
const CLI = path.join(REPO_ROOT, 'bin/yingji.js');
const embedder = createBuiltinEmbedder();
/** Polls for a condition another process brings about; generous, it bounds a hang, it times nothing. */
const NOTICE_LIMIT_MS = 20_000;

function run(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, YINGJI_EMBEDDER: 'builtin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + NOTICE_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a second process writing the same knowledge folder', () => {
  let docs: TestDoc[];
  const dirs: string[] = [];
  beforeAll(async () => {
    docs = await regulationDocs(2);
  });
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('regression: a running server notices documents another process committed and serves them without reopening, keeping results it already handed out', async () => {
    const dir = await makeTempDir('yingji-stale-');
    dirs.push(dir);
    const server = await openKnowledgeBase({ dir, embedder });
    server.putDocument(docs[0].doc, docs[0].chunks, await embedDoc(embedder, docs[0]));
    await server.commit();
    const inFlight = server.searchLexical([{ term: '应急', weight: 1 }], 5);
    expect(inFlight.length).toBeGreaterThan(0);

    const child = await run(['--import', 'tsx', COMMIT_CHILD, dir, '1']);
    expect(child.code, child.stderr).toBe(0);
    await eventually(() => server.getDocument('child-1') !== undefined);
    expect(server.listDocuments().map((d) => d.id).sort()).toEqual([docs[0].doc.id, 'child-1'].sort());
    expect(server.searchLexical([{ term: '应急', weight: 1 }], 1000).some((h) => h.doc.id === 'child-1')).toBe(true);
    // References handed out before the reload still carry their chunk and document.
    for (const hit of inFlight) expect(hit.chunk.docId).toBe(hit.doc.id);

    // The next write builds on the other process's generation: nothing of it is lost.
    expect(server.removeDocument(docs[0].doc.id)).toBe(true);
    await server.commit();
    await server.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments().map((d) => d.id)).toEqual(['child-1']);
    await again.close();
  });

  it('regression: a removal made before another process committed is replayed onto its generation instead of failing or losing its documents', async () => {
    const dir = await makeTempDir('yingji-stale-');
    dirs.push(dir);
    const server = await openKnowledgeBase({ dir, embedder });
    server.putDocument(docs[0].doc, docs[0].chunks, await embedDoc(embedder, docs[0]));
    await server.commit();
    expect(server.removeDocument(docs[0].doc.id)).toBe(true); // not committed yet
    const child = await run(['--import', 'tsx', COMMIT_CHILD, dir, '1']);
    expect(child.code, child.stderr).toBe(0);
    await server.commit();
    expect(server.listDocuments().map((d) => d.id)).toEqual(['child-1']);
    await server.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments().map((d) => d.id)).toEqual(['child-1']);
    await again.close();
  });

  it('regression: two `yingji ingest` runs on one folder at once both succeed (the second waits for the lock), keep every document and never abort natively', async () => {
    const dir = await makeTempDir('yingji-two-cli-');
    dirs.push(dir);
    const sources = await regulationDocs(12);
    const folders = [path.join(dir, 'in-a'), path.join(dir, 'in-b')];
    for (const [n, folder] of folders.entries()) {
      await mkdir(folder, { recursive: true });
      for (const d of sources.slice(n * 6, n * 6 + 6)) {
        const text = [`# ${d.doc.title}`, '', ...d.chunks.map((c) => c.text)].join('\n\n');
        await writeFile(path.join(folder, `${n}-${path.basename(d.doc.sourceKey)}`), text);
      }
    }
    const data = path.join(dir, 'knowledge');
    const [a, b] = await Promise.all(folders.map((f) => run([CLI, '--data', data, 'ingest', f])));
    for (const r of [a, b]) {
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/FATAL ERROR|napi_throw/);
    }
    const kb = await openKnowledgeBase({ dir: data, embedder, create: false });
    expect(kb.listDocuments().filter((d) => d.status === 'indexed')).toHaveLength(12);
    await kb.close();
  });
});
