import { describe, expect, it } from 'vitest';
import { createTurnBudget } from '../../src/server/turn-budget.js';

/** Synchronous CPU work of about `ms` (what a retrieval is to the event loop). */
function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('answers retrieve in time slices (turn-budget.ts)', () => {
  it('a burst of 30 answers arriving in one turn lets a request that arrived meanwhile run between slices, and every answer still runs', async () => {
    const budget = createTurnBudget(10);
    const order: string[] = [];
    let other: Promise<void> | undefined;
    // Each answer arrives as its own callback of one event-loop turn, as socket messages do.
    const answers = Array.from(
      { length: 30 },
      (_, i) =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            if (i === 0) other = new Promise<void>((done) => setTimeout(() => (order.push('other request'), done()), 0));
            void budget().then(() => {
              burn(2);
              order.push(`answer ${i}`);
              resolve();
            });
          }),
        ),
    );
    await Promise.all(answers);
    await other;
    expect(order.filter((o) => o.startsWith('answer'))).toHaveLength(30);
    // Without slices all 30 answers (60 ms of work) ran before it.
    expect(order.indexOf('other request')).toBeLessThan(order.indexOf('answer 29'));
  });

  it('an answer alone is never held back more than one turn', async () => {
    const budget = createTurnBudget(10);
    let ran = false;
    const answer = budget().then(() => (ran = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await answer;
    expect(ran).toBe(true);
  });
});
