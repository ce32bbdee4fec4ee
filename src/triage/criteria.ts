/**
 * Reads one indexed document into criteria: accident grades (条例 第三条 style definitions), response levels
 * (sections "Ⅳ级响应" with 启动条件/启动程序/响应措施, and 响应分级 tables), reporting time limits, contact tables
 * and the required report contents. Nothing here knows a particular document; the wording patterns are those
 * of Chinese regulations and plans in general.
 */
import type { Chunk, SourceDoc } from '../core/types.js';
import { formatLocator } from '../retrieval/locator.js';
import { parseCondition, readRangeRule, type Alternative, type GradeName, type RangeRule } from './conditions.js';
import type { TriageBasis, UnparsedCriterion } from './types.js';

export interface GradeCriterion {
  grade: GradeName;
  alternatives: Alternative[];
  basis: TriageBasis;
}

export interface LevelCriterion {
  /** 1 = Ⅰ级 (highest) … 4 = Ⅳ级. */
  rank: number;
  label: string;
  alternatives: Alternative[];
  /** The start condition text quoted. */
  basis: TriageBasis;
  section: string;
  decidedBy: string | null;
  commander: string | null;
  measures: string[];
  /** "在Ⅳ级响应措施的基础上": the rank whose measures this level adds to. */
  buildsOn?: number;
}

export interface NotificationRule {
  /** Null: applies whenever the document applies. */
  condition: Alternative[] | null;
  /** Part of the condition could not be read: a false reading is then not trusted. */
  conditionPartial: boolean;
  conditionText: string | null;
  who: string | null;
  to: string | null;
  withinMinutes: number;
  recurring: boolean;
  urgentOnly: boolean;
  basis: TriageBasis;
}

export interface ContactEntry {
  unit: string;
  phone: string;
  basis: TriageBasis;
}

export interface DocumentCriteria {
  docId: string;
  title: string;
  contentHash: string;
  /** Hazard kinds the title names (see KIND_OF_TITLE); empty for general documents such as duty handbooks. */
  kinds: string[];
  authority: number;
  rule: RangeRule;
  grades: GradeCriterion[];
  levels: LevelCriterion[];
  notifications: NotificationRule[];
  contacts: ContactEntry[];
  /** Items the document says a report must contain. */
  reportItems: { items: string[]; basis: TriageBasis } | null;
  /** 《…》 titles the document cites. */
  cites: string[];
  unparsed: UnparsedCriterion[];
}

const LEVEL_MARK = /(Ⅰ|Ⅱ|Ⅲ|Ⅳ|IV|III|II|I|一|二|三|四)级[)）]?(?:应急)?响应/;
const RANKS: Record<string, number> = { Ⅰ: 1, I: 1, 一: 1, Ⅱ: 2, II: 2, 二: 2, Ⅲ: 3, III: 3, 三: 3, Ⅳ: 4, IV: 4, 四: 4 };
const LEVEL_LABELS = ['', 'Ⅰ级', 'Ⅱ级', 'Ⅲ级', 'Ⅳ级'];

/** Title words → hazard kinds (the same names facts.ts gives a report). */
const KIND_OF_TITLE: { kind: string; re: RegExp }[] = [
  { kind: '生产安全事故', re: /生产安全事故|安全生产|事故/ },
  { kind: '防汛防台', re: /防汛|防台|台风|暴雨|洪水|内涝|汛/ },
  { kind: '危险化学品', re: /危险化学品|危化品/ },
  { kind: '有限空间', re: /有限空间|受限空间/ },
  { kind: '火灾', re: /火灾|消防/ },
];

const AUTHORITY: Record<string, number> = { 法律: 5, 行政法规: 4, 部门规章: 3, 地方性法规: 3, 应急预案: 2, 工作制度: 1, 其他: 0 };

interface Line {
  text: string;
  chunk: Chunk;
  locator: string;
  /** Table header cells when the line is a table row. */
  header?: string[];
}

function basisOf(doc: SourceDoc, line: Pick<Line, 'locator'>, text: string): TriageBasis {
  return { docId: doc.id, title: doc.title, locator: line.locator, text };
}

