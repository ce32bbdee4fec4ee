/** Versions of a text: its family, what changed between two versions, and the 新规速递 feed (every role). */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import { diffDocuments } from '../../versions/document-diff.js';
import { changesSince } from '../../versions/feed.js';
import { computeVersions, versionDateOf } from '../../versions/families.js';
import type { ServerContext } from '../context.js';
import type { ChangesFeedResponse, FamilyVersions, VersionEntry } from '../events.js';
import type { SourceDoc } from '../../core/types.js';

/** Feed items per response. */
const MAX_FEED_ITEMS = 500;
/** Default look-back of the feed when no ?since is given. */
const DEFAULT_FEED_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export function versionsRoutes(ctx: ServerContext): Router {
  const router = Router();
  const { kb } = ctx.services;
  const requireDoc = (id: string) => {
    const doc = kb.getDocument(id);
    if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', `没有找到编号为 ${id} 的文档，它可能已被删除。`);
    return doc;
  };

  const familyOf = (table: ReturnType<typeof computeVersions>, key: string): FamilyVersions => {
    const list = table.family(key);
    return { family: table.get(list[0]!.id)!.family, currentDocId: table.get(list[0]!.id)!.currentDocId, versions: list.map((d) => entryOf(table, d)) };
  };

  router.get('/documents/:id/versions', (req, res) => {
    const doc = requireDoc(req.params.id as string);
    const table = computeVersions(kb.listDocuments());
    res.json(familyOf(table, table.get(doc.id)!.familyId));
  });

  // Families with two or more versions, for the 修订对照 picker.
  router.get('/families', (_req, res) => {
    const table = computeVersions(kb.listDocuments());
    const out: FamilyVersions[] = [];
    for (const [key, list] of table.families()) if (list.length > 1) out.push(familyOf(table, key));
    out.sort((a, b) => a.family.localeCompare(b.family, 'zh'));
    res.json(out);
  });

  // The older of the two versions is "old", whichever of them is in the path.
  router.get('/documents/:id/diff', (req, res) => {
    const doc = requireDoc(req.params.id as string);
    const againstId = typeof req.query.against === 'string' ? req.query.against : '';
    if (!againstId) throw new AppError('INVALID_REQUEST', '请用 ?against=文档编号 指明要比较的另一个版本。');
    const other = requireDoc(againstId);
    const docNewer = (versionDateOf(doc) ?? '') > (versionDateOf(other) ?? '');
    const [oldDoc, newDoc] = docNewer || (versionDateOf(doc) ?? '') === (versionDateOf(other) ?? '') ? [other, doc] : [doc, other];
    res.json(diffDocuments(kb, oldDoc, newDoc));
  });

  router.get('/changes', (req, res) => {
    const since = typeof req.query.since === 'string' && req.query.since ? req.query.since : new Date(Date.now() - DEFAULT_FEED_DAYS * DAY_MS).toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}/.test(since)) throw new AppError('INVALID_REQUEST', `since 须为日期 YYYY-MM-DD，收到：${since.slice(0, 40)}`);
    const body: ChangesFeedResponse = { since, items: changesSince(kb, since, MAX_FEED_ITEMS) };
    res.json(body);
  });

  return router;
}

function entryOf(table: ReturnType<typeof computeVersions>, d: SourceDoc): VersionEntry {
  const v = table.get(d.id)!;
  return { docId: d.id, title: d.title, source: d.source, version: v.version, status: v.status, supersededBy: v.supersededBy, issuedDate: d.issuedDate ?? null, effectiveDate: d.effectiveDate ?? null };
}
