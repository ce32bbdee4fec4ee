/**
 * yingji's hybrid retriever as a LangChain `BaseRetriever` (@langchain/core), so LangChain chains and agents can
 * search a yingji knowledge base: each hit becomes a Document carrying its provenance (document, title, heading
 * path, article, page, character range) and the fused score.
 */
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { Hit } from '../core/types.js';
import type { Retriever, RetrieveOptions } from '../retrieval/types.js';

/** What a Document returned by YingjiRetriever says about where its text came from. */
export interface YingjiDocumentMetadata {
  docId: string;
  chunkId: string;
  source: string;
  title: string;
  /** Heading path joined with ' › ', ending in the article label. */
  locator: string;
  headingPath: string[];
  articleLabel: string | null;
  page: number | null;
  charStart: number;
  charEnd: number;
  /** Fused score in [0, 1], comparable across queries. */
  score: number;
  /** False when even the best hit of this query was below the "sufficient basis" threshold. */
  sufficient: boolean;
}

export interface YingjiRetrieverInput extends BaseRetrieverInput, RetrieveOptions {
  retriever: Retriever;
}

function toDocument(hit: Hit, sufficient: boolean): Document<YingjiDocumentMetadata> {
  const { chunk, doc } = hit;
  return new Document<YingjiDocumentMetadata>({
    id: chunk.id,
    pageContent: chunk.text,
    metadata: {
      docId: doc.id,
      chunkId: chunk.id,
      source: doc.source,
      title: doc.title,
      locator: hit.locator,
      headingPath: chunk.headingPath,
      articleLabel: chunk.articleLabel ?? null,
      page: chunk.pageStart ?? null,
      charStart: chunk.charStart,
      charEnd: chunk.charEnd,
      score: hit.score,
      sufficient,
    },
  });
}

/** A LangChain retriever over yingji's; `k` and `docIds` are passed on to every search. */
export class YingjiRetriever extends BaseRetriever<YingjiDocumentMetadata> {
  lc_namespace = ['yingji', 'retrievers'];
  private readonly retriever: Retriever;
  private readonly options: RetrieveOptions;

  constructor(fields: YingjiRetrieverInput) {
    const { retriever, k, docIds, ...base } = fields;
    super(base);
    this.retriever = retriever;
    this.options = { ...(k !== undefined ? { k } : {}), ...(docIds ? { docIds } : {}) };
  }

  /** @throws AppError as the yingji retriever does (e.g. INDEX_CORRUPT). */
  async _getRelevantDocuments(query: string): Promise<Document<YingjiDocumentMetadata>[]> {
    const result = await this.retriever.retrieve(query, this.options);
    return result.hits.map((hit) => toDocument(hit, result.sufficient));
  }
}
