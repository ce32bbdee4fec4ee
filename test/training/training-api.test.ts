/**
 * The training API end to end on a real server (port 0): a trainer builds a list from source cards, generates,
 * edits and publishes a quiz; an officer takes it and gets the corrections; the trainer sees the results and
 * exports them as CSV.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  QuizAttemptResult,
  QuizDetail,
  QuizForTaking,
  QuizResultsResponse,
  QuizSummary,
  SearchResponse,
  TrainingListSummary,
  TrainingListView,
} from '../../src/server/events.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';
import { SAFETY_TITLE, writeFixtures } from './fixtures.js';

let server: TestServer;
let trainer: string;
let officer: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-training-api-'));
  server = await startTestServer(await writeFixtures(dir));
  trainer = await server.userCookie('trainer1', 'trainer');
  officer = await server.userCookie('officer1', 'officer');
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

describe('training API', () => {
  it('a trainer builds a list, generates, edits and publishes a quiz; an officer takes it; the trainer sees results and CSV', async () => {
    const { api } = server;
    // Two source cards from searches → 加入清单.
    const hitA = (await json<SearchResponse>(await api(`/api/search?q=${encodeURIComponent('事故报告 1小时内')}`, { cookie: trainer }))).hits[0]!;
    const hitB = (await json<SearchResponse>(await api(`/api/search?q=${encodeURIComponent('河道 堆放 阻碍行洪')}`, { cookie: trainer }))).hits[0]!;
    const created = await json<TrainingListView>(
      await api('/api/training/lists', { method: 'POST', cookie: trainer, json: { name: '值班员应知应会', description: '事故报告与防汛' } }),
      201,
    );
    await json(await api(`/api/training/lists/${created.id}/items`, { method: 'POST', cookie: trainer, json: { chunkId: hitA.chunkId, docId: hitA.docId, note: '必背' } }), 201);
    const two = await json<TrainingListView>(
      await api(`/api/training/lists/${created.id}/items`, { method: 'POST', cookie: trainer, json: { chunkId: hitB.chunkId } }),
      201,
    );
    expect(two.items.map((i) => i.currency.status)).toEqual(['current', 'current']);
    expect(two.items[0]!.note).toBe('必背');
    const dup = await api(`/api/training/lists/${created.id}/items`, { method: 'POST', cookie: trainer, json: { chunkId: hitB.chunkId } });
    expect(dup.status).toBe(409);
    // Reorder, then share with officers.
    const reordered = await json<TrainingListView>(
      await api(`/api/training/lists/${created.id}`, { method: 'PUT', cookie: trainer, json: { order: [two.items[1]!.id, two.items[0]!.id], shared: false } }),
    );
    expect(reordered.items[0]!.id).toBe(two.items[1]!.id);
    expect(await json<TrainingListSummary[]>(await api('/api/training/lists', { cookie: officer }))).toEqual([]);
    await json(await api(`/api/training/lists/${created.id}`, { method: 'PUT', cookie: trainer, json: { shared: true } }));
    const officerLists = await json<TrainingListSummary[]>(await api('/api/training/lists', { cookie: officer }));
    expect(officerLists.map((l) => [l.name, l.itemCount])).toEqual([['值班员应知应会', 2]]);
    const booklet = await api(`/api/training/lists/${created.id}/print`, { cookie: officer });
    expect(booklet.headers.get('content-type')).toContain('text/html');
    expect(await booklet.text()).toContain('必背');
    expect((await api('/api/training/lists', { method: 'POST', cookie: officer, json: { name: 'x' } })).status).toBe(403);

    // A quiz from the list: one question per article.
    const fromList = await json<QuizDetail>(await api('/api/training/quizzes', { method: 'POST', cookie: trainer, json: { listId: created.id, seed: 1 } }), 201);
    expect(fromList.questions.length).toBe(2);
    expect(new Set(fromList.questions.map((q) => q.source.locator)).size).toBe(2);

    // A quiz from a whole document, then edited: drop one, reorder, reword one, add one by hand.
    const docId = hitA.docId;
    const quiz = await json<QuizDetail>(
      await api('/api/training/quizzes', { method: 'POST', cookie: trainer, json: { docId, n: 6, seed: 3, title: '安全生产示例测验' } }),
      201,
    );
    expect(quiz.status).toBe('draft');
    expect(quiz.questions.length).toBe(6);
    expect(quiz.questions.every((q) => q.source.title === SAFETY_TITLE)).toBe(true);
    const [q1, q2, q3, ...rest] = quiz.questions;
    const bad = await api(`/api/training/quizzes/${quiz.id}`, {
      method: 'PUT',
      cookie: trainer,
      json: { questions: [{ kind: 'choice', prompt: '？', options: ['甲', '乙'], answer: '丙' }] },
    });
    expect(bad.status).toBe(400);
    const edited = await json<QuizDetail>(
      await api(`/api/training/quizzes/${quiz.id}`, {
        method: 'PUT',
        cookie: trainer,
        json: {
          questions: [
            { id: q2!.id },
            { id: q1!.id, prompt: `（改写）${q1!.prompt}` },
            ...rest.map((q) => ({ id: q.id })),
            { kind: 'judge', prompt: '事故现场有关人员应当立即报告本单位负责人。', answer: true },
          ],
        },
      }),
    );
    expect(edited.questions.map((q) => q.id)).toEqual([q2!.id, q1!.id, ...rest.map((q) => q.id), 'q7']);
    expect(edited.questions.some((q) => q.id === q3!.id)).toBe(false);
    expect(edited.questions[1]!.prompt.startsWith('（改写）')).toBe(true);

    // Not visible to officers before publishing.
    expect((await api(`/api/training/quizzes/${quiz.id}`, { cookie: officer })).status).toBe(400);
    expect(await json<QuizSummary[]>(await api('/api/training/quizzes', { cookie: officer }))).toEqual([]);
    const published = await json<QuizDetail>(await api(`/api/training/quizzes/${quiz.id}/publish`, { method: 'POST', cookie: trainer }));
    expect(published.status).toBe('published');
    expect((await api(`/api/training/quizzes/${quiz.id}`, { method: 'PUT', cookie: trainer, json: { title: 'x' } })).status).toBe(409);

    // The officer takes it: no keys, no sources in what they receive.
    const taking = await json<QuizForTaking>(await api(`/api/training/quizzes/${quiz.id}`, { cookie: officer }));
    expect(taking.questions).toHaveLength(edited.questions.length);
    expect(JSON.stringify(taking)).not.toContain('"answer"');
    expect(JSON.stringify(taking)).not.toContain('"source"');
    const wrongId = edited.questions[0]!.id;
    const answers = edited.questions.map((q) => ({
      questionId: q.id,
      answer: q.id === wrongId ? (q.kind === 'judge' ? !q.answer : '错误答案') : q.answer,
    }));
    const result = await json<QuizAttemptResult>(
      await api(`/api/training/quizzes/${quiz.id}/attempts`, { method: 'POST', cookie: officer, json: { answers } }),
      201,
    );
    expect(result.score).toBe(edited.questions.length - 1);
    expect(result.total).toBe(edited.questions.length);
    const miss = result.corrections.filter((c) => !c.correct);
    expect(miss.map((c) => c.questionId)).toEqual([wrongId]);
    expect(miss[0]!.source.title).toBe(SAFETY_TITLE);
    expect(miss[0]!.source.text).toBe(edited.questions[0]!.source.text);
    expect(miss[0]!.answer).toEqual(edited.questions[0]!.answer);

    // The trainer's results, per question and per person; CSV; officers may not see them.
    const results = await json<QuizResultsResponse>(await api(`/api/training/quizzes/${quiz.id}/results`, { cookie: trainer }));
    expect(results.attempts).toBe(1);
    expect(results.perQuestion.find((r) => r.questionId === wrongId)).toMatchObject({ attempts: 1, correct: 0 });
    expect(results.perPerson).toEqual([expect.objectContaining({ username: 'officer1', bestScore: edited.questions.length - 1 })]);
    expect((await api(`/api/training/quizzes/${quiz.id}/results`, { cookie: officer })).status).toBe(403);
    const csv = await api(`/api/training/quizzes/${quiz.id}/results.csv`, { cookie: trainer });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.startsWith(`officer1,`)).toBe(true);

    // Paper version: answer sheet for everyone, the key only for the trainer.
    const paper = await (await api(`/api/training/quizzes/${quiz.id}/print`, { cookie: officer })).text();
    expect(paper).toContain('答题卡');
    expect(paper).not.toContain('参考答案');
    const keyed = await (await api(`/api/training/quizzes/${quiz.id}/print?key=1`, { cookie: trainer })).text();
    expect(keyed).toContain('参考答案');

    // Stored in the knowledge folder, in files written whole.
    const stored = JSON.parse(await readFile(path.join(server.dir, 'training', 'quizzes.json'), 'utf8')) as { quizzes: unknown[] };
    expect(stored.quizzes).toHaveLength(2);
    const attempts = JSON.parse(await readFile(path.join(server.dir, 'training', 'attempts', `${quiz.id}.json`), 'utf8')) as { attempts: unknown[] };
    expect(attempts.attempts).toHaveLength(1);
  });

  it('refuses a quiz request for an unknown document and a bad question count', async () => {
    const unknown = await server.api('/api/training/quizzes', { method: 'POST', cookie: trainer, json: { docId: 'nope' } });
    expect(unknown.status).toBe(404);
    const tooMany = await server.api('/api/training/quizzes', { method: 'POST', cookie: trainer, json: { docId: 'nope', n: 10_000 } });
    expect(tooMany.status).toBe(400);
    expect((await server.api('/api/training/lists')).status).toBe(401);
  });
});
