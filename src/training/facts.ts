/**
 * Facts that matter in an emergency, found in an article's own words: deadlines (1小时内, 三十日内), amounts
 * (五十万元以上一百万元以下), thresholds (3人以上10人以下), responsible parties (the subject of 应当/必须/不得/负责)
 * and obligations (应当/不得/严禁 + the act). Plain regular expressions: no model, linear in the text length.
 */
import { parseChineseNumber, toAsciiDigits } from '../core/chinese-text.js';
import type { FactKind } from './types.js';

export interface Fact {
  kind: FactKind;
  /** Exactly the article's characters (`text.slice(start, end)`). */
  text: string;
  start: number;
  end: number;
  /** Comparable form: numerals as Arabic digits (三十日内 and 30日内 are the same fact). */
  value: string;
  /** Unit word for numeric facts (日, 小时, 元, 人 …), the modal word (应当, 不得 …) for obligations. */
  unit: string;
}

const NUM = '(?:[0-9０-９]+(?:\\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿]+)';
/** A numeral glued to these is part of a word (同一日, 第一年, 统一), not a quantity. */
const NOT_AFTER = '(?<![第同统唯单逐每其之任某0-9０-９零〇一二两三四五六七八九十百千万亿.])';
const TIME_UNIT = '(?:个工作日|工作日|小时|分钟|日|天|个月|月|周|年)';
const COUNT_UNIT = '(?:人次|人|名|户|吨|千克|公斤|立方米|平方米|公顷|公里|千米|米|辆|艘|台|座|层|级|处|家)';
const MONEY_UNIT = '(?:万元|亿元|元)';

const DEADLINE_RE = new RegExp(
  `${NOT_AFTER}${NUM}${TIME_UNIT}(?:以上${NUM}${TIME_UNIT}以下|(?:以)?内|以上|以下|前)`,
  'gu',
);
const AMOUNT_RE = new RegExp(
  `${NOT_AFTER}(?:${NUM}${MONEY_UNIT}(?:以上${NUM}${MONEY_UNIT}以下|以上|以下)?|${NUM}倍以上${NUM}倍以下)`,
  'gu',
);
const THRESHOLD_RE = new RegExp(`${NOT_AFTER}${NUM}${COUNT_UNIT}(?:以上${NUM}${COUNT_UNIT}以下|以上|以下)`, 'gu');

const MODALS = ['应当', '必须', '不得', '严禁', '禁止'] as const;
const MODAL_RE = /(应当|必须|不得|严禁|禁止)/gu;
/** A party names an organ, a unit or a person in a role. */
const PARTY_SUFFIX_RE =
  /(?:单位|部门|人民政府|机关|负责人|机构|委员会|人员|指挥部|办事处|企业|组织|经营者|承包单位|主管部门|医疗机构|公民|个人|站|所|队|中心|局|厅|院|法人)$/u;
const CLAUSE_BREAK = /[。；，：！？\n、（）()“”]/u;
/** Leading words that are not part of the subject. */
const SUBJECT_PREFIX_RE = /^(?:[对由在凡并但和或及与其中各有关其他同时]|如果|对于|因此|此外)+/u;
/** Subjects too general to be worth asking about (any 单位 or 个人 would fit the gap). */
const GENERIC_PARTY_RE = /^(?:单位|个人|人员|单位和人员|单位和个人|其他单位|其他人员|相关单位|相关人员)$/u;
const ACT_MIN_CHARS = 4;
const ACT_MAX_CHARS = 40;
const PARTY_MIN_CHARS = 3;
const PARTY_MAX_CHARS = 24;

