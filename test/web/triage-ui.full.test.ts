/** The 事件速判 panel in Debian chromium, over the project's own 示例 plans (test/triage/fixtures). */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../server/server-harness.js';
import { REPO_ROOT } from '../support/knowledge.js';
import { launchChromium } from './browser.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');
const FIXTURES = path.join(REPO_ROOT, 'test', 'triage', 'fixtures');
const REPORT = '示例区一家工厂车间机械伤人，一名工人已经没有生命体征，另有两人受伤';
const MINUTE_MS = 60_000;

/** datetime-local value for `msAgo` before now, in the page's time zone (Asia/Shanghai). */
function shanghaiLocal(msAgo: number): string {
  const d = new Date(Date.now() - msAgo + 8 * 60 * MINUTE_MS);
  return d.toISOString().slice(0, 16);
}

/** The whole scrolled panel in one picture: the page itself never scrolls, its panels do. */
async function shootWhole(page: Page, file: string, scroller: string): Promise<void> {
  const size = page.viewportSize()!;
  const extra = await page.evaluate((sel) => {
    const el = document.querySelector<HTMLElement>(sel);
    return el ? el.scrollHeight - el.clientHeight : 0;
  }, scroller);
  await page.setViewportSize({ width: size.width, height: size.height + Math.max(0, extra) });
  await page.screenshot({ path: path.join(SHOTS, file) });
  await page.setViewportSize(size);
}

