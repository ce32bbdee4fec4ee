/** Append-only audit trail in `<dataDir>/audit.jsonl`: one JSON object a line, never rewritten. */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AUDIT_ACTION_LABELS, describeAuditFields } from './events.js';
import { AppendBatcher, readLinesBackwards } from './fs-util.js';

export type AuditAction =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'ask'
  | 'feedback'
  | 'question_attach'
  | 'question_remove'
  | 'feedback_handled'
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
  | 'user_role'
  | 'user_disable'
  | 'user_enable'
  | 'password_change';

export interface AuditEntry {
  at: string;
  action: AuditAction;
  /** Who did it (the attempted name for login_failed). */
  user: string;
  [field: string]: unknown;
}

/** `from`/`to`: ISO instants (inclusive); `user` and `action` match exactly. */
export interface AuditFilter {
  user?: string;
  action?: string;
  from?: string;
  to?: string;
}

function parseEntry(line: string): AuditEntry | undefined {
  try {
    const entry = JSON.parse(line) as AuditEntry;
    return typeof entry?.at === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.user && entry.user !== filter.user) return false;
  if (filter.action && entry.action !== filter.action) return false;
  if (filter.from && entry.at < filter.from) return false;
  if (filter.to && entry.at > filter.to) return false;
  return true;
}

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
function csvRow(cells: string[]): string {
  return (
    cells
      .map((c) => {
        const safe = /^[=+\-@\t\r]/.test(c) ? `'${c}` : c;
        return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
      })
      .join(',') + '\r\n'
  );
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
   * (torn) lines are skipped. Entries are in time order, so reading stops at the first one before `from`.
   */
  async query(filter: AuditFilter & { limit?: number; offset?: number } = {}): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
    await this.writes.idle();
    const limit = filter.limit ?? 200;
    let skip = filter.offset ?? 0;
    const entries: AuditEntry[] = [];
    for await (const line of readLinesBackwards(this.file)) {
      const entry = parseEntry(line);
      if (!entry) continue;
      if (filter.from && entry.at < filter.from) break;
      if (!matches(entry, filter)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (entries.length === limit) return { entries, hasMore: true };
      entries.push(entry);
    }
    return { entries, hasMore: false };
  }

  /**
   * Streams the matching entries, oldest first, to `out` (an HTTP response) as JSONL or as CSV (UTF-8 with BOM
   * so spreadsheet programs read the Chinese; actions and fields in words). Never holds the log in memory:
   * lines are read one by one and writing waits whenever `out` is full.
   */
  async exportTo(out: NodeJS.WritableStream, format: 'jsonl' | 'csv' = 'jsonl', filter: AuditFilter = {}): Promise<void> {
    await this.writes.idle();
    const write = async (text: string) => {
      if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    };
    if (format === 'csv') await write('\ufeff' + csvRow(['时间', '用户', '操作', '内容', '操作代码']));
    const input = createReadStream(this.file);
    const opened = await new Promise<boolean>((resolve, reject) => {
      input.once('open', () => resolve(true));
      input.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve(false) : reject(e)));
    });
    if (opened) {
      const lines = createInterface({ input, crlfDelay: Infinity });
      for await (const line of lines) {
        const entry = parseEntry(line);
        if (!entry || !matches(entry, filter)) continue;
        if (filter.to && entry.at > filter.to) break;
        if (format === 'jsonl') await write(line + '\n');
        else await write(csvRow([entry.at, entry.user, AUDIT_ACTION_LABELS[entry.action] ?? entry.action, describeAuditFields(entry), entry.action]));
      }
    }
    out.end();
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }
}
