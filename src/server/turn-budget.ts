/**
 * Cooperative time slices for answers. Asks from many clients come back in step (their model attempts fail or
 * finish in the same event-loop turn), and each then retrieves synchronously: 100 of them made one turn of
 * ~500 ms in which no search, login or page was served. Through a turn budget, an answer's retrieval waits for
 * the next turn once this turn has spent its budget on answers, so the requests that arrived meanwhile are
 * read and answered between slices. The total work is the same; only its order changes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Retriever } from '../retrieval/types.js';

/**
 * Answer retrievals started per event-loop turn before pending I/O gets its turn. Under 100 askers and 50
 * searchers (bench/load.ts): 10 ms starved the asks (28 asks/s, p95 4.2 s); 40 ms gave search p95 ~230 ms
 * with asks at ~58/s, p95 2.3 s (without slices: search p95 ~560 ms, asks ~75/s, p95 1.75 s).
 */
export const ANSWER_SLICE_MS = 40;

/** Resolves at once while the current slice has time left, else in a later turn (setImmediate runs after I/O). */
export function createTurnBudget(sliceMs = ANSWER_SLICE_MS): () => Promise<void> {
  let sliceStarted = performance.now();
  let waiting = false;
  return async () => {
    while (performance.now() - sliceStarted >= sliceMs) {
      if (!waiting) {
        waiting = true;
        await nextTurn();
        waiting = false;
        sliceStarted = performance.now();
        return;
      }
      await nextTurn();
    }
  };
}

/** The retriever, its calls admitted by `budget` (for answers; searches keep calling the retriever directly). */
export function budgetedRetriever(retriever: Retriever, budget: () => Promise<void>): Retriever {
  return {
    async retrieve(query, options) {
      await budget();
      return retriever.retrieve(query, options);
    },
  };
}
