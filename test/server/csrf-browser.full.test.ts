/**
 * Issue 8 item 2 with a real second origin: a page served from another loopback port, opened in Debian's
 * chromium that holds the admin's session cookie, sends a no-cors multipart upload and a reimport to the app.
 * Needs chromium (hence *.full.test.ts); the documents come from seeds/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestJobInfo } from '../../src/server/events.js';
import { launchChromium } from '../web/browser.js';
import { ADMIN_PASSWORD, SEED_FILES, startTestServer, type TestServer } from './server-harness.js';

/** The attacker's page: fires the forged requests the way a real cross-site page can (no-cors, with cookies). */
const attackPage = (target: string) => `<!doctype html><meta charset="utf-8"><title>attack</title><script>
window.attack = async () => {
  const form = new FormData();
  form.append('files', new Blob(['# 跨站上传\\n\\n第一条 此文件由其他网站的页面上传。\\n']), 'csrf-upload.md');
  const opts = { method: 'POST', mode: 'no-cors', credentials: 'include' };
  await fetch(${JSON.stringify(target)} + '/api/documents', { ...opts, body: form }).catch(() => undefined);
  await fetch(${JSON.stringify(target)} + '/api/reimport', opts).catch(() => undefined);
  await fetch(${JSON.stringify(target)} + '/api/reindex', opts).catch(() => undefined);
  return 'sent';
};
</script>`;

describe('CSRF from a real second origin in chromium (issue 8 item 2)', () => {
  let server: TestServer;
  let evil: Server;
  let evilUrl: string;
  let browser: Browser;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer([SEED_FILES.confinedSpace]);
    admin = await server.login('admin', ADMIN_PASSWORD);
    evil = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(attackPage(server.url));
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await server?.close();
  });

  const jobs = async () => (await (await server.api('/api/jobs', { cookie: admin })).json()) as IngestJobInfo[];

  it("a page on another loopback port cannot upload or start a reimport with the admin's cookie; nothing is ingested", async () => {
    const context = await browser.newContext();
    const [name, value] = admin.split('=');
    // Cookies ignore ports: the browser sends the app's cookie to 127.0.0.1 whichever port the page is on.
    await context.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();

    // Control: the same upload from the app's own origin is accepted, so the cookie really travels.
    await page.goto(`${server.url}/api/health`);
    const own = await page.evaluate(async (name) => {
      const form = new FormData();
      form.append('files', new Blob(['# 本站上传\n\n第一条 此文件由本站页面上传。\n']), name);
      const res = await fetch('/api/documents', { method: 'POST', body: form });
      return res.status;
    }, 'own-origin.md');
    expect(own).toBe(202);
    await expect.poll(async () => (await jobs()).every((j) => j.state === 'done' || j.state === 'failed'), { timeout: 30_000 }).toBe(true);
    const docsBefore = server.kb.listDocuments().map((d) => d.source).sort();
    const jobsBefore = (await jobs()).length;
    expect(docsBefore).toContain('own-origin.md');

    await page.goto(`${evilUrl}/attack.html`);
    expect(await page.evaluate(() => (window as unknown as { attack(): Promise<string> }).attack())).toBe('sent');

    // The refusal happens before any body is read; give a wrongly accepted job time to appear anyway.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await jobs()).length).toBe(jobsBefore);
    expect(server.kb.listDocuments().map((d) => d.source).sort()).toEqual(docsBefore);
    const audit = (await (await server.api('/api/audit?limit=50', { cookie: admin })).json()) as { action: string; files?: string[] }[];
    expect(audit.some((e) => e.action === 'upload' && e.files?.includes('csrf-upload.md'))).toBe(false);
    expect(audit.filter((e) => e.action === 'reimport')).toEqual([]);
    await context.close();
  });
});