describe('事件速判 panel in Debian chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    server = await startTestServer([FIXTURES], { webDistDir: undefined });
    await server.app.users.add('值班员乙', 'officer', 'officer-password-1');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function loggedIn(username: string, password: string, viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(username);
    await page.getByPlaceholder('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.nav a', { hasText: '事件速判' }).waitFor();
    return page;
  }

  it('an officer types a report, sees the cited card, corrects a fact, ticks an action, copies and prints the draft', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1', { width: 1280, height: 900 });
    await page.getByRole('link', { name: '事件速判', exact: true }).click();
    await page.getByLabel('事发时间').fill(shanghaiLocal(10 * MINUTE_MS));
    await page.getByLabel('事件报告').fill(REPORT);
    await page.getByRole('button', { name: '速判', exact: true }).click();

    const grade = page.locator('.tri-grade .tri-big');
    await expect.poll(() => grade.textContent()).toBe('一般事故');
    await expect(page.locator('.tri-grade .tri-quote').innerText()).resolves.toContain('一般事故');
    await expect(page.locator('.tri-level').first().innerText()).resolves.toBe('Ⅳ级响应');
    await expect(page.locator('.tri-response').first().innerText()).resolves.toContain('示例区应急局局长');
    // What was understood comes back as the form.
    await expect(page.locator('input[name=deaths]').inputValue()).resolves.toBe('1');
    await expect(page.locator('input[name=injuries]').inputValue()).resolves.toBe('2');
    await expect(page.locator('input[name=seriousInjuries]').inputValue()).resolves.toBe('');

    // The first deadline counts down from the incident time (10 minutes ago, 20 minutes to report in an emergency).
    const firstDue = page.locator('.tri-timeline li').first();
    await expect(firstDue.locator('.tri-left').innerText()).resolves.toMatch(/^还剩 \d+ 分 \d\d 秒$/);

    // Each line's basis opens the passage it rests on.
    const basis = page.locator('.tri-response .tri-basis').first();
    await basis.locator('summary').click();
    await expect(basis.locator('blockquote').innerText()).resolves.toMatch(/启动条件|死亡/);

    // Ticking an action survives a reload (kept in the browser for this incident).
    const action = page.locator('.tri-response .tri-action').first();
    await action.locator('input').check();
    await expect(action.getAttribute('class')).resolves.toContain('done');
    await shootWhole(page, 'triage-desktop.png', '.tri-panel');
    await page.reload();
    await expect.poll(() => page.locator('.tri-grade .tri-big').textContent()).toBe('一般事故');
    await expect(page.locator('.tri-response .tri-action input').first().isChecked()).resolves.toBe(true);

    // Copy the 值班信息报告 draft; print opens the browser's print for the draft alone.
    await page.getByRole('button', { name: '复制报告' }).click();
    await page.getByText('已复制到剪贴板').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await page.getByLabel('值班信息报告草稿').inputValue());
    expect(copied).toContain('死亡');
    await page.getByRole('button', { name: '打印报告' }).click();
    await expect.poll(() => page.evaluate(() => document.querySelector<HTMLIFrameElement>('.tri-print-frame')?.contentDocument?.body.textContent ?? '')).toContain('死亡');

    // A correction in the form (3 deaths) re-grades the incident.
    await page.locator('input[name=deaths]').fill('3');
    await page.getByRole('button', { name: '按修改重新速判' }).click();
    await expect.poll(() => page.locator('.tri-grade .tri-big').textContent()).toBe('较大事故');
    await expect(page.locator('input[name=deaths]').getAttribute('class')).resolves.toContain('edited');
    await expect(page.locator('.tri-facts .edited').count()).resolves.toBe(1); // only the field that was changed
    // Enter in a field applies it too; 撤销全部修改 goes back to what the text says.
    await page.locator('input[name=seriousInjuries]').fill('12');
    await page.locator('input[name=seriousInjuries]').press('Enter');
    await expect.poll(() => page.locator('.tri-facts .edited').count()).toBe(2);
    await page.getByRole('button', { name: '撤销全部修改' }).click();
    await expect.poll(() => page.locator('.tri-grade .tri-big').textContent()).toBe('一般事故');
    await expect(page.locator('.tri-facts .edited').count()).resolves.toBe(0);
    await page.locator('input[name=deaths]').fill('3');
    await page.getByRole('button', { name: '按修改重新速判' }).click();
    await expect.poll(() => page.locator('.tri-grade .tri-big').textContent()).toBe('较大事故');
    await shootWhole(page, 'triage-desktop-corrected.png', '.tri-panel');

    // The chat sits beside the panel on a desktop screen.
    await expect(page.locator('.tri-chat .composer-input').isVisible()).resolves.toBe(true);

    // 新事件 starts over: no text, no card, no ticks left behind.
    await page.getByRole('button', { name: '新事件' }).click();
    await expect(page.getByLabel('事件报告').inputValue()).resolves.toBe('');
    await expect(page.locator('.tri-grade').count()).resolves.toBe(0);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('yingji.triage.ticks.')).length)).toBe(0);
    await page.context().close();
  });

  it('works at phone width (390 px) without sideways scrolling', async () => {
    const page = await loggedIn('值班员乙', 'officer-password-1', { width: 390, height: 844 });
    await page.goto(`${server.url}/#/triage`);
    await page.getByLabel('事件报告').fill('示例区化工厂储罐危险化学品泄漏，需要疏散周边群众，暂无人员伤亡');
    await page.getByRole('button', { name: '速判', exact: true }).click();
    await page.locator('.tri-level').first().waitFor();
    await expect(page.locator('.tri-chat').isVisible()).resolves.toBe(false);
    const overflow = await page.evaluate(() => {
      const panel = document.querySelector<HTMLElement>('.tri-panel')!;
      return { doc: document.documentElement.scrollWidth, panel: panel.scrollWidth, width: panel.clientWidth };
    });
    expect(overflow.doc).toBeLessThanOrEqual(390);
    expect(overflow.panel).toBeLessThanOrEqual(overflow.width);
    await page.screenshot({ path: path.join(SHOTS, 'triage-phone.png') });
    await shootWhole(page, 'triage-phone-full.png', '.tri-panel');
    for (const [i, part] of ['.tri-grade', '.tri-timeline', '.tri-draft'].entries()) {
      await page.locator(part).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(SHOTS, `triage-phone-${i + 2}.png`) });
    }
    await page.context().close();
  });

  it('an admin sees the criteria the parser could not read, with their sentences', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD, { width: 1280, height: 900 });
    await page.goto(`${server.url}/#/triage`);
    const box = page.locator('.tri-criteria details');
    await box.locator('summary').click();
    await expect(box.locator('.tri-unparsed').innerText()).resolves.toContain('社会影响恶劣');
    await page.context().close();
  });
});
