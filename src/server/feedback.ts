/**
 * Every rating of an answer, with the question, answer and sources it was about, in `<dataDir>/feedback.jsonl`
 * (append-only lines `{type:'feedback'|'handled', ...}`), so the admin can review the 👎 of every user in one list.
 * A user rating the same answer again (👎, then a comment) replaces the earlier rating in place.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeedbackEntry } from './events.js';
import { AppendBatcher } from './fs-util.js';

type Line =
  | { type: 'feedback'; entry: Omit<FeedbackEntry, 'handled' | 'handledBy' | 'handledAt'> }
  | { type: 'handled'; id: string; handled: boolean; by: string; at: string };

export class FeedbackStore {
  private readonly writes = new AppendBatcher();
  private readonly file: string;
  private entries: Map<string, FeedbackEntry> | undefined;
  private loading: Promise<Map<string, FeedbackEntry>> | undefined;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'feedback.jsonl');
  }

  /** Records a rating; a user's earlier rating of the same answer keeps its id and is replaced. */
  async record(input: Omit<FeedbackEntry, 'id' | 'at' | 'handled' | 'handledBy' | 'handledAt'>): Promise<FeedbackEntry> {
    const entries = await this.load();
    const earlier = [...entries.values()].find((e) => e.user === input.user && e.requestId === input.requestId);
    const line: Line = { type: 'feedback', entry: { ...input, id: earlier?.id ?? randomUUID(), at: new Date().toISOString() } };
    apply(entries, line);
    await this.append(line);
    return entries.get(line.entry.id) as FeedbackEntry;
  }

  /** Newest first; `rating` and `handled` filter. */
  async list(filter: { rating?: 'up' | 'down'; handled?: boolean } = {}): Promise<FeedbackEntry[]> {
    const entries = [...(await this.load()).values()];
    return entries
      .filter((e) => (filter.rating === undefined || e.rating === filter.rating) && (filter.handled === undefined || e.handled === filter.handled))
      .sort((a, b) => b.at.localeCompare(a.at));
  }

  /** @returns the updated entry, or undefined when there is none with this id. */
  async setHandled(id: string, handled: boolean, by: string): Promise<FeedbackEntry | undefined> {
    const entries = await this.load();
    if (!entries.has(id)) return undefined;
    const line: Line = { type: 'handled', id, handled, by, at: new Date().toISOString() };
    apply(entries, line);
    await this.append(line);
    return entries.get(id);
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }

  private append(line: Line): Promise<void> {
    return this.writes.append(this.file, JSON.stringify(line) + '\n');
  }

  private load(): Promise<Map<string, FeedbackEntry>> {
    if (this.entries) return Promise.resolve(this.entries);
    this.loading ??= this.readFromDisk().then(
      (entries) => {
        this.entries = entries;
        return entries;
      },
      (e: unknown) => {
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  private async readFromDisk(): Promise<Map<string, FeedbackEntry>> {
    const entries = new Map<string, FeedbackEntry>();
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      try {
        apply(entries, JSON.parse(raw) as Line);
      } catch {
        // A torn last line after a crash: skip it, keep the rest.
      }
    }
    return entries;
  }
}

function apply(entries: Map<string, FeedbackEntry>, line: Line): void {
  if (line.type === 'feedback') {
    // A new rating reopens an answer the admin had handled: the user has said something new.
    entries.set(line.entry.id, { ...line.entry, handled: false });
    return;
  }
  const e = entries.get(line.id);
  if (!e) return;
  if (line.handled) entries.set(line.id, { ...e, handled: true, handledBy: line.by, handledAt: line.at });
  else entries.set(line.id, { ...e, handled: false, handledBy: undefined, handledAt: undefined });
}
