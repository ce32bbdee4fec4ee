/**
 * Sums what .ci/run ran into its one last line, "N passed, N failed": each `name=exitCode` step (typecheck, the cycle
 * check) counts as one test; each `file.json=exitCode` is a vitest JSON report. A report that is missing, unreadable,
 * or from a run that failed without a failing test (a file that did not load, a failed prerequisite check) counts
 * one failure, so nothing that went wrong can add up to "0 failed".
 * Usage: node --import tsx scripts/ci-summary.ts typecheck=0 cycles=0 test-output/vitest.json=1 …
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
}

/** Totals over the steps and reports; `read` returns a file's text or undefined when it does not exist. */
export function summarize(entries: string[], read: (file: string) => string | undefined): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    const name = entry.slice(0, eq);
    const code = Number(entry.slice(eq + 1));
    if (!name.endsWith('.json')) {
      if (code === 0) passed++;
      else failed++;
      continue;
    }
    let report: VitestJson | undefined;
    try {
      const text = read(name);
      report = text === undefined ? undefined : (JSON.parse(text) as VitestJson);
    } catch {
      report = undefined;
    }
    if (!report || typeof report.numPassedTests !== 'number') {
      failed++;
      continue;
    }
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (code !== 0 && report.numFailedTests === 0) failed++;
  }
  return { passed, failed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { passed, failed } = summarize(process.argv.slice(2), (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
