/** Commands about versions of a text: diff (what changed between two versions) and changes (新规速递). */
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { diffDocuments, resolveDocument, summarizeCounts, type DocumentDiff } from '../versions/document-diff.js';
import { changesSince } from '../versions/feed.js';
import { STATUS_LABEL } from '../versions/families.js';
import type { CliContext } from './context.js';

export function registerVersionCommands(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .description('比较同一文件的两个版本：逐条列出新增、删除、修改、移动、未变')
    .argument('<old>', '旧版本：文档编号或导入时的文件名')
    .argument('<new>', '新版本：文档编号或导入时的文件名')
    .option('--json', '输出 JSON')
    .action(async (oldRef: string, newRef: string, opts: { json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(ctx.loadConfig(cmd.optsWithGlobals()));
      try {
        const kb = services.kb;
        const diff = diffDocuments(kb, resolveDocument(kb, oldRef), resolveDocument(kb, newRef));
        if (opts.json) {
          const { counts: _counts, ...rest } = diff;
          const json = {
            ...rest,
            changes: diff.changes.map(({ oldText: _o, newText: _n, ...c }) => c),
          };
          ctx.out.write(JSON.stringify(json) + '\n');
          return;
        }
        ctx.out.write(formatDiff(diff));
      } finally {
        await services.close();
      }
    });

  program
    .command('changes')
    .description('新规速递：列出某日以来新导入的文件和新版本')
    .requiredOption('--since <date>', '起始日期 YYYY-MM-DD')
    .option('--json', '输出 JSON')
    .action(async (opts: { since: string; json?: boolean }, cmd: Command) => {
      if (!/^\d{4}-\d{2}-\d{2}/.test(opts.since)) throw new AppError('INVALID_REQUEST', `--since 须为日期 YYYY-MM-DD，收到：${opts.since}`);
      const services = await ctx.openServices(ctx.loadConfig(cmd.optsWithGlobals()));
      try {
        const items = changesSince(services.kb, opts.since);
        if (opts.json) {
          ctx.out.write(JSON.stringify(items, null, 2) + '\n');
          return;
        }
        if (!items.length) ctx.out.write(`${opts.since} 以来没有新导入的文件。\n`);
        for (const it of items) {
          ctx.out.write(`${it.ingestedAt.slice(0, 10)}  ${it.title}（${it.type}，${STATUS_LABEL[it.status]}${it.version ? `，${it.version} 施行` : ''}）\n  ${it.statusChange}\n`);
          if (it.changes) {
            ctx.out.write(`  修订情况：${summarizeCounts(it.changes.counts)}\n`);
            if (it.changes.modified.length) ctx.out.write(`  修改的条文：${it.changes.modified.join('、')}\n`);
          }
        }
      } finally {
        await services.close();
      }
    });
}

const KIND_LABEL = { added: '新增', removed: '删除', modified: '修改', moved: '移动', unchanged: '未变' } as const;

function formatDiff(diff: DocumentDiff): string {
  const lines = [
    `旧版：${diff.old.title}（${diff.old.version ?? '日期不详'}，${diff.old.articles.length} 条）`,
    `新版：${diff.new.title}（${diff.new.version ?? '日期不详'}，${diff.new.articles.length} 条）`,
    summarizeCounts(diff.counts),
    '',
  ];
  for (const c of diff.changes) {
    if (c.kind === 'unchanged') continue;
    const where = c.kind === 'moved' ? `${c.old} → ${c.new}` : (c.new ?? c.old);
    lines.push(`[${KIND_LABEL[c.kind]}] ${where}`);
    if (c.diff) lines.push('    ' + c.diff.map((p) => (p.kind === 'equal' ? p.text : p.kind === 'added' ? `【+${p.text}】` : `【-${p.text}】`)).join(''));
  }
  return lines.join('\n') + '\n';
}
