/** `yingji backup DIR` and `yingji restore DIR`: consistent snapshots of the whole knowledge folder. */
import type { Command } from 'commander';
import { createSnapshot, restoreSnapshot, type SnapshotManifest } from '../ops/snapshot.js';
import type { CliContext } from './context.js';

export function registerBackupCommands(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('备份整个知识库目录（文档原件、索引、用户、审计日志、会话密钥）；服务运行中也可备份')
    .argument('<dir>', '备份目录（不存在或为空）')
    .option('--json', '输出 JSON（备份清单）')
    .action(async (dir: string, opts: { json?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const manifest = await createSnapshot(config.dataDir, dir, {
        onRetry: (attempt, reason) => ctx.err.write(`知识库在备份期间发生变化（${reason}），第 ${attempt} 次重试…\n`),
      });
      if (opts.json) ctx.out.write(JSON.stringify(manifest, null, 2) + '\n');
      else ctx.out.write(`已备份到 ${dir}：${describe(manifest)}\n`);
    });

  program
    .command('restore')
    .description('从 yingji backup 生成的备份恢复知识库目录（先校验全部文件；请先停止服务）')
    .argument('<dir>', '备份目录')
    .option('--force', '覆盖非空的知识库目录')
    .action(async (dir: string, opts: { force?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const manifest = await restoreSnapshot(dir, config.dataDir, { force: opts.force });
      ctx.out.write(`已从 ${dir} 恢复到 ${config.dataDir}：${describe(manifest)}（备份时间 ${manifest.createdAt}）\n`);
    });
}

function describe(m: SnapshotManifest): string {
  return (
    `${m.counts.documents} 份文档，${m.counts.chunks} 个段落，${m.counts.originals} 个原件，` +
    `${m.counts.users} 个用户，${m.counts.auditRecords} 条审计记录，共 ${m.counts.files} 个文件（索引 ${m.generation}，${m.embedder.id}）`
  );
}
