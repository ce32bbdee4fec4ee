/**
 * The card as 行动要点 text for the chat answer (the lead wires it in after triageIfIncident): one line per
 * decision, each ending in its source, blanks named.
 */
import { DEFAULT_TIME_ZONE, formatLocalTime } from '../core/local-time.js';
import type { TriageBasis, TriageCard } from './types.js';

const cite = (b: TriageBasis) => `（《${b.title}》${b.locator}）`;

/** Markdown list: grade, level and decider per plan, first measures, deadlines (in `timeZone`), what is still open. */
export function toActionPoints(card: TriageCard, options: { maxMeasures?: number; timeZone?: string } = {}): string {
  const maxMeasures = options.maxMeasures ?? 3;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const lines: string[] = [];
  if (card.grade) lines.push(`- 事故等级初判：**${card.grade.label}**${cite(card.grade.basis)}`);
  for (const r of card.responses) {
    const who = [r.decidedBy ? `由${r.decidedBy}决定启动` : '', r.commander ? `指挥：${r.commander}` : ''].filter(Boolean).join('，');
    lines.push(`- 《${r.title}》启动 **${r.level}响应**${who ? `，${who}` : ''}${cite(r.basis)}`);
    for (const m of r.measures.slice(0, maxMeasures)) lines.push(`  - ${m}`);
  }
  for (const n of card.notifications) {
    const parties = [n.who, n.to].filter(Boolean).join(' → ');
    lines.push(`- ${n.withinMinutes}分钟内（${formatLocalTime(n.dueAt, timeZone)} 前）${parties}${cite(n.basis)}`);
  }
  for (const u of card.undecided) lines.push(`- 待核实：${u}`);
  return lines.join('\n');
}
