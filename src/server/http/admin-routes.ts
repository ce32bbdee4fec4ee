/** Admin only: the audit log (view, filters, CSV / JSONL export) and user accounts. */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import type { AuditFilter } from '../audit.js';
import type { ServerContext } from '../context.js';
import { ROLES, type Role } from '../events.js';
import { currentUser, requireRole } from './auth-middleware.js';

const MAX_AUDIT_ROWS = 2000;
const MAX_AUDIT_OFFSET = 10_000_000;

export function adminRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/audit', async (req, res) => {
    const filter = auditFilterOf(req.query);
    const format = req.query.format;
    if (format === 'jsonl' || format === 'csv') {
      const stamp = new Date().toISOString().slice(0, 10);
      res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="yingji-audit-${stamp}.${format}"`);
      // Streamed: the log may be far larger than what the server should hold in memory.
      await ctx.audit.exportTo(res, format, filter);
      return;
    }
    const limit = Math.min(Math.max(1, Math.floor(Number(req.query.limit)) || 200), MAX_AUDIT_ROWS);
    const offset = Math.min(Math.max(0, Math.floor(Number(req.query.offset)) || 0), MAX_AUDIT_OFFSET);
    const page = await ctx.audit.query({ ...filter, limit, offset });
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

  // One change per call is the UI's habit, but role, password and disabled may come together; each is audited.
  router.put('/users/:name', async (req, res) => {
    const name = req.params.name as string;
    const actor = currentUser(res).username;
    const body = (req.body ?? {}) as { role?: unknown; password?: unknown; disabled?: unknown };
    if (body.role !== undefined && !ROLES.includes(body.role as Role)) throw new AppError('INVALID_REQUEST', `role 只能是 ${ROLES.join(' / ')}。`);
    if (body.password !== undefined && typeof body.password !== 'string') throw new AppError('INVALID_REQUEST', 'password 须为文字。');
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') throw new AppError('INVALID_REQUEST', 'disabled 须为 true 或 false。');
    if (body.disabled === true && name === actor) throw new AppError('INVALID_REQUEST', '不能停用当前登录的账号。');
    if (body.role !== undefined) {
      await ctx.users.setRole(name, body.role as Role);
      await ctx.audit.record('user_role', actor, { target: name, role: body.role });
    }
    if (body.password !== undefined) {
      await ctx.users.setPassword(name, body.password as string);
      await ctx.audit.record('user_passwd', actor, { target: name });
    }
    if (body.disabled !== undefined) {
      await ctx.users.setDisabled(name, body.disabled as boolean);
      await ctx.audit.record(body.disabled ? 'user_disable' : 'user_enable', actor, { target: name });
    }
    ctx.closeStaleSockets();
    res.json({ ok: true });
  });

  return router;
}

const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** user / action / from / to from the query string; a bare date means that whole day (UTC). @throws AppError INVALID_REQUEST for an unreadable date. */
function auditFilterOf(query: Record<string, unknown>): AuditFilter {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const instant = (v: unknown, endOfDay: boolean) => {
    const s = str(v);
    if (!s) return undefined;
    const t = Date.parse(DATE_ONLY_RE.test(s) ? `${s}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : s);
    if (Number.isNaN(t)) throw new AppError('INVALID_REQUEST', `日期 ${s} 无法识别，请用 2026-01-31 或 ISO 时间。`);
    return new Date(t).toISOString();
  };
  return { user: str(query.user), action: str(query.action), from: instant(query.from, false), to: instant(query.to, true) };
}
