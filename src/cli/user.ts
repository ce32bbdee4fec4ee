/** `yingji user add|remove|list|passwd`: accounts in `<dataDir>/users.json` (the server rereads it at start). */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { UserStore } from '../server/auth/users.js';
import { ROLE_LABELS, ROLES, type Role } from '../server/events.js';
import type { CliContext } from './context.js';

export function registerUserCommand(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('管理账号：值班员 officer、培训师 trainer、管理员 admin');
  const out = (line: string) => ctx.out.write(line + '\n');
  const open = (cmd: Command) => UserStore.open(ctx.loadConfig(cmd.optsWithGlobals<{ data?: string }>()).dataDir);

  user
    .command('add')
    .description('新增账号')
    .argument('<name>', '用户名')
    .requiredOption('--role <role>', `角色：${ROLES.join(' / ')}`)
    .option('--password <p>', '密码（至少 8 个字符；省略则生成并显示）')
    .option('--data <dir>', '知识库目录')
    .action(async (name: string, opts: { role: string; password?: string }, cmd: Command) => {
      if (!ROLES.includes(opts.role as Role)) throw new AppError('INVALID_REQUEST', `--role 只能是 ${ROLES.join(' / ')}`);
      const store = await open(cmd);
      const password = opts.password ?? randomBytes(9).toString('base64url');
      await store.add(name, opts.role as Role, password);
      out(`已新增${ROLE_LABELS[opts.role as Role]} ${name}${opts.password ? '' : `，密码：${password}`}`);
    });

  user
    .command('remove')
    .description('删除账号')
    .argument('<name>', '用户名')
    .option('--data <dir>', '知识库目录')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await (await open(cmd)).remove(name);
      out(`已删除账号 ${name}`);
    });

  user
    .command('list')
    .description('列出账号')
    .option('--data <dir>', '知识库目录')
    .action(async (_opts: unknown, cmd: Command) => {
      const users = (await open(cmd)).list();
      if (!users.length) out('还没有账号；首次启动 yingji serve 时会创建 admin。');
      for (const u of users) out(`${u.username}\t${u.role}\t${ROLE_LABELS[u.role]}\t${u.createdAt}`);
    });

  user
    .command('passwd')
    .description('修改密码（该账号已登录的会话随即失效）')
    .argument('<name>', '用户名')
    .option('--password <p>', '新密码（至少 8 个字符；省略则生成并显示）')
    .option('--data <dir>', '知识库目录')
    .action(async (name: string, opts: { password?: string }, cmd: Command) => {
      const password = opts.password ?? randomBytes(9).toString('base64url');
      await (await open(cmd)).setPassword(name, password);
      out(`已修改 ${name} 的密码${opts.password ? '' : `：${password}`}`);
    });
}
