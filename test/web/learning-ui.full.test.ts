/** Learning from use in Debian chromium: an admin attaches a 👎 question to the right article, and removes it again. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResponse } from '../../src/server/events.js';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from '../server/server-harness.js';
import { REPO_ROOT } from '../support/paths.js';
import { launchChromium } from './browser.js';
import type { StoredQuestion } from '../../src/index/question-store.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
/**
 * Too spoken for the retriever: the answer cites the leak card's 第一发现人 and the flood plan, not the article that
 * says what to do with the rescued person (第十一条). Checked in the first test, so a better retriever shows up here
 * as a failed premise, not as a pass for the wrong reason.
 */
const QUESTION = '人捞上来了，接下来我们能做点啥？';
const PARAPHRASE = '人捞上来以后，我们接下来该做点啥？';
const TARGET = '第十一条';

describe('learning from use in the admin UI', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;
  let docId: string;
  let targetChunk: string;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    server = await startTestServer([SEED_FILES.confinedSpace, SEED_FILES.flood, SEED_FILES.hazchem], { webDistDir: undefined });
    admin = await server.login('admin', ADMIN_PASSWORD);
    const officer = await server.userCookie('duty-officer', 'officer');
    const ask = await server.api('/api/ask', { method: 'POST', cookie: officer, json: { question: QUESTION, requestId: 'learn-1', conversationId: 'learn-c1' } });
    expect(ask.status).toBe(200);
    const down = await server.api('/api/feedback', { method: 'POST', cookie: officer, json: { requestId: 'learn-1', rating: 'down', comment: '没说救上来以后怎么办' } });
    expect(down.status).toBe(200);
    const doc = server.kb.listDocuments().find((d) => d.title.includes('有限空间'))!;
    docId = doc.id;
    targetChunk = server.kb.getChunks(doc.id).find((c) => c.articleLabel === TARGET)!.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function loggedIn(viewport: { width: number; height: number }): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill('admin');
    await page.getByPlaceholder('密码').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.status').getByText('离线检索模式').waitFor();
    return page;
  }

  async function search(q: string): Promise<SearchResponse> {
    return (await server.api(`/api/search?q=${encodeURIComponent(q)}`, { cookie: admin })).json();
  }

  const noSidewaysScroll = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth);

  it('an admin picks another article for a 👎 question through the search box; a paraphrase then finds that article first', async () => {
    // Before: the paraphrase does not lead with 第十一条, so what follows is the attachment's doing.
    expect((await search(PARAPHRASE)).hits[0].chunkId).not.toBe(targetChunk);

    const page = await loggedIn(DESKTOP);
    await page.getByRole('link', { name: '反馈', exact: true }).click();
    const card = page.locator('.feedback-card', { hasText: QUESTION });
    await card.waitFor();
    await card.getByRole('button', { name: '指定正确条文' }).click();
    const picker = card.locator('.passage-picker');
    // The cited passages come first, each with its title, article, excerpt and a link into 法规浏览.
    const first = picker.locator('.picker-item').first();
    await first.waitFor();
    expect(await first.innerText()).toContain('回答引用');
    expect(await first.innerText()).toMatch(/^《[^》]+》/);
    expect(await first.getByRole('link', { name: '查看原文' }).getAttribute('href')).toMatch(/^#\/browse\/[^/]+\/\d+$/);
    expect(await picker.locator(`.picker-item[data-chunk="${targetChunk}"]`).count()).toBe(0);
    // styles.css once left a phone @media block open, so every rule after it applied only below 760 px.
    expect(await picker.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('dashed');
    await first.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'learning-picker-1280.png') });

    await picker.getByLabel('搜索条文').fill('有限空间第十一条');
    await picker.getByRole('button', { name: '搜索', exact: true }).click();
    const target = picker.locator(`.picker-item[data-chunk="${targetChunk}"]`);
    await target.waitFor();
    expect(await target.innerText()).toContain('心肺复苏');
    await target.locator('input[type=radio]').check();
    await picker.getByRole('button', { name: '关联此条文' }).click();
    await card.locator('.attached-note', { hasText: `已关联到《有限空间作业事故应急处置规程（示例）》${TARGET}` }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'learning-attached-1280.png') });

    const stored: StoredQuestion[] = await (await server.api(`/api/documents/${docId}/questions`, { cookie: admin })).json();
    expect(stored).toEqual([expect.objectContaining({ chunkId: targetChunk, question: QUESTION, source: 'admin', addedBy: 'admin', articleLabel: TARGET })]);
    expect((await search(PARAPHRASE)).hits[0].chunkId).toBe(targetChunk);

    // Marking the 👎 handled from the same card moves it out of the open list.
    await card.getByRole('button', { name: '同时标记此反馈为已处理' }).click();
    await page.locator('.feedback-list', { hasText: '没有待处理的反馈' }).waitFor();
    await page.context().close();
  });

  it('the server says in Chinese why an attachment failed, and the card shows it', async () => {
    const page = await loggedIn(DESKTOP);
    await page.getByRole('link', { name: '反馈', exact: true }).click();
    await page.getByRole('tab', { name: '已处理' }).click();
    const card = page.locator('.feedback-card', { hasText: QUESTION });
    await card.getByRole('button', { name: '指定正确条文' }).click();
    const picker = card.locator('.passage-picker');
    await picker.locator('.picker-item').first().locator('input[type=radio]').check();
    await picker.getByLabel('要关联的问题').fill('   ');
    await picker.getByRole('button', { name: '关联此条文' }).click();
    await expect.poll(() => picker.locator('[role=status]').innerText()).toBe('问题不能为空。');
    await page.context().close();
  });

  it('in the documents page an admin sees the attached question with its article, source, who and when, and deletes it after confirming', async () => {
    const page = await loggedIn(DESKTOP);
    await page.getByRole('link', { name: '文档管理', exact: true }).click();
    const row = page.locator(`.docs-table tr[data-doc="${docId}"]`);
    const button = row.getByRole('button', { name: '关联问题（1）' });
    await button.waitFor();
    expect(await page.locator('.docs-table tr[data-doc]').getByRole('button', { name: '关联问题（0）' }).count()).toBe(2);
    await button.click();
    const item = page.locator(`tr[data-questions-of="${docId}"] .question-item`);
    await item.waitFor();
    const text = await item.innerText();
    expect(text).toContain(QUESTION);
    expect(text).toContain(TARGET);
    expect(text).toContain('管理员确认');
    expect(text).toMatch(/admin · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await page.screenshot({ path: path.join(SHOTS, 'learning-doc-questions-1280.png'), fullPage: true });

    // Declining the confirm keeps it; accepting removes it.
    page.once('dialog', (d) => void d.dismiss());
    await item.getByRole('button', { name: '删除' }).click();
    expect(await item.count()).toBe(1);
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => { resolve(d.message()); void d.accept(); }));
    await item.getByRole('button', { name: '删除' }).click();
    expect(await asked).toContain(QUESTION);
    await row.getByRole('button', { name: '关联问题（0）' }).waitFor();
    await expect.poll(() => item.count()).toBe(0);
    expect(await (await server.api(`/api/documents/${docId}/questions`, { cookie: admin })).json()).toEqual([]);
    expect((await search(PARAPHRASE)).hits[0].chunkId).not.toBe(targetChunk);
    await page.context().close();
  });

  it('at 390 px the picker and the question list fit the screen, with their buttons on it', async () => {
    // Attach again through the API so the phone has a question to list.
    await server.api('/api/questions', { method: 'POST', cookie: admin, json: { chunkId: targetChunk, question: QUESTION } });
    const page = await loggedIn(PHONE);
    await page.goto(`${server.url}/#/feedback`);
    await page.getByRole('tab', { name: '全部' }).click();
    const card = page.locator('.feedback-card', { hasText: QUESTION });
    await card.getByRole('button', { name: '指定正确条文' }).click();
    await card.locator('.picker-item').first().waitFor();
    await card.locator('.picker-item').nth(3).waitFor();
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(PHONE.width);
    for (const name of ['关联此条文', '搜索']) {
      const b = card.getByRole('button', { name, exact: true });
      await b.scrollIntoViewIfNeeded();
      const box = (await b.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await card.locator('.picker-item').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'learning-picker-390.png') });

    await page.goto(`${server.url}/#/docs`);
    const row = page.locator(`.docs-table tr[data-doc="${docId}"]`);
    await row.getByRole('button', { name: '关联问题（1）' }).click();
    const remove = page.locator(`tr[data-questions-of="${docId}"] .question-item`).getByRole('button', { name: '删除' });
    await remove.scrollIntoViewIfNeeded();
    const box = (await remove.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: path.join(SHOTS, 'learning-doc-questions-390.png'), fullPage: true });
    await page.context().close();
  });
});
