import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../../src/server/web-assets.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from '../server/server-harness.js';
import { REPO_ROOT } from '../support/paths.js';
import { launchChromium } from './browser.js';

const SHOTS = path.join(REPO_ROOT, 'test-output');
const PHONE = { width: 390, height: 800 };
const DESKTOP = { width: 1280, height: 860 };

/** A plan with the decimal outline (4.3.1) real municipal plans use, written by the test. */
function planText(year: string): string {
  return [
    '# 某市危险化学品事故应急预案',
    '',
    `${year}年3月1日发布`,
    '',
    '## 1 总则',
    '',
    '### 1.1 编制目的',
    '',
    '为规范危险化学品事故的应急处置工作，最大限度减少人员伤亡和财产损失，制定本预案。',
    '',
    '## 4 应急响应',
    '',
    '### 4.1 信息报告',
    '',
    '事发单位应当在事故发生后1小时内向区应急管理局报告，情况紧急时可越级上报。',
    '',
    '### 4.3 分级响应',
    '',
    '#### 4.3.1 Ⅳ级响应',
    '',
    '区应急管理局接报后立即启动Ⅳ级响应，30分钟内派出工作组赶赴现场，组织周边500米范围内人员疏散。',
    '',
    '#### 4.3.2 Ⅲ级响应',
    '',
    '区政府主要负责人赶赴现场指挥，协调消防、公安、卫生健康等部门开展救援。',
    '',
  ].join('\n');
}

