import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../src/core/types.js';
import { removeDocument } from '../../src/ingest/pipeline.js';
import { diffChars } from '../../src/versions/char-diff.js';
import { diffDocuments } from '../../src/versions/document-diff.js';
import { changesSince } from '../../src/versions/feed.js';
import { computeVersions, familyKey, versionDateOf } from '../../src/versions/families.js';
import { extractMetadata } from '../../src/ingest/metadata.js';
import { createTestKnowledgeBase, makeTempDir } from '../support/knowledge.js';
import { FILES, TITLE, writeVersions } from './sample-versions.js';

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

describe('families', () => {
  it.each([
    ['中华人民共和国突发事件应对法', '突发事件应对法'],
    ['《中华人民共和国突发事件应对法（2024年修订）》', '突发事件应对法'],
    ['北京市安全生产条例', '北京市安全生产条例'],
    ['某区防汛应急预案（2020年版）', '某区防汛应急预案'],
    ['人民检察院刑事诉讼规则（试行）', '人民检察院刑事诉讼规则'],
    // A second interpretation, another region, an amendment: separate texts, not versions.
    ['最高人民法院关于审理劳动争议案件适用法律若干问题的解释（二）', '最高人民法院关于审理劳动争议案件适用法律若干问题的解释（二）'],
    ['中国（上海）自由贸易试验区条例', '中国（上海）自由贸易试验区条例'],
    ['宪法修正案（1988年）', '宪法修正案（1988年）'],
  ])('%s belongs to family %s', (title, key) => {
    expect(familyKey(title)).toBe(key);
  });

  it('never declares a text with no date superseded by another of its title (the books of 民法典 share one)', () => {
    const base = { sourceKey: '', format: 'md', contentHash: '', sizeBytes: 1, status: 'indexed' as const, chunkCount: 1, docType: '法律' as const, title: '中华人民共和国民法典' };
    const docs = [
      { ...base, id: 'a', source: '总则.md', ingestedAt: '2026-01-01T00:00:00Z' },
      { ...base, id: 'b', source: '附则.md', ingestedAt: '2026-01-02T00:00:00Z', effectiveDate: '2021-01-01' },
    ];
    const table = computeVersions(docs, '2026-12-01');
    expect(table.get('a')).toMatchObject({ status: 'in_force', family: '民法典', supersededBy: null });
    expect(table.get('b')).toMatchObject({ status: 'in_force', family: '民法典' });
  });

  it('takes the date from the file name when the text states none (突发事件应对法(2007-08-30).md)', () => {
    const blocks = [{ kind: 'heading' as const, level: 1, text: '某市示例条例' }, { kind: 'paragraph' as const, text: '第一条 为了示例，制定本条例。' }];
    expect(extractMetadata({ fileName: '某市示例条例(2019-03-02).md', blocks }).issuedDate).toBe('2019-03-02');
    expect(extractMetadata({ fileName: '某市示例条例.md', blocks }).issuedDate).toBeUndefined();
    const dated = [blocks[0]!, { kind: 'paragraph' as const, text: '2020年5月6日某市人民代表大会常务委员会通过' }, blocks[1]!];
    expect(extractMetadata({ fileName: '某市示例条例(2019-03-02).md', blocks: dated }).issuedDate).toBe('2020-05-06');
  });

  it('dates an amended version by its amendment when the 施行 article kept the original date', () => {
    expect(versionDateOf({ issuedDate: '2021-06-10', effectiveDate: '2002-11-01' })).toBe('2021-06-10');
    expect(versionDateOf({ issuedDate: '2024-06-28', effectiveDate: '2024-11-01' })).toBe('2024-11-01');
  });
});

describe('character diff', () => {
  it('rebuilds both texts from its parts', () => {
    const a = '县级人民政府对本行政区域内突发事件的应对工作负责';
    const b = '县级以上人民政府对本行政区域内突发事件的应对工作负责，并报告';
    const parts = diffChars(a, b);
    expect(parts.filter((p) => p.kind !== 'added').map((p) => p.text).join('')).toBe(a);
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(b);
    expect(parts).toContainEqual({ kind: 'added', text: '以上' });
  });

  it('rebuilds both texts for many random pairs, including ones with nothing in common', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const word = () => Array.from({ length: Math.floor(rand() * 30) }, () => '应急预案演练报告'[Math.floor(rand() * 8)]).join('');
    for (let i = 0; i < 300; i++) {
      const a = word();
      const b = rand() < 0.2 ? 'xyz' : word();
      const parts = diffChars(a, b);
      expect(parts.filter((p) => p.kind !== 'added').map((p) => p.text).join('')).toBe(a);
      expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(b);
    }
  });
});

