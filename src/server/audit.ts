/** Append-only audit trail in `<dataDir>/audit.jsonl`: one JSON object a line, never rewritten. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppendBatcher } from './fs-util.js';

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
  | 'ingest_done'
  | 'user_add'
  | 'user_remove'
  | 'user_passwd';

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

  /** Newest first, filtered. Reads the whole file: fine for the size a duty room produces in years (~100 MB max). */
  async query(filter: { user?: string; action?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    await this.writes.idle();
    const text = await this.readAll();
    const out: AuditEntry[] = [];
    const lines = text.split('\n');
    const limit = filter.limit ?? 200;
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i];
      if (!line) continue;
      let entry: AuditEntry;
      try {
        entry = JSON.parse(line) as AuditEntry;
      } catch {
        continue;
      }
      if (filter.user && entry.user !== filter.user) continue;
      if (filter.action && entry.action !== filter.action) continue;
      out.push(entry);
    }
    return out;
  }

  async readAll(): Promise<string> {
    await this.writes.idle();
    try {
      return await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }
}
