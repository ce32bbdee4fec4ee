/**
 * The card as 行动要点 text for the chat answer (the lead wires it in after triageIfIncident): one line per
 * decision, each ending in its source, blanks named.
 */
import { DEFAULT_TIME_ZONE, formatLocalTime } from '../core/local-time.js';
import type { TriageBasis, TriageCard } from './types.js';

const cite = (b: TriageBasis) => `（《${b.title}》${b.locator}）`;

/**
 * Markdown list: grade, level and decider per plan, first measures, deadlines (in `timeZone`), what is still open.
 * `reportsFirst` (the question asks when or to whom to report) puts the deadlines before the levels.
 */
export function toActionPoints(card: TriageCard, options: { maxMeasures?: number; timeZone?: string; reportsFirst?: boolean } = {}): string {
  const maxMeasures = options.maxMeasures ?? 3;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const levels: string[] = [];
  if (card.grade) levels.push(`- 事故等级初判：**${card.grade.label}**${cite(card.grade.basis)}`);
  for (const r of card.responses) {
    const who = [r.decidedBy ? `由${r.decidedBy}决定启动` : '', r.commander ? `指挥：${r.commander}` : ''].filter(Boolean).join('，');
    levels.push(`- 《${r.title}》启动 **${r.level}响应**${who ? `，${who}` : ''}${cite(r.basis)}`);
    for (const m of r.measures.slice(0, maxMeasures)) levels.push(`  - ${m}`);
  }
  const reports = card.notifications.map((n) => {
    const parties = [n.who, n.to].filter(Boolean).join(' → ');
    return `- ${n.withinMinutes}分钟内（${formatLocalTime(n.dueAt, timeZone)} 前）${parties}${cite(n.basis)}`;
  });
  const open = card.undecided.map((u) => `- 待核实：${u}`);
  return (options.reportsFirst ? [...reports, ...levels, ...open] : [...levels, ...reports, ...open]).join('\n');
}
