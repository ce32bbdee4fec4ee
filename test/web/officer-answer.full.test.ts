/**
 * The duty officer's answer in Debian chromium: 行动要点 first with citations, no system text, citations 1..k,
 * copy with sources, the full article from a source card, feedback reaching the admin's review, and outages
 * (connection lost, server killed) visible at once with the pending question kept.
 */
import { mkdir } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../server/server-harness.js';
import { corpusPath, REPO_ROOT } from '../support/knowledge.js';
import { startOllamaServer, type OllamaTestServer } from '../support/ollama-server.js';
import { launchChromium } from './browser.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');
const QUESTION = '事故发生后单位负责人多长时间内要向安全生产监督管理部门报告？';
/** The model never answers: every question waits OLLAMA_TIMEOUT_MS, then gets the extractive answer. */
const MODEL_TIMEOUT_MS = 1500;

/** A TCP relay between the browser and the server, to cut the connection and bring it back on the same port. */
async function startRelay(targetPort: number) {
  const conns = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        conns.add(client).add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          conns.delete(client);
          conns.delete(upstream);
        };
        for (const s of [client, upstream]) s.on('error', end).on('close', end);
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as AddressInfo).port;
        resolve();
      });
    });
  await up();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    up,
    async down() {
      const s = server;
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    async close() {
      await this.down().catch(() => undefined);
    },
  };
}

