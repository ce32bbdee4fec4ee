/** fetch wrapper: JSON in and out, errors as ApiError with the server's {code, message}. */
import type { WireError } from '../../src/server/events.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError('NETWORK', '无法连接服务器，请检查网络。', 0);
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = (data ?? {}) as Partial<WireError>;
    if (res.status === 401 && path !== '/api/login') onUnauthorized();
    throw new ApiError(err.code ?? 'HTTP_' + res.status, err.message ?? `请求失败（${res.status}）`, res.status);
  }
  return data as T;
}

/** Multipart upload with byte progress (fetch cannot report upload progress). */
export function uploadWithProgress<T>(method: string, path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', '上传中断，请检查网络后重试。', 0));
    xhr.onload = () => {
      let data: unknown;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else {
        const err = (data ?? {}) as Partial<WireError>;
        reject(new ApiError(err.code ?? 'HTTP_' + xhr.status, err.message ?? `上传失败（${xhr.status}）`, xhr.status));
      }
    };
    xhr.send(form);
  });
}
