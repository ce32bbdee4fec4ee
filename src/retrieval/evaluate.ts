/**
 * Retrieval evaluation in the format of ../shared/eval/README.md: recall@1/@5/@k, MRR@k per question type,
 * and how often "no sufficient basis" is decided right.
 */
import path from 'node:path';
import type { Hit } from '../core/types.js';
import type { Basis } from './basis.js';
import type { Retriever } from './types.js';

export interface EvalQuestion {
  id: string;
  question: string;
  type: string;
  gold: { file: string; article: string; snippet: string }[];
  answer?: string;
}

export interface EvalMetrics {
  questions: number;
  recallAt1: number;
  recallAt5: number;
  recallAtK: number;
  mrrAtK: number;
}

export interface EvalReport {
  k: number;
  overall: EvalMetrics;
  byType: Record<string, EvalMetrics>;
  refusal: {
    /** Unanswerable questions the retriever marked as having no sufficient basis. */
    unanswerableRefused: number;
    unanswerable: number;
    /** Answerable questions wrongly marked as having no sufficient basis. */
    answerableRefused: number;
    answerable: number;
    precision: number;
    recall: number;
  };
  meanTookMs: number;
  misses: { id: string; type: string; question: string; gold: string[]; top: string[] }[];
  /** Basis levels given to answerable and to unanswerable questions (the confusion table). */
  basis: Record<'answerable' | 'unanswerable', Record<Basis, number>>;
  perQuestion: { id: string; type: string; rank: number | null; sufficient: boolean; basis: Basis; topScore: number }[];
}

export function parseQuestions(jsonl: string): EvalQuestion[] {
  return jsonl
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalQuestion);
}

const stem = (file: string) => path.parse(file).name;
const squash = (s: string) => s.replace(/\s+/g, '');

/** Whether a retrieved passage matches a gold entry (same document, and label or snippet). */
export function hitMatches(hit: Hit, gold: EvalQuestion['gold'][number]): boolean {
  if (stem(hit.doc.source) !== stem(gold.file)) return false;
  const labels = hit.chunk.articleLabels?.length ? hit.chunk.articleLabels : [hit.chunk.articleLabel];
  return labels.includes(gold.article) || squash(hit.chunk.text).includes(squash(gold.snippet));
}

export async function evaluateRetrieval(retriever: Retriever, questions: EvalQuestion[], k: number): Promise<EvalReport> {
  const depth = Math.max(k, 5);
  const perQuestion: EvalReport['perQuestion'] = [];
  const misses: EvalReport['misses'] = [];
  let tookMs = 0;
  for (const q of questions) {
    const result = await retriever.retrieve(q.question, { k: depth });
    tookMs += result.tookMs;
    const rankIndex = result.hits.findIndex((h) => q.gold.some((g) => hitMatches(h, g)));
    const rank = rankIndex >= 0 && rankIndex < depth ? rankIndex + 1 : null;
    perQuestion.push({ id: q.id, type: q.type, rank, sufficient: result.sufficient, basis: result.basis, topScore: result.hits[0]?.score ?? 0 });
    if (q.gold.length && (rank === null || rank > 5)) {
      misses.push({
        id: q.id,
        type: q.type,
        question: q.question,
        gold: q.gold.map((g) => `${g.file} ${g.article}`),
        top: result.hits.slice(0, 5).map((h) => `${h.doc.source} ${h.chunk.articleLabel ?? h.locator} (${h.score})`),
      });
    }
  }
  const answerable = perQuestion.filter((p, i) => questions[i].gold.length > 0);
  const metrics = (rows: typeof perQuestion): EvalMetrics => {
    const n = rows.length || 1;
    const within = (r: number) => rows.filter((p) => p.rank !== null && p.rank <= r).length / n;
    return {
      questions: rows.length,
      recallAt1: round(within(1)),
      recallAt5: round(within(5)),
      recallAtK: round(within(k)),
      mrrAtK: round(rows.reduce((s, p) => s + (p.rank !== null && p.rank <= k ? 1 / p.rank : 0), 0) / n),
    };
  };
  const byType: Record<string, EvalMetrics> = {};
  for (const type of new Set(answerable.map((p) => p.type))) byType[type] = metrics(answerable.filter((p) => p.type === type));
  const unanswerable = perQuestion.filter((_, i) => questions[i].gold.length === 0);
  const unanswerableRefused = unanswerable.filter((p) => !p.sufficient).length;
  const answerableRefused = answerable.filter((p) => !p.sufficient).length;
  const refusedTotal = unanswerableRefused + answerableRefused;
  const levels = (rows: typeof perQuestion): Record<Basis, number> => ({
    solid: rows.filter((p) => p.basis === 'solid').length,
    partial: rows.filter((p) => p.basis === 'partial').length,
    none: rows.filter((p) => p.basis === 'none').length,
  });
  return {
    k,
    overall: metrics(answerable),
    byType,
    refusal: {
      unanswerableRefused,
      unanswerable: unanswerable.length,
      answerableRefused,
      answerable: answerable.length,
      precision: round(refusedTotal ? unanswerableRefused / refusedTotal : 1),
      recall: round(unanswerable.length ? unanswerableRefused / unanswerable.length : 1),
    },
    basis: { answerable: levels(answerable), unanswerable: levels(unanswerable) },
    meanTookMs: round(tookMs / (questions.length || 1)),
    misses,
    perQuestion,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
