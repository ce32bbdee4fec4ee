/**
 * Hybrid retrieval: query analysis → lexical (BM25) + vector search → reciprocal-rank fusion →
 * article lookup first → near-duplicate removal → absolute scores and the "sufficient basis" decision.
 */
import { toHalfWidth } from '../core/chinese-text.js';
import type { Chunk, Hit, SourceDoc } from '../core/types.js';
import type { ChunkRef, KnowledgeReader, KnowledgeSearch } from '../index/knowledge-base.js';
import type { QuestionSearch } from '../index/question-store.js';
import { bigramSet, jaccard, tokenizeQuery } from '../core/chinese-tokenizer.js';
import { answerTypesOf, decideBasis } from './basis.js';
import { labelMatches, matchDocuments, parseArticleRef, type ArticleRef } from './article-ref.js';
import { formatLocator } from './locator.js';
import { expandQuery, firedRules, loadSynonyms, type SynonymTable } from './synonyms.js';
import type { QueryAnalysis, RetrievalResult, RetrieveOptions, Retriever } from './types.js';
import { computeVersions, hitVersionOf, todayIso, type VersionTable } from '../versions/families.js';
import { selectVersions } from '../versions/version-intent.js';
import { createArticleHistory } from '../versions/article-history.js';

/** What retrieval needs of the knowledge base: reading and searching, never writing. */
export type RetrievalSource = KnowledgeReader & KnowledgeSearch;

export interface RetrieverDeps {
  kb: RetrievalSource;
  synonymFiles?: string[];
  synonyms?: SynonymTable;
  tuning?: Partial<RetrievalTuning>;
  /** Questions attached to passages (confirmed by users, or written by a model at ingest): a channel of its own. */
  questions?: QuestionSearch;
}

/** Fusion weights, measured on ../shared/eval/dev.jsonl (see bench/eval-dev.json). */
export interface RetrievalTuning {
  /** Candidates taken from the lexical index and from the attached questions. */
  candidatesPerIndex: number;
  /** Candidates taken from the vector index (more cost HNSW search time and, measured, gained nothing beyond 80). */
  vectorCandidates: number;
  rrfK: number;
  lexicalWeight: number;
  vectorWeight: number;
  expansionWeight: number;
  /** Multiplier for purpose clauses and preambles, which share a document's topic words but rarely answer. */
  purposeWeight: number;
  /** Share of the final order decided by query-term coverage (absoluteScore) rather than fused rank, for the head. */
  coverageWeight: number;
  /** How many of the best fused candidates are re-ordered by coverage. */
  coverageRerankDepth: number;
  /** RRF weight of the attached-questions channel. */
  questionWeight: number;
  /** Weight of the question's CJK bigrams when the lexical candidates are re-scored (0 = words only). */
  bigramWeight: number;
  /** Weight of the question's single CJK characters in the same re-scoring (瞎编 meets 编造 through 编). */
  characterWeight: number;
}

export const DEFAULT_TUNING: RetrievalTuning = {
  candidatesPerIndex: 120,
  vectorCandidates: 80,
  rrfK: 10,
  lexicalWeight: 1,
  vectorWeight: 0.15,
  expansionWeight: 0.5,
  purposeWeight: 0.5,
  coverageWeight: 0.8,
  coverageRerankDepth: 100,
  questionWeight: 1,
  bigramWeight: 0.3,
  characterWeight: 0.3,
};
/** The chunker's label for the title and adoption lines before the first article (src/ingest/chunker.ts). */
const PREAMBLE_LABEL = '题注';
const ASKS_WHEN = /什么时候|何时|哪年|哪一年|日期|施行|生效|通过|公布|发布|修订|修正|版本/;
const PURPOSE_CLAUSE = /(?:^|\n)(?:第[一二]条\s*)?为(?:了)?[^。\n]{4,150}?制定本(?:法|条例|规定|办法|细则|规程|预案|方案|制度|手册)/;
/** Score a chunk gets when it is the article a query names; above any fused score. */
const ARTICLE_MATCH_BONUS = 1;
/** Fused-score multiplier for chunks of a document the query names in 《》. */
const NAMED_DOC_BOOST = 1.6;
/** Hits scoring below this are no sufficient basis for an answer (calibrated on dev.jsonl unanswerables). */
export const SUFFICIENT_SCORE = 0.17;
const DEFAULT_K = 5;

