import type { ParsedDocument } from '../../core/types.js';
import type { IngestLimits } from '../limits.js';

export interface ParseContext {
  /** File name as ingested, for messages. */
  fileName: string;
  /** 'auto' runs tesseract on scanned PDFs when the programs are installed. */
  ocr: 'auto' | 'off';
  /**
   * PATH-style directory list where OCR looks for pdftoppm and tesseract; undefined = the process PATH.
   * Lets the composition root (or a test) choose the install, e.g. '' to act as if none were installed.
   */
  ocrSearchPath?: string;
  signal?: AbortSignal;
  /** Expansion bounds; DEFAULT_INGEST_LIMITS when not given. */
  limits?: IngestLimits;
  /** OCR progress of a scanned PDF: pages recognised so far of the pages that will be read. */
  onOcrPage?: (done: number, total: number) => void;
}

/** Reads one file format into structural blocks. */
export interface Parser {
  /** Lower-case extensions without the dot, e.g. ['md', 'markdown']. */
  readonly extensions: readonly string[];
  /**
   * @throws AppError with a Chinese message: PARSE_FAILED, ENCRYPTED_FILE, BINARY_NOT_TEXT,
   *         NO_EXTRACTABLE_TEXT, NEEDS_OCR (scanned PDF and no OCR available),
   *         LIMIT_EXCEEDED (the file expands past a bound of ctx.limits).
   */
  parse(bytes: Buffer, ctx: ParseContext): Promise<ParsedDocument>;
}