/** Lines of a document in reading order, each with the chunk it came from; overlapping chunk text is read once. */
function linesOf(chunks: Chunk[]): Line[] {
  const seen = new Set<string>();
  const out: Line[] = [];
  for (const chunk of chunks) {
    const locator = formatLocator(chunk);
    let header: string[] | undefined;
    for (const raw of chunk.text.split('\n')) {
      const text = raw.trim();
      if (!text || chunk.headingPath.includes(text)) continue;
      const isRow = text.includes(' | ');
      if (isRow) {
        // The first row of a table (repeated by the chunker when a table is split) is its header.
        if (!header) {
          header = text.split(' | ').map((c) => c.trim());
          continue;
        }
        const key = `${chunk.headingPath.join('/')}|${text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ text, chunk, locator, header });
        continue;
      }
      header = undefined;
      const key = `${chunk.headingPath.join('/')}|${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ text, chunk, locator });
    }
  }
  return out;
}

const GRADE_LINE = /^(?:[（(][一二三四五六七八九十]+[)）]|\d+[.、．])?\s*(特别重大|重大|较大|一般)(?:生产安全)?事故[，,：:]?\s*(?:是指)?(.+)$/;

function readGrades(doc: SourceDoc, lines: Line[], rule: RangeRule, unparsed: UnparsedCriterion[]): GradeCriterion[] {
  const out: GradeCriterion[] = [];
  for (const line of lines) {
    const m = GRADE_LINE.exec(line.text);
    if (!m || !/死亡|重伤|损失/.test(m[2]!)) continue;
    const cond = parseCondition(m[2]!.replace(/[；;。]$/, ''), rule);
    for (const u of cond.unparsed) unparsed.push({ docId: doc.id, title: doc.title, locator: line.locator, sentence: `${line.text}（未能读出：${u}）` });
    if (cond.alternatives.length) out.push({ grade: m[1] as GradeName, alternatives: cond.alternatives, basis: basisOf(doc, line, line.text) });
  }
  // Only a full definition (at least two grades) is a grading scheme; a lone sentence mentioning 一般事故 is not.
  return new Set(out.map((g) => g.grade)).size >= 2 ? out : [];
}

function levelOfLabel(text: string): number | undefined {
  const m = LEVEL_MARK.exec(text);
  return m ? RANKS[m[1]!] : undefined;
}

function sectionLevel(chunk: Chunk): number | undefined {
  const label = (chunk.articleLabel ?? chunk.headingPath[chunk.headingPath.length - 1] ?? '').trim();
  // "4.3.1 Ⅳ级响应", "（二）Ⅳ级响应", "一般（Ⅳ级）响应", "四级应急响应"; not "响应分级" or "Ⅲ级以上响应".
  if (label.length > 24 || !/响应(?:措施|程序)?$/.test(label) || /以上|以下|分级/.test(label)) return undefined;
  return levelOfLabel(label);
}

/** Who decides: "由区长决定启动", "区防汛办主任决定启动Ⅳ级响应". */
function readDecider(text: string): string | null {
  const m = /(?:由)?([^，。；：:\d.]{2,30}?)(?:决定|批准|宣布)(?:启动|发布)/.exec(text.replace(/^.*由(?=[^由]*(?:决定|批准|宣布))/, '由'));
  return m ? m[1]!.replace(/^由/, '').trim() : null;
}

function readCommander(text: string): string | null {
  const m = /([^，。；：:\d.]{2,30}?)(?:赶赴现场[，,])?担任([^，。；]{0,12}总指挥)/.exec(text);
  return m ? m[1]!.replace(/^(?:由|并由)/, '').trim() : null;
}

function measuresOf(lines: string[]): string[] {
  const out: string[] = [];
  let on = false;
  for (const text of lines) {
    const inline = /(?:响应措施|主要措施|采取以下措施|采取下列措施)[:：](.*)$/.exec(text);
    if (inline) {
      on = true;
      if (inline[1]!.trim()) out.push(...inline[1]!.split(/；|;/).map((s) => s.trim().replace(/[。；]$/, '')).filter(Boolean));
      continue;
    }
    if (on && /^(?:\d+[.、．]|[（(]\d+[)）])/.test(text)) out.push(text.replace(/^(?:\d+[.、．]|[（(]\d+[)）])\s*/, '').replace(/[。；;]$/, ''));
  }
  return out;
}

