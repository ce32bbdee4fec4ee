/**
 * Lists, quizzes and attempts in `<dataDir>/training/`: lists.json, quizzes.json and one attempts file per quiz,
 * each rewritten atomically (temporary file + rename), so a crash leaves the old file or the new one. Sizes are
 * bounded so a runaway client cannot grow them without limit.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { replaceFileAtomically } from '../core/durable-files.js';
import type { Attempt, Quiz, StudyList } from './types.js';

export const TRAINING_DIR = 'training';
/** Bounds: generous for a bureau's training work, small enough that each file stays well under a few MB. */
export const TRAINING_LIMITS = Object.freeze({
  lists: 500,
  itemsPerList: 300,
  quizzes: 1000,
  questionsPerQuiz: 200,
  attemptsPerQuiz: 5000,
  nameChars: 100,
  noteChars: 2000,
  /** A hand-edited prompt, option or answer. */
  fieldChars: 2000,
});

interface ListsFile {
  version: 1;
  lists: StudyList[];
}
interface QuizzesFile {
  version: 1;
  quizzes: Quiz[];
}
interface AttemptsFile {
  version: 1;
  attempts: Attempt[];
}

export class TrainingStore {
  private lists = new Map<string, StudyList>();
  private quizzes = new Map<string, Quiz>();
  private readonly attempts = new Map<string, Attempt[]>();
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** @throws AppError INDEX_CORRUPT when a training file is not valid JSON. */
  static async open(dataDir: string): Promise<TrainingStore> {
    const store = new TrainingStore(path.join(dataDir, TRAINING_DIR));
    const lists = await readJson<ListsFile>(path.join(store.dir, 'lists.json'));
    const quizzes = await readJson<QuizzesFile>(path.join(store.dir, 'quizzes.json'));
    store.lists = new Map((lists?.lists ?? []).map((l) => [l.id, l]));
    store.quizzes = new Map((quizzes?.quizzes ?? []).map((q) => [q.id, q]));
    return store;
  }

  allLists(): StudyList[] {
    return [...this.lists.values()];
  }

  getList(id: string): StudyList | undefined {
    return this.lists.get(id);
  }

  /** The list with this name (the CLI's `--list NAME`); exact match first, then the only one containing it. */
  findListByName(name: string): StudyList | undefined {
    const all = this.allLists();
    const exact = all.filter((l) => l.name === name);
    if (exact.length) return exact[0];
    const partial = all.filter((l) => l.name.includes(name));
    return partial.length === 1 ? partial[0] : undefined;
  }

  /** @throws AppError LIMIT_EXCEEDED past TRAINING_LIMITS.lists. */
  async createList(owner: string, name: string, description?: string): Promise<StudyList> {
    if (this.lists.size >= TRAINING_LIMITS.lists) {
      throw new AppError('LIMIT_EXCEEDED', `清单已达 ${TRAINING_LIMITS.lists} 个上限，请先删除不再使用的清单。`);
    }
    const now = new Date().toISOString();
    const list: StudyList = { id: randomUUID(), name, description, owner, shared: false, createdAt: now, updatedAt: now, items: [] };
    this.lists.set(list.id, list);
    await this.saveLists();
    return list;
  }

  /** Applies `change` to a copy of the list and stores it. @throws AppError LIMIT_EXCEEDED past itemsPerList. */
  async updateList(id: string, change: (list: StudyList) => void): Promise<StudyList> {
    const current = this.requireList(id);
    const next = structuredClone(current);
    change(next);
    if (next.items.length > TRAINING_LIMITS.itemsPerList) {
      throw new AppError('LIMIT_EXCEEDED', `一个清单最多 ${TRAINING_LIMITS.itemsPerList} 条，请拆分成几个清单。`);
    }
    next.updatedAt = new Date().toISOString();
    this.lists.set(id, next);
    try {
      await this.saveLists();
    } catch (e) {
      this.lists.set(id, current);
      throw e;
    }
    return next;
  }

  async removeList(id: string): Promise<void> {
    this.requireList(id);
    this.lists.delete(id);
    await this.saveLists();
  }

