/** `yingji triage "报告" [--time ISO] [--json]`: 事件速判 card from the ingested plans and regulations, no model. */
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import { formatLocalTime } from '../core/local-time.js';
import { buildTriageCard } from '../triage/triage.js';
import type { TriageCard } from '../triage/types.js';
import type { CliContext } from './context.js';

function formatCard(card: TriageCard, timeZone: string): string {
  const cite = (b: { title: string; locator: string }) => `〔《${b.title}》${b.locator}〕`;
  const f = card.facts;
  const n = (v: number | null) => (v === null ? '未报' : String(v));
  const out = [
    `识别到的情况：死亡 ${n(f.deaths)}，失踪 ${n(f.missing)}，重伤 ${n(f.seriousInjuries)}，受伤 ${n(f.injuries)}，被困 ${n(f.trapped)}` +
      `${f.warning ? `，预警 ${f.warning.kind ?? ''}${f.warning.colour}` : ''}${f.hazmat ? '，涉及危险化学品' : ''}`,
    `事故等级：${card.grade ? `${card.grade.label} ${cite(card.grade.basis)}` : '—'}`,
  ];
  for (const r of card.responses) {
    out.push(`《${r.title}》${r.level}响应 ${cite(r.basis)}`);
    out.push(`  决定启动：${r.decidedBy ?? '—'}；指挥：${r.commander ?? '—'}`);
    for (const m of r.measures) out.push(`  · ${m}`);
  }
  if (card.notifications.length) out.push('报告时限：');
  for (const x of card.notifications) out.push(`  ${x.withinMinutes}分钟内（${formatLocalTime(x.dueAt, timeZone)}前）${x.who ?? ''} → ${x.to ?? ''} ${cite(x.basis)}`);
  if (card.contacts.length) out.push('联系电话：');
  for (const c of card.contacts) out.push(`  ${c.unit}：${c.phone}`);
  if (card.undecided.length) out.push('尚未确定：');
  for (const u of card.undecided) out.push(`  · ${u}`);
  if (card.report) out.push('', card.report);
  return `${out.join('\n')}\n`;
}

export function registerTriageCommand(program: Command, ctx: CliContext): void {
  program
    .command('triage')
    .description('事件速判：由首报内容判定事故等级、响应级别、报告时限，并给出报告草稿（不需要模型）')
    .argument('<report>', '事件报告原文，例如 "仓库货架倒塌，一人死亡，两人受伤"')
    .option('--time <iso>', '事发时间（ISO 8601），报告时限从此起算')
    .option('--json', '输出 JSON（facts、grade、responses、notifications、contacts、undecided、report）')
    .action(async (report: string, opts: { time?: string; json?: boolean }, cmd: Command) => {
      if (!report.trim()) throw new AppError('INVALID_REQUEST', '事件报告不能为空。');
      if (opts.time && Number.isNaN(Date.parse(opts.time))) {
        throw new AppError('INVALID_REQUEST', `--time 不是有效的时间：${opts.time}（示例：2026-12-01T14:30:00+08:00）`);
      }
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        const card = buildTriageCard({ kb: services.kb, timeZone: config.timeZone }, { text: report, time: opts.time });
        ctx.out.write(opts.json ? `${JSON.stringify(card)}\n` : formatCard(card, config.timeZone));
      } finally {
        await services.close();
      }
    });
}