function readLevels(doc: SourceDoc, lines: Line[], rule: RangeRule, unparsed: UnparsedCriterion[]): LevelCriterion[] {
  const byRank = new Map<number, LevelCriterion>();
  const sectionLines = new Map<number, Line[]>();
  for (const line of lines) {
    const rank = sectionLevel(line.chunk);
    if (rank === undefined || line.header) continue;
    if (!sectionLines.has(rank)) sectionLines.set(rank, []);
    sectionLines.get(rank)!.push(line);
  }
  for (const [rank, sec] of sectionLines) {
    const texts = sec.map((l) => l.text);
    const condLine = sec.find((l) => /启动条件[:：]/.test(l.text));
    const all = texts.join('\n');
    const base = /在(Ⅰ|Ⅱ|Ⅲ|Ⅳ|IV|III|II|I|一|二|三|四)级响应措施的基础上/.exec(all);
    const level: LevelCriterion = {
      rank,
      label: LEVEL_LABELS[rank]!,
      alternatives: [],
      basis: basisOf(doc, sec[0]!, condLine?.text ?? sec[0]!.text),
      section: sec[0]!.locator,
      decidedBy: readDecider(texts.find((t) => /(?:决定|批准|宣布)启动/.test(t)) ?? ''),
      commander: readCommander(all),
      measures: measuresOf(texts),
      buildsOn: base ? RANKS[base[1]!] : undefined,
    };
    const conditionTexts: Line[] = [];
    const inline = condLine?.text.replace(/^.*?启动条件[:：]/, '').trim();
    if (condLine && inline) conditionTexts.push({ ...condLine, text: inline });
    // "出现下列情形之一的，启动Ⅳ级响应：" followed by numbered items.
    const listAt = sec.findIndex((l) => /(?:情形|条件|情况)之一|启动条件[:：]?$/.test(l.text));
    if (listAt >= 0 && !inline) {
      for (const item of sec.slice(listAt + 1)) {
        if (!/^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）])/.test(item.text)) break;
        conditionTexts.push({ ...item, text: item.text.replace(/^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）])\s*/, '').replace(/[；;。]$/, '') });
      }
      if (conditionTexts.length) level.basis = basisOf(doc, sec[listAt]!, [sec[listAt]!.text, ...conditionTexts.map((c) => c.text)].join(' '));
    }
    if (!conditionTexts.length) {
      // "发生…的事故，启动Ⅳ级响应" in one sentence.
      const sentence = sec.find((l) => /^[^。]*?(?:的|时)[，,][^。]*?启动[^。]{0,6}级/.test(l.text) && !/决定启动/.test(l.text));
      const m = sentence && /^(.*?(?:的|时))[，,][^。]*?启动/.exec(sentence.text);
      if (sentence && m) {
        conditionTexts.push({ ...sentence, text: m[1]! });
        level.basis = basisOf(doc, sentence, sentence.text);
      }
    }
    for (const c of conditionTexts) {
      const cond = parseCondition(c.text, rule);
      level.alternatives.push(...cond.alternatives);
      for (const u of cond.unparsed) unparsed.push({ docId: doc.id, title: doc.title, locator: c.locator, sentence: `${c.text}（未能读出：${u}）` });
    }
    byRank.set(rank, level);
  }
  // 响应分级 tables: a row per level with the warning, direct-start conditions, decider and commander.
  for (const line of lines) {
    if (!line.header) continue;
    const cells = line.text.split(' | ').map((c) => c.trim());
    const rank = levelOfLabel(`${cells[0]}响应`) ?? levelOfLabel(cells[0]!);
    if (rank === undefined || !/^\S{0,3}级/.test(cells[0]!)) continue;
    const col = (re: RegExp) => line.header!.findIndex((h) => re.test(h));
    const level = byRank.get(rank) ?? {
      rank,
      label: LEVEL_LABELS[rank]!,
      alternatives: [],
      basis: basisOf(doc, line, line.text),
      section: line.locator,
      decidedBy: null,
      commander: null,
      measures: [],
    };
    level.basis = basisOf(doc, line, line.text);
    const warn = col(/预警/);
    if (warn >= 0 && cells[warn]) {
      const c = parseCondition(cells[warn]!.endsWith('色') ? `${cells[warn]}预警` : cells[warn]!, rule);
      level.alternatives.push(...c.alternatives);
    }
    const cond = col(/条件/);
    if (cond >= 0 && cells[cond]) {
      const c = parseCondition(cells[cond]!, rule);
      level.alternatives.push(...c.alternatives);
      for (const u of c.unparsed) unparsed.push({ docId: doc.id, title: doc.title, locator: line.locator, sentence: `${line.text}（未能读出：${u}）` });
    }
    const dec = col(/决定|批准|启动程序|启动权限/);
    if (dec >= 0 && cells[dec]) level.decidedBy = cells[dec]!;
    const cmd = col(/指挥/);
    if (cmd >= 0 && cells[cmd]) level.commander = cells[cmd]!;
    byRank.set(rank, level);
  }
  // A section that states no commander: another sentence of the plan may ("Ⅳ级响应……由X在现场协调").
  for (const level of byRank.values()) {
    if (level.commander) continue;
    for (const line of lines) {
      for (const sentence of line.text.split(/。|；/)) {
        if (!sentence.includes(`${level.label}响应`) || sentence.includes(`${level.label}以上`)) continue;
        const m = /由([^，。；]{2,30}?)(?:担任|在现场协调|负责指挥|指挥)/.exec(sentence.slice(sentence.indexOf(`${level.label}响应`)));
        if (m) {
          level.commander = m[1]!;
          break;
        }
      }
      if (level.commander) break;
    }
  }
  return [...byRank.values()].filter((l) => l.alternatives.length > 0).sort((a, b) => a.rank - b.rank);
}

