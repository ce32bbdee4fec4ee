/** The two real versions of 突发事件应对法 (2007: 70 articles; 2024 revision: 106, renumbered throughout). */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../src/core/types.js';
import { removeDocument } from '../../src/ingest/pipeline.js';
import { diffDocuments } from '../../src/versions/document-diff.js';
import { computeVersions } from '../../src/versions/families.js';
import { corpusPath, createTestKnowledgeBase, makeTempDir } from '../support/knowledge.js';

const OLD = corpusPath('full/行政法/突发事件应对法(2007-08-30).md');
const NEW = corpusPath('full/行政法/突发事件应对法(2024-06-28).md');
const OLD_NAME = path.basename(OLD);
const NEW_NAME = path.basename(NEW);

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

describe('突发事件应对法 2007 and 2024', () => {
  let kb: TestKb;
  const docs = () => new Map(kb.services.kb.listDocuments().map((d) => [d.source, d] as [string, SourceDoc]));

  beforeAll(async () => {
    kb = await createTestKnowledgeBase([OLD, NEW]);
  });
  afterAll(async () => {
    await kb.cleanup();
  });

  it('puts the 2024 version in force and the 2007 one superseded by it', () => {
    const d = docs();
    const table = computeVersions([...d.values()]);
    const v2024 = d.get(NEW_NAME)!;
    expect(d.get(OLD_NAME)).toMatchObject({ effectiveDate: '2007-11-01' });
    expect(v2024).toMatchObject({ issuedDate: '2024-06-28', effectiveDate: '2024-11-01' });
    expect(table.get(v2024.id)).toMatchObject({ family: '突发事件应对法', status: 'in_force', version: '2024-11-01' });
    expect(table.get(d.get(OLD_NAME)!.id)).toMatchObject({ status: 'superseded', supersededBy: v2024.id, supersededSince: '2024-11-01' });
  });

  it.each(['发布三级、四级警报，宣布进入预警期后，县级以上地方人民政府应当采取哪些措施', '县级人民政府应当及时调解处理哪些矛盾纠纷', '突发事件应对法规定的应急管理体制是什么'])(
    'a topical question cites only 2024 articles: %s',
    async (q) => {
      const { hits } = await kb.services.retriever.retrieve(q, { k: 8 });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.filter((h) => h.doc.title.includes('突发事件应对法')).map((h) => h.doc.source)).toEqual(
        hits.filter((h) => h.doc.title.includes('突发事件应对法')).map(() => NEW_NAME),
      );
    },
  );

  it('"2007年版突发事件应对法第四十四条" cites the 2007 text with the warning and the current number', async () => {
    const { hits } = await kb.services.retriever.retrieve('2007年版突发事件应对法第四十四条');
    const [first] = hits;
    expect(first!.doc.source).toBe(OLD_NAME);
    expect(first!.chunk.articleLabel).toBe('第四十四条');
    expect(first!.chunk.text).toContain('县级以上地方各级人民政府');
    expect(first!.version?.status).toBe('superseded');
    expect(first!.version?.currentDocId).toBe(docs().get(NEW_NAME)!.id);
    expect(first!.version?.warning).toContain('该条内容在现行版本中为第六十六条');
  });

  it('"突发事件应对法第三十四条" goes to the 2024 text and says 原第二十一条', async () => {
    const [first] = (await kb.services.retriever.retrieve('突发事件应对法第三十四条')).hits;
    expect(first!.doc.source).toBe(NEW_NAME);
    expect(first!.version?.formerLabel).toBe('原第二十一条');
    const [newer] = (await kb.services.retriever.retrieve('新版突发事件应对法第五十条')).hits;
    expect(newer!.doc.source).toBe(NEW_NAME);
    expect(newer!.chunk.articleLabel).toBe('第五十条');
  });

  it('classifies every article of both versions, moved ones found by content, as worked out by hand for ten articles', () => {
    const d = docs();
    const diff = diffDocuments(kb.services.kb, d.get(OLD_NAME)!, d.get(NEW_NAME)!);
    expect(diff.old.articles).toHaveLength(70);
    expect(diff.new.articles).toHaveLength(106);
    const { added, removed, modified, moved, unchanged } = diff.counts;
    expect(removed + modified + moved + unchanged).toBe(70);
    expect(added + modified + moved + unchanged).toBe(106);
    expect(new Set(diff.changes.filter((c) => c.old).map((c) => c.old)).size).toBe(70);
    expect(new Set(diff.changes.filter((c) => c.new).map((c) => c.new)).size).toBe(106);
    const byOld = (label: string) => diff.changes.find((c) => c.old === label)!;
    const byNew = (label: string) => diff.changes.find((c) => c.new === label)!;
    const expected: [ReturnType<typeof byOld>, string, string | null, string | null][] = [
      [byOld('第一条'), 'modified', '第一条', '第一条'],
      [byOld('第四条'), 'moved', '第四条', '第十六条'],
      [byOld('第五条'), 'moved', '第五条', '第三十二条'],
      [byOld('第九条'), 'removed', '第九条', null],
      [byOld('第十一条'), 'moved', '第十一条', '第十条'],
      [byOld('第二十一条'), 'moved', '第二十一条', '第三十四条'],
      [byOld('第四十四条'), 'moved', '第四十四条', '第六十六条'],
      [byOld('第七十条'), 'moved', '第七十条', '第一百零六条'],
      [byNew('第四条'), 'added', null, '第四条'],
      [byNew('第一百零四条'), 'added', null, '第一百零四条'],
    ];
    for (const [change, kind, old, neu] of expected) expect([change.kind, change.old, change.new]).toEqual([kind, old, neu]);
    // Same words under a new number: moved without a diff; reworded: a character diff.
    expect(byOld('第二十一条').diff).toBeUndefined();
    expect(byOld('第四十四条').diff).toContainEqual({ kind: 'removed', text: '各级' });
  });

  it('removing the newer version makes the older one current again', async () => {
    await removeDocument(kb.services.kb, docs().get(NEW_NAME)!.id);
    const table = computeVersions(kb.services.kb.listDocuments());
    expect(table.get(docs().get(OLD_NAME)!.id)).toMatchObject({ status: 'in_force', supersededBy: null });
    const [first] = (await kb.services.retriever.retrieve('突发事件应对法第四十四条')).hits;
    expect(first!.doc.source).toBe(OLD_NAME);
    expect(first!.version?.warning).toBeUndefined();
  });
});

