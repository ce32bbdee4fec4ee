/** `yingji quiz make` in a real child process over a knowledge folder built from the 示例 regulations. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuestionJson } from '../../src/training/types.js';
import { runYingji } from '../cli/run-cli.js';
import { sharedArticles } from './checks.js';
import { SAFETY_TITLE, writeFixtures } from './fixtures.js';

let dir: string;
let data: string;
let safetyId: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-quiz-cli-'));
  data = path.join(dir, 'knowledge');
  await writeFixtures(path.join(dir, 'docs'));
  const ingest = await runYingji(['--data', data, 'ingest', path.join(dir, 'docs')]);
  expect(ingest.code, ingest.stderr).toBe(0);
  const docs = JSON.parse((await runYingji(['--data', data, 'docs', '--json'])).stdout) as { id: string; title: string }[];
  safetyId = docs.find((d) => d.title === SAFETY_TITLE)!.id;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('yingji quiz make', () => {
  it('--json prints {"questions": [...]} with kind, prompt, options, answer and source, the key in the article', async () => {
    const paper = path.join(dir, 'paper.html');
    const run = await runYingji(['--data', data, 'quiz', 'make', '--doc', safetyId, '--n', '6', '--seed', '2', '--json', '--html', paper]);
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(paper, 'utf8');
    expect(html).toContain('答题卡');
    expect(html).toContain('参考答案');
    const { questions } = JSON.parse(run.stdout) as { questions: QuestionJson[] };
    expect(questions).toHaveLength(6);
    expect(sharedArticles(questions.map((q, i) => ({ ...q, id: String(i) })))).toEqual([]);
    for (const q of questions) {
      expect(Object.keys(q)).toEqual(q.kind === 'choice' ? ['kind', 'prompt', 'options', 'answer', 'source'] : ['kind', 'prompt', 'answer', 'source']);
      expect(Object.keys(q.source)).toEqual(['docId', 'title', 'locator', 'text']);
      expect(q.source.title).toBe(SAFETY_TITLE);
      if (q.kind === 'judge') expect(typeof q.answer).toBe('boolean');
      else expect(q.source.text).toContain(q.answer as string);
      if (q.kind === 'choice') expect(q.options).toContain(q.answer);
    }
  });

  it('--kinds limits the kinds; an unknown kind is refused with a message', async () => {
    const run = await runYingji(['--data', data, 'quiz', 'make', '--doc', safetyId, '--kinds', 'blank', '--n', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { questions: QuestionJson[] }).questions.every((q) => q.kind === 'blank')).toBe(true);
    const bad = await runYingji(['--data', data, 'quiz', 'make', '--doc', safetyId, '--kinds', 'essay']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_REQUEST');
  });

  it('--list NAME names a list that does not exist → a message pointing to yingji quiz lists', async () => {
    const run = await runYingji(['--data', data, 'quiz', 'make', '--list', '不存在的清单']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('yingji quiz lists');
  });
});
