/** Admin only, from a browser session: create (the token is shown once), list and revoke API tokens. */
import { Router, type RequestHandler } from 'express';
import { AppError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { ROLES, type Role } from '../events.js';
import { currentUser, requireRole } from './auth-middleware.js';
import { currentToken } from './token-auth.js';

export function tokenRoutes(ctx: ServerContext): Router {
  const router = Router();
  // A token never mints or revokes tokens: a leaked admin token must not be able to make itself permanent.
  const notByToken: RequestHandler = (_req, res, next) => {
    if (currentToken(res)) throw new AppError('FORBIDDEN', 'API 令牌不能管理令牌；请管理员登录网页或使用 yingji token 命令。');
    next();
  };
  const adminSession = [requireRole('admin'), notByToken];

  router.get('/tokens', ...adminSession, (_req, res) => {
    res.json(ctx.tokens.list());
  });

  router.post('/tokens', ...adminSession, async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; role?: unknown; expiresAt?: unknown };
    if (typeof body.name !== 'string' || !ROLES.includes(body.role as Role)) {
      throw new AppError('INVALID_REQUEST', `须提供 name 和 role（${ROLES.join(' / ')}）。`);
    }
    if (body.expiresAt !== undefined && body.expiresAt !== null && typeof body.expiresAt !== 'string') {
      throw new AppError('INVALID_REQUEST', 'expiresAt 须为日期，例如 2027-06-30。');
    }
    const admin = currentUser(res).username;
    const created = await ctx.tokens.add({ name: body.name.trim(), role: body.role as Role, expiresAt: body.expiresAt || null, createdBy: admin });
    await ctx.audit.record('token_add', admin, { tokenId: created.info.id, name: created.info.name, role: created.info.role, expiresAt: created.info.expiresAt });
    res.status(201).json(created);
  });

  router.delete('/tokens/:id', ...adminSession, async (req, res) => {
    const info = await ctx.tokens.revoke(String(req.params.id));
    await ctx.audit.record('token_revoke', currentUser(res).username, { tokenId: info.id, name: info.name });
    res.json(info);
  });

  return router;
}
