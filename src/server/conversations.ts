/**
 * Conversations per user, on disk in `<dataDir>/conversations/<user>.jsonl` (append-only lines
 * `{type:'turn'|'feedback'|'delete'|'rename', ...}`), with the recently used users' conversations cached in memory
 * (least recently used dropped past a budget of turns, replayed from disk when needed again).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConversationTurn } from '../answer/types.js';
import type { ConversationDetail, ConversationSummary, ConversationTurnRecord } from './events.js';
import { AppendBatcher } from './fs-util.js';

/** Earlier turns passed to the answer for follow-up questions; more only dilutes retrieval. */
export const HISTORY_TURNS = 4;
const TITLE_CHARS = 30;
/** Turns kept in memory over all cached users; an answer with its citations is a few KB. */
export const DEFAULT_CACHED_TURNS = 5000;

type Line =
  | { type: 'turn'; conversationId: string; turn: ConversationTurnRecord }
  | { type: 'feedback'; requestId: string; rating: 'up' | 'down'; comment?: string }
  | { type: 'delete'; conversationId: string }
  | { type: 'rename'; conversationId: string; title: string };

interface Conversation {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messages: ConversationTurnRecord[];
}

export class ConversationStore {
  private readonly byUser = new Map<string, Map<string, Conversation>>();
  private readonly loading = new Map<string, Promise<Map<string, Conversation>>>();
  private readonly writes = new AppendBatcher();
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly maxCachedTurns = DEFAULT_CACHED_TURNS,
  ) {
    this.dir = path.join(dataDir, 'conversations');
  }

  /** Users whose conversations are in memory now, least recently used first (for tests and diagnostics). */
  cachedUsers(): string[] {
    return [...this.byUser.keys()];
  }

  async list(user: string): Promise<ConversationSummary[]> {
    const convs = await this.load(user);
    return [...convs.values()].map(summarize).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async get(user: string, id: string): Promise<ConversationDetail | undefined> {
    const conv = (await this.load(user)).get(id);
    return conv ? { ...summarize(conv), messages: conv.messages } : undefined;
  }

  /** The last turns of a conversation, oldest first, for answerQuestion's history. */
  async history(user: string, id: string): Promise<ConversationTurn[]> {
    const conv = (await this.load(user)).get(id);
    if (!conv) return [];
    return conv.messages
      .filter((m) => m.answer.trim() !== '')
      .slice(-HISTORY_TURNS)
      // The query a turn was searched with carries its topic into the next follow-up (那较大事故呢？).
      .map((m) => ({ question: m.question, answer: m.answer, ...(m.query ? { query: m.query } : {}) }));
  }

  async addTurn(user: string, conversationId: string, turn: ConversationTurnRecord): Promise<void> {
    const convs = await this.load(user);
    apply(convs, { type: 'turn', conversationId, turn });
    await this.append(user, { type: 'turn', conversationId, turn });
  }

  /** @returns false when the user has no answer with this request id. */
  async setFeedback(user: string, requestId: string, rating: 'up' | 'down', comment?: string): Promise<boolean> {
    const convs = await this.load(user);
    const line: Line = { type: 'feedback', requestId, rating, comment };
    if (!apply(convs, line)) return false;
    await this.append(user, line);
    return true;
  }

  /** Finds a user's answered turn by request id. */
  async findTurn(user: string, requestId: string): Promise<ConversationTurnRecord | undefined> {
    for (const conv of (await this.load(user)).values()) {
      const turn = conv.messages.find((m) => m.requestId === requestId);
      if (turn) return turn;
    }
    return undefined;
  }

  /** @returns the renamed conversation's summary, or undefined when the user has none with this id. */
  async rename(user: string, conversationId: string, title: string): Promise<ConversationSummary | undefined> {
    const convs = await this.load(user);
    const line: Line = { type: 'rename', conversationId, title };
    if (!apply(convs, line)) return undefined;
    await this.append(user, line);
    const conv = convs.get(conversationId);
    return conv ? summarize(conv) : undefined;
  }

  async remove(user: string, conversationId: string): Promise<boolean> {
    const convs = await this.load(user);
    const line: Line = { type: 'delete', conversationId };
    if (!apply(convs, line)) return false;
    await this.append(user, line);
    return true;
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }

  private fileFor(user: string): string {
    // encodeURIComponent keeps Chinese names readable-ish and can never produce a path separator.
    return path.join(this.dir, `${encodeURIComponent(user)}.jsonl`);
  }

  private append(user: string, line: Line): Promise<void> {
    return this.writes.append(this.fileFor(user), JSON.stringify(line) + '\n');
  }

  private load(user: string): Promise<Map<string, Conversation>> {
    const cached = this.byUser.get(user);
    if (cached) {
      // Re-insert: Map order is the LRU order.
      this.byUser.delete(user);
      this.byUser.set(user, cached);
      this.evict(user);
      return Promise.resolve(cached);
    }
    let pending = this.loading.get(user);
    if (!pending) {
      pending = this.readFromDisk(user).then(
        (convs) => {
          this.byUser.set(user, convs);
          this.loading.delete(user);
          this.evict(user);
          return convs;
        },
        (e: unknown) => {
          this.loading.delete(user);
          throw e;
        },
      );
      this.loading.set(user, pending);
    }
    return pending;
  }

  /** Drops least recently used users until the cached turns fit the budget; `current` always stays. */
  private evict(current: string): void {
    let turns = 0;
    for (const convs of this.byUser.values()) for (const c of convs.values()) turns += c.messages.length;
    for (const [user, convs] of this.byUser) {
      if (turns <= this.maxCachedTurns) break;
      if (user === current) continue;
      for (const c of convs.values()) turns -= c.messages.length;
      this.byUser.delete(user);
    }
  }

  private async readFromDisk(user: string): Promise<Map<string, Conversation>> {
    // Every change of a dropped user is on disk once pending appends finish.
    await this.writes.idle();
    const convs = new Map<string, Conversation>();
    let text = '';
    try {
      text = await readFile(this.fileFor(user), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      try {
        apply(convs, JSON.parse(raw) as Line);
      } catch {
        // A torn last line after a crash: skip it, keep the rest.
      }
    }
    return convs;
  }
}

function apply(convs: Map<string, Conversation>, line: Line): boolean {
  switch (line.type) {
    case 'turn': {
      let conv = convs.get(line.conversationId);
      if (!conv) {
        const title = line.turn.question.replace(/\s+/g, ' ').trim();
        conv = {
          id: line.conversationId,
          title: [...title].length > TITLE_CHARS ? [...title].slice(0, TITLE_CHARS).join('') + '…' : title,
          createdAt: line.turn.at,
          updatedAt: line.turn.at,
          messages: [],
        };
        convs.set(conv.id, conv);
      }
      conv.messages.push(line.turn);
      conv.updatedAt = line.turn.at;
      return true;
    }
    case 'feedback':
      for (const conv of convs.values()) {
        const turn = conv.messages.find((m) => m.requestId === line.requestId);
        if (turn) {
          turn.feedback = { rating: line.rating, ...(line.comment ? { comment: line.comment } : {}) };
          return true;
        }
      }
      return false;
    case 'delete':
      return convs.delete(line.conversationId);
    case 'rename': {
      const conv = convs.get(line.conversationId);
      if (!conv) return false;
      conv.title = line.title;
      return true;
    }
  }
}

function summarize(c: Conversation): ConversationSummary {
  return { id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, turns: c.messages.length };
}
