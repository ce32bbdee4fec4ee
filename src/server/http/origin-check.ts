/**
 * Cross-site request forgery guard. SameSite cookies do not help against a page on another port of the same
 * host or a sibling subdomain (both are "same site"), so every state-changing request and every socket.io
 * handshake must come from the app's own origin, judged by Origin, else Sec-Fetch-Site, else Referer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../../core/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when the headers show a browser request from our own origin, or no browser context at all
 * (curl, the CLI: no Origin, no Sec-Fetch-Site, no Referer). `allowedOrigins` are extra origins (proxy setups).
 */
export function isSameOriginRequest(headers: IncomingHttpHeaders, allowedOrigins: readonly string[] = []): boolean {
  const host = headers.host;
  const matches = (value: string): boolean => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false; // includes Origin: null (sandboxed frames, file:, redirects across origins)
    }
    // Host carries the port; one port serves one scheme, so host:port identifies the origin here.
    return url.host === host || allowedOrigins.includes(url.origin);
  };
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== '') return matches(origin);
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== '') return site === 'same-origin' || site === 'none';
  const referer = headers.referer;
  if (typeof referer === 'string' && referer !== '') return matches(referer);
  return true;
}

/** 403 CROSS_ORIGIN_REJECTED for POST/PUT/PATCH/DELETE sent by a page of another origin. */
export function rejectCrossOrigin(allowedOrigins: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || isSameOriginRequest(req.headers, allowedOrigins)) {
      next();
      return;
    }
    throw new AppError(
      'CROSS_ORIGIN_REJECTED',
      '已拒绝来自其他网站的修改请求（来源与本服务地址不一致）。请直接在应急知识助手页面中操作；如经反向代理访问，请在 ALLOWED_ORIGINS 中登记对外地址。',
    );
  };
}