export function createRetriever(deps: RetrieverDeps): Retriever {
  const synonyms = deps.synonyms ?? loadSynonyms(deps.synonymFiles ?? []);
  const { kb } = deps;
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const history = createArticleHistory(kb);
  // Families cost ~15 ms over 3,400 documents: computed once per change of the document list (same document
  // objects in the same order = no change; a put replaces the object), not per query.
  let versionCache: { docs: SourceDoc[]; today: string; table: VersionTable } | undefined;
  const versionsNow = (): VersionTable => {
    const all = kb.listDocuments();
    const today = todayIso();
    if (!versionCache || versionCache.today !== today || !sameDocuments(versionCache.docs, all)) {
      versionCache = { docs: all, today, table: computeVersions(all, today) };
    }
    return versionCache.table;
  };

  return {
    async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievalResult> {
      const started = performance.now();
      const k = Math.max(1, options.k ?? DEFAULT_K);
      const docs = kb.listDocuments().filter((d) => d.status === 'indexed');
      const analysis = analyzeQuery(query, synonyms, docs, tuning.expansionWeight, options.alternativeQueries);
      // Versions not in force answer only when the question asks for them (2007年版…, 修订前, a date).
      const versions = versionsNow();
      const named = namedDocuments(query, docs);
      const selection = selectVersions(query, versions, docs, [...(analysis.articleRef?.docIds ?? []), ...named.matched]);
      if (analysis.articleRef) {
        const ids = analysis.articleRef.docIds.filter((id) => selection.allows(id));
        if (ids.length) analysis.articleRef.docIds = ids;
        else delete analysis.articleRef;
      }
      const allowed = options.docIds ? new Set(options.docIds) : undefined;
      if (kb.chunkCount() === 0 || analysis.terms.length === 0 && !analysis.articleRef) {
        return { query, analysis, hits: [], tookMs: performance.now() - started, sufficient: false, basis: 'none', answerTypes: answerTypesOf(query) };
      }

      const fused = new Map<string, { ref: ChunkRef; fused: number; similarity: number }>();
      const entry = (ref: ChunkRef) => {
        let e = fused.get(ref.chunk.id);
        if (!e) fused.set(ref.chunk.id, (e = { ref, fused: 0, similarity: 0 }));
        return e;
      };
      const lexical = analysis.terms.length
        ? kb.searchLexical(analysis.terms, tuning.candidatesPerIndex, {
            text: toHalfWidth(query),
            weights: { bigram: tuning.bigramWeight, character: tuning.characterWeight },
          })
        : [];
      lexical.forEach((r, rank) => (entry(r).fused += tuning.lexicalWeight / (tuning.rrfK + rank + 1)));
      const queryVector = await kb.embedder.embedQuery(vectorQueryText(analysis));
      const vector = kb.searchVector(queryVector, tuning.vectorCandidates);
      vector.forEach((r, rank) => {
        const e = entry(r);
        e.fused += tuning.vectorWeight / (tuning.rrfK + rank + 1);
        e.similarity = r.similarity;
      });

      const asked = deps.questions && analysis.terms.length ? deps.questions.searchQuestions(analysis.terms, tuning.candidatesPerIndex) : [];
      asked.forEach((r, rank) => {
        const chunk = kb.getChunk(r.chunkId);
        const doc = chunk && kb.getDocument(chunk.docId);
        if (chunk && doc) entry({ chunk, doc }).fused += tuning.questionWeight / (tuning.rrfK + rank + 1);
      });

      const { matched, missing } = named;
      const namedDocs = new Set(matched);
      if (namedDocs.size) {
        for (const e of fused.values()) if (namedDocs.has(e.ref.chunk.docId)) e.fused *= NAMED_DOC_BOOST;
      }
      // Purpose clauses (为了…制定本法) and title/adoption preambles share a document's topic words but rarely answer.
      const asksWhen = ASKS_WHEN.test(query);
      const demoted = new Set<string>();
      for (const e of fused.values()) {
        const { chunk } = e.ref;
        if (isPurposeClause(chunk) || (!asksWhen && chunk.articleLabel === PREAMBLE_LABEL)) {
          e.fused *= tuning.purposeWeight;
          demoted.add(chunk.id);
        }
      }
      const articleChunks = analysis.articleRef ? findArticleChunks(kb, analysis.articleRef) : [];
      for (const ref of articleChunks) entry(ref).fused += ARTICLE_MATCH_BONUS;

      let ranked = [...fused.values()].sort((a, b) => b.fused - a.fused);
      const hits: Hit[] = [];
      const kept: KeptPassage[] = [];
      const articleIds = new Set(articleChunks.map((r) => r.chunk.id));
      const termIdf = queryTermIdf(kb, analysis);
      const keyTerms = keyTermsOf(kb, analysis);
      // Another wording of the question (the model's legal rewrite) may state what the passage covers.
      const alternativeTerms = [...termIdfOf(kb, analysis.alternativeTerms ?? [])].map(([t, idf]) => ({ forms: [t], idf, parts: [] }));
      const ownTerms = analysis.terms.filter((t) => t.weight >= 1).map((t) => t.term.toLowerCase());
      // Each score is needed twice (re-ranking the head, then the hits): computed once per passage.
      const scores = new Map<string, number>();
      const scoreOf = (doc: SourceDoc, chunk: Chunk, similarity: number) => {
        const known = scores.get(chunk.id);
        if (known !== undefined) return known;
        const asked = deps.questions?.questionText(chunk.id) ?? '';
        const score = Math.max(
          absoluteScore(keyTerms, doc, chunk, similarity, asked),
          alternativeTerms.length ? absoluteScore(alternativeTerms, doc, chunk, similarity, asked) : 0,
          // A question confirmed for this passage that shares most of the query's words is evidence of its own,
          // even when those words (罐子, 白烟) never occur in the documents: as strong as a passage stating it.
          asked ? round(shareIn(ownTerms, asked.toLowerCase())) : 0,
        );
        scores.set(chunk.id, score);
        return score;
      };
      // The article the query names stays first whatever the blend: its score is 1.
      ranked = rerankByCoverage(ranked, tuning, (e) => {
        const { chunk, doc } = e.ref;
        if (articleIds.has(chunk.id)) return 1;
        return scoreOf(doc, chunk, e.similarity) * (demoted.has(chunk.id) ? tuning.purposeWeight : 1);
      });
      for (const e of ranked) {
        if (hits.length >= k) break;
        const { chunk, doc } = e.ref;
        if (allowed && !allowed.has(chunk.docId)) continue;
        if (doc.status !== 'indexed') continue;
        if (!selection.allows(doc.id)) continue;
        const candidate: KeptPassage = { length: chunk.text.length, text: chunk.text };
        if (kept.some((k) => nearDuplicate(k, candidate))) continue;
        kept.push(candidate);
        const score = articleIds.has(chunk.id) ? 1 : scoreOf(doc, chunk, e.similarity);
        const hit: Hit = { chunk, doc, score, locator: formatLocator(chunk) };
        const version = hitVersionOf(versions, doc, (id) => kb.getDocument(id));
        if (version) hit.version = articleIds.has(chunk.id) ? history.annotate(versions, version, doc, chunk) : version;
        hits.push(hit);
      }
      // A question about a document the knowledge base does not hold has no basis here, however similar the words.
      const sufficient =
        hits.length > 0 && (articleIds.size > 0 || (missing.length === 0 && hits.some((h) => h.score >= SUFFICIENT_SCORE)));
      if (missing.length) analysis.missingDocuments = missing;
      const decision = decideBasis(query, hits, sufficient, termIdf, articleIds.size > 0);
      return {
        query,
        analysis,
        hits,
        tookMs: performance.now() - started,
        sufficient,
        basis: decision.basis,
        ...(decision.note ? { basisNote: decision.note } : {}),
        answerTypes: decision.answerTypes,
      };
    },
  };
}

