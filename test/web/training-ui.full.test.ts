/**
 * 培训 in Debian chromium: a trainer builds an 应知应会 list from source cards and 法规浏览, generates, edits and
 * publishes a quiz; an officer takes it at phone width and sees the corrections; the trainer sees the result.
 * The regulation is written by the test (a 示例 text, not a real law).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Quiz, TrainingListSummary } from '../../src/server/events.js';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';
import { makeTempDir, REPO_ROOT } from '../support/knowledge.js';
import { launchChromium } from './browser.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');

const REGULATION = `# 示例安全生产事故报告条例

（示例文本，仅供测试，不是任何机关的正式文件）

## 第一章 总则

第一条 为了规范示例市生产安全事故的报告和调查处理，制定本条例。

第二条 生产经营单位的主要负责人对本单位的事故报告工作全面负责。

## 第二章 事故报告

第三条 事故发生后，事故现场有关人员应当立即向本单位负责人报告；单位负责人接到报告后，应当于1小时内向事故发生地县级以上人民政府应急管理部门报告。

第四条 应急管理部门接到事故报告后，应当在2小时内逐级上报事故情况。

第五条 事故报告后出现新情况的，应当及时补报；自事故发生之日起30日内，事故造成的伤亡人数发生变化的，应当及时补报。

第六条 事故发生后，有关单位和人员应当妥善保护事故现场以及相关证据，任何单位和个人不得破坏事故现场、毁灭相关证据。

第七条 事故调查组应当自事故发生之日起60日内提交事故调查报告。

第八条 有关地方人民政府应当自收到事故调查报告之日起15日内做出批复。

## 第三章 法律责任

第九条 事故发生单位主要负责人不立即组织事故抢救的，处上一年年收入40%至80%的罚款。

第十条 事故发生单位迟报或者漏报事故的，处五十万元以上一百万元以下的罚款。

第十一条 谎报或者瞒报事故的，对事故发生单位处一百万元以上五百万元以下的罚款。

第十二条 事故发生单位对一般事故负有责任的，处二十万元以上五十万元以下的罚款。

第十三条 阻挠、干涉事故调查处理的，对有关单位处二万元以上十万元以下的罚款。

第十四条 对事故发生单位负有事故责任的有关人员，处一万元以上五万元以下的罚款。
`;

const TRAINER = { name: 'trainer2', password: 'trainer-password-2' };
const OFFICER = { name: '值班员丙', password: 'officer-password-3' };

/** The whole scrolled page in one picture: the shell never scrolls, its pages do. */
async function shootWhole(page: Page, file: string, scroller = '.training-page'): Promise<void> {
  const size = page.viewportSize()!;
  const extra = await page.evaluate((sel) => {
    const el = document.querySelector<HTMLElement>(sel);
    return el ? el.scrollHeight - el.clientHeight : 0;
  }, scroller);
  await page.setViewportSize({ width: size.width, height: size.height + Math.max(0, extra) });
  await page.screenshot({ path: path.join(SHOTS, file) });
  await page.setViewportSize(size);
}

