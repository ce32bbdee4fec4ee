/** The admin's API 令牌 page in Debian chromium: create (shown once), the token works on /v1, revoke, 401. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { REPO_ROOT } from '../support/knowledge.js';
import { launchChromium } from '../web/browser.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');

describe('API 令牌 page', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    server = await startTestServer([SEED_FILES.confinedSpace], { webDistDir: undefined });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function adminPage(width: number): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill('admin');
    await page.getByPlaceholder('密码').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.nav a', { hasText: 'API 令牌' }).click();
    await page.getByRole('heading', { name: 'API 令牌' }).waitFor();
    return page;
  }

  it('an admin creates a token, sees it once, uses it on /v1, revokes it and it is refused', async () => {
    const page = await adminPage(1280);
    await page.getByLabel('令牌名称').fill('指挥平台');
    await page.getByLabel('角色').selectOption('officer');
    await page.getByRole('button', { name: '新建令牌' }).click();
    const value = page.getByLabel('新令牌');
    await value.waitFor();
    const token = await value.inputValue();
    expect(token).toMatch(/^yj_/);
    await page.locator('tbody tr', { hasText: '指挥平台' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'tokens-admin-1280.png'), fullPage: true });
    expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    page.once('dialog', (d) => void d.accept());
    await page.locator('tbody tr', { hasText: '指挥平台' }).getByRole('button', { name: '吊销' }).click();
    await page.locator('tbody tr', { hasText: '已吊销' }).waitFor();
    expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    // Reloading shows no token in clear.
    await page.reload();
    await page.locator('tbody tr', { hasText: '指挥平台' }).waitFor();
    expect(await page.content()).not.toContain(token);
    await page.context().close();
  });

  it('fits a 390 px phone screen', async () => {
    const page = await adminPage(390);
    await page.getByLabel('令牌名称').fill('手机建的');
    await page.getByRole('button', { name: '新建令牌' }).click();
    await page.getByLabel('新令牌').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'tokens-admin-390.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.context().close();
  });
});
