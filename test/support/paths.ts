import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared public corpus; tests read it in place and never copy it into the project. */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');
export const EVAL_DIR = path.resolve(REPO_ROOT, '../shared/eval');
export const corpusPath = (...parts: string[]) => path.join(CORPUS_DIR, ...parts);
