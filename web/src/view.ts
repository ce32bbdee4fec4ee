/** What every page of the app shares: the signed-in session and one mount/destroy contract. */
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SessionUser } from '../../src/server/events.js';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Session {
  user: SessionUser;
  socket: AppSocket;
}

/** Handed to every view: the session, and a way to tell the shell that model or index status may have changed. */
export interface ViewContext {
  session: Session;
  refreshHealth(): void;
}

/** A mounted page. `destroy()` detaches every listener and timer it added; the shell then clears its container. */
export interface View {
  destroy(): void;
}

/** How the shell mounts a page: into `container`, with the decoded path segments after #/page/ as `params`. */
export type MountView = (container: HTMLElement, ctx: ViewContext, params: readonly string[]) => View;
