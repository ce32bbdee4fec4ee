/**
 * `yingji token add|list|revoke`: API tokens in `<dataDir>/api-tokens.json`. A running server checks the file on
 * every token request, so a revocation here takes effect at once.
 */
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { ApiTokenStore } from '../server/auth/tokens.js';
import { ROLE_LABELS, ROLES, type Role } from '../server/events.js';
import type { CliContext } from './context.js';

export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('管理 API 令牌（供桌面 AI 客户端、应急指挥平台与脚本调用 /v1 与 /api）');
  const out = (line: string) => ctx.out.write(line + '\n');
  const open = (cmd: Command) => ApiTokenStore.open(ctx.loadConfig(cmd.optsWithGlobals<{ data?: string }>()).dataDir);

  token
    .command('add')
    .description('新建令牌（令牌只显示这一次）')
    .argument('<name>', '令牌名称（审计日志中显示为 token:名称）')
    .requiredOption('--role <role>', `角色：${ROLES.join(' / ')}`)
    .option('--expires <date>', '有效期至（如 2027-06-30，当天有效，UTC）；省略则长期有效')
    .option('--data <dir>', '知识库目录')
    .action(async (name: string, opts: { role: string; expires?: string }, cmd: Command) => {
      if (!ROLES.includes(opts.role as Role)) throw new AppError('INVALID_REQUEST', `--role 只能是 ${ROLES.join(' / ')}`);
      const store = await open(cmd);
      const { token: secret, info } = await store.add({ name, role: opts.role as Role, expiresAt: opts.expires ?? null, createdBy: 'cli' });
      out(`已新建令牌 ${info.name}（编号 ${info.id}，${ROLE_LABELS[info.role]}${info.expiresAt ? `，有效期至 ${info.expiresAt}` : ''}）`);
      out(`令牌（只显示这一次，请妥善保存）：${secret}`);
    });

  token
    .command('list')
    .description('列出令牌（不显示令牌本身）')
    .option('--data <dir>', '知识库目录')
    .action(async (_opts: unknown, cmd: Command) => {
      const tokens = (await open(cmd)).list();
      if (!tokens.length) out('还没有 API 令牌；用 yingji token add 名称 --role officer 新建。');
      for (const t of tokens) {
        const state = t.revokedAt ? `已吊销 ${t.revokedAt}` : t.expiresAt && Date.parse(t.expiresAt) <= Date.now() ? '已过期' : '有效';
        out(`${t.id}\t${t.name}\t${t.role}\t${state}\t创建 ${t.createdAt}\t到期 ${t.expiresAt ?? '长期'}`);
      }
    });

  token
    .command('revoke')
    .description('吊销令牌（运行中的服务立即拒绝它）')
    .argument('<id-or-name>', '令牌编号或名称')
    .option('--data <dir>', '知识库目录')
    .action(async (idOrName: string, _opts: unknown, cmd: Command) => {
      const info = await (await open(cmd)).revoke(idOrName);
      out(`已吊销令牌 ${info.name}（编号 ${info.id}）`);
    });
}
