/** The behaviour every KnowledgeBase implementation must show; run it from each implementation's test file. */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import type { KnowledgeBase } from '../../src/index/knowledge-base.js';
import { resolveOriginal } from '../../src/index/originals-store.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import type { Embedder } from '../../src/llm/embedder.js';
import { embedDoc, makeTempDir, regulationDocs, type TestDoc } from './corpus-docs.js';

export interface KnowledgeBaseContractOptions {
  name: string;
  /** Opens (creating when missing) the knowledge base kept in `dir`. */
  open(dir: string, embedder: Embedder): Promise<KnowledgeBase>;
}

export function runKnowledgeBaseContract(options: KnowledgeBaseContractOptions): void {
  describe(`KnowledgeBase contract: ${options.name}`, () => {
    const embedder = createBuiltinEmbedder();
    const dirs: string[] = [];
    let docs: TestDoc[];
    beforeAll(async () => {
      docs = await regulationDocs(3);
    });
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });
    async function fresh(): Promise<{ dir: string; kb: KnowledgeBase }> {
      const dir = await makeTempDir('yingji-kb-contract-');
      dirs.push(dir);
      return { dir, kb: await options.open(dir, embedder) };
    }

    it('starts empty: no documents, no chunks, searches find nothing', async () => {
      const { kb } = await fresh();
      expect(kb.listDocuments()).toEqual([]);
      expect(kb.chunkCount()).toBe(0);
      expect(kb.searchLexical([{ term: '应急', weight: 1 }], 10)).toEqual([]);
      expect(kb.searchVector(await embedder.embedQuery('应急'), 10)).toEqual([]);
      expect(kb.manifest().embedder).toEqual({ id: embedder.id, dimensions: embedder.dimensions });
      await kb.close();
    });

    it('reads back what was put, and searches return chunk references with their document', async () => {
      const { kb } = await fresh();
      const [a] = docs;
      kb.putDocument(a.doc, a.chunks, await embedDoc(embedder, a));
      expect(kb.getDocument(a.doc.id)).toMatchObject({ id: a.doc.id, chunkCount: a.chunks.length });
      expect(kb.findBySourceKey(a.doc.sourceKey)?.id).toBe(a.doc.id);
      expect(kb.getChunks(a.doc.id).map((c) => c.id)).toEqual(a.chunks.map((c) => c.id));
      const probe = a.chunks[3];
      expect(kb.getChunk(probe.id)).toEqual(probe);
      const [best] = kb.searchVector(await embedder.embedQuery(probe.text), 1);
      expect(best.chunk).toEqual(probe);
      expect(best.doc.id).toBe(a.doc.id);
      const lexical = kb.searchLexical([{ term: '应急', weight: 1 }], 1000);
      expect(lexical.length).toBeGreaterThan(0);
      for (const hit of lexical) expect(kb.getChunk(hit.chunk.id)).toEqual(hit.chunk);
      expect(kb.lexicalDocumentFrequency('应急')).toBeGreaterThan(0);
      expect(kb.lexicalDocumentFrequency('不存在的词语组合')).toBe(0);
      await kb.close();
    });

    it('records failed documents without chunks and removes documents from every side', async () => {
      const { kb } = await fresh();
      const [a, b] = docs;
      kb.putDocument(a.doc, a.chunks, await embedDoc(embedder, a));
      kb.putFailedDocument({ ...b.doc, status: 'failed' });
      expect(kb.getDocument(b.doc.id)).toMatchObject({ status: 'failed', chunkCount: 0 });
      expect(kb.getChunks(b.doc.id)).toEqual([]);
      expect(kb.chunkCount()).toBe(a.chunks.length);
      expect(kb.removeDocument(a.doc.id)).toBe(true);
      expect(kb.removeDocument(a.doc.id)).toBe(false);
      expect(kb.getChunk(a.chunks[0].id)).toBeUndefined();
      expect(kb.searchVector(await embedder.embedQuery(a.chunks[0].text), 10)).toEqual([]);
      expect(kb.chunkCount()).toBe(0);
      await kb.close();
    });

    it('keeps exactly what was committed across a reopen', async () => {
      const { dir, kb } = await fresh();
      const [a, b, c] = docs;
      kb.putDocument(a.doc, a.chunks, await embedDoc(embedder, a));
      kb.putDocument(b.doc, b.chunks, await embedDoc(embedder, b));
      await kb.commit();
      kb.putDocument(c.doc, c.chunks, await embedDoc(embedder, c)); // never committed
      const before = kb.searchLexical([{ term: '应急', weight: 1 }], 20).filter((h) => h.doc.id !== c.doc.id);
      await kb.close();
      const again = await options.open(dir, embedder);
      expect(again.listDocuments().map((d) => d.id).sort()).toEqual([a.doc.id, b.doc.id].sort());
      expect(again.getDocument(c.doc.id)).toBeUndefined();
      expect(again.searchLexical([{ term: '应急', weight: 1 }], 20).map((h) => h.chunk.id).slice(0, before.length)).toEqual(before.map((h) => h.chunk.id));
      await again.close();
    });

    it('stores originals owner-only under a hashed name, whatever the display name (80 Chinese characters), and resolves them', async () => {
      const { dir, kb } = await fresh();
      const [a] = docs;
      const longName = `${'上海市普陀区防汛防台专项应急预案'.repeat(5)}.docx`;
      expect(longName.length).toBeGreaterThan(76);
      const storedFile = await kb.storeOriginal(a.doc.id, longName, Buffer.from('原件内容'));
      expect(storedFile).toMatch(/^files\/[0-9a-f]{16}\/[0-9a-f]{16}\.docx$/);
      kb.putDocument({ ...a.doc, source: longName, storedFile }, a.chunks, await embedDoc(embedder, a));
      await kb.commit();
      const doc = kb.getDocument(a.doc.id);
      expect(doc?.source).toBe(longName);
      const file = resolveOriginal(dir, doc as NonNullable<typeof doc>);
      expect(await readFile(file, 'utf8')).toBe('原件内容');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
      await kb.close();
    });

    it('refuses changes once closed with CONFLICT', async () => {
      const { kb } = await fresh();
      await kb.close();
      let error: unknown;
      try {
        kb.putFailedDocument(docs[0].doc);
      } catch (e) {
        error = e;
      }
      expect(isAppError(error, 'CONFLICT'), String(error)).toBe(true);
    });
  });
}
