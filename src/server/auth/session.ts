/**
 * Stateless sessions in a signed cookie (HMAC-SHA256). The role is looked up on every request, so removing
 * a user or changing a role takes effect at once; logout and password changes void older cookies.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceFileAtomically } from '../../core/durable-files.js';

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

export class SessionSigner {
  /** sid → expiry (ms); cleared as they expire. In memory: a restart forgets logouts older than the restart. */
  private readonly revoked = new Map<string, number>();

  constructor(private readonly secret: string) {}

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

  revoke(payload: SessionPayload): void {
    const now = Date.now();
    for (const [sid, exp] of this.revoked) if (exp <= now) this.revoked.delete(sid);
    this.revoked.set(payload.sid, payload.exp);
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

/** Set-Cookie value: HttpOnly, SameSite=Lax, Secure when served over HTTPS. */
export function sessionCookie(value: string, options: { secure: boolean; maxAgeMs: number }): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
