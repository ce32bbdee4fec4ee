/**
 * `yingji quiz make --doc ID|--list NAME [--chapter 第五章] [--n 20] [--kinds blank,choice,judge] [--json]`:
 * questions built from the articles, each with its key in the article's own words and its source.
 * `yingji quiz lists`: the 应知应会 lists trainers made in the web UI.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { renderQuizPaper } from '../training/print.js';
import { articlesFor, DEFAULT_QUIZ_QUESTIONS, FactPoolCache, newQuiz, parseKinds, proposeQuestions, toQuestionJson } from '../training/quiz.js';
import { TrainingStore } from '../training/store.js';
import { QUESTION_KIND_LABELS, type QuizQuestion } from '../training/types.js';
import type { CliContext } from './context.js';

const MAX_CLI_QUESTIONS = 200;

interface MakeOptions {
  doc?: string;
  list?: string;
  chapter?: string;
  n: string;
  kinds?: string;
  seed?: string;
  sameArticle?: boolean;
  json?: boolean;
  html?: string;
}

export function registerQuizCommands(program: Command, ctx: CliContext): void {
  const quiz = program.command('quiz').description('应知应会：从法规条文出题（填空、单选、判断），答案取自条文原文');

  quiz
    .command('make')
    .description('从一个文档（或其中一章）或一个应知应会清单出题')
    .option('--doc <id>', '文档编号（见 yingji docs）')
    .option('--list <name>', '应知应会清单名称（见 yingji quiz lists）')
    .option('--chapter <heading>', '只从这一章出题，例如 第五章')
    .option('--n <count>', '题量', String(DEFAULT_QUIZ_QUESTIONS))
    .option('--kinds <kinds>', '题型，逗号分隔：blank,choice,judge')
    .option('--seed <number>', '随机种子（同一种子、同一知识库出同样的题）')
    .option('--same-article', '允许同一条出多道题')
    .option('--json', '输出 {"questions": [...]}')
    .option('--html <file>', '另存为可打印的试卷（含答题卡和参考答案）')
    .action(async (opts: MakeOptions, cmd: Command) => {
      if (!opts.doc === !opts.list) throw new AppError('INVALID_REQUEST', '请用 --doc <文档编号> 或 --list <清单名称> 之一指定出题范围。');
      const n = Number(opts.n);
      if (!Number.isInteger(n) || n < 1 || n > MAX_CLI_QUESTIONS) throw new AppError('INVALID_REQUEST', `--n 须为 1–${MAX_CLI_QUESTIONS} 的整数。`);
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isFinite(seed)) throw new AppError('INVALID_REQUEST', '--seed 须为数字。');
      const kinds = parseKinds(opts.kinds);
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        let list;
        if (opts.list) {
          list = (await TrainingStore.open(config.dataDir)).findListByName(opts.list);
          if (!list) throw new AppError('INVALID_REQUEST', `没有名为“${opts.list}”的清单；用 yingji quiz lists 查看已有清单。`);
        }
        const { articles, origin } = articlesFor(services.kb, { docId: opts.doc, chapter: opts.chapter, list });
        const questions = proposeQuestions(articles, new FactPoolCache(services.kb).get(), { n, kinds, seed, allowSameArticle: opts.sameArticle });
        if (opts.html) {
          const title = list ? `${list.name} 测验` : `《${articles[0]!.title}》测验`;
          await writeFile(opts.html, renderQuizPaper(newQuiz('cli', title, origin, questions), { withKey: true }));
        }
        if (opts.json) {
          ctx.out.write(`${JSON.stringify({ questions: questions.map(toQuestionJson) })}\n`);
          return;
        }
        if (!questions.length) ctx.out.write('所选条文中没有找到可出题的期限、金额、人数、责任主体或义务。\n');
        questions.forEach((q, i) => ctx.out.write(formatQuestion(q, i + 1)));
        if (questions.length < n) ctx.out.write(`\n（共 ${questions.length} 题：可出题的条文不足 ${n} 条；可加 --same-article 或扩大范围。）\n`);
      } finally {
        await services.close();
      }
    });

  quiz
    .command('lists')
    .description('列出应知应会清单')
    .option('--json', '输出 JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const lists = (await TrainingStore.open(config.dataDir)).allLists();
      if (opts.json) {
        ctx.out.write(`${JSON.stringify(lists.map((l) => ({ id: l.id, name: l.name, owner: l.owner, shared: l.shared, items: l.items.length })))}\n`);
        return;
      }
      if (!lists.length) ctx.out.write('还没有应知应会清单；培训师可在网页“法规浏览”或来源卡片上点“加入清单”建立。\n');
      for (const l of lists) ctx.out.write(`${l.name}  ${l.items.length} 条  ${l.shared ? '已共享' : '未共享'}  （${l.owner}）\n`);
    });
}

function formatQuestion(q: QuizQuestion, n: number): string {
  const lines = [`${n}. [${QUESTION_KIND_LABELS[q.kind]}] ${q.prompt}`];
  if (q.options) lines.push(...q.options.map((o, i) => `   ${'ABCD'[i] ?? i + 1}. ${o}`));
  const answer = q.kind === 'judge' ? (q.answer ? '正确' : `错误（原文：${q.change?.from ?? ''}）`) : String(q.answer);
  lines.push(`   答案：${answer}`, `   依据：《${q.source.title}》${q.source.locator}`, '');
  return lines.join('\n') + '\n';
}