describe('a version whose 施行 date lies in the future', () => {
  let kb: TestKb;
  let work: string;

  beforeAll(async () => {
    work = await makeTempDir('yingji-future-');
    await mkdir(path.join(work, 'in'));
    await copyFile(OLD, path.join(work, 'in', OLD_NAME));
    await copyFile(NEW, path.join(work, 'in', NEW_NAME));
    // The admin's sidecar overrides the date read from the text.
    await writeFile(path.join(work, 'in', `${NEW_NAME}.meta.json`), JSON.stringify({ effectiveDate: '2099-01-01' }));
    kb = await createTestKnowledgeBase([path.join(work, 'in')]);
  });
  afterAll(async () => {
    await kb.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('is 尚未施行 and does not yet answer; the older version stays in force', async () => {
    const all = kb.services.kb.listDocuments();
    const table = computeVersions(all);
    const future = all.find((d) => d.source === NEW_NAME)!;
    expect(table.get(future.id)!.status).toBe('not_yet_in_force');
    expect(table.get(all.find((d) => d.source === OLD_NAME)!.id)!.status).toBe('in_force');
    const { hits } = await kb.services.retriever.retrieve('发布三级、四级警报，宣布进入预警期后，县级以上地方人民政府应当采取哪些措施', { k: 8 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.doc.source === OLD_NAME)).toBe(true);
  });
});