/** Splits the query into weighted terms, expands abbreviations and synonyms, and recognises article references. */
export function analyzeQuery(
  query: string,
  synonyms: SynonymTable,
  docs: SourceDoc[],
  expansionWeight = DEFAULT_TUNING.expansionWeight,
  alternativeQueries: string[] = [],
): QueryAnalysis {
  const normalized = toHalfWidth(query).trim();
  const weights = new Map<string, number>();
  for (const t of tokenizeQuery(normalized)) {
    weights.set(t, Math.max(weights.get(t) ?? 0, 1));
  }
  const alternativeTerms = [...new Set(alternativeQueries.flatMap((q) => tokenizeQuery(toHalfWidth(q))))];
  const fired = firedRules(normalized, synonyms);
  for (const phrase of [...expandQuery(normalized, synonyms, fired), ...alternativeQueries.map((q) => toHalfWidth(q))]) {
    for (const t of tokenizeQuery(phrase)) {
      if (weights.has(t)) continue;
      weights.set(t, expansionWeight);
    }
  }
  const equivalents: Record<string, string[]> = {};
  for (const rule of fired) {
    // The target phrases as written: their sub-words (作业 of 井下作业, 事故 of 冒顶事故) would cover anything.
    const targets = rule.to.map((t) => toHalfWidth(t).toLowerCase());
    for (const own of tokenizeQuery(rule.from)) {
      if ((weights.get(own) ?? 0) < 1) continue;
      equivalents[own] = [...new Set([...(equivalents[own] ?? []), ...targets.filter((t) => t !== own)])];
    }
  }
  const analysis: QueryAnalysis = {
    original: query,
    terms: [...weights.entries()].map(([term, weight]) => ({ term, weight })),
    ...(Object.keys(equivalents).length ? { equivalents } : {}),
    ...(alternativeTerms.length ? { alternativeTerms } : {}),
  };
  const ref = parseArticleRef(normalized);
  if (ref && ref.docHint) {
    const matched = matchDocuments(ref.docHint, docs);
    if (matched.length) {
      analysis.articleRef = { docHint: ref.docHint, articleLabel: ref.articleLabel, docIds: matched.map((d) => d.id), kind: ref.kind };
    }
  }
  return analysis;
}

