import type { HitVersion } from '../core/types.js';
import type { Basis } from '../retrieval/basis.js';

/** Events an answer emits while it is produced; the server forwards them on socket.io. Failures are thrown as AppError. */
export type AnswerMode = 'llm' | 'extractive' | 'no-basis';

export interface Citation {
  n: number;
  docId: string;
  /** The cited passage (its id changes when the document is replaced). */
  chunkId: string;
  source: string;
  title: string;
  locator: string;
  page: number | null;
  text: string;
  /** Whether the answer cites [n]. */
  cited: boolean;
  /** Sentences of `text` the answer relied on (for highlighting), when known. */
  highlights?: string[];
  /** Version facts; `version.warning` is shown beside a citation of a text not in force. */
  version?: HitVersion;
}

export interface AnswerTimings {
  retrievalMs: number;
  /** From the question to the first streamed token (model) or to the extractive text. */
  firstTokenMs: number | null;
  totalMs: number;
  /** Building the prompt (budgeting sources). */
  promptMs?: number;
}

export interface AnswerResult {
  mode: AnswerMode;
  /** solid: a passage states what is asked; partial: related provisions only; none: nothing relevant. */
  basis: Basis;
  /** With `partial`: the one plain sentence the answer opens with. */
  basisNote?: string;
  /** The question in legal terms, searched as extra terms (model mode). */
  legalRewrite?: string;
  answer: string;
  reasoning: string;
  citations: Citation[];
  timings: AnswerTimings;
  /** Standalone query actually used for retrieval (after follow-up rewriting). */
  query?: string;
  /** Why the mode is what it is, e.g. 未检测到 Ollama 服务 …  */
  modeReason?: string;
  droppedCitations?: number;
  /** Error code behind an extractive fallback (LLM_UNAVAILABLE, MODEL_NOT_FOUND, LLM_TIMEOUT). */
  modeErrorCode?: string;
  /** Retrieved passages left out of the prompt because they did not fit in num_ctx. */
  droppedSources?: number;
  /** Conservative token estimate of the prompt. */
  promptTokens?: number;
  /** How a follow-up was turned into `query`. */
  rewrittenBy?: 'model' | 'heuristic';
}

export type AnswerEvent =
  | { type: 'sources'; citations: Citation[]; mode: AnswerMode; query: string }
  | { type: 'reasoning'; delta: string }
  | { type: 'answer'; delta: string }
  | { type: 'done'; result: AnswerResult };

export interface ConversationTurn {
  question: string;
  answer: string;
  /** Standalone query the turn was retrieved with (AnswerResult.query); follow-ups build on it. */
  query?: string;
}
