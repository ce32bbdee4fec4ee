import { spawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenize } from '../../src/core/chinese-tokenizer.js';
import { openKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { makeTempDir } from './corpus-docs.js';
import { REPO_ROOT } from '../support/paths.js';

const CHILD = path.join(REPO_ROOT, 'test/index/crash-ingest-child.ts');

/** Runs the ingesting child and SIGKILLs it once `killAfterCommits` commits printed plus a random delay. */
function runAndKill(dir: string, killAfterCommits: number, extraDelayMs: number): Promise<{ lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    let commits = 0;
    let scheduled = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      buffered += data;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('committed')) commits++;
        if (!scheduled && commits >= killAfterCommits) {
          scheduled = true;
          setTimeout(() => child.kill('SIGKILL'), extraDelayMs);
        }
      }
    });
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lines });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('knowledge base crash safety', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('opens in the last committed or the next state after kill -9 at random moments', async () => {
    const dir = await makeTempDir('yingji-crash-');
    dirs.push(dir);
    const embedder = createBuiltinEmbedder();
    // Deterministic pseudo-random kill moments: right after open, mid-ingest, and during commits.
    const plan: [number, number][] = [[0, 0], [1, 37], [2, 5], [3, 180], [1, 1], [2, 90], [4, 12]];
    let everCommitted = false;
    for (const [afterCommits, delayMs] of plan) {
      const { lines } = await runAndKill(dir, afterCommits, delayMs);
      const counts = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(' ')[1]));
      const committed = counts('committed');
      const pending = counts('pending');
      const opened = counts('opened')[0];
      const lastCommitted = committed.at(-1) ?? opened;
      const allowed = new Set<number | undefined>([lastCommitted, pending.at(-1)]);
      if (committed.length) everCommitted = true;

      const kb = await openKnowledgeBase({ dir, embedder });
      const docs = kb.listDocuments();
      expect(allowed.has(docs.length), `reopened with ${docs.length}; child said ${lines.slice(-4).join(', ')}`).toBe(true);
      // Every index agrees with the document list.
      const chunkTotal = docs.reduce((n, d) => n + d.chunkCount, 0);
      expect(kb.chunkCount()).toBe(chunkTotal);
      for (const d of docs) expect(kb.getChunks(d.id)).toHaveLength(d.chunkCount);
      if (chunkTotal > 0) {
        const probe = kb.getChunks(docs[0].id)[0];
        const [best] = kb.searchVector((await embedder.embedDocuments([probe.text]))[0], 1);
        expect(best.chunk.text).toBe(probe.text);
        expect(kb.getChunk(best.chunk.id)?.text).toBe(probe.text);
        // A term of the probe itself: the list cannot be empty, so the loop below always checks something.
        const term = tokenize(probe.text).sort((x, y) => y.length - x.length)[0];
        const lexical = kb.searchLexical([{ term, weight: 1 }], 100_000);
        expect(lexical.map((h) => h.chunk.id)).toContain(probe.id);
        for (const hit of lexical) expect(kb.getChunk(hit.chunk.id)).toEqual(hit.chunk);
      }
      // Only the current generation survives an open; originals match the documents.
      expect((await readdir(path.join(dir, 'index'))).length).toBe(1);
      const stored = new Set(docs.map((d) => d.storedFile));
      const files = await readdir(path.join(dir, 'files')).catch(() => [] as string[]);
      for (const docDir of files) {
        for (const f of await readdir(path.join(dir, 'files', docDir))) expect(stored.has(`files/${docDir}/${f}`)).toBe(true);
      }
      await kb.close();
    }
    expect(everCommitted).toBe(true);
  });
});
