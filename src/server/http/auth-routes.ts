/** Login, logout, who am I, and the public health check. */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import { readCookie, SESSION_COOKIE, SESSION_TTL_MS, sessionCookie } from '../auth/session.js';
import { resolveSession, type ServerContext } from '../context.js';
import type { PublicHealthInfo, SessionUser } from '../events.js';
import { currentSession, currentUser, requireSession } from './auth-middleware.js';

/** Free failed logins per client address over all accounts, as a multiple of those per address and account. */
const IP_FAILURE_SCALE = 10;
/** Longer names cannot exist (validateUsername allows 32); checked before anything is stored. */
const MAX_LOGIN_NAME_CHARS = 64;
/** bcrypt reads 72 bytes; anything far beyond is not a password. */
const MAX_LOGIN_PASSWORD_CHARS = 1024;

export function authRoutes(ctx: ServerContext): Router {
  const router = Router();

  // Anonymous callers learn only whether answers come from the model; the model, its address and the index size
  // are for signed-in users.
  router.get('/health', async (req, res) => {
    const health = await ctx.health();
    if (resolveSession(ctx, readCookie(req.headers.cookie, SESSION_COOKIE))) {
      res.json(health);
      return;
    }
    const body: PublicHealthInfo = { status: health.status, llm: { mode: health.llm.mode } };
    res.json(body);
  });

  router.post('/login', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string' || !body.username || !body.password) {
      throw new AppError('INVALID_REQUEST', '请输入用户名和密码。');
    }
    const address = req.ip ?? req.socket.remoteAddress ?? '?';
    const ipKey = `ip:${address}`;
    // Length first: nothing an anonymous caller sends is stored or hashed before it is known to be small.
    if ([...body.username].length > MAX_LOGIN_NAME_CHARS || body.password.length > MAX_LOGIN_PASSWORD_CHARS) {
      ctx.loginLimiter.recordFailure(ipKey, IP_FAILURE_SCALE);
      throw new AppError('INVALID_REQUEST', `用户名最多 ${MAX_LOGIN_NAME_CHARS} 个字符，密码最多 ${MAX_LOGIN_PASSWORD_CHARS} 个字符。`);
    }
    const username = body.username.trim();
    // Per address and account: someone guessing elsewhere slows only himself, never the real owner.
    // A whole duty room may share one address: over all accounts it gets more free attempts.
    const pairKey = `ip-user:${address}\n${username}`;
    const waitMs = Math.max(ctx.loginLimiter.retryAfterMs(ipKey, IP_FAILURE_SCALE), ctx.loginLimiter.retryAfterMs(pairKey));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      res.setHeader('Retry-After', String(seconds));
      const wait = seconds >= 120 ? `${Math.ceil(seconds / 60)} 分钟` : `${seconds} 秒`;
      throw new AppError('RATE_LIMITED', `登录失败次数过多，请 ${wait}后再试；每多错一次，等待时间加倍。`);
    }
    await ctx.users.reloadIfChanged();
    const user = await ctx.users.verify(username, body.password);
    if (!user) {
      ctx.loginLimiter.recordFailure(pairKey);
      ctx.loginLimiter.recordFailure(ipKey, IP_FAILURE_SCALE);
      await ctx.audit.record('login_failed', username, { ip: req.ip });
      throw new AppError('UNAUTHORIZED', '用户名或密码错误。');
    }
    if (user.disabled) {
      await ctx.audit.record('login_failed', username, { ip: req.ip, reason: '账号已停用' });
      throw new AppError('FORBIDDEN', '此账号已停用，请联系管理员。');
    }
    ctx.loginLimiter.reset(pairKey);
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
      await ctx.sessions.revoke(session);
      ctx.endSocketSession(session.sid);
    }
    res.setHeader('Set-Cookie', sessionCookie('', { secure: req.secure, maxAgeMs: 0 }));
    await ctx.audit.record('logout', user.username);
    res.json({ ok: true });
  });

  router.get('/me', requireSession(ctx), (_req, res) => {
    res.json(currentUser(res));
  });

  // Own password: the current one is asked again (a borrowed, unlocked screen must not be enough) and its
  // failures are throttled like logins. Every other session of the user ends; this one gets a new cookie.
  router.post('/me/password', requireSession(ctx), async (req, res) => {
    const user = currentUser(res);
    const body = (req.body ?? {}) as { currentPassword?: unknown; newPassword?: unknown };
    if (typeof body.currentPassword !== 'string' || typeof body.newPassword !== 'string' || !body.currentPassword) {
      throw new AppError('INVALID_REQUEST', '请输入当前密码和新密码。');
    }
    if (body.currentPassword.length > MAX_LOGIN_PASSWORD_CHARS || body.newPassword.length > MAX_LOGIN_PASSWORD_CHARS) {
      throw new AppError('INVALID_REQUEST', `密码最多 ${MAX_LOGIN_PASSWORD_CHARS} 个字符。`);
    }
    const key = `passwd:${user.username}`;
    const waitMs = ctx.loginLimiter.retryAfterMs(key);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new AppError('RATE_LIMITED', `当前密码错误次数过多，请 ${Math.ceil(waitMs / 1000)} 秒后再试。`);
    }
    if (!(await ctx.users.verify(user.username, body.currentPassword))) {
      ctx.loginLimiter.recordFailure(key);
      throw new AppError('INVALID_REQUEST', '当前密码不正确。');
    }
    if (body.newPassword === body.currentPassword) throw new AppError('INVALID_REQUEST', '新密码不能与当前密码相同。');
    ctx.loginLimiter.reset(key);
    await ctx.users.setPassword(user.username, body.newPassword);
    const old = currentSession(res);
    if (old) await ctx.sessions.revoke(old);
    ctx.closeStaleSockets();
    const { value } = ctx.sessions.issue(user.username);
    res.setHeader('Set-Cookie', sessionCookie(value, { secure: req.secure, maxAgeMs: SESSION_TTL_MS }));
    await ctx.audit.record('password_change', user.username, { ip: req.ip });
    res.json({ ok: true });
  });

  return router;
}
