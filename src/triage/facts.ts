/**
 * Reads the facts of a first report as typed from a phone call: counts in Chinese or Arabic numerals, the spoken
 * words for death, injury, entrapment and loss, amounts, weather warnings and hazmat words.
 */
import { parseChineseNumber, toHalfWidth } from '../core/chinese-text.js';
import type { TriageFacts, WarningColour } from './types.js';

const CN_NUM = '零〇一二两三四五六七八九十百千';
const NUM = `(\\d+(?:\\.\\d+)?|[${CN_NUM}]+)`;
/** A count of people: 一名, 3人, 两个, 十余人, 20多名. */
const PERSON_COUNT = new RegExp(`${NUM}\\s*(?:余|多|来|几)?\\s*(?:名|人|个|位)`, 'g');

const DEATH = /溺亡|死亡|身亡|遇难|罹难|没了|没有生命体征|无生命体征|生命体征消失|去世|砸死|烧死|淹死|压死|死了|丧生|不治/;
const SERIOUS = /重伤|危重|伤势严重|伤情严重|中毒|病危/;
const INJURED = /受伤|轻伤|伤者|擦伤|骨折|烧伤|送医|伤员/;
const TRAPPED = /被困|困在|被埋|埋压|压在|压了|压着|困住|卡在/;
const MISSING = /失踪|下落不明|失联/;
const EVACUATED = /疏散|撤离|转移/;
/** Words that name a person, so a clause without a number speaks of one (死了人, 压了人: at least one). */
const PERSON_NOUN = /有人|[死伤压埋困]了?人|出了?人命|人员|司机|工人|男子|女子|老人|小孩|孩子|居民|行人|员工|乘客|搬运工|作业人员|民工|骑手/;

/** Words that make a text describe an event rather than ask about procedure. */
const KIND_WORDS: { kind: string; re: RegExp }[] = [
  {
    kind: '生产安全事故',
    re: /倒塌|坍塌|垮塌|塌了|冒顶|片帮|透水|爆炸|炸了|爆燃|起火|着火|火灾|泄漏|泄露|中毒|窒息|坠落|砸中|砸伤|砸死|触电|卷入|塌方|机械伤|事故发生|发生.{0,8}事故|出了事故|晕倒/,
  },
  { kind: '防汛防台', re: /台风|暴雨|降雨|雨量|积水|内涝|汛情|下立交|进水|防汛墙|漫溢|决口|倒灌|大风/ },
  { kind: '危险化学品', re: /危化品|危险化学品|槽罐车|液氯|氯气|液氨|氨气|硫化氢|有毒气体|化学品|化工/ },
  { kind: '有限空间', re: /有限空间|受限空间|窨井|污水池|化粪池|发酵罐|储罐内|沼气池|地下管道|污水井/ },
  { kind: '火灾', re: /起火|着火|火灾|燃烧|爆燃/ },
];

const COLOURS: Record<string, WarningColour> = { 蓝: '蓝色', 黄: '黄色', 橙: '橙色', 红: '红色' };
const COLOUR_RANK: Record<WarningColour, number> = { 蓝色: 1, 黄色: 2, 橙色: 3, 红色: 4 };

export interface ExtractOptions {
  /** Incident time given by the caller (ISO 8601); wins over a time in the text. */
  time?: string;
  /** "Now", for times the text gives relative to today. */
  now?: Date;
}

/** Parses 3, 3.5, 三, 两, 十二; undefined for anything else. */
export function parseCount(token: string): number | undefined {
  const t = toHalfWidth(token);
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  return parseChineseNumber(t.replace(/两/g, '二'));
}

/** Facts with nothing known. */
export function emptyFacts(): TriageFacts {
  return {
    deaths: null,
    missing: null,
    seriousInjuries: null,
    injuries: null,
    trapped: null,
    evacuated: null,
    economicLossYuan: null,
    hazmat: null,
    warning: null,
    time: null,
    place: null,
    kinds: [],
    rainfall1hMm: null,
    rainfall3hMm: null,
    waterloggedRoads: null,
    floodedHomes: null,
    underpassClosed: null,
    evacuation: null,
    escalating: null,
    beyondCapacity: null,
    leveeBreach: null,
    crowdedPlace: null,
  };
}

type CountKey = 'deaths' | 'missing' | 'seriousInjuries' | 'injuries' | 'trapped' | 'evacuated';

function add(facts: TriageFacts, key: CountKey, n: number): void {
  facts[key] = (facts[key] ?? 0) + n;
}

