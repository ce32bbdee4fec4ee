/**
 * Stateless sessions in a signed cookie (HMAC-SHA256). The role is looked up on every request, so removing
 * a user or changing a role takes effect at once; logout and password changes void older cookies.
 * Logged-out session ids are kept in `<dataDir>/revoked-sessions.json` until they expire, so a restart
 * does not bring a logged-out cookie back to life.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceFileAtomically } from '../../core/durable-files.js';
import { SerialQueue } from '../fs-util.js';

export const SESSION_COOKIE = 'yingji_session';
/** One long duty shift plus handover. */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export interface SessionPayload {
  /** username */
  u: string;
  /** session id (for logout) */
  sid: string;
  /** issued at, ms since epoch */
  iat: number;
  /** expires at, ms since epoch */
  exp: number;
}

/** Uses `configured` when set, otherwise a secret generated once and kept in `<dataDir>/session-secret`. */
export async function loadSessionSecret(dataDir: string, configured: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'session-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing) return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const secret = randomBytes(32).toString('base64url');
  await replaceFileAtomically(file, secret + '\n', 0o600);
  return secret;
}

const REVOKED_FILE = 'revoked-sessions.json';

export class SessionSigner {
  private readonly writes = new SerialQueue();

  /** `revoked`: sid → expiry (ms); `file`: where revocations persist (none: memory only). */
  constructor(
    private readonly secret: string,
    private readonly revoked = new Map<string, number>(),
    private readonly file?: string,
  ) {}

  /** A signer whose logouts survive restarts. @throws the file system error when the file is unreadable. */
  static async open(dataDir: string, secret: string): Promise<SessionSigner> {
    const file = path.join(dataDir, REVOKED_FILE);
    const revoked = new Map<string, number>();
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const now = Date.now();
    try {
      const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      for (const [sid, exp] of Object.entries(parsed)) if (typeof exp === 'number' && exp > now) revoked.set(sid, exp);
    } catch {
      // A damaged file cannot be half-written (it is replaced atomically); treat unreadable content as none.
    }
    return new SessionSigner(secret, revoked, file);
  }

  issue(username: string): { value: string; payload: SessionPayload } {
    const now = Date.now();
    const payload: SessionPayload = { u: username, sid: randomUUID(), iat: now, exp: now + SESSION_TTL_MS };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { value: `${body}.${this.sign(body)}`, payload };
  }

  /** The payload when the signature is valid, unexpired and not logged out. */
  verify(value: string | undefined): SessionPayload | undefined {
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const body = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.sign(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let payload: SessionPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
    } catch {
      return undefined;
    }
    if (typeof payload.u !== 'string' || typeof payload.exp !== 'number') return undefined;
    if (payload.exp <= Date.now() || this.revoked.has(payload.sid)) return undefined;
    return payload;
  }

  /** Voids one session; resolves when the revocation is on disk. */
  async revoke(payload: SessionPayload): Promise<void> {
    const now = Date.now();
    for (const [sid, exp] of this.revoked) if (exp <= now) this.revoked.delete(sid);
    this.revoked.set(payload.sid, payload.exp);
    const file = this.file;
    if (!file) return;
    const body = JSON.stringify(Object.fromEntries(this.revoked)) + '\n';
    await this.writes.run(() => replaceFileAtomically(file, body, 0o600));
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Set-Cookie value: HttpOnly, SameSite=Strict, Secure when served over HTTPS. Strict costs nothing here (the
 * UI's HTML needs no cookie; its API calls are same-site) and keeps the cookie off every cross-site request.
 */
export function sessionCookie(value: string, options: { secure: boolean; maxAgeMs: number }): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
