import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../server/server-harness.js';
import { corpusPath, REPO_ROOT } from '../support/knowledge.js';
import { launchChromium } from './browser.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');
const DOCX = corpusPath('fixtures', 'work-accident-emergency-reg.docx');

describe('web UI in Debian chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    server = await startTestServer(
      [
        corpusPath('regulations', 'emergency-response-law.md'),
        corpusPath('regulations', 'flood-control-law.md'),
        corpusPath('plans', 'putuo-flood-typhoon-plan.md'),
      ],
      { webDistDir: undefined },
    );
    await server.app.users.add('值班员甲', 'officer', 'officer-password-1');
    await server.app.users.add('trainer1', 'trainer', 'trainer-password-1');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function loggedIn(username: string, password: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(username);
    await page.getByPlaceholder('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.status').getByText('离线检索模式').waitFor();
    return page;
  }

  async function ask(page: Page, question: string): Promise<void> {
    const before = await page.locator('.turn').count();
    const input = page.getByLabel('问题');
    await input.fill(question);
    await input.press('Enter');
    await page.locator('.turn').nth(before).locator('.actions button', { hasText: '复制' }).waitFor();
  }

  it('rejects a wrong password with a readable message', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill('admin');
    await page.getByPlaceholder('密码').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.login-error', { hasText: '用户名或密码错误' }).waitFor();
    await page.context().close();
  });

  it('an officer logs in, asks, sees the streamed answer and opens a source card', async () => {
    const page = await loggedIn('值班员甲', 'officer-password-1');
    await expect(page.locator('.status').textContent()).resolves.toMatch(/索引：3 份文档/);
    // Reading is for every role: an officer has 法规浏览 too (changing documents stays with admins).
    expect(await page.locator('.nav a').allTextContents()).toEqual(['对话', '事件速判', '法规浏览', '培训', '新规速递', '修订对照']);
    await ask(page, '台风防御的应急响应分为几级？');
    const turn = page.locator('.turn').last();
    expect((await turn.locator('.answer-body').innerText()).length).toBeGreaterThan(10);
    await expect(turn.locator('.badge').textContent()).resolves.toBe('离线检索模式');
    const cite = turn.locator('button.cite').first();
    if (await cite.count()) await cite.click();
    else await turn.locator('.source-card summary').first().click();
    const card = turn.locator('.source-card[open]').first();
    await card.locator('.passage').waitFor();
    expect(await card.locator('.src-title').innerText()).toMatch(/《.+》/);
    expect(await card.locator('.src-link').count()).toBe(1); // officers read the whole article a card cites
    await page.screenshot({ path: path.join(SHOTS, 'chat-officer.png'), fullPage: true });

    // Follow-up in the same conversation, then it appears in the conversation list.
    await ask(page, '那防汛抗旱指挥机构由谁设立？');
    await expect(page.locator('.turn').count()).resolves.toBe(2);
    await page.locator('.conv-list .conv').first().waitFor();
    await page.getByRole('button', { name: '＋ 新对话' }).click();
    await page.locator('.empty').waitFor();
    await page.context().close();
  });

  it('works at phone width', async () => {
    const page = await loggedIn('值班员甲', 'officer-password-1', { width: 390, height: 800 });
    await page.getByRole('button', { name: '☰ 对话列表' }).click();
    await page.locator('.conv-list .conv').first().click();
    await page.locator('.turn').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'chat-phone.png') });
    await page.context().close();
  });

  it('an admin uploads a DOCX with progress and then finds its content by asking', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: '文档管理', exact: true }).click();
    await page.locator('.docs-table tbody tr').first().waitFor();
    await page.locator('input[type=file][multiple]').setInputFiles(DOCX);
    const row = page.locator('.upload-list li', { hasText: 'work-accident-emergency-reg.docx' });
    await row.locator('span.ok', { hasText: '已索引' }).waitFor({ timeout: 60_000 });
    await page.locator('.docs-table tbody tr', { hasText: 'work-accident-emergency-reg.docx' }).waitFor();
    await expect(page.locator('.docs-table tbody tr', { hasText: 'work-accident-emergency-reg.docx' }).locator('td[data-label="状态"]').innerText()).resolves.toContain('已索引');
    await page.screenshot({ path: path.join(SHOTS, 'docs-admin.png'), fullPage: true });

    await page.getByRole('link', { name: '对话', exact: true }).click();
    await ask(page, '生产安全事故应急救援预案应当多久组织一次演练？');
    const turn = page.locator('.turn').last();
    await expect(turn.locator('.sources').innerText()).resolves.toContain('生产安全事故应急条例');
    await page.screenshot({ path: path.join(SHOTS, 'chat-uploaded-docx.png'), fullPage: true });
    await page.context().close();
  });

  it('a trainer browses a regulation article by article and jumps to 第X条', async () => {
    const page = await loggedIn('trainer1', 'trainer-password-1');
    await page.getByRole('link', { name: '法规浏览', exact: true }).click();
    await page.getByRole('link', { name: /突发事件应对法/ }).click();
    await page.locator('.article').first().waitFor();
    await page.getByLabel('跳转到条或章节').fill('21');
    await page.getByRole('button', { name: '跳转' }).click();
    const target = page.locator('[data-article="第二十一条"]');
    await expect(target.innerText()).resolves.toContain('第二十一条');
    await page.screenshot({ path: path.join(SHOTS, 'browse-trainer.png') });
    await page.context().close();
  });
});
