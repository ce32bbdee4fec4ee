/**
 * `yingji eval`: retrieval quality on a question set (format: ../shared/eval/README.md). Prints the figures; writes a
 * JSON record only where --out says (`npm run eval` passes test-output/eval-dev.json, which git ignores).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { collectInputs, ingestInputs } from '../ingest/pipeline.js';
import { evaluateRetrieval, parseQuestions, type EvalSummary } from '../retrieval/evaluate.js';
import type { CliContext } from './context.js';
import { parsePositiveInt } from './knowledge.js';

export function registerEvalCommand(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('评测检索质量：recall@1/@5/@k 与 MRR，并列出未命中的问题')
    .requiredOption('--qa <file>', '问题集（JSONL）')
    .option('--k <n>', '评测深度', '10')
    .option('--corpus <paths...>', '先把这些文件/文件夹导入一个临时知识库（不指定则评测 --data 知识库）')
    .option('--out <file>', '把完整结果写入 JSON 文件（不指定则只打印）')
    .option('--also-from <id>', '另外单独统计从这个编号起的问题，例如 dev-051')
    .option('--quiet', '只打印汇总，不列出未命中的问题（调参时不看具体问题）')
    .action(async (opts: { qa: string; k: string; corpus?: string[]; out?: string; alsoFrom?: string; quiet?: boolean }, cmd: Command) => {
      const k = parsePositiveInt(opts.k, '--k');
      let text: string;
      try {
        text = await readFile(opts.qa, 'utf8');
      } catch (e) {
        throw new AppError('FILE_NOT_FOUND', `无法读取问题集 ${opts.qa}`, { cause: e });
      }
      const questions = parseQuestions(text);
      const globals = cmd.optsWithGlobals() as { data?: string };
      // --corpus without --data: a throw-away knowledge base, removed afterwards.
      const scratch = opts.corpus && !globals.data ? await mkdtemp(path.join(os.tmpdir(), 'yingji-eval-')) : undefined;
      const data = scratch ?? globals.data;
      const config = ctx.loadConfig({ data });
      const services = await ctx.openServices(config);
      try {
        let ingestMs = 0;
        if (opts.corpus) {
          const report = await ingestInputs({ kb: services.kb, ocr: config.ocr }, await collectInputs(opts.corpus));
          ingestMs = report.elapsedMs;
        }
        const report = await evaluateRetrieval(services.retriever, questions, k, { alsoFrom: opts.alsoFrom });
        ctx.out.write(`问题 ${questions.length}，深度 k=${k}，平均检索 ${report.meanTookMs} 毫秒\n`);
        ctx.out.write(formatSummary('全部', report, k));
        for (const [label, summary] of Object.entries(report.subsets ?? {})) ctx.out.write(formatSummary(label, summary, k));
        if (report.misses.length && !opts.quiet) ctx.out.write(`未进前5：\n`);
        for (const m of opts.quiet ? [] : report.misses) ctx.out.write(`  ${m.id} [${m.type}] ${m.question}\n    期望：${m.gold.join('；')}\n    实得：${m.top.slice(0, 3).join('；')}\n`);
        if (opts.out) {
          await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
          const record = {
            command: `yingji eval --qa ${opts.qa} --k ${k}${opts.alsoFrom ? ` --also-from ${opts.alsoFrom}` : ''}${opts.corpus ? ` --corpus ${opts.corpus.join(' ')}` : ''}`,
            date: new Date().toISOString(),
            embedder: services.embedder.id,
            documents: services.kb.listDocuments().length,
            chunks: services.kb.chunkCount(),
            ingestMs,
            ...report,
          };
          await writeFile(opts.out, JSON.stringify(record, null, 2) + '\n');
        }
      } finally {
        await services.close();
        if (scratch) await rm(scratch, { recursive: true, force: true });
      }
    });
}

/** Recall by type, refusals and basis levels of one set of questions, as printed lines. */
function formatSummary(label: string, s: EvalSummary, k: number): string {
  const o = s.overall;
  const r = s.refusal;
  const b = s.basis;
  return [
    `【${label}】可回答 ${o.questions}：recall@1 ${o.recallAt1}  recall@5 ${o.recallAt5}  recall@${k} ${o.recallAtK}  MRR@${k} ${o.mrrAtK}`,
    ...Object.entries(s.byType).map(
      ([type, m]) => `  ${type.padEnd(11)} n=${m.questions}  r@1 ${m.recallAt1}  r@5 ${m.recallAt5}  r@${k} ${m.recallAtK}  MRR ${m.mrrAtK}`,
    ),
    `  无依据判定：不可回答 ${r.unanswerableRefused}/${r.unanswerable} 被拒答，可回答 ${r.answerableRefused}/${r.answerable} 被误拒`,
    `  依据等级：可回答 明确 ${b.answerable.solid} / 未载明 ${b.answerable.partial} / 无依据 ${b.answerable.none}；` +
      `不可回答 明确 ${b.unanswerable.solid} / 未载明 ${b.unanswerable.partial} / 无依据 ${b.unanswerable.none}`,
  ].join('\n') + '\n';
}
