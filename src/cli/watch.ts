/**
 * `yingji watch DIR`: keeps the knowledge base in step with a folder without the web server (with the server,
 * set WATCH_DIR instead: only one process may write the knowledge folder). Runs until SIGINT/SIGTERM.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { AuditLog } from '../server/audit.js';
import { startFolderWatcher } from '../server/folder-watcher.js';
import { IngestJobs } from '../server/ingest-jobs.js';
import type { CliContext } from './context.js';

const OUTCOME_LABELS: Record<string, string> = { added: '已导入', replaced: '已更新', unchanged: '未变化', needs_ocr: '需OCR', failed: '失败', removed: '已删除' };

export function registerWatchCommand(program: Command, ctx: CliContext): void {
  program
    .command('watch')
    .description('监视文件夹（含子文件夹）：新增、修改的文件自动导入；加 --prune 时删除的文件同时从知识库删除')
    .argument('<dir>', '要监视的文件夹')
    .option('--prune', '文件从文件夹中删除时，也删除其文档（同 WATCH_PRUNE=true）')
    .option('--data <dir>', '知识库目录')
    .action(async (dir: string, opts: { prune?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals<{ data?: string }>());
      const out = (line: string) => ctx.out.write(line + '\n');
      const log = (line: string) => ctx.err.write(line + '\n');
      const services = await ctx.openServices(config, { log });
      const audit = new AuditLog(config.dataDir);
      const jobs = new IngestJobs({
        kb: services.kb,
        ocr: config.ocr,
        audit,
        log,
        uploadDir: path.join(config.dataDir, 'uploads-tmp'),
        emit: (event) => {
          if (event.progress.phase !== 'done') return;
          for (const o of event.outcomes) out(`${OUTCOME_LABELS[o.status] ?? o.status}\t${o.file}${o.error ? `\t${o.error.message}` : ''}`);
          if (event.error) out(`导入失败：${event.error.message}`);
        },
      });
      await jobs.resume();
      const watcher = await startFolderWatcher({
        dir,
        prune: opts.prune ?? config.watch.prune,
        settleMs: config.watch.settleMs,
        pollMs: config.watch.pollMs,
        kb: services.kb,
        jobs,
        log,
      });
      out(`正在监视 ${path.resolve(dir)}（Ctrl+C 停止）`);
      // The watcher's timer does not hold the process open (it must not keep a server from exiting): this does.
      const keepAlive = setInterval(() => undefined, 60_000);
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearInterval(keepAlive);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log('正在停止监视…');
      await watcher.close();
      await jobs.close();
      await audit.idle();
      await services.close();
    });
}
