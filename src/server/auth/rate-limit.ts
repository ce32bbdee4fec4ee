/**
 * Failed-login throttling per key (login: per client address + account, and per client address): a few free
 * attempts, then a delay that doubles with each further failure up to a ceiling. No key is ever locked for
 * good, and since every key includes the client's address, a guesser elsewhere cannot lock the admin out.
 */
export interface RateLimitOptions {
  /** Failures before any delay: the one that reaches this count imposes the first delay. */
  freeFailures: number;
  /** Delay after failure number `freeFailures`; doubles with each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure for this long starts afresh. */
  forgetAfterMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: RateLimitOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 60 * 60 * 1000,
};

/** Keys remembered at most; beyond it stale keys are dropped first, then the oldest. */
const MAX_KEYS = 10_000;

export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; lastAt: number; nextAllowedAt: number }>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now; `scale` multiplies the free failures. */
  retryAfterMs(key: string, scale = 1): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const now = Date.now();
    if (entry.lastAt + this.options.forgetAfterMs <= now) {
      this.entries.delete(key);
      return 0;
    }
    if (entry.count < this.options.freeFailures * scale) return 0;
    return Math.max(0, entry.nextAllowedAt - now);
  }

  recordFailure(key: string, scale = 1): void {
    const now = Date.now();
    if (this.entries.size >= MAX_KEYS) this.evict(now);
    const old = this.entries.get(key);
    const count = old && old.lastAt + this.options.forgetAfterMs > now ? old.count + 1 : 1;
    const over = count - this.options.freeFailures * scale;
    const delay = over >= 0 ? Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over, 30)) : 0;
    this.entries.delete(key); // re-insert: Map order is then least recently failed first
    this.entries.set(key, { count, lastAt: now, nextAllowedAt: now + delay });
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [k, e] of this.entries) if (e.lastAt + this.options.forgetAfterMs <= now) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size < MAX_KEYS) break;
      this.entries.delete(k);
    }
  }
}
