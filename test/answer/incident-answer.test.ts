/** A question that describes an incident is answered with the 事件速判 card as its 行动要点, then the passages. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAnswer } from '../../src/answer/answer-question.js';
import { formatLocalTime } from '../../src/core/local-time.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { REPO_ROOT } from '../support/paths.js';

const FIXTURES = path.join(REPO_ROOT, 'test/triage/fixtures');
let kb: Awaited<ReturnType<typeof createTestKnowledgeBase>>;

beforeAll(async () => {
  kb = await createTestKnowledgeBase([FIXTURES]);
});
afterAll(async () => kb?.cleanup());

describe('incident questions in the chat (no model)', () => {
  it('opens with the cited 行动要点 of the triage card, before the extractive passages', async () => {
    const r = await collectAnswer(kb.services.answerDeps, { question: '仓库货架倒了砸死一个人，区里要启动几级响应？' });
    expect(r.answer.startsWith('**行动要点（事件速判）**')).toBe(true);
    expect(r.answer).toContain('**Ⅳ级响应**');
    expect(r.answer).toMatch(/分钟内（\d+月\d+日 \d{2}:\d{2} 前）/);
    expect(r.answer.indexOf('行动要点')).toBeLessThan(r.answer.indexOf('[1]'));
    // One 行动要点 block: the extracted obligations follow as 相关规定要点.
    expect(r.answer).not.toContain('**行动要点**\n');
  });

  it('does not call the deadlines "not stated" when the card states them from the plans', async () => {
    const r = await collectAnswer(kb.services.answerDeps, { question: '车间爆炸死了两个工人，要在多长时间内上报？' });
    expect(r.answer.startsWith('**行动要点（事件速判）**')).toBe(true);
    expect(r.answer).toMatch(/分钟内（\d+月\d+日 \d{2}:\d{2} 前）/);
    expect(r.answer).not.toContain('未载明');
    expect(r.basis).toBe('solid');
    // Asked when to report: the card's deadlines come before the response levels.
    expect(r.answer.split('\n')[1]).toMatch(/^- \d+分钟内/);
  });

  it('leaves questions that describe no incident alone', async () => {
    const r = await collectAnswer(kb.services.answerDeps, { question: '应急预案多久修订一次？' });
    expect(r.answer).not.toContain('行动要点（事件速判）');
  });

  it('shows times in the bureau time zone, not the server clock zone', () => {
    expect(formatLocalTime('2026-12-01T06:45:00Z', 'Asia/Shanghai')).toBe('12月1日 14:45');
    expect(formatLocalTime('2026-12-01T06:45:00Z', 'UTC')).toBe('12月1日 06:45');
  });
});