describe('three versions of a regulation (示例)', () => {
  let kb: TestKb;
  let work: string;
  const bySource = () => new Map(kb.services.kb.listDocuments().map((d) => [d.source, d] as [string, SourceDoc]));

  beforeAll(async () => {
    work = await makeTempDir('yingji-versions-');
    kb = await createTestKnowledgeBase(await writeVersions(work));
  });
  afterAll(async () => {
    await kb.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('reads the dates from the text and groups the versions into one family', () => {
    const docs = bySource();
    expect(docs.get(FILES.v2019)).toMatchObject({ issuedDate: '2019-01-10', effectiveDate: '2019-03-01' });
    expect(docs.get(FILES.v2023)).toMatchObject({ issuedDate: '2023-03-20', effectiveDate: '2023-05-01' });
    const table = computeVersions([...docs.values()], '2026-12-01');
    expect(new Set([...docs.values()].map((d) => table.get(d.id)!.family))).toEqual(new Set([TITLE]));
  });

  it('puts the 2023 version in force, the 2019 one superseded by it, and the 2099 one not yet in force', () => {
    const docs = bySource();
    const table = computeVersions([...docs.values()], '2026-12-01');
    const v2019 = docs.get(FILES.v2019)!;
    const v2023 = docs.get(FILES.v2023)!;
    expect(table.get(v2023.id)).toMatchObject({ status: 'in_force', supersededBy: null, version: '2023-05-01' });
    expect(table.get(v2019.id)).toMatchObject({ status: 'superseded', supersededBy: v2023.id, supersededSince: '2023-05-01', currentDocId: v2023.id });
    expect(table.get(docs.get(FILES.v2099)!.id)).toMatchObject({ status: 'not_yet_in_force', currentDocId: v2023.id });
    // On the 2099 施行 date it takes over.
    expect(table.get(v2023.id)!.status).toBe('in_force');
    const later = computeVersions([...docs.values()], '2099-01-01');
    expect(later.get(v2023.id)).toMatchObject({ status: 'superseded', supersededBy: docs.get(FILES.v2099)!.id });
  });

  it('an admin-set repeal date makes a version 已废止 and leaves the family without a version in force', () => {
    const docs = [...bySource().values()].map((d) => (d.source === FILES.v2023 ? { ...d, repealedDate: '2025-01-01' } : d));
    const table = computeVersions(docs, '2026-12-01');
    const v2023 = docs.find((d) => d.source === FILES.v2023)!;
    expect(table.get(v2023.id)!.status).toBe('repealed');
    expect(table.get(v2023.id)!.currentDocId).toBe(null);
  });

  it('an ingested repeal decision (关于废止《…》的决定) makes the text 已废止 from its date; removing the decision undoes it', () => {
    const docs = [...bySource().values()];
    const decision: SourceDoc = { ...docs[0]!, id: 'repeal', source: 'repeal.md', sourceKey: 'repeal.md', title: `某市人民代表大会常务委员会关于废止《${TITLE}》的决定`, issuedDate: '2025-06-01', effectiveDate: undefined };
    const v2023 = docs.find((d) => d.source === FILES.v2023)!;
    expect(computeVersions([...docs, decision], '2026-12-01').get(v2023.id)).toMatchObject({ status: 'repealed', currentDocId: null });
    expect(computeVersions([...docs, decision], '2025-05-31').get(v2023.id)!.status).toBe('in_force');
    expect(computeVersions(docs, '2026-12-01').get(v2023.id)!.status).toBe('in_force');
  });

  it('answers a topical question from the version in force only (not the old one, not the one not yet in force)', async () => {
    const result = await kb.services.retriever.retrieve('发生突发事件的单位应当在多长时间内向区人民政府报告', { k: 5 });
    const sources = new Set(result.hits.map((h) => h.doc.source));
    expect(sources).toEqual(new Set([FILES.v2023]));
    expect(result.hits[0]!.chunk.text).toContain('三十分钟');
    expect(result.hits.every((h) => h.version?.status === 'in_force' && !h.version.warning)).toBe(true);
  });

  it('an article lookup goes to the version in force and says where its content stood before (原第三条)', async () => {
    const [first] = (await kb.services.retriever.retrieve(`${TITLE}第四条`)).hits;
    expect(first!.doc.source).toBe(FILES.v2023);
    expect(first!.chunk.text).toContain('统一领导、协调');
    expect(first!.version?.formerLabel).toBe('原第三条');
  });

  it('"2019年版…第五条" cites the 2019 text with a warning naming the version in force', async () => {
    const [first] = (await kb.services.retriever.retrieve(`2019年版${TITLE}第五条`)).hits;
    expect(first!.doc.source).toBe(FILES.v2019);
    expect(first!.chunk.text).toContain('一小时');
    expect(first!.version?.status).toBe('superseded');
    expect(first!.version?.currentDocId).toBe(bySource().get(FILES.v2023)!.id);
    expect(first!.version?.warning).toMatch(/旧版.*现行版本.*该条内容在现行版本中为第五条/);
  });

  it('"修订前的…第四条" reaches the previous version, and says the article was deleted since', async () => {
    const [first] = (await kb.services.retriever.retrieve(`修订前的${TITLE}第四条`)).hits;
    expect(first!.doc.source).toBe(FILES.v2019);
    expect(first!.chunk.text).toContain('综合应急演练');
    expect(first!.version?.warning).toContain('现行版本已删除该条');
  });

  it('a date in the question reaches the version that stood on that day', async () => {
    const hits = (await kb.services.retriever.retrieve(`2020年6月1日${TITLE}对单位报告时限怎么规定`)).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.filter((h) => h.doc.title === TITLE).every((h) => h.doc.source === FILES.v2019)).toBe(true);
  });

  it('classifies every article of the 2019 → 2023 revision exactly as worked out by hand', () => {
    const docs = bySource();
    const diff = diffDocuments(kb.services.kb, docs.get(FILES.v2019)!, docs.get(FILES.v2023)!);
    expect(diff.changes.map((c) => [c.kind, c.old, c.new])).toEqual([
      ['unchanged', '第一条', '第一条'],
      ['added', null, '第二条'],
      ['moved', '第二条', '第三条'],
      ['moved', '第三条', '第四条'],
      ['removed', '第四条', null],
      ['modified', '第五条', '第五条'],
      ['unchanged', '第六条', '第六条'],
      ['modified', '第七条', '第七条'],
    ]);
    expect(diff.changes.find((c) => c.new === '第三条')!.diff).toBeUndefined();
    expect(diff.changes.find((c) => c.new === '第四条')!.diff).toContainEqual({ kind: 'added', text: '、协调' });
    expect(diff.changes.find((c) => c.new === '第五条')!.diff).toEqual(
      expect.arrayContaining([{ kind: 'removed', text: '一小时' }, { kind: 'added', text: '三十分钟' }]),
    );
    const { added, removed, modified, moved, unchanged } = diff.counts;
    expect(removed + modified + moved + unchanged).toBe(diff.old.articles.length);
    expect(added + modified + moved + unchanged).toBe(diff.new.articles.length);
  });

  it('lists new versions in the feed with a summary of their changes', () => {
    const items = changesSince(kb.services.kb, '2000-01-01', 50, '2026-12-01');
    const v2023 = items.find((i) => i.source === FILES.v2023)!;
    expect(v2023.previous?.docId).toBe(bySource().get(FILES.v2019)!.id);
    expect(v2023.changes?.counts).toEqual({ added: 1, removed: 1, modified: 2, moved: 2, unchanged: 2 });
    expect(v2023.changes?.modified).toEqual(expect.arrayContaining(['第五条', '第七条', '第四条']));
    expect(items.find((i) => i.source === FILES.v2019)!.statusChange).toContain('新文件');
  });

  it('removing the newer version makes the older one current again', async () => {
    await removeDocument(kb.services.kb, bySource().get(FILES.v2023)!.id);
    const docs = bySource();
    const table = computeVersions([...docs.values()]);
    expect(table.get(docs.get(FILES.v2019)!.id)).toMatchObject({ status: 'in_force', supersededBy: null });
    const result = await kb.services.retriever.retrieve('发生突发事件的单位应当在多长时间内向区人民政府报告', { k: 5 });
    expect(result.hits[0]!.doc.source).toBe(FILES.v2019);
    expect(result.hits.some((h) => h.doc.source === FILES.v2099)).toBe(false);
  });
});