function firstCount(clause: string): number | undefined {
  PERSON_COUNT.lastIndex = 0;
  for (const m of clause.matchAll(PERSON_COUNT)) {
    const n = parseCount(m[1]!);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** 1死2伤, 一死两伤. */
function readShorthand(text: string, facts: TriageFacts): string {
  const re = new RegExp(`${NUM}死${NUM}(重)?伤`, 'g');
  return text.replace(re, (_all, d: string, i: string, serious?: string) => {
    const deaths = parseCount(d);
    const hurt = parseCount(i);
    if (deaths !== undefined) add(facts, 'deaths', deaths);
    if (hurt !== undefined) add(facts, serious ? 'seriousInjuries' : 'injuries', hurt);
    return '，';
  });
}

function categoryOf(segment: string): CountKey | undefined {
  if (DEATH.test(segment)) return 'deaths';
  if (SERIOUS.test(segment)) return 'seriousInjuries';
  if (INJURED.test(segment)) return 'injuries';
  if (TRAPPED.test(segment)) return 'trapped';
  if (MISSING.test(segment)) return 'missing';
  return undefined;
}

/** "一人死亡两人重伤", "死亡1人、受伤3人": several counts in one clause, each with the word after (or before) it. */
function readPairs(clause: string, facts: TriageFacts): boolean {
  PERSON_COUNT.lastIndex = 0;
  const matches = [...clause.matchAll(PERSON_COUNT)].filter((m) => parseCount(m[1]!) !== undefined);
  if (matches.length < 2) return false;
  const pairs: [CountKey, number][] = [];
  // "死亡1人受伤3人" names the kind before each number; "一人死亡两人重伤" after it.
  const kindFirst = categoryOf(clause.slice(0, matches[0]!.index!)) !== undefined;
  matches.forEach((m, i) => {
    const start = m.index!;
    const end = i + 1 < matches.length ? matches[i + 1]!.index! : clause.length;
    const prevEnd = i > 0 ? matches[i - 1]!.index! + matches[i - 1]![0].length : 0;
    const after = clause.slice(start, end);
    const before = clause.slice(prevEnd, start);
    const key = kindFirst ? (categoryOf(before) ?? categoryOf(after)) : (categoryOf(after) ?? categoryOf(before));
    if (key) pairs.push([key, parseCount(m[1]!)!]);
  });
  if (pairs.length < 2) return false;
  for (const [key, n] of pairs) add(facts, key, n);
  return true;
}

function readCounts(text: string, facts: TriageFacts): void {
  const clauses = readShorthand(text, facts).split(/[，,。；;！!？?\n、]/);
  let carried: number | undefined;
  for (const raw of clauses) {
    const clause = raw.trim();
    if (!clause) continue;
    const negated = /(?:无|没有|未|暂无|暂未发现|未发现)(?:人员|人)?(?:死亡|伤亡|受伤|被困|失踪)/.test(clause);
    if (negated) {
      if (/伤亡/.test(clause)) {
        facts.deaths ??= 0;
        facts.injuries ??= 0;
        facts.seriousInjuries ??= 0;
      }
      if (/(?:无|没有|未|暂无)(?:人员|人)?死亡/.test(clause)) facts.deaths ??= 0;
      if (/(?:无|没有|未|暂无)(?:人员|人)?受伤/.test(clause)) facts.injuries ??= 0;
      if (/(?:无|没有|未|暂无|未发现)(?:人员|人)?被困/.test(clause)) facts.trapped ??= 0;
      if (/(?:无|没有|未|暂无)(?:人员|人)?失踪/.test(clause)) facts.missing ??= 0;
      continue;
    }
    if (readPairs(clause, facts)) {
      carried = undefined;
      continue;
    }
    const n = firstCount(clause);
    const categories: CountKey[] = [];
    if (DEATH.test(clause)) categories.push('deaths');
    if (SERIOUS.test(clause)) categories.push('seriousInjuries');
    else if (INJURED.test(clause)) categories.push('injuries');
    if (TRAPPED.test(clause)) categories.push('trapped');
    if (MISSING.test(clause)) categories.push('missing');
    if (EVACUATED.test(clause)) {
      facts.evacuation = true;
      if (n !== undefined && categories.length === 0) categories.push('evacuated');
    }
    if (categories.length === 0) {
      carried = n;
      continue;
    }
    // "司机溺水身亡", "有人被困": one person when the report names a person without a number.
    const count = n ?? carried ?? (PERSON_NOUN.test(clause) ? 1 : undefined);
    carried = undefined;
    if (count === undefined) continue;
    // "3人受伤，其中1人重伤": the serious ones are part of the injured already counted.
    if (/^其中/.test(clause) && categories[0] === 'seriousInjuries' && facts.injuries !== null) {
      facts.injuries = Math.max(0, facts.injuries - count);
    }
    add(facts, categories[0]!, count);
  }
}

function readAmount(text: string): number | null {
  const m = new RegExp(`(?:损失|烧毁|损毁)[^。；]*?${NUM}\\s*(万|亿)?元`).exec(text) ?? new RegExp(`${NUM}\\s*(万|亿)元`).exec(text);
  if (!m) return null;
  const n = parseCount(m[1]!);
  if (n === undefined) return null;
  const unit = m[2] === '亿' ? 1e8 : m[2] === '万' ? 1e4 : 1;
  return Math.round(n * unit);
}

function readWarning(text: string): TriageFacts['warning'] {
  let best: TriageFacts['warning'] = null;
  const re = /(台风|暴雨|大风|雷电|高温|寒潮|大雾|冰雹|道路结冰|防汛防台|防汛)?\s*(蓝|黄|橙|红)色?\s*(预警|警报|信号)?/g;
  for (const m of text.matchAll(re)) {
    if (!m[1] && !m[3]) continue;
    const colour = COLOURS[m[2]!]!;
    if (!best || COLOUR_RANK[colour] > COLOUR_RANK[best.colour]) best = { kind: m[1] ?? null, colour };
  }
  return best;
}

function readNumberBefore(text: string, re: RegExp): number | null {
  const m = re.exec(text);
  if (!m) return null;
  return parseCount(m[1]!) ?? null;
}

function readTime(text: string, now: Date): string | null {
  const m = /(凌晨|早上|上午|中午|下午|傍晚|晚上|夜里)?\s*(\d{1,2}|[一二两三四五六七八九十]+)\s*(?:[:：](\d{2})|[点时](?:(\d{1,2}|[一二三四五六七八九十]+)分?|(半))?)/.exec(
    text,
  );
  if (!m) return null;
  let hour = parseCount(m[2]!);
  if (hour === undefined || hour > 24) return null;
  const minute = m[3] ? Number(m[3]) : m[5] ? 30 : m[4] ? (parseCount(m[4]) ?? 0) : 0;
  if (m[1] && /下午|傍晚|晚上|夜里/.test(m[1]) && hour < 12) hour += 12;
  if (!m[1] && !m[3] && !/[点时]/.test(m[0])) return null;
  const d = new Date(now);
  if (/昨天|昨晚|昨日/.test(text)) d.setDate(d.getDate() - 1);
  d.setHours(hour, minute, 0, 0);
  return d.toISOString();
}

function readPlace(text: string): string | null {
  const m =
    /([\u4e00-\u9fa5\d]{2,14}?(?:街道|镇|路\d*号?|园区|小区|工业园))/.exec(text) ??
    /^(?:在|位于)?([\u4e00-\u9fa5]{2,8}?)(?:一家|一处|一座|一个|某|有一)/.exec(text);
  return m ? m[1]! : null;
}

/** Reads the facts of a report. Counts the text does not state stay null. */
export function extractFacts(input: string, options: ExtractOptions = {}): TriageFacts {
  const text = toHalfWidth(input).replace(/\s+/g, ' ');
  const facts = emptyFacts();
  readCounts(text, facts);
  facts.economicLossYuan = readAmount(text);
  facts.warning = readWarning(text);
  facts.kinds = KIND_WORDS.filter((k) => k.re.test(text)).map((k) => k.kind);
  if (facts.kinds.includes('危险化学品') || /泄漏|泄露/.test(text)) facts.hazmat = true;
  const r1 = /(?:(1|一)\s*小时|小时)(?:内)?(?:累计)?(?:降雨量?|雨量)\s*(?:达到?|为|超过)?\s*(\d+(?:\.\d+)?)\s*毫米/.exec(text);
  if (r1) facts.rainfall1hMm = Number(r1[2]);
  const r3 = /(3|三)\s*小时(?:内)?(?:累计)?(?:降雨量?|雨量)\s*(?:达到?|为|超过)?\s*(\d+(?:\.\d+)?)\s*毫米/.exec(text);
  if (r3) facts.rainfall3hMm = Number(r3[2]);
  facts.waterloggedRoads = readNumberBefore(text, new RegExp(`${NUM}\\s*(?:处|条)(?:道路|路段)?(?:积水|严重积水)`)) ??
    readNumberBefore(text, new RegExp(`积水(?:的)?(?:道路|路段)(?:已?达到?|有)?\\s*${NUM}\\s*(?:处|条)`));
  facts.floodedHomes = readNumberBefore(text, new RegExp(`${NUM}\\s*户(?:居民)?(?:住宅|家中|房屋|民宅)?(?:被水淹|进水)`)) ??
    readNumberBefore(text, new RegExp(`进水(?:的)?(?:居民|住宅|民宅)?[^，。]{0,4}?${NUM}\\s*户`));
  if (/下立交[^，。；]{0,12}(?:封闭|封路|关闭|禁止通行)|(?:封闭|关闭)[^，。；]{0,6}下立交/.test(text)) facts.underpassClosed = true;
  if (/扩大趋势|有扩大|继续扩大|蔓延|可能升级|火势扩大/.test(text)) facts.escalating = true;
  if (/超出[^，。]{0,6}处置能力|无法控制|力量不足/.test(text)) facts.beyondCapacity = true;
  if (/决口|漫溢|漫堤/.test(text)) facts.leveeBreach = true;
  if (/学校|医院|养老|商场|超市|人员密集|地铁站|火车站|幼儿园|体育场|影院/.test(text)) facts.crowdedPlace = true;
  facts.time = options.time ? new Date(options.time).toISOString() : readTime(text, options.now ?? new Date());
  facts.place = readPlace(text);
  return facts;
}

/** True when the text reports an event (casualties, an accident, a flood situation or a warning in force). */
export function describesIncident(facts: TriageFacts): boolean {
  const counts = [facts.deaths, facts.missing, facts.seriousInjuries, facts.injuries, facts.trapped];
  return facts.kinds.length > 0 || counts.some((n) => n !== null && n > 0) || facts.warning !== null;
}