describe('培训 in Debian chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    const dir = await makeTempDir('yingji-training-ui-');
    const file = path.join(dir, 'sample-accident-reporting-reg.md');
    await writeFile(file, REGULATION);
    server = await startTestServer([file], { webDistDir: undefined });
    await server.app.users.add(TRAINER.name, 'trainer', TRAINER.password);
    await server.app.users.add(OFFICER.name, 'officer', OFFICER.password);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function loggedIn(who: { name: string; password: string }, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await (await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })).newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(who.name);
    await page.getByPlaceholder('密码').fill(who.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.nav a', { hasText: '培训' }).waitFor();
    return page;
  }

  async function askAndAddFirstCard(page: Page, question: string, newListName?: string): Promise<string> {
    await page.getByRole('link', { name: '对话', exact: true }).click();
    const before = await page.locator('.turn').count();
    await page.getByLabel('问题').fill(question);
    await page.getByLabel('问题').press('Enter');
    const turn = page.locator('.turn').nth(before);
    await turn.locator('.actions button', { hasText: '复制' }).waitFor();
    const card = turn.locator('.source-card').first();
    await card.locator('summary').click();
    const title = (await card.locator('.src-loc').innerText()).trim();
    await card.getByRole('button', { name: '加入清单' }).click();
    if (newListName) {
      await expect(card.getByLabel('选择清单').inputValue()).resolves.toBe('__new__');
      await card.getByLabel('新清单名称').fill(newListName);
    }
    await card.getByRole('button', { name: '加入', exact: true }).click();
    await card.locator('.add-to-list .ok').waitFor();
    return title;
  }

  it('a trainer builds a list from two source cards, generates, edits and publishes a quiz; an officer takes it; the trainer sees the result', async () => {
    const trainer = await loggedIn(TRAINER);

    // 1. Two source cards in the chat → a new list, then the same list.
    const first = await askAndAddFirstCard(trainer, '单位负责人接到事故报告后，应当在多长时间内向应急管理部门报告？', '应知应会（事故报告）');
    await expect(trainer.locator('.add-to-list .ok').last().innerText()).resolves.toContain('共 1 条');
    const second = await askAndAddFirstCard(trainer, '迟报或者漏报事故的，对事故发生单位处多少罚款？');
    expect(second).not.toBe(first);
    await expect(trainer.locator('.add-to-list .ok').last().innerText()).resolves.toContain('共 2 条');
    await trainer.screenshot({ path: path.join(SHOTS, 'training-source-card-add.png') });

    // 2. A third article from 法规浏览.
    await trainer.getByRole('link', { name: '法规浏览', exact: true }).click();
    await trainer.getByRole('link', { name: /示例安全生产事故报告条例/ }).click();
    const article = trainer.locator('[data-article="第十三条"]');
    await article.getByRole('button', { name: '加入清单' }).click();
    await article.getByRole('button', { name: '加入', exact: true }).click();
    await expect(article.locator('.add-to-list .ok').innerText()).resolves.toContain('共 3 条');
    await trainer.screenshot({ path: path.join(SHOTS, 'training-browse-add.png') });

    // 3. The list: annotate, reorder, share.
    await trainer.getByRole('link', { name: '培训', exact: true }).click();
    await trainer.getByRole('link', { name: '应知应会（事故报告）', exact: true }).click();
    const items = trainer.locator('.tr-item');
    await items.first().waitFor();
    await expect(items.count()).resolves.toBe(3);
    await items.nth(0).locator('textarea').fill('注意：是1小时，不是2小时');
    await items.nth(0).getByRole('button', { name: '保存说明' }).click();
    await trainer.getByText('说明已保存').waitFor();
    await items.nth(2).getByRole('button', { name: '上移' }).click();
    await trainer.getByText('顺序已保存').waitFor();
    await expect(items.nth(1).locator('h3').innerText()).resolves.toContain('第十三条');
    await trainer.getByLabel('共享给值班员（以手册形式阅读）').check();
    await trainer.getByText('已共享给值班员').waitFor();
    await shootWhole(trainer, 'training-list-trainer.png');

    // 4. Generate from the list, then edit one stem, drop one question, move the last up, publish.
    await trainer.getByRole('button', { name: '用此清单生成测验' }).click();
    await trainer.locator('.tr-q').first().waitFor();
    const generated = await trainer.locator('.tr-q').count();
    expect(generated).toBe(3);
    const stem = trainer.getByLabel('第 1 题题干');
    await stem.fill(`（改）${await stem.inputValue()}`);
    const dropped = await trainer.locator('.tr-q').nth(1).getAttribute('data-qid');
    await trainer.locator('.tr-q').nth(1).getByRole('button', { name: '删除此题' }).click();
    await trainer.locator('.tr-q').nth(1).getByRole('button', { name: '上移' }).click();
    await trainer.getByRole('button', { name: '保存修改' }).click();
    await trainer.getByText('已保存', { exact: true }).waitFor();
    await shootWhole(trainer, 'training-quiz-edit.png');
    await trainer.getByRole('button', { name: '发布' }).click();
    await trainer.getByText('已发布，值班员现在可以作答。').waitFor();
    const quizId = decodeURIComponent(trainer.url().split('/').pop()!);

    const cookie = await server.login(TRAINER.name, TRAINER.password);
    const quiz = (await (await server.api(`/api/training/quizzes/${quizId}`, { cookie })).json()) as Quiz;
    expect(quiz.status).toBe('published');
    expect(quiz.questions).toHaveLength(2);
    expect(quiz.questions.some((q) => q.id === dropped)).toBe(false);
    expect(quiz.questions[1]!.prompt.startsWith('（改）')).toBe(true);
    const lists = (await (await server.api('/api/training/lists', { cookie })).json()) as TrainingListSummary[];
    expect(lists[0]).toMatchObject({ itemCount: 3, shared: true });

    // 5. The officer, at phone width: the booklet, then the quiz — first answer right, second wrong.
    const officer = await loggedIn(OFFICER, { width: 390, height: 844 });
    await officer.getByRole('link', { name: '培训', exact: true }).click();
    await officer.getByRole('link', { name: '应知应会（事故报告）', exact: true }).click();
    await expect(officer.locator('.tr-booklet').innerText()).resolves.toContain('培训师提示：注意：是1小时，不是2小时');
    await officer.screenshot({ path: path.join(SHOTS, 'training-booklet-phone.png') });
    await officer.getByRole('link', { name: '← 返回培训' }).click();
    await officer.getByRole('link', { name: quiz.title, exact: true }).waitFor();
    await officer.screenshot({ path: path.join(SHOTS, 'training-home-officer-phone.png') });
    await officer.getByRole('link', { name: quiz.title, exact: true }).click();
    await officer.locator('.tr-take .tr-q').first().waitFor();
    const [right, wrong] = quiz.questions;
    await answer(officer, 0, right!, true);
    await answer(officer, 1, wrong!, false);
    await officer.screenshot({ path: path.join(SHOTS, 'training-quiz-phone.png') });
    await officer.getByRole('button', { name: '交卷' }).click();
    await expect(officer.locator('.tr-score .tr-big').innerText()).resolves.toBe('得分 1 / 2');
    const corrected = officer.locator('.tr-q.wrong');
    await expect(corrected.count()).resolves.toBe(1);
    await expect(corrected.locator('.tr-decides').innerText()).resolves.toContain(wrong!.source.text.slice(0, 12));
    await expect(officer.locator('.tr-q.right').count()).resolves.toBe(1);
    const overflow = await officer.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(390);
    await officer.locator('.tr-q.wrong').scrollIntoViewIfNeeded();
    await officer.screenshot({ path: path.join(SHOTS, 'training-quiz-corrections-phone.png') });

    // 6. The trainer sees the attempt per person and per question, and the CSV.
    await trainer.reload();
    const results = trainer.locator('.tr-results');
    await expect.poll(() => results.locator('.tr-people tbody tr').count()).toBe(1);
    await expect(results.locator('.tr-people').innerText()).resolves.toContain(OFFICER.name);
    await expect(results.locator('.tr-per-question tbody tr').count()).resolves.toBe(2);
    await expect(results.locator('.tr-per-question tbody tr').nth(0).innerText()).resolves.toContain('100%');
    await expect(results.locator('.tr-per-question tbody tr').nth(1).innerText()).resolves.toContain('0%');
    const csvHref = await results.getByRole('link', { name: '下载 CSV' }).getAttribute('href');
    const csv = await (await server.api(csvHref!, { cookie })).text();
    expect(csv).toContain(OFFICER.name);
    await expect(trainer.getByRole('link', { name: '打印试卷（含答案）' }).getAttribute('href')).resolves.toBe(`/api/training/quizzes/${quizId}/print?key=1`);
    await shootWhole(trainer, 'training-results.png');
    await trainer.getByRole('link', { name: '← 返回培训' }).click();
    await trainer.locator('.tr-form').last().waitFor();
    await shootWhole(trainer, 'training-home-trainer.png');

    // 7. Single-choice questions from one chapter of the document: the option that is the key can be reworded.
    await trainer.getByLabel('出题范围').selectOption({ label: '示例安全生产事故报告条例' });
    await trainer.getByLabel('章节').selectOption('第三章 法律责任');
    await trainer.getByLabel('题量').fill('3');
    await trainer.getByLabel('填空题').uncheck();
    await trainer.getByLabel('判断题').uncheck();
    await trainer.getByRole('button', { name: '生成测验' }).click();
    const choice = trainer.locator('.tr-q').first();
    await trainer.locator('.tr-q, .tr-form .error:not(:empty)').first().waitFor();
    expect(await trainer.locator('.tr-form .error:not(:empty)').allInnerTexts()).toEqual([]);
    await expect(choice.locator('strong').innerText()).resolves.toBe('1．单选题');
    const keyIndex = await choice.locator('input[type=radio]').evaluateAll((els) => els.findIndex((e) => (e as HTMLInputElement).checked));
    expect(keyIndex).toBeGreaterThanOrEqual(0);
    const keyField = choice.getByLabel(`第 1 题选项 ${'ABCD'[keyIndex]}`);
    const reworded = `${await keyField.inputValue()}（以条文为准）`;
    await keyField.fill(reworded);
    await trainer.getByRole('button', { name: '保存修改' }).click();
    await trainer.getByText('已保存', { exact: true }).waitFor();
    const choiceQuizId = decodeURIComponent(trainer.url().split('/').pop()!);
    const choiceQuiz = (await (await server.api(`/api/training/quizzes/${choiceQuizId}`, { cookie })).json()) as Quiz;
    expect(choiceQuiz.origin).toMatchObject({ kind: 'chapter', chapter: '第三章 法律责任' });
    expect(choiceQuiz.questions.every((q) => q.kind === 'choice' && q.source.locator.startsWith('第三章'))).toBe(true);
    expect(choiceQuiz.questions[0]!.answer).toBe(reworded);
    await shootWhole(trainer, 'training-quiz-choice-edit.png');
    await trainer.setViewportSize({ width: 390, height: 844 });
    await trainer.screenshot({ path: path.join(SHOTS, 'training-quiz-choice-edit-phone.png') });
    expect(await trainer.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await trainer.setViewportSize({ width: 1280, height: 900 });

    // 8. A draft that is not wanted is deleted.
    await trainer.getByRole('button', { name: '删除测验' }).click();
    await trainer.locator('h1.tr-title').waitFor();
    await expect(trainer.locator('.tr-index a').allInnerTexts()).resolves.not.toContain(choiceQuiz.title);
    await trainer.context().close();
    await officer.context().close();
  });
});

/** Answers question `i` on the officer's sheet, right or wrong, knowing the key from the trainer's view. */
async function answer(page: Page, i: number, q: Quiz['questions'][number], correct: boolean): Promise<void> {
  const item = page.locator('.tr-take .tr-q').nth(i);
  if (q.kind === 'blank') {
    await item.getByLabel(`第 ${i + 1} 题答案`).fill(correct ? String(q.answer) : '三天之内');
  } else if (q.kind === 'judge') {
    const say = correct ? q.answer === true : q.answer !== true;
    await item.getByRole('radio', { name: say ? '正确' : '错误' }).check();
  } else {
    const options = q.options ?? [];
    const pick = correct ? options.indexOf(String(q.answer)) : options.findIndex((o) => o !== q.answer);
    await item.getByRole('radio').nth(pick).check();
  }
}
