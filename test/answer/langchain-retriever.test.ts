/** yingji's retriever as a LangChain BaseRetriever, over a real knowledge base built from seeds/. */
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YingjiRetriever, type YingjiDocumentMetadata } from '../../src/answer/langchain-retriever.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { SEED_DOCUMENTS } from './source-hits.js';

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
beforeAll(async () => {
  kb = await createTestKnowledgeBase(SEED_DOCUMENTS);
});
afterAll(async () => {
  await kb?.cleanup();
});

describe('YingjiRetriever', () => {
  it('is a LangChain BaseRetriever whose invoke() returns the hits as Documents with their provenance', async () => {
    const retriever = new YingjiRetriever({ retriever: kb.services.retriever, k: 3 });
    expect(retriever).toBeInstanceOf(BaseRetriever);
    const docs = await retriever.invoke('防汛Ⅲ级响应由谁决定启动？');
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.length).toBeLessThanOrEqual(3);
    const top = docs[0];
    expect(top.pageContent).toContain('由区防指副总指挥决定启动Ⅲ级响应');
    expect(top.id).toBe(top.metadata.chunkId);
    expect(top.metadata).toMatchObject({
      title: '某区防汛防台应急预案（示例）',
      source: 'flood-typhoon-plan-sample.md',
      sufficient: true,
    });
    expect(top.metadata.locator).toContain('Ⅲ级响应');
    expect(top.metadata.score).toBeGreaterThan(0);
    const scores = docs.map((d) => d.metadata.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // the same passages yingji's own retriever returns, in the same order
    const direct = await kb.services.retriever.retrieve('防汛Ⅲ级响应由谁决定启动？', { k: 3 });
    expect(docs.map((d) => d.metadata.chunkId)).toEqual(direct.hits.map((h) => h.chunk.id));
  });

  it('composes in a LangChain runnable chain, and says when the knowledge base has no sufficient basis', async () => {
    const format = RunnableLambda.from((docs: DocumentInterface<YingjiDocumentMetadata>[]) =>
      docs.map((d) => `《${d.metadata.title}》${d.metadata.locator}：${d.pageContent}`).join('\n'),
    );
    const chain = new YingjiRetriever({ retriever: kb.services.retriever, k: 2 }).pipe(format);
    const text = await chain.invoke('有限空间作业前要检测哪些气体？');
    expect(text).toContain('《有限空间作业事故应急处置规程（示例）》');
    expect(text).toContain('氧气、可燃气体和硫化氢');

    const off = await new YingjiRetriever({ retriever: kb.services.retriever }).invoke('按《证券法》，上市公司信息披露违规怎么处罚？');
    expect(off.every((d) => d.metadata.sufficient === false)).toBe(true);
  });

  it('restricts the search to the given documents', async () => {
    const all = await kb.services.retriever.retrieve('报告时限', { k: 10 });
    const docId = all.hits.find((h) => h.doc.source === 'hazchem-leak-card-sample.md')!.doc.id;
    const docs = await new YingjiRetriever({ retriever: kb.services.retriever, k: 5, docIds: [docId] }).invoke('报告时限');
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((d) => d.metadata.docId === docId)).toBe(true);
  });
});
