/** Admin only: the audit log (view, JSONL export) and user accounts. */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { ROLES, type Role } from '../events.js';
import { currentUser, requireRole } from './auth-middleware.js';

const MAX_AUDIT_ROWS = 2000;
const MAX_AUDIT_OFFSET = 10_000_000;

export function adminRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/audit', async (req, res) => {
    if (req.query.format === 'jsonl') {
      const stamp = new Date().toISOString().slice(0, 10);
      res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="yingji-audit-${stamp}.jsonl"`);
      // Streamed: the log may be far larger than what the server should hold in memory.
      await ctx.audit.exportTo(res);
      return;
    }
    const limit = Math.min(Math.max(1, Math.floor(Number(req.query.limit)) || 200), MAX_AUDIT_ROWS);
    const offset = Math.min(Math.max(0, Math.floor(Number(req.query.offset)) || 0), MAX_AUDIT_OFFSET);
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const page = await ctx.audit.query({ user: str(req.query.user), action: str(req.query.action), limit, offset });
    // The body stays an array (older UIs); the next page's offset travels in a header.
    if (page.hasMore) res.setHeader('X-Next-Offset', String(offset + page.entries.length));
    res.json(page.entries);
  });

  router.get('/users', (_req, res) => {
    res.json(ctx.users.list());
  });

  router.post('/users', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; role?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string' || !ROLES.includes(body.role as Role)) {
      throw new AppError('INVALID_REQUEST', `须提供 username、password 和 role（${ROLES.join(' / ')}）。`);
    }
    const info = await ctx.users.add(body.username, body.role as Role, body.password);
    await ctx.audit.record('user_add', currentUser(res).username, { target: info.username, role: info.role });
    res.status(201).json(info);
  });

  router.delete('/users/:name', async (req, res) => {
    const name = req.params.name as string;
    if (name === currentUser(res).username) throw new AppError('INVALID_REQUEST', '不能删除当前登录的账号。');
    await ctx.users.remove(name);
    ctx.closeStaleSockets();
    await ctx.audit.record('user_remove', currentUser(res).username, { target: name });
    res.json({ ok: true });
  });

  router.put('/users/:name', async (req, res) => {
    const name = req.params.name as string;
    const body = (req.body ?? {}) as { role?: unknown; password?: unknown };
    if (body.role !== undefined) {
      if (!ROLES.includes(body.role as Role)) throw new AppError('INVALID_REQUEST', `role 只能是 ${ROLES.join(' / ')}。`);
      await ctx.users.setRole(name, body.role as Role);
    }
    if (body.password !== undefined) {
      if (typeof body.password !== 'string') throw new AppError('INVALID_REQUEST', 'password 须为文字。');
      await ctx.users.setPassword(name, body.password);
    }
    ctx.closeStaleSockets();
    await ctx.audit.record('user_passwd', currentUser(res).username, {
      target: name,
      role: body.role,
      passwordChanged: body.password !== undefined,
    });
    res.json({ ok: true });
  });

  return router;
}
