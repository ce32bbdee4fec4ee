import type { Hit } from '../core/types.js';
import type { AnswerType, Basis } from './basis.js';

export interface RetrieveOptions {
  k?: number;
  /** Restrict to these document ids. */
  docIds?: string[];
  /**
   * Other wordings of the question (e.g. the model's rewrite in legal terms): their terms are searched as
   * expansions, at the synonym weight, never instead of the question's own terms.
   */
  alternativeQueries?: string[];
}

/** What query analysis understood. */
export interface QueryAnalysis {
  original: string;
  /** Weighted terms after synonym/abbreviation expansion. */
  terms: { term: string; weight: number }[];
  /** The question's own terms that the thesaurus maps to legal terms: a passage holding one of those covers the term. */
  equivalents?: Record<string, string[]>;
  /** Terms of RetrieveOptions.alternativeQueries: relevance may also be judged against them. */
  alternativeTerms?: string[];
  /** Set when the query names an article, e.g. 安全生产法第二十一条. */
  /** Documents the query names in 《》 that the knowledge base does not hold. */
  missingDocuments?: string[];
  articleRef?: { docHint: string; articleLabel: string; docIds: string[]; kind?: 'article' | 'section' };
}

export interface RetrievalResult {
  query: string;
  analysis: QueryAnalysis;
  hits: Hit[];
  tookMs: number;
  /** False when the best hit is below the calibrated "sufficient basis" threshold. */
  sufficient: boolean;
  /** solid: a passage states what is asked; partial: related provisions only; none: nothing relevant. */
  basis: Basis;
  /** With `partial`: one plain sentence saying what the knowledge base does not state. */
  basisNote?: string;
  /** The kinds of value the question asks for (时限, 金额, 责任单位 …). */
  answerTypes: AnswerType[];
}

/** Hybrid retrieval over a knowledge base. */
export interface Retriever {
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrievalResult>;
}
