import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/knowledge.js';
import { SEED_FILES } from '../support/sample-docs.js';
import { runYingji } from './run-cli.js';

const QUESTIONS = [
  { id: 's-1', question: '有限空间作业事故应急处置规程第三条', type: 'article', gold: [{ file: 'confined-space-procedure-sample.md', article: '第三条', snippet: '先通风、再检测、后施救' }] },
  { id: 's-2', question: '危险化学品泄漏时第一发现人应该往哪个方向撤离？', type: 'procedure', gold: [{ file: 'hazchem-leak-card-sample.md', article: '', snippet: '向上风向或侧风向转移' }] },
];

describe('yingji eval', () => {
  let work: string;
  let cwd: string;
  let tmp: string;
  let qa: string;

  beforeAll(async () => {
    work = await makeTempDir('yingji-eval-cli-');
    cwd = path.join(work, 'cwd');
    tmp = path.join(work, 'tmp');
    await mkdir(cwd);
    await mkdir(tmp);
    qa = path.join(work, 'dev.jsonl');
    await writeFile(qa, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints the figures and writes no file and no leftover knowledge base without --out (npm run eval once rewrote a tracked file)', async () => {
    const run = await runYingji(['eval', '--qa', qa, '--corpus', SEED_FILES.confinedSpace, SEED_FILES.hazchemCard], { TMPDIR: tmp }, cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/recall@1 1\b/);
    expect(await readdir(cwd)).toEqual([]);
    expect((await readdir(tmp)).filter((n) => n.startsWith('yingji-'))).toEqual([]);
  });

  it('writes the full record where --out says', async () => {
    const out = path.join(work, 'results', 'eval.json');
    const run = await runYingji(['eval', '--qa', qa, '--corpus', SEED_FILES.confinedSpace, SEED_FILES.hazchemCard, '--out', out], { TMPDIR: tmp }, cwd);
    expect(run.code, run.stderr).toBe(0);
    const record = JSON.parse(await readFile(out, 'utf8')) as { documents: number; overall: { recallAt5: number } };
    expect(record.documents).toBe(2);
    expect(record.overall.recallAt5).toBe(1);
    expect((await readdir(tmp)).filter((n) => n.startsWith('yingji-'))).toEqual([]);
  });
});
