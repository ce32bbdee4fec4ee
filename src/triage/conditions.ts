/**
 * Criterion sentences → data: counts with 以上/以下/至 ranges, "或者" alternatives, warning colours, named grades
 * ("发生较大生产安全事故") and the incident states plans name (被困需要救援, 下立交因积水封闭, 出现扩大趋势 …).
 * The meaning of 以上/以下 is the document's own (see readRangeRule).
 */
import type { TriageFacts, WarningColour } from './types.js';
import { parseCount } from './facts.js';

/** Whether 以上 / 以下 include the number itself. */
export interface RangeRule {
  aboveInclusive: boolean;
  belowInclusive: boolean;
  /** Where the document defines it; absent when the default applies. */
  source?: string;
}

/** The rule of 生产安全事故报告和调查处理条例 第三条 末款, used when a document does not state its own. */
export const DEFAULT_RANGE_RULE: RangeRule = { aboveInclusive: true, belowInclusive: false };

export type Metric =
  | 'deaths'
  | 'missing'
  | 'deathsOrMissing'
  | 'seriousInjuries'
  | 'injuries'
  | 'trapped'
  | 'evacuated'
  | 'economicLossYuan'
  | 'rainfall1hMm'
  | 'rainfall3hMm'
  | 'waterloggedRoads'
  | 'floodedHomes';

export type Flag = 'underpassClosed' | 'escalating' | 'beyondCapacity' | 'leveeBreach' | 'crowdedPlace' | 'hazmat' | 'evacuation';

export const GRADE_NAMES = ['一般', '较大', '重大', '特别重大'] as const;
export type GradeName = (typeof GRADE_NAMES)[number];

export type Alternative =
  | {
      type: 'count';
      /** Any of these metrics satisfies it ("3人以上重伤、被困"). */
      metrics: Metric[];
      min?: number;
      minInclusive?: boolean;
      max?: number;
      maxInclusive?: boolean;
      /** "可能造成…": counts deaths and missing together. */
      possible?: boolean;
      text: string;
    }
  | { type: 'grade'; grade: GradeName; orAbove: boolean; text: string }
  | { type: 'warning'; colour: WarningColour; text: string }
  /** `all`: every flag must hold ("危险化学品泄漏需要疏散"); otherwise any one ("危险化学品泄漏、人员密集场所"). */
  | { type: 'flags'; flags: Flag[]; all: boolean; text: string };

export interface ParsedCondition {
  alternatives: Alternative[];
  /** Pieces that named something but could not be read. */
  unparsed: string[];
}

export type Truth = 'yes' | 'no' | 'unknown';

const COLOURS: Record<string, WarningColour> = { 蓝: '蓝色', 黄: '黄色', 橙: '橙色', 红: '红色' };

/** Reads "本预案所称“以上”包括本数，所称“以下”不包括本数" style definitions. */
export function readRangeRule(text: string, fallback: RangeRule = DEFAULT_RANGE_RULE): RangeRule {
  const q = '[“”"「」]?';
  const both = new RegExp(`所称的?${q}以上${q}[、和与及]${q}以下${q}[，,]?(?:均|都)?(不)?包括本数`).exec(text);
  if (both) return { aboveInclusive: !both[1], belowInclusive: !both[1], source: both[0] };
  const above = new RegExp(`所称的?${q}以上${q}[，,]?(不)?包括本数`).exec(text);
  const below = new RegExp(`所称的?${q}以下${q}[，,]?(不)?包括本数`).exec(text);
  if (!above && !below) return fallback;
  return {
    aboveInclusive: above ? !above[1] : fallback.aboveInclusive,
    belowInclusive: below ? !below[1] : fallback.belowInclusive,
    source: [above?.[0], below?.[0]].filter(Boolean).join('；'),
  };
}

const UNIT_OF: Record<Metric, RegExp> = {
  deaths: /人|名/,
  missing: /人|名/,
  deathsOrMissing: /人|名/,
  seriousInjuries: /人|名/,
  injuries: /人|名/,
  trapped: /人|名/,
  evacuated: /人|名/,
  economicLossYuan: /元/,
  rainfall1hMm: /毫米/,
  rainfall3hMm: /毫米/,
  waterloggedRoads: /处|条/,
  floodedHomes: /户/,
};

function metricsOf(piece: string): Metric[] {
  const out: Metric[] = [];
  const withMissing = /含失踪|包括失踪|死亡[、和或]失踪|失踪[、和或]死亡|死亡（含失踪）|死亡\(含失踪\)/.test(piece);
  const rain = /(\d+)\s*小时(?:累计)?降雨量?/.exec(piece);
  if (rain) out.push(Number(rain[1]) >= 3 ? 'rainfall3hMm' : 'rainfall1hMm');
  if (/积水/.test(piece) && /道路|路段/.test(piece) && /处|条/.test(piece)) out.push('waterloggedRoads');
  if (/进水/.test(piece) && /户/.test(piece)) out.push('floodedHomes');
  if (/直接经济损失|经济损失/.test(piece)) out.push('economicLossYuan');
  if (/死亡|遇难|身亡/.test(piece)) out.push(withMissing ? 'deathsOrMissing' : 'deaths');
  else if (/失踪|下落不明/.test(piece)) out.push('missing');
  // Facts count poisonings as serious injuries, as 条例 第三条 does (重伤包括急性工业中毒).
  if (/重伤|中毒/.test(piece)) out.push('seriousInjuries');
  else if (/受伤/.test(piece)) out.push('injuries');
  if (/被困/.test(piece)) out.push('trapped');
  if (/疏散|转移/.test(piece) && /\d\s*人/.test(piece)) out.push('evacuated');
  return out;
}

