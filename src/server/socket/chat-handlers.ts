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

export interface SocketData {
  user: SessionUser;
  sid: string;
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
    socket.data.user = resolved.user;
    socket.data.sid = resolved.session.sid;
    next();
  });

  io.on('connection', (socket: ChatSocket) => {
    void socket.join(sessionRoom(socket.data.sid));
    if (socket.data.user.role === 'admin') void socket.join(ADMIN_ROOM);
    const inFlight = new Map<string, AbortController>();

    socket.on('chat:ask', (request, ack) =>
      guard(ack, () => {
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
      guard(ack, () => {
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

/** Runs a handler and answers its ack with `{ok, data}` or `{ok:false, error}`; unknown errors never leak. */
function guard<T>(ack: ((res: Ack<T>) => void) | undefined, handler: () => T): void {
  let res: Ack<T>;
  try {
    res = { ok: true, data: handler() };
  } catch (e) {
    res = { ok: false, error: toAppError(e).toJSON() };
  }
  if (typeof ack === 'function') ack(res);
}