describe('trainer and admin pages in Debian chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(path.join(tmpdir(), 'yingji-admin-ui-'));
    await writeFile(path.join(dir, 'hazchem-plan-2024.md'), planText('2024'));
    await writeFile(path.join(dir, 'hazchem-plan-2019.md'), planText('2019'));
    server = await startTestServer([SEED_FILES.confinedSpace, SEED_FILES.flood, path.join(dir, 'hazchem-plan-2024.md'), path.join(dir, 'hazchem-plan-2019.md')], { webDistDir: undefined });
    await server.app.users.add('trainer1', 'trainer', 'trainer-password-1');
    await server.app.users.add('officer1', 'officer', 'officer-password-1');
    await server.app.users.add('officer2', 'officer', 'officer-password-2');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function loggedIn(username: string, password: string, viewport = DESKTOP): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(username);
    await page.getByPlaceholder('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.status').getByText('离线检索模式').waitFor();
    return page;
  }

  async function loginError(username: string, password: string): Promise<string> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByPlaceholder('用户名').fill(username);
    await page.getByPlaceholder('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    const error = page.locator('.login-error');
    await expect.poll(() => error.innerText()).not.toBe('');
    const text = await error.innerText();
    await page.context().close();
    return text;
  }

  it('a trainer jumps to plan section 4.3.1 and to 第X条, the address follows, the title filter survives', async () => {
    const page = await loggedIn('trainer1', 'trainer-password-1');
    await page.getByRole('link', { name: '法规浏览', exact: true }).click();
    // Grouped by type; the two plans with one title are marked as such, each with its date.
    await page.locator('.doc-group h2', { hasText: '应急预案' }).waitFor();
    const dups = page.locator('.doc-list li.dup');
    await expect.poll(() => dups.count()).toBe(2);
    expect((await dups.allInnerTexts()).join('\n')).toMatch(/2024[\s\S]*2019/);

    await page.getByLabel('按标题筛选').fill('危险化学品');
    await dups.first().locator('a').click();
    await page.locator('.article').first().waitFor();
    expect(await page.getByLabel('按标题筛选').inputValue()).toBe('危险化学品');
    // Headings once; a Markdown file has no pages, so no 第 1 页 anywhere.
    expect(await page.locator('.chapter', { hasText: '4 应急响应' }).count()).toBe(1);
    expect(await page.locator('.articles').innerText()).not.toContain('第 1 页');
    expect(await page.locator('.toc a').allInnerTexts()).toEqual(expect.arrayContaining(['4.3 分级响应', '4.3.1 Ⅳ级响应']));

    const before = await page.evaluate(() => location.hash);
    await page.getByLabel('跳转到条或章节').fill('4.3.1');
    await page.getByRole('button', { name: '跳转' }).click();
    await expect.poll(() => page.locator('.article.current').innerText()).toContain('启动Ⅳ级响应');
    const planHash = await page.evaluate(() => location.hash);
    expect(planHash).not.toBe(before);
    expect(planHash).toMatch(/^#\/browse\/[^/]+\/\d+$/);
    await page.getByRole('button', { name: '下一条' }).click();
    await expect.poll(() => page.locator('.article.current').innerText()).toContain('区政府主要负责人');
    await page.screenshot({ path: path.join(SHOTS, 'admin-browse-plan-1280.png') });

    // The shared address opens the same article in a fresh page.
    const shared = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await shared.goto(server.url);
    await shared.getByPlaceholder('用户名').fill('trainer1');
    await shared.getByPlaceholder('密码').fill('trainer-password-1');
    await shared.getByRole('button', { name: '登录' }).click();
    await shared.locator('.status').getByText('离线检索模式').waitFor();
    await shared.goto(`${server.url}/${planHash}`);
    await expect.poll(() => shared.locator('.article.current').innerText()).toContain('启动Ⅳ级响应');
    await shared.context().close();

    await page.getByLabel('按标题筛选').fill('有限空间');
    await page.locator('.doc-list a').first().click();
    await page.locator('[data-article]').first().waitFor();
    await page.getByLabel('跳转到条或章节').fill('第三条');
    await page.getByRole('button', { name: '跳转' }).click();
    await expect.poll(() => page.locator('.article.current').getAttribute('data-article')).toBe('第三条');
    expect(await page.evaluate(() => location.hash)).not.toBe(planHash);
    await page.context().close();

    const phone = await loggedIn('trainer1', 'trainer-password-1', PHONE);
    await phone.goto(`${server.url}/${planHash}`);
    await expect.poll(() => phone.locator('.article.current').innerText()).toContain('启动Ⅳ级响应');
    await phone.screenshot({ path: path.join(SHOTS, 'admin-browse-plan-390.png') });
    await phone.context().close();
  });

  it('at 390 px every document row shows its actions on screen, without sideways scrolling', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD, PHONE);
    await page.goto(`${server.url}/#/docs`);
    await page.locator('.docs-table tbody tr[data-doc]').first().waitFor();
    const rows = page.locator('.docs-table tbody tr[data-doc]');
    expect(await rows.count()).toBe(4);
    for (let i = 0; i < (await rows.count()); i++) {
      for (const name of ['编辑', '替换', '删除']) {
        const button = rows.nth(i).getByRole('button', { name, exact: true });
        await button.scrollIntoViewIfNeeded();
        const box = await button.boundingBox();
        expect(box, `${name} of row ${i}`).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      }
    }
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await page.locator('.docs-page').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await rows.first().locator('td[data-label="导入时间"]').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await page.screenshot({ path: path.join(SHOTS, 'admin-docs-390.png'), fullPage: true });
    await page.context().close();
  });

  it('a rejected upload gets a red bar and says 拒绝 once', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: '文档管理', exact: true }).click();
    await page.locator('.docs-table tbody tr[data-doc]').first().waitFor();
    await page.locator('input[type=file][multiple]').setInputFiles({ name: 'fake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('这不是 PDF，只是一段文字。\n') });
    const row = page.locator('.upload-list li.failed', { hasText: 'fake.pdf' });
    await row.waitFor();
    const text = await row.innerText();
    expect(text.match(/拒绝/g)).toHaveLength(1);
    expect(await row.locator('progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'admin-docs-1280.png'), fullPage: true });
    await page.context().close();
  });

  it('重新导入 says what it will do before it starts and shows files done of total', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: '文档管理', exact: true }).click();
    await page.locator('.docs-table tbody tr[data-doc]').first().waitFor();
    const rule = '# 值班交接制度\n\n第一条 交班人应当当面向接班人交代未办结事项。\n\n第二条 接班人签字后方可离岗。\n';
    await page.locator('input[type=file][multiple]').setInputFiles({ name: 'handover-rule.md', mimeType: 'text/markdown', buffer: Buffer.from(rule) });
    await page.locator('.upload-list li', { hasText: 'handover-rule.md' }).locator('span.ok', { hasText: '已索引' }).waitFor({ timeout: 60_000 });
    await page.locator('.docs-table tbody tr', { hasText: 'handover-rule.md' }).waitFor();
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => { resolve(d.message()); void d.accept(); }));
    await page.getByRole('button', { name: '重新导入' }).click();
    const plan = await asked;
    // Four seeds ingested by the harness plus this upload, each with its stored original.
    expect(plan).toContain('重新导入 5 份文档：按保存的原件重新解析、分段并重建索引');
    expect(plan).toContain('期间问答照常可用');
    await page.locator('[role=status]', { hasText: '重新导入完成：5 / 5 份文档' }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: '重新导入' }).isEnabled()).toBe(true);
    await page.context().close();
  });

  it('a user changes his own password and logs in with it; the old one is refused', async () => {
    const page = await loggedIn('officer1', 'officer-password-1');
    await page.locator('a.who').click();
    await page.getByLabel('当前密码').fill('officer-password-1');
    await page.getByLabel('新密码', { exact: true }).fill('officer-new-pass-1');
    await page.getByLabel('再次输入新密码').fill('officer-new-pass-1');
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.locator('.account-form .ok', { hasText: '密码已修改' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-account-1280.png') });
    // This page stays signed in (its cookie was renewed) and its socket reconnects: a question is still answered.
    await page.getByRole('link', { name: '对话', exact: true }).click();
    await page.getByLabel('问题').fill('有限空间作业发生事故应当如何施救？');
    await page.getByLabel('问题').press('Enter');
    await page.locator('.turn').first().locator('.actions button', { hasText: '复制' }).waitFor();
    await page.context().close();

    expect(await loginError('officer1', 'officer-password-1')).toContain('用户名或密码错误');
    const again = await loggedIn('officer1', 'officer-new-pass-1');
    await again.context().close();
  });

  it('an admin disables a user on the 用户 page, who then cannot log in; the audit log says so in Chinese', async () => {
    const page = await loggedIn('admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: '用户', exact: true }).click();
    const card = page.locator('.user-card[data-user="officer2"]');
    await card.waitFor();
    page.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: '停用' }).click();
    await page.locator('.user-card.disabled[data-user="officer2"]').waitFor();
    // The add form's role starts unchosen, not on the last role used.
    expect(await page.getByLabel('新用户角色').inputValue()).toBe('');
    await page.screenshot({ path: path.join(SHOTS, 'admin-users-1280.png'), fullPage: true });

    expect(await loginError('officer2', 'officer-password-2')).toContain('已停用');

    await page.getByRole('link', { name: '审计', exact: true }).click();
    await page.locator('.audit-table tbody tr').first().waitFor();
    await page.getByLabel('按操作筛选').selectOption('user_disable');
    await expect.poll(() => page.locator('.audit-table tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/admin\s+停用账号\s+对象：officer2/)]);
    expect(await page.getByRole('link', { name: '导出 CSV' }).getAttribute('href')).toMatch(/format=csv&|action=user_disable.*format=csv/);
    await page.getByLabel('按操作筛选').selectOption('');
    await expect.poll(() => page.locator('.audit-table').innerText()).toContain('登录失败');
    await page.screenshot({ path: path.join(SHOTS, 'admin-audit-1280.png'), fullPage: true });
    await page.context().close();

    const phone = await loggedIn('admin', ADMIN_PASSWORD, PHONE);
    await phone.goto(`${server.url}/#/users`);
    await phone.locator('.user-card').first().waitFor();
    expect(await phone.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: path.join(SHOTS, 'admin-users-390.png'), fullPage: true });
    await phone.goto(`${server.url}/#/audit`);
    await phone.locator('.audit-table tbody tr').first().waitFor();
    await phone.screenshot({ path: path.join(SHOTS, 'admin-audit-390.png') });
    await phone.context().close();
  });
});
