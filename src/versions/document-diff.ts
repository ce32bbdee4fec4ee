/** What changed between two versions of a document: the JSON of `yingji diff` and GET /api/documents/:id/diff. */
import { AppError } from '../core/errors.js';
import type { SourceDoc } from '../core/types.js';
import type { KnowledgeReader } from '../index/knowledge-base.js';
import { alignArticles, type ArticleChange, type ChangeKind } from './align.js';
import { articlesOf } from './articles.js';
import type { DiffPart } from './char-diff.js';
import { versionDateOf } from './families.js';

export interface DiffSide {
  docId: string;
  title: string;
  source: string;
  version: string | null;
  /** Article labels in reading order. */
  articles: string[];
}

export interface DocumentChangeJson {
  kind: ChangeKind;
  old: string | null;
  new: string | null;
  diff?: DiffPart[];
  /** Texts of both sides, for side-by-side display (without the label). */
  oldText?: string;
  newText?: string;
}

export interface DocumentDiff {
  old: DiffSide;
  new: DiffSide;
  changes: DocumentChangeJson[];
  counts: Record<ChangeKind, number>;
}

/**
 * Finds a document by id, else by file name as ingested (the newest when several share it).
 * @throws AppError DOCUMENT_NOT_FOUND
 */
export function resolveDocument(kb: Pick<KnowledgeReader, 'getDocument' | 'listDocuments'>, ref: string): SourceDoc {
  const byId = kb.getDocument(ref);
  if (byId) return byId;
  const byName = kb.listDocuments().filter((d) => d.source === ref || d.sourceKey === ref || d.sourceKey.endsWith(`/${ref}`));
  const found = byName.sort((a, b) => (a.ingestedAt < b.ingestedAt ? 1 : -1))[0];
  if (!found) throw new AppError('DOCUMENT_NOT_FOUND', `知识库中没有文档 ${ref}。用 yingji docs 查看文档编号或文件名。`);
  return found;
}

/** Aligns and diffs the articles of two documents (any two; normally two versions of one family). */
export function diffDocuments(kb: KnowledgeReader, oldDoc: SourceDoc, newDoc: SourceDoc): DocumentDiff {
  const oldArticles = articlesOf(kb.getChunks(oldDoc.id));
  const newArticles = articlesOf(kb.getChunks(newDoc.id));
  const changes = alignArticles(oldArticles, newArticles);
  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, modified: 0, moved: 0, unchanged: 0 };
  for (const c of changes) counts[c.kind]++;
  const side = (d: SourceDoc, labels: string[]): DiffSide => ({ docId: d.id, title: d.title, source: d.source, version: versionDateOf(d), articles: labels });
  return {
    old: side(oldDoc, oldArticles.map((a) => a.label)),
    new: side(newDoc, newArticles.map((a) => a.label)),
    changes: changes.map((c) => toJson(c, oldArticles, newArticles)),
    counts,
  };
}

function toJson(c: ArticleChange, oldArticles: ReturnType<typeof articlesOf>, newArticles: ReturnType<typeof articlesOf>): DocumentChangeJson {
  const out: DocumentChangeJson = { kind: c.kind, old: c.old, new: c.new };
  if (c.diff) out.diff = c.diff;
  if (c.oldIndex !== undefined) out.oldText = withoutLabel(oldArticles[c.oldIndex]!);
  if (c.newIndex !== undefined) out.newText = withoutLabel(newArticles[c.newIndex]!);
  return out;
}

function withoutLabel(a: { label: string; text: string }): string {
  return a.text.startsWith(a.label) ? a.text.slice(a.label.length).trim() : a.text;
}

/** 新增 3 条、删除 1 条、修改 12 条、移动 40 条、未变 20 条. */
export function summarizeCounts(counts: Record<ChangeKind, number>): string {
  return `新增 ${counts.added} 条、删除 ${counts.removed} 条、修改 ${counts.modified} 条、移动 ${counts.moved} 条、未变 ${counts.unchanged} 条`;
}