function findArticleChunks(kb: KnowledgeReader, ref: NonNullable<QueryAnalysis['articleRef']>): ChunkRef[] {
  const articleRef: ArticleRef = { docHint: ref.docHint, articleLabel: ref.articleLabel, kind: ref.kind ?? 'article' };
  const out: ChunkRef[] = [];
  for (const docId of ref.docIds) {
    const doc = kb.getDocument(docId);
    if (!doc) continue;
    for (const chunk of kb.getChunks(docId)) {
      if (labelMatches(articleRef, chunk.articleLabel, chunk.articleLabels, chunk.headingPath)) out.push({ chunk, doc });
    }
  }
  return out;
}

/** Purpose clauses found so far, per chunk object (the regex ran on every fused candidate of every query). */
const purposeClauseOf = new WeakMap<Chunk, boolean>();
function isPurposeClause(chunk: Chunk): boolean {
  let known = purposeClauseOf.get(chunk);
  if (known === undefined) purposeClauseOf.set(chunk, (known = PURPOSE_CLAUSE.test(chunk.text)));
  return known;
}

/** A passage already among the hits; its bigram fingerprint is built only when a comparison needs it. */
interface KeptPassage {
  length: number;
  text: string;
  fingerprint?: Set<string>;
}

/** Near-duplicate passages (the same text filed twice): bigram Jaccard > 0.85, compared only for similar lengths. */
function nearDuplicate(a: KeptPassage, b: KeptPassage): boolean {
  if (Math.min(a.length, b.length) < 0.7 * Math.max(a.length, b.length)) return false;
  a.fingerprint ??= bigramSet(a.text);
  b.fingerprint ??= bigramSet(b.text);
  return jaccard(a.fingerprint, b.fingerprint) > 0.85;
}

/** Documents named in 《》 in the query: ids of those the knowledge base holds, titles of those it lacks. */
function namedDocuments(query: string, docs: SourceDoc[]): { matched: string[]; missing: string[] } {
  const matched: string[] = [];
  const missing: string[] = [];
  for (const m of query.matchAll(/《([^《》]{2,60})》/g)) {
    const found = matchDocuments(m[1], docs, 0.5);
    if (found.length) matched.push(...found.map((d) => d.id));
    else missing.push(m[1]);
  }
  return { matched, missing };
}

/**
 * Rank fusion knows order, not content: re-order the head by a blend of normalised fused score and how much
 * of the query's informative terms each passage covers (measured on dev.jsonl: +1.5 points recall@1).
 */
function rerankByCoverage<T extends { fused: number }>(ranked: T[], tuning: RetrievalTuning, coverageOf: (e: T) => number): T[] {
  if (!ranked.length || tuning.coverageWeight <= 0) return ranked;
  const head = ranked.slice(0, tuning.coverageRerankDepth);
  const best = head[0].fused || 1;
  const w = tuning.coverageWeight;
  const rescored = head.map((e) => ({ e, score: (1 - w) * (e.fused / best) + w * coverageOf(e) }));
  rescored.sort((a, b) => b.score - a.score);
  return [...rescored.map((r) => r.e), ...ranked.slice(tuning.coverageRerankDepth)];
}

