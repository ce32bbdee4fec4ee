/** The 值班信息报告 draft, in the order of the items the document says a report must contain, blanks marked. */
import { DEFAULT_TIME_ZONE, formatLocalTime } from '../core/local-time.js';
import type { DocumentCriteria } from './criteria.js';
import type { TriageCard, TriageFacts, TriageResponse } from './types.js';

const BLANK = '【待补充】';

function count(n: number | null): string {
  return n === null ? '未报' : `${n}人`;
}

function casualties(f: TriageFacts): string {
  return `死亡${count(f.deaths)}，失踪${count(f.missing)}，重伤${count(f.seriousInjuries)}，受伤${count(f.injuries)}，被困${count(f.trapped)}`;
}

function fillItem(item: string, text: string, f: TriageFacts): string {
  if (/时间|地点/.test(item)) return `${f.time ?? '时间' + BLANK}；${f.place ?? '地点' + BLANK}`;
  if (/经过|起因|类型/.test(item)) return text.trim();
  if (/伤亡|人数/.test(item)) {
    const loss = /损失/.test(item) ? `；直接经济损失${f.economicLossYuan === null ? '未报' : `${f.economicLossYuan}元`}` : '';
    return casualties(f) + loss;
  }
  if (/损失/.test(item)) return f.economicLossYuan === null ? BLANK : `${f.economicLossYuan}元`;
  if (/降雨|水位|积水/.test(item)) {
    const parts = [
      f.rainfall1hMm !== null ? `1小时降雨量${f.rainfall1hMm}毫米` : '',
      f.rainfall3hMm !== null ? `3小时降雨量${f.rainfall3hMm}毫米` : '',
      f.waterloggedRoads !== null ? `积水道路${f.waterloggedRoads}处` : '',
      f.underpassClosed ? '下立交因积水封闭' : '',
    ].filter(Boolean);
    return parts.length ? parts.join('，') : BLANK;
  }
  return BLANK;
}

/** Fills the required items from the facts; without a document that lists them, a minimal first report. */
export function draftReport(
  text: string,
  facts: TriageFacts,
  grade: TriageCard['grade'],
  responses: TriageResponse[],
  items: DocumentCriteria['reportItems'],
  timeZone = DEFAULT_TIME_ZONE,
): string {
  const lines = ['值班信息报告（首报 · 草稿）'];
  const list = items?.items ?? ['时间、地点', '简要经过', '伤亡情况', '已经采取的措施'];
  const shown = { ...facts, time: facts.time ? formatLocalTime(facts.time, timeZone) : null };
  list.forEach((item, i) => lines.push(`${i + 1}. ${item}：${fillItem(item, text, shown)}`));
  const judged = [grade ? `初判等级：${grade.label}` : '', ...responses.map((r) => `《${r.title}》${r.level}响应`)].filter(Boolean);
  if (judged.length) lines.push(`初步研判：${judged.join('；')}`);
  lines.push(`报告单位：${BLANK}；签发人：${BLANK}；报告人：${BLANK}；联系电话：${BLANK}`);
  if (items) lines.push(`（报告内容依据《${items.basis.title}》${items.basis.locator}）`);
  return lines.join('\n');
}
