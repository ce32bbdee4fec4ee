/** Events an answer emits while it is produced; the server forwards them on socket.io. */
export type AnswerMode = 'llm' | 'extractive' | 'no-basis';

export interface Citation {
  n: number;
  docId: string;
  source: string;
  title: string;
  locator: string;
  page: number | null;
  text: string;
  /** Whether the answer cites [n]. */
  cited: boolean;
  /** Sentences of `text` the answer relied on (for highlighting), when known. */
  highlights?: string[];
}

export interface AnswerTimings {
  retrievalMs: number;
  firstTokenMs: number | null;
  totalMs: number;
}

export interface AnswerResult {
  mode: AnswerMode;
  answer: string;
  reasoning: string;
  citations: Citation[];
  timings: AnswerTimings;
  /** Standalone query actually used for retrieval (after follow-up rewriting). */
  query?: string;
  /** Why the mode is what it is, e.g. 未检测到 Ollama 服务 …  */
  modeReason?: string;
  droppedCitations?: number;
}

export type AnswerEvent =
  | { type: 'sources'; citations: Citation[]; mode: AnswerMode; query: string }
  | { type: 'reasoning'; delta: string }
  | { type: 'answer'; delta: string }
  | { type: 'done'; result: AnswerResult }
  | { type: 'error'; code: string; message: string };

export interface ConversationTurn {
  question: string;
  answer: string;
}
