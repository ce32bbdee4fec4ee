import { describe, expect, it } from 'vitest';
import { summarize } from '../../scripts/ci-summary.js';

const report = (passed: number, failed: number) => JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numTotalTests: passed + failed });

describe('the last line of .ci/run', () => {
  it('counts typecheck and the cycle check as one test each and adds both vitest runs', () => {
    const files: Record<string, string> = { 'unit.json': report(300, 0), 'full.json': report(40, 2) };
    expect(summarize(['typecheck=0', 'cycles=2', 'unit.json=0', 'full.json=1'], (f) => files[f])).toEqual({ passed: 341, failed: 3 });
  });

  it('counts a missing or unreadable report as a failure', () => {
    expect(summarize(['unit.json=1', 'full.json=1'], (f) => (f === 'full.json' ? '{' : undefined))).toEqual({ passed: 0, failed: 2 });
  });

  it('counts a failed run with no failing test (a file that did not load, missing prerequisites) as a failure', () => {
    expect(summarize(['unit.json=1'], () => report(12, 0))).toEqual({ passed: 12, failed: 1 });
  });
});
