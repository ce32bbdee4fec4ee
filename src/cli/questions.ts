/** `yingji questions generate|list`: questions attached to passages (doc2query with a model, 👍, admin confirmation). */
import type { Command } from 'commander';
import { generatePassageQuestions, passagesNeedingQuestions } from '../answer/doc2query.js';
import type { CliContext } from './context.js';
import { parsePositiveInt } from './knowledge.js';

export function registerQuestionCommands(program: Command, ctx: CliContext): void {
  const questions = program.command('questions').description('段落关联问题：由模型生成（doc2query）、用户点赞或管理员确认，用于检索');

  questions
    .command('generate')
    .description('用模型为尚无问题（或内容已变）的段落各写 3–5 个口语问题；可随时中断，下次从断点继续')
    .option('--limit <n>', '本次最多处理的段落数')
    .action(async (opts: { limit?: string }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const limit = opts.limit ? parsePositiveInt(opts.limit, '--limit') : undefined;
        const report = await generatePassageQuestions(
          { kb: services.kb, questions: services.questions, chatModel: services.chatModel, numCtx: config.ollama.numCtx, timeoutMs: config.ollama.timeoutMs * 3 },
          { limit, signal: abort.signal, onProgress: (p) => ctx.out.write(`[${p.done}/${p.total}] 已生成 ${p.generated} 个问题，跳过 ${p.skipped} 段\n`) },
        );
        ctx.out.write(`完成：处理 ${report.done}/${report.total} 段，生成 ${report.generated} 个问题，跳过 ${report.skipped} 段。\n`);
        if (report.stoppedBy) {
          ctx.out.write(`已中止：${report.stoppedBy.message}（已生成的问题已保存，再次运行会从断点继续）\n`);
          process.exitCode = 2;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await services.close();
      }
    });

  questions
    .command('list')
    .description('列出关联问题，以及尚待生成问题的段落数')
    .option('--doc <id>', '只列这个文档的')
    .option('--json', '输出 JSON')
    .action(async (opts: { doc?: string; json?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        const list = services.questions.list(opts.doc);
        if (opts.json) {
          ctx.out.write(JSON.stringify(list) + '\n');
          return;
        }
        for (const q of list) ctx.out.write(`${q.source}\t${q.chunkId}\t${q.question}\n`);
        ctx.out.write(`共 ${list.length} 个问题；尚待生成问题的段落 ${passagesNeedingQuestions(services).length} 段。\n`);
      } finally {
        await services.close();
      }
    });
}
