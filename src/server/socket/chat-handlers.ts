/**
 * socket.io: cookie auth, `chat:ask` streaming, `chat:stop`. A disconnect aborts the socket's answers.
 * The one error boundary for this transport is `guard` (acks) plus the catch around each answer.
 */
import type { Server, Socket } from 'socket.io';
import { AppError, toAppError } from '../../core/errors.js';
import { runAnswer, validateAsk } from '../answering.js';
import { readCookie, SESSION_COOKIE } from '../auth/session.js';
import { resolveSession, type ServerContext } from '../context.js';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SessionUser } from '../events.js';

/** Answers one socket may have in flight; a duty officer asks one at a time, tabs may add a few. */
const MAX_IN_FLIGHT_PER_SOCKET = 4;
/** Sockets one session may hold open: many tabs, never hundreds. */
export const MAX_SOCKETS_PER_SESSION = 20;

export interface SocketData {
  user: SessionUser;
  sid: string;
  /** When the session was issued (ms), to notice a later password change. */
  iat: number;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const ADMIN_ROOM = 'role:admin';
export const sessionRoom = (sid: string) => `sid:${sid}`;

export function attachChatHandlers(io: ChatServer, ctx: ServerContext): void {
  io.use((socket, next) => {
    const resolved = resolveSession(ctx, readCookie(socket.request.headers.cookie, SESSION_COOKIE));
    if (!resolved) {
      const err = new Error('未登录或登录已过期，请重新登录。') as Error & { data?: unknown };
      err.data = { code: 'UNAUTHORIZED', message: err.message };
      next(err);
      return;
    }
    const open = io.sockets.adapter.rooms.get(sessionRoom(resolved.session.sid))?.size ?? 0;
    if (open >= MAX_SOCKETS_PER_SESSION) {
      const err = new Error(`同一登录会话最多同时打开 ${MAX_SOCKETS_PER_SESSION} 个连接，请关闭多余的页面后重试。`) as Error & { data?: unknown };
      err.data = { code: 'RATE_LIMITED', message: err.message };
      next(err);
      return;
    }
    socket.data.user = resolved.user;
    socket.data.sid = resolved.session.sid;
    socket.data.iat = resolved.session.iat;
    // Joined here, not on 'connection', so the count above sees every accepted socket at once.
    void socket.join(sessionRoom(resolved.session.sid));
    next();
  });

  io.on('connection', (socket: ChatSocket) => {
    if (socket.data.user.role === 'admin') void socket.join(ADMIN_ROOM);
    const inFlight = new Map<string, AbortController>();

    socket.on('chat:ask', (request, ack) =>
      guard(ctx, 'chat:ask', ack, () => {
        // users.json may have changed since the handshake (removal, new password, another role).
        if (!socketStillValid(ctx, socket)) {
          socket.disconnect(true);
          throw new AppError('UNAUTHORIZED', '登录已失效，请重新登录。');
        }
        validateAsk(request ?? {});
        if (typeof request.conversationId !== 'string') {
          throw new AppError('INVALID_REQUEST', 'conversationId 须为 1–64 位字母、数字、下划线或连字符。');
        }
        if (inFlight.has(request.requestId)) throw new AppError('INVALID_REQUEST', `requestId ${request.requestId} 正在回答中。`);
        if (inFlight.size >= MAX_IN_FLIGHT_PER_SOCKET) {
          throw new AppError('RATE_LIMITED', '同时进行的提问太多，请等当前回答结束或先停止。');
        }
        const controller = new AbortController();
        const { requestId, conversationId } = request;
        inFlight.set(requestId, controller);
        void runAnswer(ctx, socket.data.user, { requestId, conversationId, question: request.question, signal: controller.signal }, (event) => {
          if (event.type === 'sources') {
            socket.emit('answer:sources', { requestId, conversationId, citations: event.citations, mode: event.mode, query: event.query });
          } else if (event.type === 'reasoning') {
            socket.emit('answer:reasoning', { requestId, delta: event.delta });
          } else if (event.type === 'answer') {
            socket.emit('answer:delta', { requestId, delta: event.delta });
          }
        })
          .then((result) => {
            socket.emit('answer:done', { requestId, conversationId, result });
          })
          .catch((e: unknown) => {
            const error = controller.signal.aborted ? new AppError('ANSWER_ABORTED', '已停止生成。') : toAppError(e);
            if (error.code === 'INTERNAL') ctx.log(`chat:ask ${requestId} 失败：${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
            socket.emit('answer:error', { requestId, error: error.toJSON() });
          })
          .finally(() => inFlight.delete(requestId));
        return { requestId };
      }),
    );

    socket.on('chat:stop', (request, ack) =>
      guard(ctx, 'chat:stop', ack, () => {
        const controller = typeof request?.requestId === 'string' ? inFlight.get(request.requestId) : undefined;
        controller?.abort();
        return { stopped: controller !== undefined };
      }),
    );

    socket.on('disconnect', () => {
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
    });
  });
}

/** True while the socket's user exists with the same role and no password change since its session began. */
function socketStillValid(ctx: Pick<ServerContext, 'users'>, socket: ChatSocket): boolean {
  const record = ctx.users.get(socket.data.user.username);
  return !!record && !record.disabled && record.role === socket.data.user.role && socket.data.iat >= Date.parse(record.passwordChangedAt);
}

/**
 * Closes every socket whose user was removed, re-passworded or given another role since it connected
 * (the client reconnects through the normal handshake, which then sees the current account).
 * @returns how many sockets were closed.
 */
export function closeStaleSockets(io: ChatServer, ctx: Pick<ServerContext, 'users'>): number {
  let closed = 0;
  for (const socket of io.of('/').sockets.values()) {
    if (socketStillValid(ctx, socket)) continue;
    socket.leave(ADMIN_ROOM);
    socket.disconnect(true);
    closed++;
  }
  return closed;
}

/** Sends an admin-only event to the sockets whose user is an admin now (not merely at connection time). */
export function emitToAdmins<E extends keyof ServerToClientEvents>(
  io: ChatServer,
  ctx: Pick<ServerContext, 'users'>,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): void {
  for (const id of io.sockets.adapter.rooms.get(ADMIN_ROOM) ?? []) {
    const socket = io.of('/').sockets.get(id);
    if (!socket) continue;
    if (!socketStillValid(ctx, socket)) {
      socket.leave(ADMIN_ROOM);
      socket.disconnect(true);
      continue;
    }
    socket.emit(event, ...args);
  }
}

/**
 * Runs a handler and answers its ack with `{ok, data}` or `{ok:false, error}`; unknown errors never leak to the
 * client but are logged with their cause.
 */
export function guard<T>(
  ctx: Pick<ServerContext, 'log'>,
  event: string,
  ack: ((res: Ack<T>) => void) | undefined,
  handler: () => T,
): void {
  let res: Ack<T>;
  try {
    res = { ok: true, data: handler() };
  } catch (e) {
    const error = toAppError(e);
    if (error.code === 'INTERNAL') {
      const cause = error.cause ?? e;
      ctx.log(`socket ${event} 失败：${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    }
    res = { ok: false, error: error.toJSON() };
  }
  if (typeof ack === 'function') ack(res);
}
