/** Shared data types that flow through ingest → index → retrieve → answer → serve. */

export const DOC_TYPES = ['法律', '行政法规', '部门规章', '地方性法规', '应急预案', '工作制度', '其他'] as const;
export type DocType = (typeof DOC_TYPES)[number];

/** indexed: searchable; needs_ocr: scanned file and no OCR programs installed; failed: could not be read. */
export type DocStatus = 'indexed' | 'needs_ocr' | 'failed';

/** One structural unit a parser extracts, in reading order. */
export interface Block {
  kind: 'heading' | 'paragraph' | 'table';
  text: string;
  /** Heading level 1..6 (Markdown #, DOCX Heading N, HTML hN); absent for paragraphs and tables. */
  level?: number;
  /** 1-based page the block starts on (PDF only). */
  page?: number;
}

/** What a parser returns for one file. */
export interface ParsedDocument {
  blocks: Block[];
  pageCount?: number;
  /** Title found in file properties (PDF Info Title, DOCX core properties, HTML <title>). */
  propertiesTitle?: string;
  /** True when the text came from OCR rather than a text layer. */
  ocr?: boolean;
  /** Set when only pages 1..pagesDone were read (OCR_MAX_PAGES). */
  partial?: { pagesDone: number; pageCount: number };
}

/** Admin-editable document metadata (also the shape of a `<file>.meta.json` sidecar). */
export interface DocMetadata {
  title: string;
  docType: DocType;
  /** ISO date (YYYY-MM-DD) the text says it was issued / adopted / amended, if found. */
  issuedDate?: string;
  /** ISO date the text says it takes effect (施行), if found. */
  effectiveDate?: string;
  issuer?: string;
  /** ISO date from which an admin (sidecar or UI) declares the text repealed (已废止). */
  repealedDate?: string;
}

export interface DocError {
  code: string;
  message: string;
}

/** A document as the knowledge base records it. */
export interface SourceDoc extends DocMetadata {
  id: string;
  /** Stable key of the original location: absolute path for CLI ingests, `upload:<name>` for uploads. */
  sourceKey: string;
  /** File name as ingested, e.g. `work-safety-law.md`. */
  source: string;
  format: string;
  /** sha256 of the file bytes, hex. */
  contentHash: string;
  sizeBytes: number;
  ingestedAt: string;
  status: DocStatus;
  error?: DocError;
  chunkCount: number;
  pageCount?: number;
  /** Indexed, but with a caveat a person should see, e.g. only pages 1–200 of a 2,000-page scan were read by OCR. */
  notice?: string;
  /** Stored copy of the original file, relative to the knowledge folder. */
  storedFile?: string;
}

/** A retrievable passage. Never spans two articles (条) unless both are short. */
export interface Chunk {
  /** `${docId}#${ordinal}` */
  id: string;
  docId: string;
  ordinal: number;
  text: string;
  /** e.g. ['第五章 生产安全事故的应急救援与调查处理', '第八十一条'] */
  headingPath: string[];
  /** e.g. '第八十一条' or, for plans, the nearest heading text such as '（二）Ⅳ级响应'. */
  articleLabel?: string;
  /** All article labels when short articles were merged into one chunk (first equals articleLabel). */
  articleLabels?: string[];
  pageStart?: number;
  pageEnd?: number;
  /** Character range of the chunk in the document's normalised text. */
  charStart: number;
  charEnd: number;
  /** sha256 of `text`, hex. */
  contentHash: string;
}

/** A chunk as produced by the chunker, before the store assigns ids. */
export type ChunkDraft = Omit<Chunk, 'id' | 'docId' | 'ordinal' | 'contentHash'>;

/** One retrieval result. */
export interface Hit {
  chunk: Chunk;
  doc: SourceDoc;
  /** Fused score in [0, 1]; comparable across queries so callers can decide "no sufficient basis". */
  score: number;
  /** Heading path joined with ' › ', ending in the article label. */
  locator: string;
  /** Where the document stands among the versions of its family (src/versions). */
  version?: HitVersion;
}

/** in_force 现行有效, superseded 已被修订, not_yet_in_force 尚未施行, repealed 已废止. */
export type VersionStatus = 'in_force' | 'superseded' | 'not_yet_in_force' | 'repealed';

/** A hit's version facts, and what the reader must be told when the text is not the one in force. */
export interface HitVersion {
  family: string;
  /** ISO date the version took effect (or was issued, when no 施行 date is known). */
  version: string | null;
  status: VersionStatus;
  /** The version in force of the same family, when this one is not it. */
  currentDocId: string | null;
  currentTitle?: string;
  /** Shown beside the citation when the text is not in force, e.g. 此为旧版（2007-11-01 施行），已被 2024-11-01 施行的版本修订。 */
  warning?: string;
  /** The label this article's content stood under in the previous version, when different: 原第二十一条. */
  formerLabel?: string;
}

/** A hit as the command line (`search --json`) and the HTTP API report it. */
export interface SearchHitJson {
  docId: string;
  chunkId: string;
  source: string;
  title: string;
  locator: string;
  page: number | null;
  score: number;
  text: string;
  version?: HitVersion;
}