interface NumberToken {
  value: number;
  unit: string;
  /** 以上 / 以下 / 超过 / 不足 / 达到 around it. */
  relation?: 'above' | 'below' | 'over' | 'under';
  index: number;
  end: number;
}

function numberTokens(piece: string): NumberToken[] {
  const re = /(超过|多于|不足|少于|达到|达)?\s*(\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)\s*(万|亿)?\s*(人|名|元|毫米|处|条|户|厘米|米)(以上|以下)?/g;
  const out: NumberToken[] = [];
  for (const m of piece.matchAll(re)) {
    const raw = parseCount(m[2]!);
    if (raw === undefined) continue;
    const scale = m[3] === '亿' ? 1e8 : m[3] === '万' ? 1e4 : 1;
    const relation =
      m[5] === '以上' ? 'above' : m[5] === '以下' ? 'below' : /超过|多于/.test(m[1] ?? '') ? 'over' : /不足|少于/.test(m[1] ?? '') ? 'under' : undefined;
    out.push({ value: raw * scale, unit: m[4]!, relation, index: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** Counts of one kind in a piece → a range. */
function readRange(piece: string, metric: Metric, rule: RangeRule): Omit<Extract<Alternative, { type: 'count' }>, 'type' | 'metrics' | 'text'> | undefined {
  const tokens = numberTokens(piece).filter((t) => UNIT_OF[metric].test(t.unit));
  if (tokens.length === 0) return undefined;
  // "1至2人" / "1-2人": the first number has no unit of its own.
  const span = new RegExp(`(\\d+|[一二两三四五六七八九十]+)\\s*(?:至|到|-|－|~|～)\\s*(\\d+|[一二两三四五六七八九十]+)\\s*(?:万|亿)?(?:人|名|元|毫米|处|户)`).exec(piece);
  if (span) {
    const a = parseCount(span[1]!);
    const b = parseCount(span[2]!);
    const scale = /亿/.test(span[0]) ? 1e8 : /万/.test(span[0]) ? 1e4 : 1;
    if (a !== undefined && b !== undefined) return { min: a * scale, minInclusive: true, max: b * scale, maxInclusive: true };
  }
  const range: ReturnType<typeof readRange> = {};
  for (const t of tokens) {
    if (t.relation === 'above') Object.assign(range, { min: t.value, minInclusive: rule.aboveInclusive });
    else if (t.relation === 'below') Object.assign(range, { max: t.value, maxInclusive: rule.belowInclusive });
    else if (t.relation === 'over') Object.assign(range, { min: t.value, minInclusive: false });
    else if (t.relation === 'under') Object.assign(range, { max: t.value, maxInclusive: false });
    else if (range.min === undefined && range.max === undefined) Object.assign(range, { min: t.value, minInclusive: true, max: t.value, maxInclusive: true });
  }
  return range;
}

/** The incident states plans name, as fact flags. */
const FLAG_WORDS: { flag: Flag; re: RegExp }[] = [
  { flag: 'underpassClosed', re: /下立交.{0,6}封闭/ },
  { flag: 'escalating', re: /扩大趋势|有扩大|可能升级|继续扩大/ },
  { flag: 'beyondCapacity', re: /超出.{0,6}处置能力|超出本区能力/ },
  { flag: 'leveeBreach', re: /决口|漫溢/ },
  { flag: 'crowdedPlace', re: /人员密集场所/ },
  { flag: 'hazmat', re: /危险化学品|危化品|泄漏/ },
  { flag: 'evacuation', re: /疏散|转移/ },
];

function parsePiece(raw: string, rule: RangeRule): Alternative | undefined {
  const text = raw.trim();
  const piece = text.replace(/^(?:发生|出现|造成|启动条件[:：])+/, '');
  const metrics = metricsOf(piece);
  const hasNumber = numberTokens(piece).length > 0;
  if (metrics.length && hasNumber) {
    const ranges = metrics.map((m) => [m, readRange(piece, m, rule)] as const).filter(([, r]) => r !== undefined);
    if (ranges.length) {
      const [, range] = ranges[0]!;
      return { type: 'count', metrics: ranges.map(([m]) => m), ...range!, possible: /可能造成|可能导致/.test(piece) || undefined, text };
    }
  }
  // A number we could not tie to a count must not be read as a mere flag.
  if (hasNumber) return undefined;
  const grade = /(特别重大|重大|较大|一般)(以上)?(?:生产安全)?事故/.exec(piece);
  if (grade) return { type: 'grade', grade: grade[1] as GradeName, orAbove: Boolean(grade[2]), text };
  const colour = /(蓝|黄|橙|红)色/.exec(piece);
  if (colour) return { type: 'warning', colour: COLOURS[colour[1]!]!, text };
  if (/被困/.test(piece)) return { type: 'count', metrics: ['trapped'], min: 1, minInclusive: true, text };
  if (/死亡/.test(piece) && /人员/.test(piece)) return { type: 'count', metrics: ['deaths'], min: 1, minInclusive: true, text };
  if (/失踪/.test(piece) && /人员/.test(piece)) return { type: 'count', metrics: ['missing'], min: 1, minInclusive: true, text };
  const flags = FLAG_WORDS.filter((f) => f.re.test(piece)).map((f) => f.flag);
  // "危险化学品泄漏需要疏散周边群众" needs both; other flags stand alone.
  if (flags.length) {
    const primary = flags.filter((f) => f !== 'evacuation' || flags.length === 1);
    const needsEvacuation = flags.includes('evacuation') && /需要|须|必须/.test(piece);
    return { type: 'flags', flags: needsEvacuation ? [...primary, 'evacuation'] : primary, all: needsEvacuation, text };
  }
  return undefined;
}

/** Splits a condition at 或者 / 或 / ； / 以及 and reads each piece. */
export function parseCondition(text: string, rule: RangeRule): ParsedCondition {
  const body = text.replace(/[。]$/, '').replace(/的(?:事故|事件|情形)?$/, '');
  const pieces = body
    .split(/；|;|[，,]?或者|[，,]以及|[，,]?也应当启动.*$/)
    .flatMap((p) => p.split(/或(?!者)(?=[\u4e00-\u9fa5\d])/))
    .map((p) => p.trim().replace(/^[，,]/, '').replace(/(?:的事故|的事件|的)$/, ''))
    .filter((p) => p.length > 0);
  const out: ParsedCondition = { alternatives: [], unparsed: [] };
  for (const p of pieces) {
    const alt = parsePiece(p, rule);
    if (alt) out.alternatives.push(alt);
    else if (p.length > 1) out.unparsed.push(p);
  }
  return out;
}

function metricValue(facts: TriageFacts, metric: Metric): number | null {
  if (metric === 'deathsOrMissing') {
    if (facts.deaths === null && facts.missing === null) return null;
    return (facts.deaths ?? 0) + (facts.missing ?? 0);
  }
  return facts[metric];
}

function inRange(v: number, alt: Extract<Alternative, { type: 'count' }>): boolean {
  if (alt.min !== undefined && (alt.minInclusive ? v < alt.min : v <= alt.min)) return false;
  if (alt.max !== undefined && (alt.maxInclusive ? v > alt.max : v >= alt.max)) return false;
  // A range with only an upper bound ("3人以下死亡") still needs the event to have happened.
  if (alt.min === undefined && v <= 0) return false;
  return true;
}

/** Whether one alternative holds for the facts; `gradeRank` is the incident's grade (0 = 一般) when known. */
export function evaluate(alt: Alternative, facts: TriageFacts, gradeRank: number | undefined): Truth {
  switch (alt.type) {
    case 'count': {
      let unknown = false;
      for (const m of alt.metrics) {
        const v = alt.possible && (m === 'deaths' || m === 'deathsOrMissing') ? metricValue(facts, 'deathsOrMissing') : metricValue(facts, m);
        if (v === null) unknown = true;
        else if (inRange(v, alt)) return 'yes';
      }
      return unknown ? 'unknown' : 'no';
    }
    case 'grade': {
      if (gradeRank === undefined) return 'unknown';
      const want = GRADE_NAMES.indexOf(alt.grade);
      return (alt.orAbove ? gradeRank >= want : gradeRank === want) ? 'yes' : 'no';
    }
    case 'warning':
      return facts.warning ? (facts.warning.colour === alt.colour ? 'yes' : 'no') : 'unknown';
    case 'flags': {
      const values = alt.flags.map((f) => facts[f]);
      if (alt.all) return values.includes(false) ? 'no' : values.includes(null) ? 'unknown' : 'yes';
      return values.includes(true) ? 'yes' : values.includes(null) ? 'unknown' : 'no';
    }
  }
}

/** Any alternative true → yes; all false → no; otherwise unknown. */
export function evaluateAny(alts: Alternative[], facts: TriageFacts, gradeRank: number | undefined): Truth {
  let unknown = false;
  for (const a of alts) {
    const t = evaluate(a, facts, gradeRank);
    if (t === 'yes') return 'yes';
    if (t === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}

const METRIC_LABELS: Record<Metric, string> = {
  deaths: '死亡人数',
  missing: '失踪人数',
  deathsOrMissing: '死亡（含失踪）人数',
  seriousInjuries: '重伤人数',
  injuries: '受伤人数',
  trapped: '被困人数',
  evacuated: '疏散人数',
  economicLossYuan: '直接经济损失',
  rainfall1hMm: '1小时降雨量',
  rainfall3hMm: '3小时降雨量',
  waterloggedRoads: '积水道路数',
  floodedHomes: '进水住宅户数',
};

export function metricLabel(m: Metric): string {
  return METRIC_LABELS[m];
}
