import type { AnswerResult, Citation } from './types.js';

/** The object `yingji ask --json` prints and `POST /api/ask` returns. */
export interface AskJson {
  mode: AnswerResult['mode'];
  basis: AnswerResult['basis'];
  basisNote?: string;
  answer: string;
  reasoning: string;
  citations: Pick<Citation, 'n' | 'docId' | 'source' | 'title' | 'locator' | 'page' | 'text' | 'cited' | 'version'>[];
  timings: { retrievalMs: number; firstTokenMs: number | null; totalMs: number };
  modeReason?: string;
  query?: string;
  droppedCitations?: number;
}

/** `version` appears on a citation only when there is something to tell: a text not in force, or 原第X条. */
export function toAskJson(r: AnswerResult): AskJson {
  return {
    mode: r.mode,
    basis: r.basis,
    ...(r.basisNote ? { basisNote: r.basisNote } : {}),
    answer: r.answer,
    reasoning: r.reasoning,
    citations: r.citations.map(({ n, docId, source, title, locator, page, text, cited, version }) => ({ n, docId, source, title, locator, page, text, cited, ...(version && (version.warning || version.formerLabel) ? { version } : {}) })),
    timings: { retrievalMs: r.timings.retrievalMs, firstTokenMs: r.timings.firstTokenMs, totalMs: r.timings.totalMs },
    ...(r.modeReason ? { modeReason: r.modeReason } : {}),
    ...(r.query ? { query: r.query } : {}),
    droppedCitations: r.droppedCitations ?? 0,
  };
}

