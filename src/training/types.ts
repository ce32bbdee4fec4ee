/**
 * Training data: 应知应会 lists, quizzes generated from articles, attempts. Shared with the wire contract
 * (src/server/events.ts re-exports these), so type-only and free of server code.
 */

/** What a question asks about: 期限, 金额, 数量界限, 责任主体, 义务 (应当/不得/严禁 + the act). */
export type FactKind = 'deadline' | 'amount' | 'threshold' | 'party' | 'obligation';
export const FACT_KINDS: readonly FactKind[] = ['deadline', 'amount', 'threshold', 'party', 'obligation'];

export type QuestionKind = 'blank' | 'choice' | 'judge';
export const QUESTION_KINDS: readonly QuestionKind[] = ['blank', 'choice', 'judge'];
export const QUESTION_KIND_LABELS: Record<QuestionKind, string> = { blank: '填空题', choice: '单选题', judge: '判断题' };

/** The article a question or list item comes from, in the article's own words. */
export interface ArticleSource {
  docId: string;
  title: string;
  /** Heading path ending in the article label, e.g. `第五章 … › 第八十三条`. */
  locator: string;
  text: string;
}

/** A question as `yingji quiz make --json` prints it. */
export interface QuestionJson {
  kind: QuestionKind;
  prompt: string;
  /** Single choice only; `answer` is one of them. */
  options?: string[];
  /** blank / choice: the exact words of the article; judge: true or false. */
  answer: string | boolean;
  source: ArticleSource;
}

/** A stored question: the JSON shape plus what makes it checkable and editable. */
export interface QuizQuestion extends QuestionJson {
  id: string;
  /** The fact the question is built on (absent for questions a trainer wrote by hand). */
  fact?: { kind: FactKind; text: string };
  /** Judge items that are false: the one fact replaced (`from` is the article's words). */
  change?: { from: string; to: string };
}

export type QuizStatus = 'draft' | 'published';

export interface QuizOrigin {
  kind: 'doc' | 'list' | 'chapter';
  docId?: string;
  listId?: string;
  /** Chapter heading (第二章 …) when kind is chapter. */
  chapter?: string;
}

export interface Quiz {
  id: string;
  title: string;
  owner: string;
  status: QuizStatus;
  origin: QuizOrigin;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
  questions: QuizQuestion[];
}

/** One article or plan section of a list, with the text as it was when added. */
export interface StudyListItem {
  id: string;
  docId: string;
  title: string;
  locator: string;
  label: string;
  text: string;
  /** sha256 of `text`: compared with the current version of the law. */
  textHash: string;
  note?: string;
  addedAt: string;
}

export interface StudyList {
  id: string;
  name: string;
  description?: string;
  owner: string;
  /** Shared lists are readable by officers (as a booklet). */
  shared: boolean;
  createdAt: string;
  updatedAt: string;
  items: StudyListItem[];
}

/** Whether a list item's article still reads the same in the current document of that title. */
export type ItemCurrency =
  | { status: 'current' }
  | { status: 'changed'; currentDocId: string; currentText: string }
  | { status: 'missing' };

export interface AttemptAnswer {
  questionId: string;
  given: string | boolean | null;
  correct: boolean;
}

export interface Attempt {
  id: string;
  quizId: string;
  username: string;
  submittedAt: string;
  score: number;
  total: number;
  answers: AttemptAnswer[];
}

export interface Correction {
  questionId: string;
  correct: boolean;
  given: string | boolean | null;
  answer: string | boolean;
  /** The article that decides the question (shown for wrong answers; sent for all). */
  source: ArticleSource;
}

export interface QuestionResult {
  questionId: string;
  kind: QuestionKind;
  prompt: string;
  attempts: number;
  correct: number;
  /** correct / attempts, 0 without attempts. */
  rate: number;
}

export interface PersonResult {
  username: string;
  attempts: number;
  bestScore: number;
  lastScore: number;
  total: number;
  lastAt: string;
}

export interface QuizResults {
  quizId: string;
  attempts: number;
  perQuestion: QuestionResult[];
  perPerson: PersonResult[];
}

