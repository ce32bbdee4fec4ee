/** Learning from use: a question attached to a passage (👍 or an admin's confirmation) is found by its paraphrases. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestionStore } from '../../src/index/question-store.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { SEEDS_DIR } from '../support/paths.js';

let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
const PARAPHRASE = '厂里罐子冒白烟了要跟谁说';

beforeAll(async () => {
  kb = await createTestKnowledgeBase([SEEDS_DIR]);
});
afterAll(async () => kb?.cleanup());

function reportingPassage() {
  const doc = kb.services.kb.listDocuments().find((d) => d.title.includes('危险化学品泄漏'))!;
  return kb.services.kb.getChunks(doc.id).find((c) => c.headingPath.some((h) => h.includes('信息报告')))!;
}

describe('questions attached to passages', () => {
  it('a paraphrase of an attached question finds that passage first, and the question survives a reopen', async () => {
    const target = reportingPassage();
    const before = await kb.services.retriever.retrieve(PARAPHRASE);
    expect(before.hits[0]?.chunk.id).not.toBe(target.id);

    await kb.services.questions.add({
      chunkId: target.id,
      docId: target.docId,
      articleLabel: target.articleLabel,
      question: '储罐冒白烟泄漏了，应当向谁报告？',
      source: 'feedback',
      addedBy: 'officer1',
    });
    const after = await kb.services.retriever.retrieve(PARAPHRASE);
    expect(after.hits[0].chunk.id).toBe(target.id);
    expect(after.basis).not.toBe('none');

    const reopened = await QuestionStore.open(kb.dir);
    expect(reopened.list(target.docId).map((q) => q.question)).toEqual(['储罐冒白烟泄漏了，应当向谁报告？']);
  });

  it('an attached question is never shown as source text, and removing it undoes the effect', async () => {
    const target = reportingPassage();
    const hit = (await kb.services.retriever.retrieve(PARAPHRASE)).hits[0];
    expect(hit.chunk.text).not.toContain('储罐冒白烟');
    const ids = kb.services.questions.list(target.docId).map((q) => q.id);
    expect(await kb.services.questions.remove(ids)).toEqual(ids);
    expect((await kb.services.retriever.retrieve(PARAPHRASE)).hits[0]?.chunk.id).not.toBe(target.id);
  });

  it('keeps the same question on the same passage once and refuses an empty one', async () => {
    const target = reportingPassage();
    const input = { chunkId: target.id, docId: target.docId, question: '泄漏后多久报告？', source: 'admin' as const };
    const a = await kb.services.questions.add(input);
    const b = await kb.services.questions.add({ ...input, question: ' 泄漏后多久报告？ ' });
    expect(b.id).toBe(a.id);
    await expect(kb.services.questions.add({ ...input, question: '  ' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});
