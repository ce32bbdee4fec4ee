/**
 * 新规速递: every document or new version ingested since a date, newest first, with its dates and status and,
 * for a new version, what changed against the version before it.
 */
import type { DocType, SourceDoc, VersionStatus } from '../core/types.js';
import type { KnowledgeReader } from '../index/knowledge-base.js';
import type { ChangeKind } from './align.js';
import { diffDocuments } from './document-diff.js';
import { computeVersions, STATUS_LABEL, versionDateOf } from './families.js';

export interface FeedItem {
  docId: string;
  title: string;
  type: DocType;
  source: string;
  ingestedAt: string;
  issuedDate: string | null;
  effectiveDate: string | null;
  family: string;
  version: string | null;
  status: VersionStatus;
  /** 新文件 or 新版本（替代 …） and the status it has now. */
  statusChange: string;
  /** The version this one follows, when it is a new version of a family. */
  previous: { docId: string; title: string; version: string | null; status: VersionStatus } | null;
  changes: { counts: Record<ChangeKind, number>; modified: string[]; added: string[]; removed: string[] } | null;
}

/** Items ingested on or after `since` (YYYY-MM-DD or ISO time), newest first; at most `limit`. */
export function changesSince(kb: KnowledgeReader, since: string, limit = 200, today?: string): FeedItem[] {
  const docs = kb.listDocuments();
  const table = computeVersions(docs, today);
  const recent = docs
    .filter((d) => d.status === 'indexed' && d.ingestedAt >= since)
    .sort((a, b) => (a.ingestedAt < b.ingestedAt ? 1 : a.ingestedAt > b.ingestedAt ? -1 : 0))
    .slice(0, limit);
  return recent.map((d) => {
    const info = table.get(d.id)!;
    const family = table.family(info.familyId).filter((x) => x.status === 'indexed');
    const previous = previousVersion(family, d);
    const item: FeedItem = {
      docId: d.id,
      title: d.title,
      type: d.docType,
      source: d.source,
      ingestedAt: d.ingestedAt,
      issuedDate: d.issuedDate ?? null,
      effectiveDate: d.effectiveDate ?? null,
      family: info.family,
      version: info.version,
      status: info.status,
      statusChange: previous
        ? `新版本（${STATUS_LABEL[info.status]}），此前版本（${versionDateOf(previous) ?? '日期不详'}）现为${STATUS_LABEL[table.get(previous.id)!.status]}`
        : `新文件（${STATUS_LABEL[info.status]}）`,
      previous: previous
        ? { docId: previous.id, title: previous.title, version: versionDateOf(previous), status: table.get(previous.id)!.status }
        : null,
      changes: null,
    };
    if (previous) {
      const diff = diffDocuments(kb, previous, d);
      const labels = (kind: ChangeKind, side: 'old' | 'new') => diff.changes.filter((c) => c.kind === kind).map((c) => c[side]!);
      item.changes = {
        counts: diff.counts,
        modified: [...labels('modified', 'new'), ...diff.changes.filter((c) => c.kind === 'moved' && c.diff).map((c) => c.new!)],
        added: labels('added', 'new'),
        removed: labels('removed', 'old'),
      };
    }
    return item;
  });
}

/** The version of the family just before `doc` in version order. */
function previousVersion(family: SourceDoc[], doc: SourceDoc): SourceDoc | undefined {
  const i = family.indexOf(doc);
  return i > 0 ? family[i - 1] : undefined;
}
