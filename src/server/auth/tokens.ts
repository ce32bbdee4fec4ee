/**
 * API tokens in `<dataDir>/api-tokens.json`: for scripts and desktop AI clients (`Authorization: Bearer …`).
 * Only a SHA-256 of each token is stored (a token is 32 random bytes, so a fast hash is enough: there is nothing
 * to guess). Written atomically; used by the server and by `yingji token`, which may run at the same time, so the
 * server checks the file on every token request and a revocation made by the CLI takes effect at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../core/errors.js';
import { replaceFileAtomically } from '../../core/durable-files.js';
import type { ApiTokenInfo, Role } from '../events.js';
import { SerialQueue } from '../fs-util.js';

export type { ApiTokenInfo };

const TOKEN_PREFIX = 'yj_';
const TOKEN_BYTES = 32;
const NAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]{0,31}$/u;

interface ApiTokenRecord extends ApiTokenInfo {
  /** SHA-256 of the token, hex. */
  hash: string;
}

interface TokensFile {
  version: 1;
  tokens: ApiTokenRecord[];
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export class ApiTokenStore {
  private tokens: ApiTokenRecord[] = [];
  private byHash = new Map<string, ApiTokenRecord>();
  /** mtime, size and inode of the file when last read or written: a rename by another process changes the inode. */
  private loadedStamp = '';
  private readonly writes = new SerialQueue();

  private constructor(readonly file: string) {}

  /** @throws AppError INTERNAL when the file is unreadable JSON. */
  static async open(dataDir: string): Promise<ApiTokenStore> {
    const store = new ApiTokenStore(path.join(dataDir, 'api-tokens.json'));
    await store.reloadIfChanged();
    return store;
  }

  /** Rereads the file when another process changed it (one stat when it did not). */
  async reloadIfChanged(): Promise<void> {
    let stamp = '';
    try {
      const s = await stat(this.file);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (stamp === this.loadedStamp) return;
    let parsed: TokensFile = { version: 1, tokens: [] };
    if (stamp) {
      const text = await readFile(this.file, 'utf8');
      try {
        parsed = JSON.parse(text) as TokensFile;
      } catch (e) {
        throw new AppError('INTERNAL', `API 令牌文件 ${this.file} 已损坏，无法解析。请从备份恢复或删除后重新创建令牌。`, { cause: e });
      }
    }
    this.setTokens(parsed.tokens ?? []);
    this.loadedStamp = stamp;
  }

  list(): ApiTokenInfo[] {
    return this.tokens.map(toInfo);
  }

  /**
   * The token's record when it is known, not revoked and not expired; checks the file first.
   * @returns undefined for anything else (the caller answers 401 without saying which).
   */
  async verify(token: string, now = Date.now()): Promise<ApiTokenInfo | undefined> {
    await this.writes.idle();
    await this.reloadIfChanged();
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const record = this.byHash.get(hashToken(token));
    if (!record || record.revokedAt) return undefined;
    if (record.expiresAt && Date.parse(record.expiresAt) <= now) return undefined;
    return toInfo(record);
  }

  /**
   * Creates a token; the returned `token` is the only time it exists in clear.
   * @throws AppError INVALID_REQUEST for a bad name or expiry, CONFLICT when an active token has that name.
   */
  async add(input: { name: string; role: Role; expiresAt?: string | null; createdBy: string }): Promise<{ token: string; info: ApiTokenInfo }> {
    if (!NAME_RE.test(input.name)) {
      throw new AppError('INVALID_REQUEST', '令牌名称须为 1–32 个字母、数字、汉字、下划线、点或连字符，且不能以点或连字符开头。');
    }
    const expiresAt = input.expiresAt ? parseExpiry(input.expiresAt) : null;
    return this.mutate(() => {
      if (this.tokens.some((t) => t.name === input.name && !t.revokedAt)) {
        throw new AppError('CONFLICT', `已有名为 ${input.name} 的有效令牌；请换一个名称，或先吊销旧令牌。`);
      }
      const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
      const record: ApiTokenRecord = {
        id: randomBytes(6).toString('hex'),
        name: input.name,
        role: input.role,
        createdAt: new Date().toISOString(),
        createdBy: input.createdBy,
        expiresAt,
        revokedAt: null,
        hash: hashToken(token),
      };
      this.setTokens([...this.tokens, record]);
      return { token, info: toInfo(record) };
    });
  }

  /**
   * Revokes by id or by the name of an active token.
   * @throws AppError INVALID_REQUEST when no such token exists.
   */
  async revoke(idOrName: string): Promise<ApiTokenInfo> {
    return this.mutate(() => {
      const record =
        this.tokens.find((t) => t.id === idOrName) ?? this.tokens.find((t) => t.name === idOrName && !t.revokedAt);
      if (!record) throw new AppError('INVALID_REQUEST', `没有找到令牌 ${idOrName}（可用 yingji token list 查看编号）。`);
      if (!record.revokedAt) record.revokedAt = new Date().toISOString();
      return toInfo(record);
    });
  }

  /** Rereads, changes and writes under one queue, so a change made by the CLI meanwhile is not overwritten. */
  private mutate<T>(change: () => T): Promise<T> {
    return this.writes.run(async () => {
      await this.reloadIfChanged();
      const result = change();
      const body: TokensFile = { version: 1, tokens: this.tokens };
      await replaceFileAtomically(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
      const s = await stat(this.file);
      this.loadedStamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
      return result;
    });
  }

  private setTokens(tokens: ApiTokenRecord[]): void {
    this.tokens = tokens;
    this.byHash = new Map(tokens.map((t) => [t.hash, t]));
  }
}

function toInfo(r: ApiTokenRecord): ApiTokenInfo {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.createdAt, createdBy: r.createdBy, expiresAt: r.expiresAt, revokedAt: r.revokedAt };
}

/**
 * A date (`2027-06-30`, valid through that day, UTC) or a full ISO time.
 * @throws AppError INVALID_REQUEST for anything else or a time in the past.
 */
export function parseExpiry(value: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = dateOnly ? Date.parse(`${value}T00:00:00Z`) + 24 * 3600 * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('INVALID_REQUEST', `有效期 ${value} 无法识别，请写成 2027-06-30 或完整的 ISO 时间。`);
  if (ms <= Date.now()) throw new AppError('INVALID_REQUEST', `有效期 ${value} 已经过去，请填写将来的日期。`);
  return new Date(ms).toISOString();
}

/** Fixed one-minute windows per token: enough to stop a runaway script without bookkeeping per request. */
export class TokenRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  /** Counts one request; @returns milliseconds to wait when over the limit, else 0. */
  take(tokenId: string, now = Date.now()): number {
    const w = this.windows.get(tokenId);
    if (!w || now - w.startedAt >= 60_000) {
      this.windows.set(tokenId, { startedAt: now, count: 1 });
      return 0;
    }
    if (w.count >= this.perMinute) return w.startedAt + 60_000 - now;
    w.count += 1;
    return 0;
  }
}
