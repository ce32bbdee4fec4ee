/** `yingji ask "问题" [--json]`: streams reasoning (dimmed on a terminal) and the cited answer, then the sources. */
import type { Command } from 'commander';
import { answerQuestion, collectAnswer, type AnswerDeps } from '../answer/answer-question.js';
import type { AnswerResult, Citation } from '../answer/types.js';
import { AppError } from '../core/errors.js';
import type { Services } from '../main.js';
import type { CliContext } from './context.js';

const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** The `--json` output: one object per question. */
export interface AskJson {
  mode: AnswerResult['mode'];
  answer: string;
  reasoning: string;
  citations: Pick<Citation, 'n' | 'docId' | 'source' | 'title' | 'locator' | 'page' | 'text' | 'cited'>[];
  timings: { retrievalMs: number; firstTokenMs: number | null; totalMs: number };
  modeReason?: string;
  query?: string;
  droppedCitations?: number;
}

export function toAskJson(r: AnswerResult): AskJson {
  return {
    mode: r.mode,
    answer: r.answer,
    reasoning: r.reasoning,
    citations: r.citations.map(({ n, docId, source, title, locator, page, text, cited }) => ({ n, docId, source, title, locator, page, text, cited })),
    timings: { retrievalMs: r.timings.retrievalMs, firstTokenMs: r.timings.firstTokenMs, totalMs: r.timings.totalMs },
    ...(r.modeReason ? { modeReason: r.modeReason } : {}),
    ...(r.query ? { query: r.query } : {}),
    droppedCitations: r.droppedCitations ?? 0,
  };
}

export function answerDepsFrom(services: Services): AnswerDeps {
  return {
    retriever: services.retriever,
    chatModel: services.chatModel,
    config: { ...services.config.ollama, retrievalK: services.config.retrievalK },
  };
}

function formatSources(citations: Citation[]): string {
  if (!citations.length) return '';
  const lines = citations.map((c) => {
    const page = c.page ? `（第${c.page}页）` : '';
    const mark = c.cited ? '' : '（未引用）';
    return `[${c.n}] 《${c.title}》 ${c.locator}${page}  ${c.source}${mark}`;
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
        const deps = answerDepsFrom(services);
        const request = { question, signal: ac.signal };
        if (opts.json) {
          ctx.out.write(`${JSON.stringify(toAskJson(await collectAnswer(deps, request)))}\n`);
          return;
        }
        const tty = Boolean(ctx.out.isTTY);
        let inReasoning = false;
        let answered = false;
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
          } else if (ev.type === 'error') {
            if (inReasoning && tty) ctx.out.write(RESET);
            throw new AppError(ev.code as AppError['code'], ev.message);
          }
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
        await services.close();
      }
    });
}
