import { defineConfig } from 'vitest/config';

/**
 * `npm test`: everything that runs on a clone with only Node (the project's seeds and fixtures the tests write).
 * Tests that read the public corpus or need Debian programs (tesseract, pdftoppm, chromium) are named
 * `*.full.test.ts` and run with `npm run test:full` (vitest.full.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.full.test.ts', '**/node_modules/**'],
    pool: 'forks',
    // Real files, real child processes and a real browser on a shared 2-core machine: generous limits.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
