/**
 * Where an article's content stood in the neighbouring version: 原第二十一条 for an article of the version in force,
 * 现第三十四条 for one of an older version. Alignments are cached per pair of document contents.
 */
import type { Chunk, HitVersion, SourceDoc } from '../core/types.js';
import type { KnowledgeReader } from '../index/knowledge-base.js';
import { alignArticles, type ArticleChange } from './align.js';
import { articlesOf } from './articles.js';
import type { VersionTable } from './families.js';

/** Pairs kept; a question names one or two laws, so a handful covers a session. */
const CACHE_PAIRS = 32;

export interface ArticleHistory {
  /** The version facts of an article hit, with the label the same content has in the neighbouring version. */
  annotate(table: VersionTable, version: HitVersion, doc: SourceDoc, chunk: Chunk): HitVersion;
}

export function createArticleHistory(kb: Pick<KnowledgeReader, 'getDocument' | 'getChunks'>): ArticleHistory {
  const cache = new Map<string, ArticleChange[]>();
  const changesOf = (oldDoc: SourceDoc, newDoc: SourceDoc): ArticleChange[] => {
    const key = `${oldDoc.id}:${oldDoc.contentHash}>${newDoc.id}:${newDoc.contentHash}`;
    let changes = cache.get(key);
    if (!changes) {
      changes = alignArticles(articlesOf(kb.getChunks(oldDoc.id)), articlesOf(kb.getChunks(newDoc.id)));
      if (cache.size >= CACHE_PAIRS) cache.delete(cache.keys().next().value!);
      cache.set(key, changes);
    }
    return changes;
  };
  return {
    annotate(table, version, doc, chunk) {
      const label = chunk.articleLabel;
      if (!label) return version;
      if (version.status === 'in_force') {
        const previous = table.family(table.get(doc.id)!.familyId).filter((d) => table.get(d.id)?.supersededBy === doc.id).at(-1);
        if (!previous) return version;
        const change = changesOf(previous, doc).find((c) => c.new === label);
        return change && change.old && change.old !== label ? { ...version, formerLabel: `原${change.old}` } : version;
      }
      const current = version.currentDocId ? kb.getDocument(version.currentDocId) : undefined;
      if (!current) return version;
      const change = changesOf(doc, current).find((c) => c.old === label);
      if (!change) return version;
      const now = change.new ? `该条内容在现行版本中为${change.new}。` : '现行版本已删除该条。';
      return { ...version, warning: `${version.warning ?? ''}${now}` };
    },
  };
}
