/** The closed set of error codes yingji reports. Messages shown to people are Chinese and say what to do. */
export type ErrorCode =
  | 'UNSUPPORTED_FILE_TYPE'
  | 'FILE_TOO_LARGE'
  | 'EMPTY_FILE'
  | 'BINARY_NOT_TEXT'
  | 'ENCRYPTED_FILE'
  | 'NO_EXTRACTABLE_TEXT'
  | 'NEEDS_OCR'
  | 'PARSE_FAILED'
  | 'FILE_NOT_FOUND'
  | 'EMBEDDER_MISMATCH'
  | 'INDEX_CORRUPT'
  | 'INDEX_FORMAT_UNSUPPORTED'
  | 'KNOWLEDGE_BASE_EMPTY'
  /** Another process is committing into the same knowledge folder. */
  | 'KNOWLEDGE_BASE_BUSY'
  /** The knowledge base changed under this request (closed, or another process committed first). */
  | 'CONFLICT'
  /** The disk holding the knowledge folder is full; nothing was changed. */
  | 'DISK_FULL'
  /** A file expands past a configured bound (decompressed bytes, characters, paragraphs, chunks, OCR pages). */
  | 'LIMIT_EXCEEDED'
  /** A state-changing request came from a page of another origin (CSRF). */
  | 'CROSS_ORIGIN_REJECTED'
  | 'DOCUMENT_NOT_FOUND'
  | 'LLM_UNAVAILABLE'
  | 'MODEL_NOT_FOUND'
  | 'LLM_TIMEOUT'
  | 'ANSWER_ABORTED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'INVALID_REQUEST'
  | 'CONFIG_INVALID'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Wraps anything thrown into an AppError; unknown errors become INTERNAL with a safe message. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (isDiskFull(e)) {
    return new AppError('DISK_FULL', '知识库所在磁盘空间不足，本次修改未保存，已有内容不受影响；请管理员清理磁盘或扩容后重试。', { cause: e });
  }
  if (e instanceof Error && e.name === 'AbortError') {
    return new AppError('ANSWER_ABORTED', '已停止生成。', { cause: e });
  }
  return new AppError('INTERNAL', '系统内部错误，请稍后重试；如反复出现请联系管理员查看日志。', { cause: e });
}

export function isAppError(e: unknown, code?: ErrorCode): e is AppError {
  return e instanceof AppError && (code === undefined || e.code === code);
}

/** True for the file-system errors of a full disk or exhausted quota (ENOSPC, EDQUOT). */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
