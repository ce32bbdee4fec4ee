import type { DocError, DocMetadata, SourceDoc } from '../core/types.js';

/** Progress of an ingestion batch, for the CLI progress bar and socket.io `ingest:progress`. */
export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  chunks: number;
  elapsedMs: number;
  /** The file just finished (or started when `phase` is 'start'). */
  file?: string;
  phase: 'start' | 'file-done' | 'committing' | 'done';
  outcome?: IngestFileOutcome;
  /** While `file` is being read by OCR: pages recognised so far of the pages it has. */
  ocrPages?: { done: number; total: number };
}

export interface IngestFileOutcome {
  file: string;
  status: 'added' | 'replaced' | 'unchanged' | 'needs_ocr' | 'failed' | 'removed';
  docId?: string;
  chunks?: number;
  error?: DocError;
  /** A caveat on an indexed document (e.g. partial OCR), as SourceDoc.notice. */
  notice?: string;
}

export interface IngestReport {
  outcomes: IngestFileOutcome[];
  failed: number;
  elapsedMs: number;
  doc?: SourceDoc;
}

/** One input for ingestion: a file on disk or uploaded bytes. */
export interface IngestInput {
  /** Stable identity of the source: absolute path, or `upload:<name>`. */
  sourceKey: string;
  /** File name as the user knows it. */
  fileName: string;
  /** Bytes, or a path to read them from. */
  bytes?: Buffer;
  path?: string;
  /** Admin overrides (also read from `<file>.meta.json` next to a path). */
  metadata?: Partial<DocMetadata>;
}
