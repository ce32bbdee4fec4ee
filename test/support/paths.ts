import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The shared public corpus (`YINGJI_CORPUS_DIR`, default ../shared/corpus). Only `*.full.test.ts` files
 * (`npm run test:full`) may read it; `npm test` must pass on a clone with nothing beside it.
 */
export const CORPUS_DIR = path.resolve(REPO_ROOT, process.env.YINGJI_CORPUS_DIR ?? '../shared/corpus');
export const EVAL_DIR = path.resolve(CORPUS_DIR, '../eval');
export const SEEDS_DIR = path.join(REPO_ROOT, 'seeds');
export const corpusPath = (...parts: string[]) => path.join(CORPUS_DIR, ...parts);