const REPORT_HEADING = /报告|报送|上报|接报/;
const TIME_LIMIT = /(?:(每)\s*)?(\d+|[一二两三四五六七八九十半]+)\s*(分钟|小时)(?:内|至少|一次|续报|报送|向)?|不得超过\s*(\d+)\s*(分钟|小时)/g;

function minutesOf(n: string, unit: string): number | undefined {
  const v = n === '半' ? 0.5 : Number.isNaN(Number(n)) ? undefined : Number(n);
  const num = v ?? ({ 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 十: 10 } as Record<string, number>)[n];
  if (num === undefined) return undefined;
  return unit === '小时' ? num * 60 : num;
}

function cleanParty(s: string | undefined): string | null {
  if (!s) return null;
  const t = s
    .replace(/^(?:\d+[.、．]|[（(]\d+[)）])\s*/, '')
    .replace(/(?:接到[^，]*?后|接报后|核实后|应当|应|须|必须|立即|同时|在|可以)+$/g, '')
    .replace(/^(?:首报|续报|终报)[:：]/, '')
    .trim();
  return t.length >= 2 && t.length <= 40 ? t : null;
}

function readNotifications(doc: SourceDoc, lines: Line[], rule: RangeRule): NotificationRule[] {
  const out: NotificationRule[] = [];
  let lastWho: string | null = null;
  let lastTo: string | null = null;
  let lastChunk = '';
  for (const line of lines) {
    if (line.header || !REPORT_HEADING.test(line.chunk.headingPath.join(' ') + (line.chunk.articleLabel ?? ''))) continue;
    if (line.chunk.id !== lastChunk) {
      lastWho = null;
      lastTo = null;
      lastChunk = line.chunk.id;
    }
    for (const sentence of line.text.split(/。/)) {
      if (/终止后|结束后|之日起|补报|补办|签发/.test(sentence)) continue;
      if (!/报告|报送|上报|续报|通报/.test(sentence)) continue;
      const clauses = sentence.split(/；|;/);
      for (const clause of clauses) {
        const m = /^(.*(?:的事故|的事件|的|时))[，,](?=[^，,]*(?:应当|应该|应(?!急)|须|必须))/.exec(clause);
        const condText = m && !/^\d+[.、．]?$/.test(m[1]!) ? m[1]!.replace(/^(?:\d+[.、．])\s*/, '') : null;
        const rest = m ? clause.slice(m[0].length) : clause;
        const urgent = /情况紧急|紧急时/.test(condText ?? '');
        const whoMatch =
          /^(.*?)(?:接到[^，]*?后|接报后)?[，,]?(?:应当|应该|应(?!急)|须|必须)/.exec(rest) ??
          /^(?:[^，]*期间[，,])?([^，]{2,20}?)(?:每|于|向)/.exec(rest);
        const cond = condText && !urgent ? parseCondition(condText, rule) : null;
        const stage = /^(?:\d+[.、．])?\s*(首报|续报|终报)[:：]/.exec(clause)?.[1] ?? null;
        const condWho = cond && cond.alternatives.length === 0 ? /^(.{2,20}?)(?:发现|接到|遇到)/.exec(condText!)?.[1] : undefined;
        const who: string | null = stage ?? cleanParty(whoMatch?.[1]) ?? cleanParty(condWho) ?? lastWho;
        const toMatch = /向([^，。；]+?)(?:报告|报送|上报|续报)/.exec(rest) ?? /(?:电话报告|书面报告|报告|续报|通报)([^，。；]*?(?:值班室|管理局|政府|部门|办公室|指挥部|防汛办|应急管理部)[^，。；]*)/.exec(rest);
        const to: string | null = cleanParty(toMatch?.[1]) ?? lastTo;
        for (const t of rest.matchAll(TIME_LIMIT)) {
          const minutes = t[2] ? minutesOf(t[2], t[3]!) : t[4] ? minutesOf(t[4], t[5]!) : undefined;
          if (minutes === undefined || minutes > 24 * 60) continue;
          // A limit for arriving or sending notices, not for reporting, is not a reporting deadline.
          const around = rest.slice(t.index!, t.index! + 24);
          if (!/报告|报送|上报|续报|通报|书面/.test(around) && !t[4]) continue;
          out.push({
            condition: cond && cond.alternatives.length ? cond.alternatives : null,
            conditionPartial: Boolean(cond && cond.alternatives.length && cond.unparsed.length),
            conditionText: condText,
            who,
            to,
            withinMinutes: minutes,
            recurring: Boolean(t[1]),
            urgentOnly: urgent,
            basis: basisOf(doc, line, clause.trim()),
          });
        }
        if (who) lastWho = who;
        if (to) lastTo = to;
      }
    }
  }
  return out;
}

