/**
 * Aligns the articles of two versions and classifies each: 未变 unchanged, 修改 modified (same label, other text),
 * 移动 moved (the content stands under another label, changed or not), 新增 added, 删除 removed. Renumbering is
 * the common case in a revision, so content decides first and the label only breaks near ties.
 */
import { bigramSet } from '../core/chinese-tokenizer.js';
import type { Article } from './articles.js';
import { diffChars, type DiffPart } from './char-diff.js';

export type ChangeKind = 'added' | 'removed' | 'modified' | 'moved' | 'unchanged';

export interface ArticleChange {
  kind: ChangeKind;
  old: string | null;
  new: string | null;
  /** Character diff old → new, for modified articles and moved ones whose text changed. */
  diff?: DiffPart[];
  /** Content similarity of the pair in [0, 1] (Dice over character bigrams); absent for added / removed. */
  similarity?: number;
  oldIndex?: number;
  newIndex?: number;
}

/** Below this similarity two articles are different provisions, not one provision reworded. */
export const MIN_SIMILARITY = 0.5;
/** Preference for keeping the label when two candidates are about equally similar. */
const SAME_LABEL_BONUS = 0.08;
/** Preference for a partner near the same relative position (revisions insert and delete, rarely shuffle). */
const POSITION_WEIGHT = 0.1;

/** Every article of each version appears in exactly one change; changes follow the new version's order, removed ones where they stood. */
export function alignArticles(oldArticles: Article[], newArticles: Article[]): ArticleChange[] {
  const pairOfOld = new Map<number, number>();
  const pairOfNew = new Map<number, number>();
  const simOf = new Map<string, number>();
  const link = (i: number, j: number, sim: number) => {
    pairOfOld.set(i, j);
    pairOfNew.set(j, i);
    simOf.set(`${i}:${j}`, sim);
  };

  // Identical bodies first, nearest position first among duplicates.
  const byBody = new Map<string, number[]>();
  oldArticles.forEach((a, i) => {
    const list = byBody.get(a.body) ?? [];
    list.push(i);
    byBody.set(a.body, list);
  });
  newArticles.forEach((a, j) => {
    const list = byBody.get(a.body);
    if (!list?.length || !a.body) return;
    const sameLabel = list.findIndex((i) => oldArticles[i]!.label === a.label);
    const i = list.splice(sameLabel >= 0 ? sameLabel : 0, 1)[0]!;
    link(i, j, 1);
  });

  // Then the best remaining pairs by content similarity, greedily.
  const oldSets = oldArticles.map((a) => bigramSet(a.body));
  const newSets = newArticles.map((a) => bigramSet(a.body));
  const candidates: { i: number; j: number; sim: number; score: number }[] = [];
  for (let i = 0; i < oldArticles.length; i++) {
    if (pairOfOld.has(i)) continue;
    for (let j = 0; j < newArticles.length; j++) {
      if (pairOfNew.has(j)) continue;
      const sim = dice(oldSets[i]!, newSets[j]!);
      if (sim < MIN_SIMILARITY) continue;
      const position = Math.abs(i / Math.max(1, oldArticles.length) - j / Math.max(1, newArticles.length));
      const score = sim + (oldArticles[i]!.label === newArticles[j]!.label ? SAME_LABEL_BONUS : 0) - POSITION_WEIGHT * position;
      candidates.push({ i, j, sim, score });
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  for (const c of candidates) {
    if (pairOfOld.has(c.i) || pairOfNew.has(c.j)) continue;
    link(c.i, c.j, c.sim);
  }

  const changes: ArticleChange[] = [];
  const emitRemovedUpTo = (() => {
    let next = 0;
    return (limit: number) => {
      for (; next < limit; next++) {
        if (!pairOfOld.has(next)) changes.push({ kind: 'removed', old: oldArticles[next]!.label, new: null, oldIndex: next });
      }
    };
  })();
  newArticles.forEach((na, j) => {
    const i = pairOfNew.get(j);
    if (i === undefined) {
      changes.push({ kind: 'added', old: null, new: na.label, newIndex: j });
      return;
    }
    emitRemovedUpTo(i);
    const oa = oldArticles[i]!;
    const same = oa.body === na.body;
    const kind: ChangeKind = oa.label === na.label ? (same ? 'unchanged' : 'modified') : 'moved';
    const change: ArticleChange = { kind, old: oa.label, new: na.label, similarity: round(simOf.get(`${i}:${j}`) ?? 0), oldIndex: i, newIndex: j };
    if (!same) change.diff = diffChars(stripLabel(oa), stripLabel(na));
    changes.push(change);
  });
  emitRemovedUpTo(oldArticles.length);
  return changes;
}

function stripLabel(a: Article): string {
  return a.text.startsWith(a.label) ? a.text.slice(a.label.length).trim() : a.text;
}

function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  return (2 * inter) / (a.size + b.size);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