  allQuizzes(): Quiz[] {
    return [...this.quizzes.values()];
  }

  getQuiz(id: string): Quiz | undefined {
    return this.quizzes.get(id);
  }

  /** @throws AppError LIMIT_EXCEEDED past the number of quizzes or questions per quiz. */
  async putQuiz(quiz: Quiz): Promise<Quiz> {
    if (!this.quizzes.has(quiz.id) && this.quizzes.size >= TRAINING_LIMITS.quizzes) {
      throw new AppError('LIMIT_EXCEEDED', `测验已达 ${TRAINING_LIMITS.quizzes} 份上限，请先删除旧测验。`);
    }
    if (quiz.questions.length > TRAINING_LIMITS.questionsPerQuiz) {
      throw new AppError('LIMIT_EXCEEDED', `一份测验最多 ${TRAINING_LIMITS.questionsPerQuiz} 题。`);
    }
    const previous = this.quizzes.get(quiz.id);
    this.quizzes.set(quiz.id, quiz);
    try {
      await this.saveQuizzes();
    } catch (e) {
      if (previous) this.quizzes.set(quiz.id, previous);
      else this.quizzes.delete(quiz.id);
      throw e;
    }
    return quiz;
  }

  async removeQuiz(id: string): Promise<void> {
    if (!this.quizzes.delete(id)) throw new AppError('INVALID_REQUEST', '没有找到这份测验。');
    await this.saveQuizzes();
    this.attempts.delete(id);
    await this.serial(() => rm(this.attemptsFile(id), { force: true }));
  }

  async listAttempts(quizId: string): Promise<Attempt[]> {
    const cached = this.attempts.get(quizId);
    if (cached) return cached;
    const file = await readJson<AttemptsFile>(this.attemptsFile(quizId));
    const attempts = file?.attempts ?? [];
    this.attempts.set(quizId, attempts);
    return attempts;
  }

  /** @throws AppError LIMIT_EXCEEDED past attemptsPerQuiz. */
  async addAttempt(attempt: Attempt): Promise<Attempt> {
    const attempts = await this.listAttempts(attempt.quizId);
    if (attempts.length >= TRAINING_LIMITS.attemptsPerQuiz) {
      throw new AppError('LIMIT_EXCEEDED', `这份测验的答卷已达 ${TRAINING_LIMITS.attemptsPerQuiz} 份上限，请导出成绩后另发一份测验。`);
    }
    const next = [...attempts, attempt];
    const body: AttemptsFile = { version: 1, attempts: next };
    await this.serial(() => replaceFileAtomically(this.attemptsFile(attempt.quizId), JSON.stringify(body) + '\n', 0o600));
    this.attempts.set(attempt.quizId, next);
    return attempt;
  }

  /** Resolves when every write queued so far is on disk. */
  async idle(): Promise<void> {
    await this.tail;
  }

  private requireList(id: string): StudyList {
    const list = this.lists.get(id);
    if (!list) throw new AppError('INVALID_REQUEST', '没有找到这个清单。');
    return list;
  }

  private attemptsFile(quizId: string): string {
    if (!/^[0-9a-f-]{36}$/u.test(quizId)) throw new AppError('INVALID_REQUEST', '测验编号无效。');
    return path.join(this.dir, 'attempts', `${quizId}.json`);
  }

  private saveLists(): Promise<void> {
    const body: ListsFile = { version: 1, lists: this.allLists() };
    return this.serial(() => replaceFileAtomically(path.join(this.dir, 'lists.json'), JSON.stringify(body) + '\n', 0o600));
  }

  private saveQuizzes(): Promise<void> {
    const body: QuizzesFile = { version: 1, quizzes: this.allQuizzes() };
    return this.serial(() => replaceFileAtomically(path.join(this.dir, 'quizzes.json'), JSON.stringify(body) + '\n', 0o600));
  }

  /** Writes one after another: two renames of the same file must not race. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new AppError('INDEX_CORRUPT', `培训数据文件 ${file} 已损坏，无法解析；请从备份恢复该文件或将其移走后重启。`, { cause: e });
  }
}
