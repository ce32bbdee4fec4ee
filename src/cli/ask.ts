/** `yingji ask "问题" [--json]`: streams reasoning (dimmed on a terminal) and the cited answer, then the sources. */
import type { Command } from 'commander';
import { answerQuestion, collectAnswer } from '../answer/answer-question.js';
import { toAskJson } from '../answer/ask-json.js';
import type { Citation } from '../answer/types.js';
import { AppError } from '../core/errors.js';
import type { CliContext } from './context.js';

const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

function formatSources(citations: Citation[]): string {
  if (!citations.length) return '';
  const lines = citations.map((c) => {
    const page = c.page ? `（第${c.page}页）` : '';
    const mark = c.cited ? '' : '（未引用）';
    const former = c.version?.formerLabel ? `（${c.version.formerLabel}）` : '';
    const warning = c.version?.warning ? `\n    ⚠ ${c.version.warning}` : '';
    return `[${c.n}] 《${c.title}》 ${c.locator}${former}${page}  ${c.source}${mark}${warning}`;
  });
  return `\n来源：\n${lines.join('\n')}\n`;
}

export function registerAskCommand(program: Command, ctx: CliContext): void {
  program
    .command('ask')
    .description('提问：检索知识库并带出处回答；未连接模型时给出离线检索摘录')
    .argument('<question>', '问题，例如 "较大事故应当上报到哪一级？"')
    .option('--json', '输出一个 JSON 对象（mode、answer、reasoning、citations、timings）')
    .action(async (question: string, opts: { json?: boolean }, cmd: Command) => {
      if (!question.trim()) throw new AppError('INVALID_REQUEST', '问题不能为空。');
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const deps = services.answerDeps;
        const request = { question, signal: ac.signal };
        if (opts.json) {
          ctx.out.write(`${JSON.stringify(toAskJson(await collectAnswer(deps, request)))}\n`);
          return;
        }
        const tty = Boolean(ctx.out.isTTY);
        let inReasoning = false;
        let answered = false;
        try {
          for await (const ev of answerQuestion(deps, request)) {
            if (ev.type === 'reasoning') {
              if (!inReasoning) ctx.out.write(tty ? `${DIM}（推理过程）\n` : '（推理过程）\n');
              inReasoning = true;
              ctx.out.write(ev.delta);
            } else if (ev.type === 'answer') {
              if (inReasoning) ctx.out.write(tty ? `${RESET}\n\n` : '\n\n');
              inReasoning = false;
              answered = true;
              ctx.out.write(ev.delta);
            } else if (ev.type === 'done') {
              if (inReasoning && tty) ctx.out.write(RESET);
              ctx.out.write(`${answered ? '\n' : ''}${formatSources(ev.result.citations)}`);
              // The mode is not part of the answer text; on a terminal it is said once, after the sources.
              if (ev.result.mode === 'extractive') ctx.out.write(`\n【离线检索模式（未连接模型）】${ev.result.modeReason ? `原因：${ev.result.modeReason}` : ''}\n`);
            }
          }
        } catch (e) {
          if (inReasoning && tty) ctx.out.write(RESET);
          throw e;
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
        await services.close();
      }
    });
}
