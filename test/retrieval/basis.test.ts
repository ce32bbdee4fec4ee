import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { answerTypesOf } from '../../src/retrieval/basis.js';
import { runYingji } from '../cli/run-cli.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { SEEDS_DIR } from '../support/paths.js';

describe('basis level of a retrieval, over the sample documents in seeds/', () => {
  let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;
  beforeAll(async () => {
    kb = await createTestKnowledgeBase([SEEDS_DIR]);
  });
  afterAll(async () => kb?.cleanup());

  it('is solid when a passage states the period asked for', async () => {
    const r = await kb.services.retriever.retrieve('有限空间作业人员晕倒后，单位主要负责人要在多长时间内向应急管理部门报告？');
    expect(r.answerTypes).toContain('period');
    expect(r.basis).toBe('solid');
    expect(r.basisNote).toBeUndefined();
  });

  it('is partial, with a plain sentence, when related provisions hold no value of the kind asked for', async () => {
    const r = await kb.services.retriever.retrieve('有限空间作业的监护人员每人要配几台气体检测仪的备用电池？');
    expect(r.hits.length).toBeGreaterThan(0);
    expect(r.basis).toBe('partial');
    expect(r.basisNote).toMatch(/未载明/);
  });

  it('is none when nothing relevant is held', async () => {
    const r = await kb.services.retriever.retrieve('明天的足球联赛几点开球？');
    expect(r.basis).toBe('none');
  });

  it('recognises the kinds of value questions ask for', () => {
    expect(answerTypesOf('罚款最多罚多少钱？')).toEqual(['money']);
    expect(answerTypesOf('值班电话是多少？')).toContain('phone');
    expect(answerTypesOf('这事由谁负责？')).toEqual(['party']);
    expect(answerTypesOf('台风来了怎么办？')).toEqual([]);
    // How many to put or provide is a count; 几个村 (a few villages) is no question.
    expect(answerTypesOf('每间客房要放几个灭火器？')).toEqual(['count']);
    expect(answerTypesOf('郊区几个村出现饮水困难，怎么办？')).toEqual([]);
    expect(answerTypesOf('医药费按什么标准赔？')).toEqual(['money']);
  });

  it('is in every line of yingji search --batch --json', async () => {
    const batch = path.join(kb.dir, 'queries.txt');
    await writeFile(batch, '有限空间作业人员晕倒后，单位主要负责人要在多长时间内向应急管理部门报告？\n明天的足球联赛几点开球？\n');
    await kb.services.close();
    const run = await runYingji(['search', '--data', kb.dir, '--batch', batch, '--json']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { basis: string });
    expect(lines.map((l) => l.basis)).toEqual(['solid', 'none']);
  });
});
