/** Login, logout, who am I, and the public health check. */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import { SESSION_TTL_MS, sessionCookie } from '../auth/session.js';
import type { ServerContext } from '../context.js';
import type { SessionUser } from '../events.js';
import { currentSession, currentUser, requireSession } from './auth-middleware.js';

/** Failed logins allowed per client address, as a multiple of those allowed per account. */
const IP_FAILURE_SCALE = 5;

export function authRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/health', async (_req, res) => {
    res.json(await ctx.health());
  });

  router.post('/login', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string' || !body.username || !body.password) {
      throw new AppError('INVALID_REQUEST', '请输入用户名和密码。');
    }
    const username = body.username.trim();
    const keys = [`ip:${req.ip ?? req.socket.remoteAddress ?? '?'}`, `user:${username}`];
    // A whole duty room may share one address: it gets more attempts than a single account.
    const waitMs = Math.max(ctx.loginLimiter.retryAfterMs(keys[0], IP_FAILURE_SCALE), ctx.loginLimiter.retryAfterMs(keys[1]));
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new AppError('RATE_LIMITED', `登录失败次数过多，请 ${Math.ceil(waitMs / 60000)} 分钟后再试。`);
    }
    await ctx.users.reloadIfChanged();
    const user = await ctx.users.verify(username, body.password);
    if (!user) {
      for (const k of keys) ctx.loginLimiter.recordFailure(k);
      await ctx.audit.record('login_failed', username, { ip: req.ip });
      throw new AppError('UNAUTHORIZED', '用户名或密码错误。');
    }
    ctx.loginLimiter.reset(keys[1]);
    const { value } = ctx.sessions.issue(user.username);
    res.setHeader('Set-Cookie', sessionCookie(value, { secure: req.secure, maxAgeMs: SESSION_TTL_MS }));
    await ctx.audit.record('login', user.username, { ip: req.ip });
    const me: SessionUser = { username: user.username, role: user.role };
    res.json(me);
  });

  router.post('/logout', requireSession(ctx), async (req, res) => {
    const user = currentUser(res);
    const session = currentSession(res);
    if (session) {
      ctx.sessions.revoke(session);
      ctx.endSocketSession(session.sid);
    }
    res.setHeader('Set-Cookie', sessionCookie('', { secure: req.secure, maxAgeMs: 0 }));
    await ctx.audit.record('logout', user.username);
    res.json({ ok: true });
  });

  router.get('/me', requireSession(ctx), (_req, res) => {
    res.json(currentUser(res));
  });

  return router;
}
