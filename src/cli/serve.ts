/** `yingji serve`: builds the UI when stale, opens the knowledge base (seeding it when empty), serves until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { createApp } from '../server/app.js';
import { ensureWebBuilt } from '../server/web-assets.js';
import type { CliContext } from './context.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('启动网页服务（对话、文档管理、法规浏览）')
    .option('--port <n>', '端口（默认 3000，或环境变量 PORT）')
    .option('--data <dir>', '知识库目录')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ data?: string; port?: string }>();
      const config = ctx.loadConfig({ data: opts.data, port: opts.port });
      const log = (line: string) => ctx.err.write(line + '\n');
      try {
        await ensureWebBuilt(log);
      } catch (e) {
        log(`网页界面构建失败（接口仍可用）：${e instanceof Error ? e.message : String(e)}`);
      }
      const services = await ctx.openServices(config, { seedIfEmpty: true, log });
      let app;
      try {
        app = await createApp({ services, log });
      } catch (e) {
        await services.close();
        throw e;
      }
      const status = await services.llmStatus.refresh({ force: true });
      const out = (line: string) => ctx.out.write(line + '\n');
      out(`应急知识助手已启动：${app.url}`);
      out(
        status.mode === 'llm'
          ? `回答模式：大模型（${status.model}）`
          : `回答模式：离线检索模式（${status.reason}）；启动 Ollama 并拉取 ${status.model} 后自动切换`,
      );
      const indexed = services.kb.listDocuments().filter((d) => d.status === 'indexed').length;
      out(`知识库：${indexed} 份文档，${services.kb.chunkCount()} 个段落（${config.dataDir}）`);
      if (app.initialAdminPassword) {
        out(`已创建管理员账号 admin，初始密码：${app.initialAdminPassword}`);
        out('（此密码只显示这一次；登录后点右上角的用户名修改密码）');
      } else {
        out('登录：使用已有账号；管理账号用 yingji user add/list/passwd/remove');
      }

      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log('正在关闭…');
      await app.close();
      await services.close();
    });
}
