/** The one error boundary for HTTP: everything thrown becomes `{code, message}` with a fitting status. */
import type { ErrorRequestHandler } from 'express';
import multer from 'multer';
import { AppError, type ErrorCode, toAppError } from '../../core/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  EMPTY_FILE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  DOCUMENT_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  KNOWLEDGE_BASE_EMPTY: 409,
  KNOWLEDGE_BASE_BUSY: 409,
  CONFLICT: 409,
  CROSS_ORIGIN_REJECTED: 403,
  LIMIT_EXCEEDED: 413,
  DISK_FULL: 507,
  ANSWER_ABORTED: 409,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 415,
  BINARY_NOT_TEXT: 415,
  ENCRYPTED_FILE: 422,
  NO_EXTRACTABLE_TEXT: 422,
  NEEDS_OCR: 422,
  PARSE_FAILED: 422,
  RATE_LIMITED: 429,
  LLM_UNAVAILABLE: 503,
  MODEL_NOT_FOUND: 503,
  LLM_TIMEOUT: 504,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Maps errors of express's body parsers and multer to AppErrors; the rest through toAppError. */
export function toHttpError(e: unknown, maxUploadBytes: number): AppError {
  if (e instanceof multer.MulterError) {
    if (e.code === 'LIMIT_FILE_SIZE') {
      return new AppError('FILE_TOO_LARGE', `文件超过单个文件 ${Math.round(maxUploadBytes / 1024 / 1024)} MB 的上限，请压缩或拆分后再上传。`, { cause: e });
    }
    return new AppError('INVALID_REQUEST', `上传请求有误（${e.code}）：请用字段 files 上传文件。`, { cause: e });
  }
  // A malformed percent-escape in the path (`/api/documents/%ZZ`) is the client's mistake, not ours.
  if (e instanceof URIError) return new AppError('INVALID_REQUEST', '请求地址中有无效的百分号编码（%）。', { cause: e });
  const status = (e as { status?: unknown; type?: unknown } | null)?.status;
  const type = (e as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new AppError('LIMIT_EXCEEDED', '请求体太大，已拒绝。', { cause: e });
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') {
    return new AppError('INVALID_REQUEST', '请求格式有误：请发送有效的 JSON。', { cause: e });
  }
  return toAppError(e);
}

export function errorHandler(options: { maxUploadBytes: number; log: (line: string) => void }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toHttpError(err, options.maxUploadBytes);
    const status = httpStatusOf(error.code);
    if (status >= 500) {
      const cause = error.cause ?? err;
      options.log(`${req.method} ${req.originalUrl} → ${error.code}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(error.toJSON());
  };
}
