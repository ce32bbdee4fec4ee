import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { newQuiz } from '../../src/training/quiz.js';
import { TRAINING_LIMITS, TrainingStore } from '../../src/training/store.js';
import type { StudyListItem } from '../../src/training/types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-training-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const item = (n: number): StudyListItem => ({
  id: `i${n}`,
  docId: 'd',
  title: '示例条例',
  locator: `第${n}条`,
  label: `第${n}条`,
  text: `第${n}条 示例。`,
  textHash: 'h',
  addedAt: 't',
});

describe('TrainingStore', () => {
  it('keeps lists, quizzes and attempts across a reopen; concurrent writes all land; no temporary files remain', async () => {
    const store = await TrainingStore.open(dir);
    const lists = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createList('trainer1', `清单${i}`)));
    await store.updateList(lists[0]!.id, (l) => l.items.push(item(1), item(2)));
    const quiz = await store.putQuiz(newQuiz('trainer1', '测验', { kind: 'doc' }, []));
    await store.addAttempt({ id: 'a1', quizId: quiz.id, username: 'officer1', submittedAt: 't', score: 0, total: 0, answers: [] });
    await store.idle();
    const reopened = await TrainingStore.open(dir);
    expect(reopened.allLists()).toHaveLength(20);
    expect(reopened.getList(lists[0]!.id)!.items.map((i) => i.id)).toEqual(['i1', 'i2']);
    expect(reopened.findListByName('清单7')!.id).toBe(lists[7]!.id);
    expect(await reopened.listAttempts(quiz.id)).toHaveLength(1);
    const files = await readdir(path.join(dir, 'training'), { recursive: true });
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuses a list longer than the bound with LIMIT_EXCEEDED and keeps the list as it was', async () => {
    const store = await TrainingStore.open(dir);
    const list = await store.createList('trainer1', '大清单');
    const tooMany = Array.from({ length: TRAINING_LIMITS.itemsPerList + 1 }, (_, i) => item(i));
    const error = await store.updateList(list.id, (l) => l.items.push(...tooMany)).catch((e: unknown) => e);
    expect(isAppError(error, 'LIMIT_EXCEEDED')).toBe(true);
    expect(store.getList(list.id)!.items).toEqual([]);
    expect((await TrainingStore.open(dir)).getList(list.id)!.items).toEqual([]);
  });

  it('a damaged lists.json is reported with its path, not silently replaced by an empty one', async () => {
    await mkdir(path.join(dir, 'training'), { recursive: true });
    await writeFile(path.join(dir, 'training', 'lists.json'), '{"version":1,"lists":[');
    const error = await TrainingStore.open(dir).catch((e: unknown) => e);
    expect(isAppError(error, 'INDEX_CORRUPT')).toBe(true);
    expect((error as Error).message).toContain('lists.json');
  });
});
