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
  /** The same figures for a part of the set (e.g. `dev-051…`). */
  subsets?: Record<string, Pick<EvalReport, 'overall' | 'byType' | 'refusal' | 'basis'>>;
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

/** Evaluates every question; `alsoFrom` (an id such as dev-051) also reports the questions from that id on. */
export async function evaluateRetrieval(retriever: Retriever, questions: EvalQuestion[], k: number, options: { alsoFrom?: string } = {}): Promise<EvalReport> {
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
  const subsets: EvalReport['subsets'] = {};
  if (options.alsoFrom) {
    const from = options.alsoFrom;
    subsets[`${from}…`] = summarize(perQuestion.filter((p) => p.id.localeCompare(from, 'en', { numeric: true }) >= 0), k);
  }
  return {
    k,
    ...summarize(perQuestion, k),
    ...(options.alsoFrom ? { subsets } : {}),
    meanTookMs: round(tookMs / (questions.length || 1)),
    misses,
    perQuestion,
  };
}

type Row = EvalReport['perQuestion'][number];
/** The figures of one set of questions: recall by type, refusals and basis levels. */
export type EvalSummary = Pick<EvalReport, 'overall' | 'byType' | 'refusal' | 'basis'>;

function summarize(rows: Row[], k: number): EvalSummary {
  const answerable = rows.filter((p) => p.type !== 'unanswerable');
  const unanswerable = rows.filter((p) => p.type === 'unanswerable');
  const metrics = (set: Row[]): EvalMetrics => {
    const n = set.length || 1;
    const within = (r: number) => set.filter((p) => p.rank !== null && p.rank <= r).length / n;
    return {
      questions: set.length,
      recallAt1: round(within(1)),
      recallAt5: round(within(5)),
      recallAtK: round(within(k)),
      mrrAtK: round(set.reduce((sum, p) => sum + (p.rank !== null && p.rank <= k ? 1 / p.rank : 0), 0) / n),
    };
  };
  const byType: Record<string, EvalMetrics> = {};
  for (const type of new Set(answerable.map((p) => p.type))) byType[type] = metrics(answerable.filter((p) => p.type === type));
  const unanswerableRefused = unanswerable.filter((p) => !p.sufficient).length;
  const answerableRefused = answerable.filter((p) => !p.sufficient).length;
  const refusedTotal = unanswerableRefused + answerableRefused;
  const levels = (set: Row[]): Record<Basis, number> => ({
    solid: set.filter((p) => p.basis === 'solid').length,
    partial: set.filter((p) => p.basis === 'partial').length,
    none: set.filter((p) => p.basis === 'none').length,
  });
  return {
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
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