describe('the officer\'s answer in Debian chromium', () => {
  let server: TestServer;
  let ollama: OllamaTestServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    ollama = await startOllamaServer({ defaultChat: { hang: true } });
    server = await startTestServer(
      [
        corpusPath('regulations', 'work-accident-reporting-reg.md'),
        corpusPath('regulations', 'emergency-response-law.md'),
        corpusPath('plans', 'putuo-flood-typhoon-plan.md'),
      ],
      { webDistDir: undefined, env: { OLLAMA_BASE_URL: ollama.url, OLLAMA_TIMEOUT_MS: String(MODEL_TIMEOUT_MS) } },
    );
    await server.app.users.add('值班员乙', 'officer', 'officer-password-1');
    relay = await startRelay(Number(new URL(server.url).port));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await server?.close();
    await ollama?.close();
  });

  async function loggedIn(username: string, password: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
    const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await page.goto(relay.url);
    await page.getByPlaceholder('用户名').fill(username);
    await page.getByPlaceholder('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.status').getByText('索引：').waitFor();
    return page;
  }

  async function ask(page: Page, question: string): Promise<void> {
    const before = await page.locator('.turn').count();
    const input = page.getByLabel('问题');
    await input.fill(question);
    await input.press('Enter');
    await page.locator('.turn').nth(before).locator('.actions button', { hasText: '复制' }).waitFor({ timeout: 20_000 });
  }

  it('an answer opens with 行动要点 carrying citations, has no mode or Ollama text, cites [1] [2] … in order, says its basis, and 复制 includes the sources', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1');
    // The empty screen's examples are buttons that ask.
    await expect(page.locator('.empty button.example').count()).resolves.toBeGreaterThan(0);
    await ask(page, QUESTION);
    const turn = page.locator('.turn').last();
    const body = turn.locator('.answer-body');
    const first = body.locator(':scope > *').first();
    await expect(first.innerText()).resolves.toBe('行动要点');
    const actions = body.locator('ul').first();
    expect(await actions.locator('li').count()).toBeGreaterThan(0);
    expect(await actions.locator('li').first().locator('button.cite').count()).toBeGreaterThan(0);
    expect(await actions.locator('strong').allInnerTexts()).toContain('1小时内');
    const text = await body.innerText();
    expect(text).not.toMatch(/离线检索模式|Ollama|127\.0\.0\.1|11434|未连接模型/);
    const cites = (await body.locator('button.cite').allInnerTexts()).map((t) => Number(t.replace(/\D/g, '')));
    const order = [...new Set(cites)];
    expect(order).toEqual(order.map((_n, i) => i + 1));
    const listed = (await turn.locator('.source-card .src-n').allInnerTexts()).map((t) => Number(t.replace(/\D/g, '')));
    expect(listed).toEqual(listed.map((_n, i) => i + 1));
    // The mode is the badge's; its reason the tooltip's.
    await expect(turn.locator('.badge').textContent()).resolves.toBe('离线检索模式');
    await expect(turn.locator('.badge').getAttribute('title')).resolves.toContain('秒内没有开始回答');
    await expect(turn.locator('.basis').innerText()).resolves.toBe('有明确依据');

    await turn.locator('.actions button', { hasText: '复制' }).click();
    await turn.locator('.actions', { hasText: '已复制回答和来源' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied.startsWith('行动要点')).toBe(true);
    expect(copied).toContain('来源：\n[1] 《生产安全事故报告和调查处理条例》');
    expect(copied).not.toMatch(/\*\*|离线检索模式|Ollama/);
    await page.screenshot({ path: path.join(SHOTS, 'officer-answer-1280.png'), fullPage: true });
    await turn.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'officer-answer-top-1280.png') });

    // An officer opens the whole article a source card comes from, read-only.
    await turn.locator('.source-card summary').first().click();
    await turn.locator('.source-card[open] .src-link').click();
    await page.waitForURL(/#\/browse\/[^/]+\/.+/);
    await page.locator('.reader').getByText('第九条').first().waitFor();
    expect(await page.locator('.reader .error').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'officer-browse-1280.png') });

    // A follow-up shows what was actually searched.
    await page.getByRole('link', { name: '对话', exact: true }).click();
    await page.locator('.turn').first().waitFor();
    await ask(page, '那较大事故呢？');
    const searched = page.locator('.turn').last().locator('.searched');
    await expect(searched.innerText()).resolves.toMatch(/^按“.*较大事故.*”检索$/);
    expect(await searched.innerText()).toMatch(/报告|单位负责人/);
    await page.context().close();
  });

  it('a 👎 comment is submitted, the box stays open until sent, and the admin sees it in the feedback view and marks it handled', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1', { width: 390, height: 800 });
    await page.getByLabel('问题').fill('有限空间');
    await page.locator('.empty button.example').first().click();
    const turn = page.locator('.turn').last();
    await turn.locator('.actions button', { hasText: '复制' }).waitFor({ timeout: 20_000 });
    await turn.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'officer-answer-top-390.png') });
    await turn.locator('button.rate-down').click();
    const box = turn.locator('.feedback-comment');
    await box.waitFor();
    await page.waitForTimeout(300);
    expect(await box.isVisible()).toBe(true);
    await box.fill('没有说明向区应急管理局报告的电话');
    await page.screenshot({ path: path.join(SHOTS, 'officer-feedback-390.png'), fullPage: true });
    await turn.getByRole('button', { name: '提交说明' }).click();
    await turn.locator('.actions', { hasText: '已提交说明' }).waitFor();
    expect(await box.isVisible()).toBe(false);
    // Rename the conversation from the sidebar.
    await page.getByRole('button', { name: '☰ 对话列表' }).click();
    await page.locator('.conv-list li').first().getByRole('button', { name: '重命名' }).click();
    await page.locator('.conv-rename').fill('报告时限');
    await page.locator('.conv-rename').press('Enter');
    await page.locator('.conv-list .conv-title', { hasText: '报告时限' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'officer-sidebar-390.png') });
    await page.context().close();

    const admin = await loggedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: '反馈', exact: true }).click();
    const card = admin.locator('.feedback-card', { hasText: '没有说明向区应急管理局报告的电话' });
    await card.waitFor();
    await expect(card.innerText()).resolves.toContain('值班员乙');
    await expect(card.locator('.feedback-question').innerText()).resolves.toContain('生产安全事故发生后');
    expect(await card.locator('.feedback-sources li').count()).toBeGreaterThan(0);
    await admin.screenshot({ path: path.join(SHOTS, 'admin-feedback-1280.png'), fullPage: true });
    await card.getByRole('button', { name: '标记已处理' }).click();
    await admin.locator('.feedback-list', { hasText: '没有待处理的反馈' }).waitFor();
    await admin.getByRole('tab', { name: '已处理' }).click();
    await admin.locator('.feedback-card.handled').waitFor();
    await admin.setViewportSize({ width: 390, height: 800 });
    await admin.screenshot({ path: path.join(SHOTS, 'admin-feedback-390.png'), fullPage: true });
    await admin.context().close();
  });

  it('a lost connection shows at once in the status bar; a question asked meanwhile is kept and answered when it returns', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1');
    await relay.down();
    const started = Date.now();
    await page.locator('.status', { hasText: '与服务器的连接已断开' }).waitFor({ timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    await page.getByLabel('问题').fill(QUESTION);
    await page.getByLabel('问题').press('Enter');
    const turn = page.locator('.turn').last();
    await turn.locator('.pending-note', { hasText: '问题已保留' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'officer-disconnected-1280.png') });
    await relay.up();
    await turn.locator('.actions button', { hasText: '复制' }).waitFor({ timeout: 30_000 });
    await expect(turn.locator('.answer-body').innerText()).resolves.toContain('行动要点');
    await page.locator('.status', { hasText: '索引：' }).waitFor();
    await page.context().close();
  });

  it('server killed while a question is pending: disconnected within 5 s and a clear message on the question', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1', { width: 390, height: 800 });
    await page.getByLabel('问题').fill(QUESTION);
    await page.getByLabel('问题').press('Enter');
    const turn = page.locator('.turn').last();
    await turn.locator('.typing').waitFor();
    const killed = Date.now();
    await server.close();
    await page.locator('.status', { hasText: '与服务器的连接已断开' }).waitFor({ timeout: 5000 });
    await turn.locator('.pending-note', { hasText: '与服务器的连接已断开，问题已保留' }).waitFor({ timeout: 5000 });
    expect(Date.now() - killed).toBeLessThan(5000);
    await page.screenshot({ path: path.join(SHOTS, 'officer-server-killed-390.png') });
    await page.context().close();
  });
});
