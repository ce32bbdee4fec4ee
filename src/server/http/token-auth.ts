/**
 * `Authorization: Bearer <token>` for scripts and desktop AI clients. A request that carries the header is judged
 * by its token alone: a bad, expired or revoked token is 401 even when a valid session cookie comes along, so a
 * revoked script can never ride on a browser's session.
 */
import type { RequestHandler, Response } from 'express';
import { AppError } from '../../core/errors.js';
import type { ApiTokenInfo } from '../auth/tokens.js';
import type { ServerContext } from '../context.js';
import type { SessionUser } from '../events.js';

/** Audit and conversation name of a token's requests: never collides with a user name (':' is not allowed there). */
export const tokenUserName = (name: string): string => `token:${name}`;

interface Locals {
  user?: SessionUser;
  apiToken?: ApiTokenInfo;
}

/** The token behind this request, when it was made with one. */
export function currentToken(res: Response): ApiTokenInfo | undefined {
  return (res.locals as Locals).apiToken;
}

/** The raw token of an Authorization header; undefined without the header. @throws AppError UNAUTHORIZED when malformed. */
export function readBearer(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError('UNAUTHORIZED', 'Authorization 头须为 “Bearer <API 令牌>”。');
  return match[1];
}

/**
 * Resolves a Bearer token into the request's user (role from the token), rate-limits per token and audits every
 * use under the token's name. Requests without the header pass on to the cookie check.
 */
export function bearerAuth(ctx: ServerContext): RequestHandler {
  return async (req, res, next) => {
    const raw = readBearer(req.headers.authorization);
    if (raw === undefined) {
      next();
      return;
    }
    const info = await ctx.tokens.verify(raw);
    if (!info) throw new AppError('UNAUTHORIZED', 'API 令牌无效、已过期或已被吊销，请向管理员申请新的令牌。');
    const waitMs = ctx.tokenLimiter.take(info.id);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new AppError('RATE_LIMITED', `令牌 ${info.name} 的请求太频繁（每分钟最多 ${ctx.services.config.server.apiTokenRequestsPerMinute} 次），请 ${Math.ceil(waitMs / 1000)} 秒后再试。`);
    }
    const locals = res.locals as Locals;
    locals.user = { username: tokenUserName(info.name), role: info.role };
    locals.apiToken = info;
    res.on('finish', () => {
      ctx.audit
        .record('token_use', tokenUserName(info.name), { tokenId: info.id, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode })
        .catch((e: unknown) => ctx.log(`令牌 ${info.name} 的审计记录未能保存：${e instanceof Error ? e.message : String(e)}`));
    });
    next();
  };
}
