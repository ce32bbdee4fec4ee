/**
 * Questions attached to passages: ones officers marked 👍 or admins confirmed (learning from use), and ones a
 * model wrote for a passage at ingest (doc2query). They are searched lexically as their own channel and never
 * shown as source text. Kept in `<knowledge>/questions.json`, replaced atomically; another process's writes are
 * picked up by a cheap modification-time check.
 */
import { readFile, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { tokenize } from '../core/chinese-tokenizer.js';
import { replaceFileAtomically } from '../core/durable-files.js';
import { AppError } from '../core/errors.js';
import { Bm25Index, type WeightedTerm } from './bm25-index.js';

export type QuestionSource = 'feedback' | 'admin' | 'generated';

export interface StoredQuestion {
  id: string;
  chunkId: string;
  docId: string;
  /** The passage's article label when attached, so a re-ingested document's renumbered chunks are found again. */
  articleLabel?: string;
  question: string;
  source: QuestionSource;
  /** For generated questions: the passage content they were written for (a changed passage gets new ones). */
  chunkHash?: string;
  addedBy?: string;
  addedAt: string;
}

/** What retrieval needs: the passages whose attached questions match, and those questions as text. */
export interface QuestionSearch {
  searchQuestions(terms: WeightedTerm[], k: number): { chunkId: string; score: number }[];
  questionText(chunkId: string): string;
}

const FILE = 'questions.json';
const MAX_QUESTION_CHARS = 200;
/** Bounded: a few per passage is plenty, and the whole file is read at open. */
const MAX_QUESTIONS = 200_000;
/** Another process's writes show up within this. */
const RELOAD_CHECK_MS = 2000;

export class QuestionStore implements QuestionSearch {
  private questions: StoredQuestion[] = [];
  private index = new Bm25Index();
  private byLabel: StoredQuestion[] = [];
  private byChunk = new Map<string, StoredQuestion[]>();
  private mtimeMs = 0;
  private checkedAt = 0;

  private constructor(private readonly file: string) {}

  /** @throws AppError INDEX_CORRUPT when the file exists but is not a question list. */
  static async open(dataDir: string): Promise<QuestionStore> {
    const store = new QuestionStore(path.join(dataDir, FILE));
    await store.load();
    return store;
  }

  list(docId?: string): StoredQuestion[] {
    return docId ? this.questions.filter((q) => q.docId === docId) : [...this.questions];
  }

  /**
   * Attaches a question to a passage; the same question on the same passage is kept once.
   * @throws AppError INVALID_REQUEST for an empty or overlong question, LIMIT_EXCEEDED past MAX_QUESTIONS.
   */
  async add(input: Omit<StoredQuestion, 'id' | 'addedAt'>): Promise<StoredQuestion> {
    const [stored] = await this.addMany([input]);
    return stored;
  }

  /**
   * Attaches several questions in one write; each (passage, question) pair is kept once.
   * @throws AppError INVALID_REQUEST for an empty or overlong question, LIMIT_EXCEEDED past MAX_QUESTIONS.
   */
  async addMany(inputs: Omit<StoredQuestion, 'id' | 'addedAt'>[]): Promise<StoredQuestion[]> {
    await this.load();
    const next = [...this.questions];
    const out: StoredQuestion[] = [];
    for (const input of inputs) {
      const question = input.question.replace(/\s+/g, ' ').trim();
      if (!question) throw new AppError('INVALID_REQUEST', '问题不能为空。');
      if (question.length > MAX_QUESTION_CHARS) throw new AppError('INVALID_REQUEST', `问题最多 ${MAX_QUESTION_CHARS} 字。`);
      const existing = next.find((q) => q.chunkId === input.chunkId && q.question === question);
      if (existing) {
        out.push(existing);
        continue;
      }
      if (next.length >= MAX_QUESTIONS) {
        throw new AppError('LIMIT_EXCEEDED', `已关联的问题达到上限 ${MAX_QUESTIONS} 条，请先删除不再需要的问题。`);
      }
      const stored: StoredQuestion = { ...input, question, id: randomUUID(), addedAt: new Date().toISOString() };
      next.push(stored);
      out.push(stored);
    }
    if (next.length !== this.questions.length) await this.save(next);
    return out;
  }

  /** Removes questions by id; the ids that were found. */
  async remove(ids: string[]): Promise<string[]> {
    await this.load();
    const drop = new Set(ids);
    const found = this.questions.filter((q) => drop.has(q.id)).map((q) => q.id);
    if (found.length) await this.save(this.questions.filter((q) => !drop.has(q.id)));
    return found;
  }

  searchQuestions(terms: WeightedTerm[], k: number): { chunkId: string; score: number }[] {
    void this.reloadIfChanged();
    const best = new Map<string, number>();
    for (const { label, score } of this.index.search(terms, k * 3)) {
      const q = this.byLabel[label];
      if (q && (best.get(q.chunkId) ?? 0) < score) best.set(q.chunkId, score);
    }
    return [...best.entries()].map(([chunkId, score]) => ({ chunkId, score })).sort((a, b) => b.score - a.score).slice(0, k);
  }

  questionText(chunkId: string): string {
    return (this.byChunk.get(chunkId) ?? []).map((q) => q.question).join('\n');
  }

  private async reloadIfChanged(): Promise<void> {
    if (Date.now() - this.checkedAt < RELOAD_CHECK_MS) return;
    this.checkedAt = Date.now();
    try {
      if ((await stat(this.file)).mtimeMs !== this.mtimeMs) await this.load();
    } catch {
      // No file yet, or it vanished: keep what is in memory.
    }
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      const info = await stat(this.file);
      if (info.mtimeMs === this.mtimeMs) return;
      text = await readFile(this.file, 'utf8');
      this.mtimeMs = info.mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new AppError('INDEX_CORRUPT', `问题库文件 ${this.file} 已损坏，请从备份恢复或删除该文件（只会丢失已关联的问题）。`, { cause: e });
    }
    if (!Array.isArray(parsed)) throw new AppError('INDEX_CORRUPT', `问题库文件 ${this.file} 格式不对，请从备份恢复或删除该文件。`);
    this.rebuild(parsed as StoredQuestion[]);
  }

  private async save(questions: StoredQuestion[]): Promise<void> {
    await replaceFileAtomically(this.file, JSON.stringify(questions), 0o600);
    this.mtimeMs = (await stat(this.file)).mtimeMs;
    this.rebuild(questions);
  }

  private rebuild(questions: StoredQuestion[]): void {
    this.questions = questions;
    this.index = new Bm25Index();
    this.byLabel = [];
    this.byChunk = new Map();
    questions.forEach((q, label) => {
      this.index.add(label, tokenize(q.question));
      this.byLabel[label] = q;
      const list = this.byChunk.get(q.chunkId) ?? [];
      list.push(q);
      this.byChunk.set(q.chunkId, list);
    });
  }
}
