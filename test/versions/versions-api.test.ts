import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../src/core/types.js';
import type { DocumentDiff } from '../../src/versions/document-diff.js';
import type { FeedItem } from '../../src/versions/feed.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';
import { makeTempDir } from '../support/knowledge.js';
import { FILES, writeVersions } from './sample-versions.js';

describe('versions over HTTP', () => {
  let server: TestServer;
  let work: string;
  let officer: string;
  const doc = (source: string) => server.kb.listDocuments().find((d: SourceDoc) => d.source === source)!;

  beforeAll(async () => {
    work = await makeTempDir('yingji-versions-api-');
    server = await startTestServer(await writeVersions(work, ['v2019', 'v2023']));
    officer = await server.userCookie('duty1', 'officer');
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('GET /api/documents/:id/diff?against=ID returns the article changes, older version as "old" whichever is in the path', async () => {
    const newer = doc(FILES.v2023).id;
    const older = doc(FILES.v2019).id;
    for (const [id, against] of [[newer, older], [older, newer]]) {
      const res = await server.api(`/api/documents/${id}/diff?against=${against}`, { cookie: officer });
      expect(res.status).toBe(200);
      const body = (await res.json()) as DocumentDiff;
      expect(body.old.docId).toBe(older);
      expect(body.new.docId).toBe(newer);
      expect(body.counts).toEqual({ added: 1, removed: 1, modified: 2, moved: 2, unchanged: 2 });
      expect(body.changes.find((c) => c.new === '第五条')).toMatchObject({ kind: 'modified', oldText: expect.stringContaining('一小时'), newText: expect.stringContaining('三十分钟') });
    }
  });

  it('answers 404 DOCUMENT_NOT_FOUND for an unknown version and 400 without ?against', async () => {
    const id = doc(FILES.v2023).id;
    const missing = await server.api(`/api/documents/${id}/diff?against=nope`, { cookie: officer });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('DOCUMENT_NOT_FOUND');
    expect((await server.api(`/api/documents/${id}/diff`, { cookie: officer })).status).toBe(400);
  });

  it('GET /api/documents/:id/versions lists the family with statuses', async () => {
    const res = await server.api(`/api/documents/${doc(FILES.v2019).id}/versions`, { cookie: officer });
    const body = (await res.json()) as { currentDocId: string; versions: { source: string; status: string }[] };
    expect(body.currentDocId).toBe(doc(FILES.v2023).id);
    expect(body.versions.map((v) => [v.source, v.status])).toEqual([
      [FILES.v2019, 'superseded'],
      [FILES.v2023, 'in_force'],
    ]);
  });

  it('GET /api/families lists texts with two or more versions, oldest first', async () => {
    const res = await server.api('/api/families', { cookie: officer });
    const body = (await res.json()) as { family: string; versions: { source: string }[] }[];
    expect(body.map((f) => [f.family, f.versions.map((v) => v.source)])).toEqual([['某市突发事件应对示例条例', [FILES.v2019, FILES.v2023]]]);
  });

  it('GET /api/changes is the 新规速递 feed for every role, and needs a session', async () => {
    const res = await server.api('/api/changes?since=2000-01-01', { cookie: officer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: FeedItem[] };
    expect(body.items.map((i) => i.source).sort()).toEqual([FILES.v2019, FILES.v2023].sort());
    expect(body.items.find((i) => i.source === FILES.v2023)!.changes!.counts.added).toBe(1);
    expect((await server.api('/api/changes')).status).toBe(401);
    expect((await server.api('/api/changes?since=yesterday', { cookie: officer })).status).toBe(400);
  });

  it('search hits carry the version facts', async () => {
    const res = await server.api(`/api/search?q=${encodeURIComponent('2019年版某市突发事件应对示例条例第五条')}`, { cookie: officer });
    const body = (await res.json()) as { hits: { source: string; version?: { status: string; warning?: string } }[] };
    expect(body.hits[0]).toMatchObject({ source: FILES.v2019, version: { status: 'superseded', warning: expect.stringContaining('旧版') } });
  });
});
