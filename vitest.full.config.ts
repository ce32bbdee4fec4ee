import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:full`: the tests that need ../shared/corpus (YINGJI_CORPUS_DIR) or Debian programs. */
export default defineConfig({
  test: { ...base.test, include: ['test/**/*.full.test.ts'], exclude: ['**/node_modules/**'] },
});
