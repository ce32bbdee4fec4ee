import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { CliContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config.js';
import { openServices } from '../../src/main.js';
import { UserStore } from '../../src/server/auth/users.js';
import { makeTempDir } from '../support/knowledge.js';

/** Runs `yingji …` in-process with captured output. */
async function yingji(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (d) => (outText += d));
  err.on('data', (d) => (errText += d));
  const ctx: CliContext = {
    loadConfig: (opts) => loadConfig({ env: { YINGJI_DATA_DIR: opts.data ?? '' }, dotenvPath: false }),
    openServices,
    out,
    err,
  };
  const code = await runCli(['node', 'yingji', ...args], ctx);
  return { code, out: outText, err: errText };
}

describe('yingji user', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('adds, lists, changes passwords of and removes users in <dataDir>/users.json', async () => {
    expect(await yingji('user', 'add', 'admin', '--role', 'admin', '--password', 'admin-password-1', '--data', dir)).toMatchObject({ code: 0 });
    const added = await yingji('user', 'add', '李值班', '--role', 'officer', '--data', dir);
    expect(added.code).toBe(0);
    const generated = added.out.match(/密码：(\S+)/)?.[1];
    expect(generated).toBeTruthy();

    const list = await yingji('user', 'list', '--data', dir);
    expect(list.out).toMatch(/admin\tadmin\t管理员/);
    expect(list.out).toMatch(/李值班\tofficer\t值班员/);

    const store = await UserStore.open(dir);
    expect(await store.verify('李值班', generated as string)).toBeDefined();
    expect(await yingji('user', 'passwd', '李值班', '--password', 'new-password-9', '--data', dir)).toMatchObject({ code: 0 });
    await store.reload();
    expect(await store.verify('李值班', generated as string)).toBeUndefined();
    expect(await store.verify('李值班', 'new-password-9')).toBeDefined();

    const file = await readFile(path.join(dir, 'users.json'), 'utf8');
    expect(file).not.toContain('new-password-9');

    expect(await yingji('user', 'remove', '李值班', '--data', dir)).toMatchObject({ code: 0 });
    expect((await yingji('user', 'list', '--data', dir)).out).not.toContain('李值班');
  });

  it('refuses bad roles, short passwords, path-like names and removing the last admin', async () => {
    expect((await yingji('user', 'add', 'x', '--role', 'boss', '--password', 'long-enough-1', '--data', dir)).code).toBe(1);
    const short = await yingji('user', 'add', 'shorty', '--role', 'officer', '--password', '123', '--data', dir);
    expect(short).toMatchObject({ code: 1 });
    expect(short.err).toContain('至少 8 个字符');
    expect((await yingji('user', 'add', '../etc', '--role', 'officer', '--password', 'long-enough-1', '--data', dir)).code).toBe(1);
    const last = await yingji('user', 'remove', 'admin', '--data', dir);
    expect(last.err).toContain('最后一个管理员');
  });
});