/** All facts of a text, left to right; numeric facts never overlap one another. */
export function extractFacts(text: string): Fact[] {
  const facts: Fact[] = [];
  const taken: [number, number][] = [];
  const free = (s: number, e: number) => taken.every(([a, b]) => e <= a || s >= b);
  for (const [kind, re] of [
    ['amount', AMOUNT_RE],
    ['deadline', DEADLINE_RE],
    ['threshold', THRESHOLD_RE],
  ] as const) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!free(start, end) || !hasNumber(m[0])) continue;
      taken.push([start, end]);
      facts.push({ kind, text: m[0], start, end, value: normalizeFactValue(m[0]), unit: unitOf(m[0]) });
    }
  }
  for (const m of text.matchAll(MODAL_RE)) {
    const modalStart = m.index;
    const modalEnd = modalStart + m[0].length;
    const party = subjectBefore(text, modalStart);
    if (party) facts.push(party);
    const act = actAfter(text, modalEnd);
    if (act) facts.push({ kind: 'obligation', ...act, value: normalizeFactValue(act.text), unit: m[0] });
  }
  return facts.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The modal words an obligation can carry. */
export const OBLIGATION_MODALS: readonly string[] = MODALS;

/**
 * Comparable form of a fact or an answer: full-width → ASCII digits, Chinese numerals → Arabic, spaces and
 * punctuation dropped, 以内 → 内.
 */
export function normalizeFactValue(s: string): string {
  return toAsciiDigits(s)
    .replace(/[\s，。；：、,.;:！!？?“”"'（）()《》]/gu, '')
    .replace(/[零〇一二两三四五六七八九十百千万亿]+/gu, (run) => {
      const n = parseChineseNumber(run.replace(/亿/gu, ''));
      // 亿 is outside parseChineseNumber; keep such runs as written (rare in these texts).
      return n === undefined || run.includes('亿') ? run : String(n);
    })
    .replace(/以内/gu, '内');
}

function hasNumber(s: string): boolean {
  return /[0-9０-９一二两三四五六七八九十百千]/u.test(s);
}

/** The first unit word of a numeric fact (日 in 三十日内, 万元 in 五十万元以上…, 人 in 3人以上). */
function unitOf(s: string): string {
  const m = /(个工作日|工作日|小时|分钟|个月|万元|亿元|人次|千克|公斤|立方米|平方米|公顷|公里|千米|倍|元|日|天|月|周|年|人|名|户|吨|米|辆|艘|台|座|层|级|处|家)/u.exec(
    s.replace(new RegExp(`^${NUM}`, 'u'), ''),
  );
  return m ? m[1]! : '';
}

/** The subject of a clause ending at a modal word, when it names a party. */
function subjectBefore(text: string, modalStart: number): Fact | undefined {
  let s = modalStart;
  while (s > 0 && !CLAUSE_BREAK.test(text[s - 1]!)) s--;
  let subject = text.slice(s, modalStart);
  const prefix = SUBJECT_PREFIX_RE.exec(subject)?.[0] ?? '';
  subject = subject.slice(prefix.length);
  // An article label opens the first clause: 第八十三条 生产经营单位…
  const label = /^第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?\s*/u.exec(subject)?.[0] ?? '';
  subject = subject.slice(label.length);
  const start = s + prefix.length + label.length;
  // After 、 the clause is the tail of an enumeration (生产、储存、装卸单位): its last item alone is not the party.
  if (s > 0 && text[s - 1] === '、') return undefined;
  if (/^[级的和及或与、]/u.test(subject)) return undefined;
  const chars = [...subject].length;
  if (chars < PARTY_MIN_CHARS || chars > PARTY_MAX_CHARS || !PARTY_SUFFIX_RE.test(subject)) return undefined;
  if (/[0-9０-９\s]/u.test(subject) || GENERIC_PARTY_RE.test(subject)) return undefined;
  return { kind: 'party', text: subject, start, end: start + subject.length, value: normalizeFactValue(subject), unit: '' };
}

/** The act a modal word governs, up to the end of its clause. */
function actAfter(text: string, from: number): { text: string; start: number; end: number } | undefined {
  let e = from;
  while (e < text.length && !/[。；，：！？\n]/u.test(text[e]!)) e++;
  const act = text.slice(from, e);
  const chars = [...act].length;
  if (chars < ACT_MIN_CHARS || chars > ACT_MAX_CHARS) return undefined;
  // 应当结合…的特点，… — an act cut at a comma continues; keep acts that end a sentence or 款 (。；：).
  if (e < text.length && !/[。；：\n]/u.test(text[e]!)) return undefined;
  if (/[的]$/u.test(act)) return undefined;
  return { text: act, start: from, end: e };
}
