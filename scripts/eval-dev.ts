/**
 * `npm run eval`: the development question set over the public corpus (YINGJI_CORPUS_DIR, default ../shared/corpus).
 * Results go to test-output/eval-dev.json (ignored by git), so running it leaves the checkout clean; to update the
 * recorded figures, `npm run eval -- --out bench/eval-dev.json` and commit that file.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CORPUS_DIR, EVAL_DIR, REPO_ROOT } from '../test/support/paths.js';

const rel = (p: string) => path.relative(REPO_ROOT, p) || '.';
const extra = process.argv.slice(2);
const out = extra.includes('--out') ? [] : ['--out', 'test-output/eval-dev.json'];
const args = [
  path.join(REPO_ROOT, 'bin/yingji.js'),
  'eval',
  '--qa', rel(path.join(EVAL_DIR, 'dev.jsonl')),
  '--corpus', rel(path.join(CORPUS_DIR, 'regulations')), rel(path.join(CORPUS_DIR, 'plans')),
  '--also-from', 'dev-051',
  ...out,
  ...extra,
];
const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
