/** Fixed-window counter of failed attempts per key (login: per client address and per username). */
export interface RateLimitOptions {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: RateLimitOptions = { maxFailures: 10, windowMs: 15 * 60 * 1000 };

export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now; `scale` multiplies the allowed failures. */
  retryAfterMs(key: string, scale = 1): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const now = Date.now();
    if (entry.resetAt <= now) {
      this.entries.delete(key);
      return 0;
    }
    return entry.count >= this.options.maxFailures * scale ? entry.resetAt - now : 0;
  }

  recordFailure(key: string): void {
    const now = Date.now();
    if (this.entries.size > 10_000) for (const [k, e] of this.entries) if (e.resetAt <= now) this.entries.delete(k);
    const entry = this.entries.get(key);
    if (!entry || entry.resetAt <= now) this.entries.set(key, { count: 1, resetAt: now + this.options.windowMs });
    else entry.count += 1;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }
}
