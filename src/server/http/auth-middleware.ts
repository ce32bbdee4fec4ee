/** Session and role checks for routes. */
import type { RequestHandler, Response } from 'express';
import { AppError } from '../../core/errors.js';
import { readCookie, SESSION_COOKIE, type SessionPayload } from '../auth/session.js';
import { resolveSession, type ServerContext } from '../context.js';
import type { Role, SessionUser } from '../events.js';

interface Locals {
  user?: SessionUser;
  session?: SessionPayload;
}

/** The signed-in user; only valid behind requireSession. */
export function currentUser(res: Response): SessionUser {
  const user = (res.locals as Locals).user;
  if (!user) throw new AppError('UNAUTHORIZED', '请先登录。');
  return user;
}

export function currentSession(res: Response): SessionPayload | undefined {
  return (res.locals as Locals).session;
}

/** 401 without a valid session cookie (or a valid API token, resolved before by bearerAuth). */
export function requireSession(ctx: ServerContext): RequestHandler {
  return (req, res, next) => {
    if ((res.locals as Locals).user) {
      next();
      return;
    }
    const resolved = resolveSession(ctx, readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!resolved) throw new AppError('UNAUTHORIZED', '未登录或登录已过期，请重新登录。');
    (res.locals as Locals).user = resolved.user;
    (res.locals as Locals).session = resolved.session;
    next();
  };
}

/** 403 unless the user has one of `roles` (use after requireSession). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = currentUser(res);
    if (!roles.includes(user.role)) throw new AppError('FORBIDDEN', '当前账号没有此操作的权限。');
    next();
  };
}
