import { createHash } from 'node:crypto';
import { readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import type { KnowledgeBase } from '../../src/index/knowledge-base.js';
import { openKnowledgeBase, rebuildKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { tokenize } from '../../src/core/chinese-tokenizer.js';
import type { Embedder } from '../../src/llm/embedder.js';
import { embedDoc, makeTempDir, regulationDocs, type TestDoc } from './corpus-docs.js';

const embedder = createBuiltinEmbedder();
const CHUNKER = { version: 3, targetChars: 400, maxChars: 800, overlapChars: 0 };

async function put(kb: KnowledgeBase, d: TestDoc): Promise<void> {
  kb.putDocument(d.doc, d.chunks, await embedDoc(kb.embedder, d));
}

async function currentGenDir(dir: string): Promise<string> {
  return path.join(dir, 'index', (await readFile(path.join(dir, 'CURRENT'), 'utf8')).trim());
}

async function expectAppError(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isAppError(e), String(e)).toBe(true);
  if (isAppError(e)) {
    expect(e.code).toBe(code);
    if (message) expect(e.message).toMatch(message);
  }
}

describe('file knowledge base', () => {
  let docs: TestDoc[];
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await makeTempDir();
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    docs = await regulationDocs(14);
  });
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('creates an empty, self-describing folder whose searches return nothing', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder, chunker: CHUNKER });
    expect(kb.listDocuments()).toEqual([]);
    expect(kb.chunkCount()).toBe(0);
    expect(kb.searchVector(await embedder.embedQuery('火灾'), 10)).toEqual([]);
    expect(kb.searchLexical([{ term: '火灾', weight: 1 }], 10)).toEqual([]);
    const m = kb.manifest();
    expect(m).toMatchObject({ formatVersion: 1, embedder: { id: 'builtin-hash-v1-512', dimensions: 512 }, chunker: CHUNKER, generation: 1 });
    expect(JSON.parse(await readFile(path.join(await currentGenDir(dir), 'manifest.json'), 'utf8'))).toMatchObject(m);
    await kb.close();
  });

  it('refuses to create when create is false', async () => {
    const dir = await tempDir();
    await expectAppError(openKnowledgeBase({ dir, embedder, create: false }), 'KNOWLEDGE_BASE_EMPTY', /yingji ingest/);
  });

  it('reflects put, replace and remove in documents, chunks, vector and lexical search', async () => {
    const kb = await openKnowledgeBase({ dir: await tempDir(), embedder });
    const [a, b] = docs;
    await put(kb, a);
    await put(kb, b);
    expect(kb.listDocuments().map((d) => d.id)).toEqual([a.doc.id, b.doc.id]);
    expect(kb.chunkCount()).toBe(a.chunks.length + b.chunks.length);
    expect(kb.findBySourceKey(b.doc.sourceKey)?.id).toBe(b.doc.id);
    expect(kb.getChunks(a.doc.id).map((c) => c.id)).toEqual(a.chunks.map((c) => c.id));
    const probe = b.chunks[3];
    expect(kb.getChunk(probe.id)).toEqual(probe);
    const vq = (await embedder.embedDocuments([probe.text]))[0];
    expect(kb.searchVector(vq, 1)[0].chunk.id).toBe(probe.id);
    expect(kb.searchVector(vq, 1)[0].similarity).toBeCloseTo(1, 4);

    // Title tokens are searchable in every chunk of the document.
    const titleTerm = tokenize(b.doc.title).sort((x, y) => y.length - x.length)[0];
    const titleHits = kb.searchLexical([{ term: titleTerm, weight: 1 }], 10000).map((h) => h.doc.id);
    expect(titleHits.filter((id) => id === b.doc.id)).toHaveLength(b.chunks.length);

    // Replace b with a shorter version of itself.
    const shorter: TestDoc = { doc: { ...b.doc, chunkCount: 2 }, chunks: b.chunks.slice(0, 2) };
    await put(kb, shorter);
    expect(kb.getChunks(b.doc.id)).toHaveLength(2);
    expect(kb.getDocument(b.doc.id)?.chunkCount).toBe(2);
    expect(kb.getChunk(probe.id)).toBeUndefined();
    expect(kb.searchVector(vq, 50).map((h) => h.chunk.id)).not.toContain(probe.id);
    expect(kb.chunkCount()).toBe(a.chunks.length + 2);

    expect(kb.removeDocument(a.doc.id)).toBe(true);
    expect(kb.removeDocument(a.doc.id)).toBe(false);
    expect(kb.getDocument(a.doc.id)).toBeUndefined();
    expect(kb.chunkCount()).toBe(2);
    const all = kb.searchVector(vq, 1000);
    expect(all).toHaveLength(2);
    const remaining = kb.searchLexical([{ term: '应急', weight: 1 }, { term: '安全', weight: 1 }], 1000);
    expect(remaining.length).toBeGreaterThan(0);
    for (const h of remaining) {
      expect(h.doc.id).toBe(b.doc.id);
      expect(kb.getChunk(h.chunk.id)).toEqual(h.chunk);
    }
    await kb.close();
  });

  it('rejects vectors of the wrong size and chunks of another document without changing anything', async () => {
    const kb = await openKnowledgeBase({ dir: await tempDir(), embedder });
    const [a] = docs;
    expect(() => kb.putDocument(a.doc, a.chunks, a.chunks.map(() => [1, 0, 0]))).toThrow();
    expect(() => kb.putDocument(a.doc, a.chunks, [])).toThrow();
    expect(() => kb.putDocument({ ...a.doc, id: 'other' }, a.chunks, a.chunks.map(() => new Array(512).fill(0.1)))).toThrow();
    expect(kb.listDocuments()).toEqual([]);
    await kb.close();
  });

  it('re-scores lexical candidates by question bigrams and characters the same after a reopen, a removal, and from a generation written before bigrams.bin or in its bigram-only format', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    for (const d of docs) await put(kb, d);
    kb.removeDocument(docs[3].doc.id);
    await kb.commit();
    const terms = [{ term: '应急', weight: 1 }, { term: '安全', weight: 1 }];
    const bigrams = { text: '出了事故以后现场的人先报告谁', weights: { bigram: 0.3, character: 0.3 } };
    const wordsOnly = kb.searchLexical(terms, 40);
    const rescored = kb.searchLexical(terms, 40, bigrams);
    // Same candidates, re-ordered by the bigram scores added on top.
    expect(new Set(rescored.map((h) => h.chunk.id))).toEqual(new Set(wordsOnly.map((h) => h.chunk.id)));
    expect(rescored.map((h) => h.chunk.id)).not.toEqual(wordsOnly.map((h) => h.chunk.id));
    for (let i = 1; i < rescored.length; i++) expect(rescored[i - 1].score).toBeGreaterThanOrEqual(rescored[i].score);
    expect(kb.searchLexical(terms, 40, { ...bigrams, weights: { bigram: 0, character: 0 } })).toEqual(wordsOnly);
    const bigramsOnly = kb.searchLexical(terms, 40, { ...bigrams, weights: { bigram: 0.3, character: 0 } });
    expect(bigramsOnly.map((h) => h.score)).not.toEqual(rescored.map((h) => h.score));
    await kb.close();

    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.searchLexical(terms, 40, bigrams)).toEqual(rescored);
    await again.close();

    // An older generation: no bigrams.bin and no digest for it; opening counts the bigrams from the chunks.
    const gen = await currentGenDir(dir);
    await rm(path.join(gen, 'bigrams.bin'));
    const manifestFile = path.join(gen, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: Record<string, unknown> };
    delete manifest.files['bigrams.bin'];
    await writeFile(manifestFile, JSON.stringify(manifest) + '\n');
    const old = await openKnowledgeBase({ dir, embedder });
    expect(old.searchLexical(terms, 40, bigrams)).toEqual(rescored);
    await put(old, docs[3]);
    await old.commit();
    expect(await readdir(await currentGenDir(dir))).toContain('bigrams.bin');
    const withDoc3 = old.searchLexical(terms, 40, bigrams);
    await old.close();

    // The bigram-only format (version 1, digest in the manifest): read as absent and counted again.
    const genV1 = await currentGenDir(dir);
    const v1 = Buffer.from(new Uint32Array([0x4d534742, 1, 21 | 0x100, 0, 0, 0]).buffer);
    await writeFile(path.join(genV1, 'bigrams.bin'), v1);
    const manifestV1 = JSON.parse(await readFile(path.join(genV1, 'manifest.json'), 'utf8')) as { files: Record<string, unknown> };
    manifestV1.files['bigrams.bin'] = { bytes: v1.length, sha256: createHash('sha256').update(v1).digest('hex') };
    await writeFile(path.join(genV1, 'manifest.json'), JSON.stringify(manifestV1) + '\n');
    const older = await openKnowledgeBase({ dir, embedder });
    expect(older.searchLexical(terms, 40, bigrams)).toEqual(withDoc3);
    await older.close();
  });

  it('reopens after commit with identical documents and search results; uncommitted changes are not kept', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    for (const d of docs) await put(kb, d);
    kb.putFailedDocument({ ...docs[0].doc, id: 'scan', sourceKey: 'upload:scan.pdf', status: 'needs_ocr', chunkCount: 0 });
    kb.removeDocument(docs[2].doc.id);
    await kb.commit();
    const queries = ['生产经营单位主要负责人的职责', '突发事件预警级别', '特种设备检验'];
    const vectorsBefore = await Promise.all(queries.map(async (q) => kb.searchVector(await embedder.embedQuery(q), 20)));
    const lexicalBefore = queries.map((q) => kb.searchLexical([{ term: q.slice(0, 2), weight: 1 }, { term: q.slice(-2), weight: 0.5 }], 20));
    const docsBefore = kb.listDocuments();
    const generation = kb.manifest().generation;
    await put(kb, docs[2]); // not committed
    await kb.close();

    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments()).toEqual(docsBefore);
    expect(again.getDocument('scan')?.status).toBe('needs_ocr');
    expect(again.getDocument(docs[2].doc.id)).toBeUndefined();
    expect(again.manifest().generation).toBe(generation);
    for (let i = 0; i < queries.length; i++) {
      expect(again.searchVector(await embedder.embedQuery(queries[i]), 20)).toEqual(vectorsBefore[i]);
      expect(again.searchLexical([{ term: queries[i].slice(0, 2), weight: 1 }, { term: queries[i].slice(-2), weight: 0.5 }], 20)).toEqual(lexicalBefore[i]);
    }
    // Growth past the index's initial capacity (1024) happened: there are thousands of chunks.
    expect(again.chunkCount()).toBeGreaterThan(1024);
    expect(again.searchVector(await embedder.embedQuery('应急'), 1_000_000)).toHaveLength(again.chunkCount());
    await again.close();
  });

  it('serialises concurrent commits and persists every document put before them', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    const vectors = await Promise.all(docs.slice(0, 3).map((d) => embedDoc(embedder, d)));
    const commits: Promise<void>[] = [];
    docs.slice(0, 3).forEach((d, i) => {
      kb.putDocument(d.doc, d.chunks, vectors[i]);
      commits.push(kb.commit());
    });
    await Promise.all(commits);
    await kb.close();
    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.listDocuments()).toHaveLength(3);
    expect((await readdir(path.join(dir, 'index'))).length).toBe(1);
    await again.close();
  });

  it('stores originals and deletes them when their document is removed, or when no commit references them', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    const [a, b] = docs;
    const storedFile = await kb.storeOriginal(a.doc.id, '../危险 化学品:目录?.md', Buffer.from('原文'));
    expect(storedFile).toMatch(/^files\/[^/]+\/[^/]+$/);
    expect(storedFile).not.toContain('..');
    expect(await readFile(path.join(dir, storedFile), 'utf8')).toBe('原文');
    kb.putDocument({ ...a.doc, storedFile }, a.chunks, await embedDoc(embedder, a));
    await kb.commit();
    const stray = await kb.storeOriginal(b.doc.id, 'b.md', Buffer.from('未提交'));
    await kb.close();

    const again = await openKnowledgeBase({ dir, embedder });
    await expect(readFile(path.join(dir, stray))).rejects.toThrow();
    expect(await readFile(path.join(dir, storedFile), 'utf8')).toBe('原文');
    again.removeDocument(a.doc.id);
    expect(await readFile(path.join(dir, storedFile), 'utf8')).toBe('原文'); // still referenced on disk until commit
    await again.commit();
    await expect(readFile(path.join(dir, storedFile))).rejects.toThrow();
    await again.close();
  });

  it('regression: re-storing a changed original and dying before commit leaves the committed original intact', async () => {
    // storeOriginal used to overwrite files/<docId>/<name> in place, so the committed generation named new bytes.
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    const [a] = docs;
    const v1 = Buffer.from('第一版原文');
    const storedV1 = await kb.storeOriginal(a.doc.id, 'plan.md', v1);
    kb.putDocument({ ...a.doc, storedFile: storedV1 }, a.chunks, await embedDoc(embedder, a));
    await kb.commit();
    const storedV2 = await kb.storeOriginal(a.doc.id, 'plan.md', Buffer.from('第二版原文'));
    expect(storedV2).not.toBe(storedV1);
    expect(await readFile(path.join(dir, storedV1))).toEqual(v1);
    await kb.close(); // no commit: as if killed here

    const again = await openKnowledgeBase({ dir, embedder });
    expect(again.getDocument(a.doc.id)?.storedFile).toBe(storedV1);
    expect(await readFile(path.join(dir, storedV1))).toEqual(v1);
    await expect(readFile(path.join(dir, storedV2))).rejects.toThrow(); // the uncommitted version was a stray
    // Storing identical bytes again yields the same name (content-addressed), so nothing is duplicated.
    expect(await again.storeOriginal(a.doc.id, 'plan.md', v1)).toBe(storedV1);
    await again.close();
  });

  it('loads chunks.jsonl lines of the older {label, chunk} form and rewrites them in the new form at the next commit', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    for (const d of docs.slice(0, 2)) await put(kb, d);
    await kb.commit();
    await kb.close();
    // Turn the generation into what the previous release wrote: `{"label":n,"chunk":{…}}` lines.
    const genDir = await currentGenDir(dir);
    const chunksFile = path.join(genDir, 'chunks.jsonl');
    const legacy = (await readFile(chunksFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const { label, chunk } = JSON.parse(line) as { label: number; chunk: unknown };
        return JSON.stringify({ label, chunk }) + '\n';
      })
      .join('');
    await writeFile(chunksFile, legacy);
    const manifestFile = path.join(genDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest.files['chunks.jsonl'] = { bytes: Buffer.byteLength(legacy), sha256: createHash('sha256').update(legacy).digest('hex') };
    await writeFile(manifestFile, JSON.stringify(manifest));

    const again = await openKnowledgeBase({ dir, embedder });
    const [a, b] = docs;
    expect(again.getChunks(a.doc.id)).toEqual(a.chunks);
    expect(again.getChunk(b.chunks[1].id)).toEqual(b.chunks[1]);
    again.removeDocument(a.doc.id);
    await again.commit();
    await again.close();
    const lines = (await readFile(path.join(await currentGenDir(dir), 'chunks.jsonl'), 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(b.chunks.length);
    expect(lines[0].startsWith(`{"label":`) && lines[0].includes(`,"id":${JSON.stringify(b.chunks[0].id)},"doc":`)).toBe(true);
    const last = await openKnowledgeBase({ dir, embedder });
    expect(last.getChunks(b.doc.id)).toEqual(b.chunks);
    await last.close();
  });

  it('refuses an index built with another embedder and tells to run yingji reindex', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    await put(kb, docs[0]);
    await kb.commit();
    await kb.close();
    const renamed: Embedder = { ...embedder, id: 'ollama:bge-m3', dimensions: 512 };
    await expectAppError(openKnowledgeBase({ dir, embedder: renamed }), 'EMBEDDER_MISMATCH', /yingji reindex/);
    const smaller: Embedder = {
      id: embedder.id,
      dimensions: 256,
      embedDocuments: async (t) => (await embedder.embedDocuments(t)).map((v) => v.slice(0, 256)),
      embedQuery: async (t) => (await embedder.embedQuery(t)).slice(0, 256),
    };
    await expectAppError(openKnowledgeBase({ dir, embedder: smaller }), 'EMBEDDER_MISMATCH');
  });

  it('rebuilds with a new embedder from stored chunks, swapping only when complete', async () => {
    const dir = await tempDir();
    const kb = await openKnowledgeBase({ dir, embedder });
    for (const d of docs.slice(0, 3)) await put(kb, d);
    await kb.commit();
    const lexicalBefore = kb.searchLexical([{ term: '应急', weight: 1 }], 10);
    const half: Embedder = {
      id: 'builtin-hash-half-256',
      dimensions: 256,
      embedDocuments: async (t) => (await embedder.embedDocuments(t)).map((v) => v.slice(0, 256)),
      embedQuery: async (t) => (await embedder.embedQuery(t)).slice(0, 256),
    };
    const progress: number[] = [];
    const result = await rebuildKnowledgeBase({ dir, embedder: half, batchSize: 100, onProgress: (done) => progress.push(done) });
    const chunkTotal = docs.slice(0, 3).reduce((n, d) => n + d.chunks.length, 0);
    expect(result).toMatchObject({ documents: 3, chunks: chunkTotal });
    expect(progress.at(-1)).toBe(chunkTotal);
    // The instance opened before the rebuild may not overwrite it (another embedder now: it cannot load it either).
    kb.removeDocument(docs[0].doc.id);
    await expectAppError(kb.commit(), 'CONFLICT');
    await kb.close();
    await expectAppError(openKnowledgeBase({ dir, embedder }), 'EMBEDDER_MISMATCH');
    const again = await openKnowledgeBase({ dir, embedder: half });
    expect(again.manifest().embedder).toEqual({ id: 'builtin-hash-half-256', dimensions: 256 });
    expect(again.chunkCount()).toBe(chunkTotal);
    const probe = docs[1].chunks[2];
    expect(again.searchVector(await half.embedQuery(probe.text), 1)[0].chunk.id).toBe(probe.id);
    expect(again.searchLexical([{ term: '应急', weight: 1 }], 10)).toEqual(lexicalBefore);
    await again.close();
  });

  describe('damaged folders', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await tempDir();
      const kb = await openKnowledgeBase({ dir, embedder });
      await put(kb, docs[0]);
      await kb.commit();
      await kb.close();
    });

    async function withDamage(file: string, damage: (p: string) => Promise<void>, code: string): Promise<void> {
      const p = path.join(await currentGenDir(dir), file);
      const original = await readFile(p);
      await damage(p);
      try {
        await expectAppError(openKnowledgeBase({ dir, embedder }), code, code === 'INDEX_CORRUPT' ? /备份|reindex/ : undefined);
      } finally {
        await writeFile(p, original);
      }
    }

    it('reports INDEX_CORRUPT for truncated or altered index files', async () => {
      await withDamage('vectors.hnsw', (p) => truncate(p, 1000), 'INDEX_CORRUPT');
      await withDamage('lexical.bin', async (p) => {
        const bytes = await readFile(p);
        bytes[bytes.length - 3] ^= 0x55;
        await writeFile(p, bytes);
      }, 'INDEX_CORRUPT');
      await withDamage('chunks.jsonl', (p) => writeFile(p, '{"label":'), 'INDEX_CORRUPT');
      await withDamage('docs.json', (p) => rm(p), 'INDEX_CORRUPT');
      await withDamage('manifest.json', (p) => writeFile(p, '{ not json'), 'INDEX_CORRUPT');
      const current = path.join(dir, 'CURRENT');
      const pointer = await readFile(current);
      await writeFile(current, 'garbage');
      await expectAppError(openKnowledgeBase({ dir, embedder }), 'INDEX_CORRUPT');
      await writeFile(current, pointer);
      const kb = await openKnowledgeBase({ dir, embedder });
      expect(kb.listDocuments()).toHaveLength(1);
      await kb.close();
    });

    it('reports INDEX_FORMAT_UNSUPPORTED for an unknown format version', async () => {
      await withDamage('manifest.json', async (p) => {
        const m = JSON.parse(await readFile(p, 'utf8'));
        await writeFile(p, JSON.stringify({ ...m, formatVersion: 99 }));
      }, 'INDEX_FORMAT_UNSUPPORTED');
    });
  });
});