function vectorQueryText(analysis: QueryAnalysis): string {
  return [analysis.original, ...analysis.terms.filter((t) => t.weight < 1).map((t) => t.term)].join(' ');
}

/**
 * Relevance on an absolute scale in [0, 1]: the share of the query's informative content (IDF-weighted
 * terms the corpus knows) that the passage contains, blended with vector similarity. Rank-based fusion
 * cannot say "nothing relevant"; this can.
 */
function absoluteScore(keyTerms: KeyTerm[], doc: SourceDoc, chunk: Chunk, similarity: number, attachedQuestions = ''): number {
  const haystack = `${doc.title}\n${chunk.headingPath.join('\n')}\n${chunk.text}\n${attachedQuestions}`.toLowerCase();
  let total = 0;
  let covered = 0;
  for (const { forms, idf, parts } of keyTerms) {
    total += idf;
    if (forms.some((f) => haystack.includes(f))) covered += idf;
    else if (parts.length) covered += PART_CREDIT * idf * (parts.filter((p) => haystack.includes(p)).length / parts.length);
  }
  const coverage = total ? covered / total : 0;
  return round(0.8 * coverage + 0.2 * Math.max(0, similarity));
}

/** One informative term of the question: the passage covers it when it holds any of its forms. */
interface KeyTerm {
  forms: string[];
  idf: number;
  /** Pieces of a compound term: a passage holding only some of them covers the term in part. */
  parts: string[];
}

/** How much a passage holding only pieces of a compound (化学品 of 危险化学品) covers it. */
const PART_CREDIT = 0.5;
/**
 * A one-character word the segmenter leaves (了 of 压了, 拉) is rare in the laws but says little: half weight, unless
 * the thesaurus knows what it means (死 → 死亡 事故), which makes it a concept like any other.
 */
const SINGLE_CHARACTER_WEIGHT = 0.5;

/**
 * The question's own terms with the legal terms the thesaurus maps them to (老板 → 主要负责人): a lay word the
 * documents never use still counts, through its equivalents, at their IDF.
 */
function keyTermsOf(kb: RetrievalSource, analysis: QueryAnalysis): KeyTerm[] {
  const own = [...new Set(analysis.terms.filter((t) => t.weight >= 1).map((t) => t.term.toLowerCase()))];
  const equivalentsOf = (t: string) => analysis.equivalents?.[t] ?? [];
  const out: KeyTerm[] = [];
  // The search segmenter also yields a compound's pieces (危险化学品 → 危险, 化学品): one concept, counted once.
  for (const term of own) {
    if (own.some((o) => o !== term && o.includes(term))) continue;
    const parts = own.filter((o) => o !== term && term.includes(o));
    const forms = [term, ...equivalentsOf(term), ...parts.flatMap(equivalentsOf)];
    const idfs = termIdfOf(kb, [...forms, ...parts]);
    const known = [...idfs.values()];
    const idf = idfs.get(term) ?? (known.length ? Math.max(...known) : undefined);
    if (idf !== undefined) out.push({ forms, idf: [...term].length === 1 && forms.length === 1 ? SINGLE_CHARACTER_WEIGHT * idf : idf, parts });
  }
  return out;
}

/** IDF of the query's own (not expanded) terms that occur in the corpus. */
function queryTermIdf(kb: RetrievalSource, analysis: QueryAnalysis): Map<string, number> {
  return termIdfOf(kb, analysis.terms.filter((t) => t.weight >= 1).map((t) => t.term));
}

/** IDF of those of `terms` that occur in the corpus. */
function termIdfOf(kb: RetrievalSource, terms: string[]): Map<string, number> {
  const n = Math.max(1, kb.chunkCount());
  const out = new Map<string, number>();
  for (const term of terms) {
    const df = kb.lexicalDocumentFrequency(term);
    if (df === 0) continue;
    out.set(term.toLowerCase(), Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }
  return out;
}

/** Share of `terms` that occur in `text`. */
function shareIn(terms: string[], text: string): number {
  return terms.length ? terms.filter((t) => text.includes(t)).length / terms.length : 0;
}

function sameDocuments(a: SourceDoc[], b: SourceDoc[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
