/** 新规速递 and the side-by-side 修订对照 in Debian chromium, with screenshots in test-output/. */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';
import { corpusPath, makeTempDir, REPO_ROOT } from '../support/knowledge.js';
import { launchChromium } from '../web/browser.js';
import { FILES, writeVersions } from './sample-versions.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');

describe('versions in the web UI', () => {
  let server: TestServer;
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    work = await makeTempDir('yingji-versions-ui-');
    const samples = await writeVersions(work, ['v2019', 'v2023']);
    server = await startTestServer(
      [corpusPath('full/行政法/突发事件应对法(2007-08-30).md'), corpusPath('full/行政法/突发事件应对法(2024-06-28).md'), ...samples],
      { webDistDir: undefined },
    );
    await server.app.users.add('值班员甲', 'officer', 'officer-password-1');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function loggedIn(viewport = { width: 1280, height: 860 }, user = ['值班员甲', 'officer-password-1']): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(user[0]!);
    await page.getByPlaceholder('密码').fill(user[1]!);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.status').getByText('离线检索模式').waitFor();
    return page;
  }

  it('an officer reads 新规速递 and opens the 修订对照表 of the 2024 revision', async () => {
    const page = await loggedIn();
    await page.locator('.nav a', { hasText: '新规速递' }).click();
    await page.locator('.feed-item').first().waitFor();
    const item = page.locator('.feed-item', { hasText: '突发事件应对法' }).filter({ hasText: '新版本' });
    await expect(item.innerText()).resolves.toMatch(/新增 \d+[\s\S]*修改 \d+[\s\S]*移动 \d+/);
    await page.screenshot({ path: path.join(SHOTS, 'versions-feed.png'), fullPage: false });
    await item.getByRole('link', { name: '查看修订对照表' }).click();
    await page.locator('.diff-table tbody tr').first().waitFor();
    await expect(page.locator('.diff-heads').innerText()).resolves.toMatch(/已被修订[\s\S]*现行有效/);
    // 70 + 106 articles, each in one row: moved/modified rows hold two.
    const rows = await page.locator('.diff-table tbody tr').count();
    expect(rows).toBeGreaterThan(100);
    expect(await page.locator('.diff-table ins').count()).toBeGreaterThan(10);
    await page.screenshot({ path: path.join(SHOTS, 'versions-diff-1280.png'), fullPage: false });
    await page.context().close();
  });

  it('a chat citation of the 2007 text carries a visible warning and a link to the version in force', async () => {
    const page = await loggedIn();
    const input = page.getByLabel('问题');
    await input.fill('2007年版突发事件应对法第四十四条');
    await input.press('Enter');
    const turn = page.locator('.turn').last();
    await turn.locator('.actions button', { hasText: '复制' }).waitFor();
    const card = turn.locator('.source-card').first();
    await expect(card.locator('summary .version-badge').innerText()).resolves.toContain('已被修订');
    await card.locator('summary').click();
    const warning = card.locator('.version-warning');
    await expect(warning.innerText()).resolves.toMatch(/此为旧版[\s\S]*第六十六条/);
    await page.screenshot({ path: path.join(SHOTS, 'versions-chat-warning.png'), fullPage: true });
    await warning.getByRole('link', { name: /对照现行版本/ }).click();
    await page.locator('.diff-table').waitFor();
    await page.context().close();
  });

  it('a trainer puts the changed articles of a new version on an 应知应会 list from the feed', async () => {
    const cookie = await server.userCookie('trainer1', 'trainer');
    const created = await server.api('/api/training/lists', { method: 'POST', cookie, json: { name: '新法必学' } });
    expect(created.status).toBe(201);
    const listId = ((await created.json()) as { id: string }).id;
    const page = await loggedIn(undefined, ['trainer1', 'trainer1-password-1']);
    await page.goto(`${server.url}/#/changes`);
    const item = page.locator('.feed-item', { hasText: '某市突发事件应对示例条例' }).filter({ hasText: '新版本' });
    await item.getByRole('button', { name: /加入清单/ }).click();
    await item.locator('.feed-mark [role=status]', { hasText: '已加入' }).waitFor();
    const list = (await (await server.api(`/api/training/lists/${listId}`, { cookie })).json()) as { items: { locator: string }[] };
    expect(list.items.map((i) => i.locator.split(' › ').at(-1)).sort()).toEqual(['第七条', '第二条', '第五条', '第四条'].sort());
    await page.screenshot({ path: path.join(SHOTS, 'versions-feed-trainer.png'), fullPage: false });
    await page.context().close();
  });

  it('只看变化 hides unchanged articles, and the table reads on a phone', async () => {
    const page = await loggedIn({ width: 390, height: 844 });
    const a = server.kb.listDocuments().find((d) => d.source === FILES.v2019)!.id;
    const b = server.kb.listDocuments().find((d) => d.source === FILES.v2023)!.id;
    await page.goto(`${server.url}/#/diff/${b}/${a}`);
    await page.locator('.diff-table tbody tr').first().waitFor({ state: 'attached' });
    const visible = () => page.locator('.diff-table tbody tr:visible').count();
    expect(await visible()).toBe(6);
    await page.getByLabel('只看变化').uncheck();
    expect(await visible()).toBe(8);
    await expect(page.locator('.diff-table del', { hasText: '一小时' }).count()).resolves.toBe(1);
    await expect(page.locator('.diff-table ins', { hasText: '三十分钟' }).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'versions-diff-390.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.top').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'versions-diff-print.png'), fullPage: true });
    await page.context().close();
  });
});
