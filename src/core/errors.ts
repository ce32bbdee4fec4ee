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
  if (e instanceof Error && e.name === 'AbortError') {
    return new AppError('ANSWER_ABORTED', '已停止生成。', { cause: e });
  }
  return new AppError('INTERNAL', '系统内部错误，请稍后重试；如反复出现请联系管理员查看日志。', { cause: e });
}

export function isAppError(e: unknown, code?: ErrorCode): e is AppError {
  return e instanceof AppError && (code === undefined || e.code === code);
}