function readContacts(doc: SourceDoc, lines: Line[]): ContactEntry[] {
  const out: ContactEntry[] = [];
  for (const line of lines) {
    if (!line.header) continue;
    const phoneCol = line.header.findIndex((h) => /电话|联系方式|号码/.test(h));
    if (phoneCol < 0) continue;
    const cells = line.text.split(' | ').map((c) => c.trim());
    const unitCol = Math.max(0, line.header.findIndex((h) => /单位|对象|名称|部门/.test(h)));
    const roleCol = line.header.findIndex((h) => /岗位|职务/.test(h));
    const unit = roleCol >= 0 && cells[roleCol] ? `${cells[unitCol]}（${cells[roleCol]}）` : cells[unitCol];
    if (!unit || !cells[phoneCol]) continue;
    out.push({ unit, phone: cells[phoneCol]!, basis: basisOf(doc, line, line.text) });
  }
  return out;
}

function readReportItems(doc: SourceDoc, lines: Line[]): DocumentCriteria['reportItems'] {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.header) continue;
    const m = /报告(?:应当|应)?(?:包括|包含)(?:下列内容)?[:：](.*)$|(?:报告内容|报告要素|报送内容)[^：:]*?(?:包括|一般包括)?[:：](.*)$/.exec(line.text);
    if (!m) continue;
    const inline = (m[1] ?? m[2] ?? '').trim();
    let items = inline ? inline.split(/；|;/).map((s) => s.replace(/[。]$/, '').trim()).filter(Boolean) : [];
    if (items.length <= 1 && inline.includes('，')) items = inline.replace(/。$/, '').split(/，/).filter(Boolean);
    if (!items.length) {
      for (let j = i + 1; j < lines.length && j <= i + 10; j++) {
        const next = lines[j]!.text;
        if (!/^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）])/.test(next)) break;
        items.push(next.replace(/^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）])\s*/, '').replace(/[；;。]$/, ''));
      }
    }
    if (items.length >= 3) return { items, basis: basisOf(doc, line, line.text) };
  }
  return null;
}

/**
 * Reads a document's criteria from its chunks.
 * @param fallbackRule the 以上/以下 rule to use when the document does not define its own.
 */
export function readDocumentCriteria(doc: SourceDoc, chunks: Chunk[], fallbackRule: RangeRule): DocumentCriteria {
  const lines = linesOf(chunks);
  const fullText = lines.map((l) => l.text).join('\n');
  const rule = readRangeRule(fullText, fallbackRule);
  const unparsed: UnparsedCriterion[] = [];
  const levels = doc.docType === '应急预案' || /预案|方案/.test(doc.title) ? readLevels(doc, lines, rule, unparsed) : [];
  return {
    docId: doc.id,
    title: doc.title,
    contentHash: doc.contentHash,
    kinds: KIND_OF_TITLE.filter((k) => k.re.test(doc.title)).map((k) => k.kind),
    authority: AUTHORITY[doc.docType] ?? 0,
    rule,
    grades: readGrades(doc, lines, rule, unparsed),
    levels,
    notifications: readNotifications(doc, lines, rule),
    contacts: readContacts(doc, lines),
    reportItems: readReportItems(doc, lines),
    cites: [...fullText.matchAll(/《([^》]+)》/g)].map((m) => m[1]!),
    unparsed,
  };
}
