/** Append-only audit trail in `<dataDir>/audit.jsonl`: one JSON object a line, never rewritten. */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppendBatcher, readLinesBackwards } from './fs-util.js';

export type AuditAction =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'ask'
  | 'feedback'
  | 'upload'
  | 'replace'
  | 'delete'
  | 'metadata'
  | 'reindex'
  | 'reimport'
  | 'ingest_done'
  | 'ingest_failed'
  | 'user_add'
  | 'user_remove'
  | 'user_passwd'
  | 'token_add'
  | 'token_revoke'
  | 'token_use';

export interface AuditEntry {
  at: string;
  action: AuditAction;
  /** Who did it (the attempted name for login_failed). */
  user: string;
  [field: string]: unknown;
}

export class AuditLog {
  private readonly writes = new AppendBatcher();
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'audit.jsonl');
  }

  /** Appends one entry; resolves when it is on disk. @throws the file system error when it cannot be written. */
  record(action: AuditAction, user: string, fields: Record<string, unknown> = {}): Promise<void> {
    const entry: AuditEntry = { at: new Date().toISOString(), action, user, ...fields };
    const line = JSON.stringify(entry) + '\n';
    return this.writes.append(this.file, line);
  }

  /**
   * Newest first, filtered, one page: skips `offset` matching entries, returns up to `limit`. Reads the file
   * backwards in blocks, so memory stays bounded by the page, not by the size of the log; unparsable
   * (torn) lines are skipped.
   */
  async query(filter: { user?: string; action?: string; limit?: number; offset?: number } = {}): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
    await this.writes.idle();
    const limit = filter.limit ?? 200;
    let skip = filter.offset ?? 0;
    const entries: AuditEntry[] = [];
    for await (const line of readLinesBackwards(this.file)) {
      let entry: AuditEntry;
      try {
        entry = JSON.parse(line) as AuditEntry;
      } catch {
        continue;
      }
      if (filter.user && entry.user !== filter.user) continue;
      if (filter.action && entry.action !== filter.action) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (entries.length === limit) return { entries, hasMore: true };
      entries.push(entry);
    }
    return { entries, hasMore: false };
  }

  /** Streams the whole file to `out` (an HTTP response) without holding it in memory. */
  async exportTo(out: NodeJS.WritableStream): Promise<void> {
    await this.writes.idle();
    try {
      await pipeline(createReadStream(this.file), out);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      out.end();
    }
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }
}
