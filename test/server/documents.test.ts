import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestProgressEvent } from '../../src/server/events.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type ClientSocket, type TestServer } from './server-harness.js';

const DOCX = SEED_FILES.dutyDocx;
const DOCX_NAME = 'duty-handbook-sample.docx';
/** The start of a PDF: what the content check looks at. */
const PDF_BYTES = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

describe('document management over the real server', () => {
  let server: TestServer;
  let admin: string;
  let socket: ClientSocket;
  const finished = new Map<string, IngestProgressEvent>();
  const waiters = new Map<string, (e: IngestProgressEvent) => void>();
  const seen: IngestProgressEvent[] = [];

  /** Resolves with the job's final ingest:progress event. */
  const jobDone = (jobId: string) =>
    new Promise<IngestProgressEvent>((resolve) => {
      const done = finished.get(jobId);
      if (done) resolve(done);
      else waiters.set(jobId, resolve);
    });

  const upload = async (files: { name: string; bytes: Buffer | string }[], init: { method?: string; url?: string; field?: string; metadata?: unknown } = {}) => {
    const form = new FormData();
    for (const f of files) form.append(init.field ?? 'files', new Blob([typeof f.bytes === 'string' ? f.bytes : new Uint8Array(f.bytes)]), f.name);
    if (init.metadata) form.append('metadata', JSON.stringify(init.metadata));
    return server.api(init.url ?? '/api/documents', { method: init.method ?? 'POST', body: form, cookie: admin });
  };

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace], { env: { MAX_UPLOAD_MB: '1' } });
    admin = await server.login('admin', ADMIN_PASSWORD);
    socket = await server.socket(admin);
    socket.on('ingest:progress', (e) => {
      seen.push(e);
      if (e.progress.phase !== 'done') return;
      finished.set(e.jobId, e);
      waiters.get(e.jobId)?.(e);
    });
  });
  afterAll(() => server?.close());

  it('uploads a DOCX, reports progress per file, and its content becomes answerable', async () => {
    const res = await upload([{ name: DOCX_NAME, bytes: await readFile(DOCX) }]);
    expect(res.status).toBe(202);
    const { jobId, files } = await res.json();
    expect(files).toEqual([{ file: DOCX_NAME, storedName: DOCX_NAME }]);
    // Queries keep being answered while the upload is processed.
    expect((await server.api('/api/search?q=有限空间', { cookie: admin })).status).toBe(200);
    const done = await jobDone(jobId);
    expect(done.error).toBeUndefined();
    expect(done.outcomes).toEqual([expect.objectContaining({ file: DOCX_NAME, status: 'added' })]);
    expect(seen.some((e) => e.jobId === jobId && e.progress.phase === 'start')).toBe(true);

    const result = await (await server.api('/api/ask', { method: 'POST', cookie: admin, json: { question: '接到死亡1人以上事件报告的，值班员应当在多长时间内电话报告值班长？' } })).json();
    expect(result.citations.some((c: { source: string }) => c.source === DOCX_NAME)).toBe(true);

    const docs = await (await server.api('/api/documents', { cookie: admin })).json();
    const doc = docs.find((d: { source: string }) => d.source === DOCX_NAME);
    expect(doc).toMatchObject({ status: 'indexed', sourceKey: `upload:${DOCX_NAME}` });
    const file = await server.api(`/api/documents/${doc.id}/file`, { cookie: admin });
    expect(file.headers.get('content-type')).toContain('wordprocessingml');
    expect(Buffer.from(await file.arrayBuffer()).equals(await readFile(DOCX))).toBe(true);
  });

  it('rejects a file over the size limit with FILE_TOO_LARGE', async () => {
    const res = await upload([{ name: 'big.txt', bytes: '应急'.repeat(400_000) }]);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('checks the type by content, not by name, and reports failures per file', async () => {
    const pdfAsDocx = await upload([{ name: 'renamed.docx', bytes: PDF_BYTES }]);
    expect(pdfAsDocx.status).toBe(415);
    expect(await pdfAsDocx.json()).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });

    const exe = await upload([{ name: 'tool.exe', bytes: 'MZ' }]);
    expect(exe.status).toBe(415);

    const mixed = await upload([
      { name: 'binary.md', bytes: Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0, 7, 8, 0, 0, 1, 2, 3]) },
      { name: '值班制度.md', bytes: '# 值班制度\n\n第一条 值班人员应当坚守岗位，接到突发事件信息后立即报告值班领导。\n' },
    ]);
    expect(mixed.status).toBe(202);
    const body = await mixed.json();
    expect(body.files.map((f: { file: string }) => f.file)).toEqual(['值班制度.md']);
    expect(body.rejected).toEqual([{ file: 'binary.md', error: expect.objectContaining({ code: 'UNSUPPORTED_FILE_TYPE' }) }]);
    const done = await jobDone(body.jobId);
    expect(done.outcomes[0]).toMatchObject({ file: '值班制度.md', status: 'added' });
  });

  it('stores uploads under safe names (no path traversal)', async () => {
    const res = await upload([{ name: '../../../etc/evil.md', bytes: '# 恶意\n\n第一条 测试路径。\n' }]);
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.files[0].storedName).toBe('evil.md');
    await jobDone(body.jobId);
    const docs = await (await server.api('/api/documents', { cookie: admin })).json();
    const doc = docs.find((d: { source: string }) => d.source === 'evil.md');
    expect(doc.sourceKey).toBe('upload:evil.md');
    expect(path.resolve(server.dir, doc.storedFile).startsWith(server.dir + path.sep)).toBe(true);
  });

  it('edits metadata, replaces a document with a new version, and deletes it', async () => {
    const docs = await (await server.api('/api/documents', { cookie: admin })).json();
    const doc = docs.find((d: { source: string }) => d.source === '值班制度.md');

    const edit = await server.api(`/api/documents/${doc.id}`, { method: 'PUT', cookie: admin, json: { title: '区应急局值班制度', docType: '工作制度' } });
    expect(edit.status).toBe(202);
    await jobDone((await edit.json()).jobId);
    const edited = await (await server.api(`/api/documents/${doc.id}`, { cookie: admin })).json();
    expect(edited.doc).toMatchObject({ title: '区应急局值班制度', docType: '工作制度' });

    const badMeta = await server.api(`/api/documents/${doc.id}`, { method: 'PUT', cookie: admin, json: { docType: '小说' } });
    expect(badMeta.status).toBe(400);

    const replaced = await upload([{ name: '值班制度-2025.md', bytes: '# 值班制度\n\n第一条 值班人员实行二十四小时在岗，交接班时应当当面交接台账。\n' }], {
      method: 'PUT',
      url: `/api/documents/${doc.id}`,
      field: 'file',
    });
    expect(replaced.status).toBe(202);
    const accepted = await replaced.json();
    expect(accepted.previousDocId).toBe(doc.id);
    const replaceDone = await jobDone(accepted.jobId);
    // 替换 makes a new version of the same text; the old one stays, with its original downloadable.
    expect(replaceDone.outcomes[0]).toMatchObject({ status: 'added', docId: accepted.docId });
    const detail = await (await server.api(`/api/documents/${accepted.docId}`, { cookie: admin })).json();
    expect(detail.chunks.map((c: { text: string }) => c.text).join('')).toContain('交接班');
    expect(detail.doc.title).toBe('区应急局值班制度');
    expect((await server.api(`/api/documents/${doc.id}/file`, { cookie: admin })).status).toBe(200);
    const family = await (await server.api(`/api/documents/${doc.id}/versions`, { cookie: admin })).json();
    expect(family.versions.map((v: { docId: string }) => v.docId)).toEqual([doc.id, accepted.docId]);
    expect(family.currentDocId).toBe(accepted.docId);
    const newer = await server.api(`/api/documents/${accepted.docId}`, { method: 'DELETE', cookie: admin });
    expect(newer.status).toBe(200);

    const del = await server.api(`/api/documents/${doc.id}`, { method: 'DELETE', cookie: admin });
    expect(del.status).toBe(200);
    const gone = await server.api(`/api/documents/${doc.id}`, { cookie: admin });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
    const search = await (await server.api(`/api/search?q=${encodeURIComponent('交接班 台账')}`, { cookie: admin })).json();
    expect(search.hits.every((h: { docId: string }) => h.docId !== doc.id)).toBe(true);
  });

  it('re-imports every document in the background', async () => {
    const before = await (await server.api('/api/health', { cookie: admin })).json();
    const res = await server.api('/api/reimport', { method: 'POST', cookie: admin });
    expect(res.status).toBe(202);
    const { jobId, documents } = await res.json();
    expect(documents).toBe(before.index.documents);
    const done = await jobDone(jobId);
    expect(done.error).toBeUndefined();
    expect(done.outcomes.every((o) => o.status === 'replaced')).toBe(true);
    const after = await (await server.api('/api/health', { cookie: admin })).json();
    expect(after.index).toEqual(before.index);
  });

  it('audits uploads, replacements and deletions', async () => {
    const lines = (await (await server.api('/api/audit?format=jsonl', { cookie: admin })).text()).trim().split('\n').map((l) => JSON.parse(l));
    const actions = new Set(lines.filter((l) => l.user === 'admin').map((l) => l.action));
    for (const a of ['upload', 'metadata', 'replace', 'delete', 'reimport', 'ingest_done']) expect(actions.has(a), a).toBe(true);
  });
});
