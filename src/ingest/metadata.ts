/**
 * Document metadata read from the text itself: title, type (法律 / 行政法规 / … / 应急预案), issue and effective
 * dates, issuer. Works on the normalised blocks of any format; a `<file>.meta.json` sidecar overrides every field.
 */
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { DOC_TYPES, type Block, type DocMetadata, type DocType } from '../core/types.js';
import { parseChineseNumber } from '../core/chinese-text.js';
import { cleanLine, matchArticleStart, matchHeadingLine, matchLegalHeading } from './structure.js';

export interface MetadataInput {
  fileName: string;
  blocks: Block[];
  /** Title from file properties (PDF Info, DOCX core properties, HTML <title>). */
  propertiesTitle?: string;
  /** Admin overrides; defined values win. */
  sidecar?: Partial<DocMetadata>;
}

/** Blocks looked at for the title and header lines; a header longer than this is body text. */
const HEADER_MAX_BLOCKS = 40;
/** A title line is short. */
const TITLE_MAX_CHARS = 80;

// 【虚构示例（测试用）】…, 【示例】…, [示例] …: notices printed above the title.
const DISCLAIMER_RE = /^[【\[［〔]/;
const ARABIC_DATE_RE = /([0-9０-９]{4})\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日/g;
const CHINESE_DATE_RE = /([〇零○Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日/g;
const ISSUE_EVENT_RE = /通过|修订|修正|公布|发布|印发|颁布|批准|制定/;
const EFFECTIVE_EVENT_RE = /施行|实施|生效/;
const DATE_ONLY_LINE_RE = /^[\s（(]*(?:[0-9０-９]{4}|[〇零○Ｏ一二三四五六七八九]{4})\s*年[^年]{1,8}日[\s）)]*$/;
// 本法自2002年11月1日起施行 / 本条例自二〇〇八年三月一日起施行.
const BODY_EFFECTIVE_RE =
  /本(?:法|条例|办法|规定|细则|解释|决定|规则|预案|制度|手册|准则|方案|意见|通知|规程)[^。；\n]{0,30}?自\s*((?:[0-9０-９]{4}|[〇零○Ｏ一二三四五六七八九]{4})\s*年[^。；\n]{1,12}?日)\s*起?(?:施行|实施|执行|生效)/g;
const DOC_NOUN_RE =
  /(?:法|法典|条例|办法|规定|细则|决定|决议|解释|批复|预案|方案|规程|处置卡|制度|手册|要点|重点|规则|通知|意见|标准|指南|指引|计划|规划|措施|守则|须知|修正案)(?:[（(][^（）()]{1,20}[)）])*$/;
const TRAILING_PARENS_RE = /(?:[（(][^（）()]{0,30}[)）])+$/;
const PROVINCES =
  '北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门';
// A title that starts with a place: a province-level name, or a city / county / prefecture name. 市 followed by
// 场/容/民/政… is a word (人力资源市场, 城市市容), not a city.
const PLACE_PREFIX_RE = new RegExp(
  `^(?:(?:${PROVINCES})|[\\u4e00-\\u9fa5]{2,4}(?:省|自治区|自治州|自治县|经济特区|新区)|[\\u4e00-\\u9fa5]{2,3}(?:市(?![场容民政级])|县(?!级)))`,
);
const LOCAL_CONGRESS_RE = /(?:省|市|自治区|自治州|县|区|州)(?:第[一二三四五六七八九十]+届)?人民代表大会|(?:省|市|自治区|自治州|县|区)人大常委会/;
const LOCAL_GOVERNMENT_RE = /(?:省|市|自治区|自治州|县|区)人民政府(?:令|第[一二三四五六七八九十百0-9]+次常务会议)/;
const STATE_COUNCIL_RE = /国务院(?:令|第[一二三四五六七八九十百0-9]+次常务会议|公布|发布|批准|关于)|^国务院|中央军事委员会令/;
// Spaces between Chinese and digits that PDF justification or a typist put in: 应急管理局 2025 年工作要点.
const SPACE_CJK_DIGIT_RE = /(?<=[\u3400-\u9fff])\s+(?=[0-9])|(?<=[0-9])\s+(?=[\u3400-\u9fff])/g;

/**
 * Reads title, type, dates and issuer from a document's blocks; sidecar values override what is found.
 * Never throws: anything not found is left out (title falls back to the file name, type to 其他).
 */
export function extractMetadata(input: MetadataInput): DocMetadata {
  const header = headerLines(input.blocks);
  const title = findTitle(input.blocks, header, input.propertiesTitle, input.fileName);
  const headerText = header.filter((l) => l !== title.line).join('\n');

  const dates = findDates(header, title.line);
  const effective = dates.effective ?? findBodyEffectiveDate(input.blocks);
  const issuer = findIssuer(header, title.line);
  const docType = classifyDocType(title.text, headerText);

  const meta: DocMetadata = { title: title.text, docType };
  if (dates.issued) meta.issuedDate = dates.issued;
  else if (!effective) {
    // Collections name versions by date: 突发事件应对法(2007-08-30).md.
    const fromName = fileNameDate(input.fileName);
    if (fromName) meta.issuedDate = fromName;
  }
  if (effective) meta.effectiveDate = effective;
  if (issuer) meta.issuer = issuer;

  const sidecar = input.sidecar;
  if (sidecar) {
    for (const key of Object.keys(sidecar) as (keyof DocMetadata)[]) {
      const value = sidecar[key];
      if (value !== undefined && value !== null && value !== '') (meta as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return meta;
}

// ---------------------------------------------------------------------------------------------------------------
// Header and title

/** Lines before the body starts (first article, chapter or outline heading), at most HEADER_MAX_BLOCKS blocks. */
function headerLines(blocks: Block[]): string[] {
  const lines: string[] = [];
  const limit = Math.min(blocks.length, HEADER_MAX_BLOCKS);
  let sawHeading = false;
  for (let i = 0; i < limit; i++) {
    const b = blocks[i]!;
    if (b.kind === 'table') break;
    let stop = false;
    for (const raw of b.text.split('\n')) {
      const line = cleanLine(raw);
      if (line === '') continue;
      if (matchArticleStart(line) || matchLegalHeading(line)) {
        stop = true;
        break;
      }
      // A second heading block, or a numbered heading-like line, opens the body of a plan.
      if ((b.kind === 'heading' && sawHeading && !DISCLAIMER_RE.test(line)) || (b.kind !== 'heading' && matchHeadingLine(line))) {
        stop = true;
        break;
      }
      lines.push(line);
    }
    if (stop) break;
    if (b.kind === 'heading') sawHeading = true;
  }
  return lines;
}

interface TitleFound {
  text: string;
  /** The header line it came from, so that dates and issuer are not read from the title. */
  line?: string;
}

function findTitle(blocks: Block[], header: string[], propertiesTitle: string | undefined, fileName: string): TitleFound {
  const limit = Math.min(blocks.length, HEADER_MAX_BLOCKS);
  for (let i = 0; i < limit; i++) {
    const b = blocks[i]!;
    if (b.kind !== 'heading' || (b.level ?? 1) !== 1) continue;
    const line = cleanLine(b.text);
    if (line === '' || DISCLAIMER_RE.test(line) || matchArticleStart(line) || matchLegalHeading(line)) continue;
    return { text: tidyTitle(line), line };
  }
  for (const line of header) {
    const m = /^《([^《》]+)》$/.exec(line);
    if (m) return { text: tidyTitle(m[1]!), line };
  }
  // A short line naming a kind of document: 中华人民共和国安全生产法, ……2025年工作要点. Cover notices
  // (关于印发《…》的通知) only when nothing better is there.
  let cover: string | undefined;
  for (const line of header) {
    if (!isTitleLikeLine(line)) continue;
    if (/^关于(?:印发|转发|发布)/.test(line)) {
      cover ??= line;
      continue;
    }
    return { text: tidyTitle(line), line };
  }
  const props = propertiesTitle?.trim().replace(/^Microsoft Word\s*-\s*/i, '').replace(/\.(docx?|pdf)$/i, '');
  if (props) return { text: tidyTitle(props) };
  if (cover) {
    const inner = /《([^《》]+)》/.exec(cover);
    return { text: tidyTitle(inner ? inner[1]! : cover), line: cover };
  }
  return { text: path.parse(fileName).name };
}

function isTitleLikeLine(line: string): boolean {
  if (line.length > TITLE_MAX_CHARS || DISCLAIMER_RE.test(line)) return false;
  if (/[。；;，,：:]$/.test(line) || /[。；]/.test(line)) return false;
  if (ARABIC_DATE_RE.test(line) || CHINESE_DATE_RE.test(line)) {
    ARABIC_DATE_RE.lastIndex = 0;
    CHINESE_DATE_RE.lastIndex = 0;
    return false;
  }
  return DOC_NOUN_RE.test(line);
}

/** Drops spaces between Chinese and digits: 应急管理局 2025 年工作要点 → 应急管理局2025年工作要点. */
function tidyTitle(title: string): string {
  return title.replace(SPACE_CJK_DIGIT_RE, '').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

interface FoundDates {
  issued?: string;
  effective?: string;
}

/**
 * issued = the latest date followed by 通过/修订/修正/公布/发布/印发 in the header; effective = a header date
 * followed by 施行. A line holding nothing but a date (the signature date of a notice) counts as issued when no
 * dated event is found.
 */
function findDates(header: string[], titleLine: string | undefined): FoundDates {
  let issued: string | undefined;
  let effective: string | undefined;
  let standalone: string | undefined;
  for (const line of header) {
    if (line === titleLine) continue;
    const found = datesIn(line);
    if (found.length === 0) continue;
    if (DATE_ONLY_LINE_RE.test(line)) {
      standalone = max(standalone, found[0]!.iso);
      continue;
    }
    for (let k = 0; k < found.length; k++) {
      const d = found[k]!;
      const after = line.slice(d.end, k + 1 < found.length ? found[k + 1]!.start : line.length);
      if (EFFECTIVE_EVENT_RE.test(after) && !ISSUE_EVENT_RE.test(after.replace(/起?(?:施行|实施|生效)[\s\S]*$/, ''))) {
        effective = max(effective, d.iso);
      } else if (ISSUE_EVENT_RE.test(after) || ISSUE_EVENT_RE.test(line)) {
        issued = max(issued, d.iso);
      }
    }
  }
  const out: FoundDates = {};
  const iss = issued ?? standalone;
  if (iss) out.issued = iss;
  if (effective) out.effective = effective;
  return out;
}

/** A YYYY-MM-DD or YYYYMMDD date in a file name, when it is a real day. */
function fileNameDate(fileName: string): string | undefined {
  const m = /(?<!\d)((?:19|20)\d{2})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)/.exec(path.parse(fileName).name);
  return m ? toIsoDate(m[1]!, m[2]!, m[3]!) : undefined;
}

/** The last 本法自…起施行 clause of the body. */
function findBodyEffectiveDate(blocks: Block[]): string | undefined {
  let last: string | undefined;
  for (const b of blocks) {
    if (b.text.indexOf('自') < 0) continue;
    const re = new RegExp(BODY_EFFECTIVE_RE.source, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(b.text)) !== null) {
      const d = datesIn(m[1]!)[0];
      if (d) last = d.iso;
    }
  }
  return last;
}

interface DateHit {
  iso: string;
  start: number;
  end: number;
}

/** Every date in a line, as ISO YYYY-MM-DD: 2021年6月10日, 2021 年 6 月 10 日, 二〇二一年六月十日. */
export function datesIn(line: string): DateHit[] {
  const hits: DateHit[] = [];
  for (const re of [ARABIC_DATE_RE, CHINESE_DATE_RE]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      const iso = toIsoDate(m[1]!, m[2]!, m[3]!);
      if (iso) hits.push({ iso, start: m.index, end: m.index + m[0].length });
    }
  }
  hits.sort((a, b) => a.start - b.start);
  return hits;
}

/** Parses one Chinese date (Arabic or Chinese numerals) to YYYY-MM-DD; undefined when it is not a real date. */
export function parseChineseDate(text: string): string | undefined {
  return datesIn(text)[0]?.iso;
}

function toIsoDate(y: string, m: string, d: string): string | undefined {
  const year = parseChineseNumber(y);
  const month = parseChineseNumber(m);
  const day = parseChineseNumber(d);
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (year < 1900 || year > 2100) return undefined;
  const iso = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : undefined;
}

/**
 * True for a YYYY-MM-DD string naming a day that exists (2024-02-29 yes, 2025-02-29 and 2025-13-99 no).
 * Shared with the server's upload metadata validation.
 */
export function isCalendarDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(iso);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; UTC avoids time-zone shifts.
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Checks a `<file>.meta.json` sidecar: known fields only, strings, a known document type, real calendar dates.
 * @throws AppError INVALID_REQUEST naming the file, the field and the expected form.
 */
export function validateSidecar(value: unknown, sidecarName: string): Partial<DocMetadata> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('INVALID_REQUEST', `元数据文件 ${sidecarName} 须为 JSON 对象，例如 {"title": "…", "issuedDate": "2024-06-01"}。`);
  }
  const out: Partial<DocMetadata> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null || v === '') continue;
    const bad = (expected: string) =>
      new AppError('INVALID_REQUEST', `元数据文件 ${sidecarName} 中 ${key} 的值 ${JSON.stringify(v)} 无效：${expected}。请修正后重新导入。`);
    switch (key) {
      case 'title':
      case 'issuer':
        if (typeof v !== 'string' || v.trim() === '') throw bad('须为文字');
        out[key] = v.trim();
        break;
      case 'docType':
        if (!DOC_TYPES.includes(v as DocType)) throw bad(`只能是 ${DOC_TYPES.join('、')}`);
        out.docType = v as DocType;
        break;
      case 'issuedDate':
      case 'effectiveDate':
        if (typeof v !== 'string' || !isCalendarDate(v)) throw bad('须为真实存在的日期，格式 YYYY-MM-DD（如 2024-06-01）');
        out[key] = v;
        break;
      default:
        throw new AppError(
          'INVALID_REQUEST',
          `元数据文件 ${sidecarName} 中有未知字段 ${key}；可用字段：title、docType、issuedDate、effectiveDate、issuer。`,
        );
    }
  }
  return out;
}

function max(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

// ---------------------------------------------------------------------------------------------------------------
// Issuer and type

const ISSUER_PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/全国人民代表大会常务委员会/, () => '全国人民代表大会常务委员会'],
  [/全国人民代表大会/, () => '全国人民代表大会'],
  [/([\u4e00-\u9fa5]{2,12}?(?:省|市|自治区|自治州|县|区))(?:第[一二三四五六七八九十]+届)?人民代表大会常务委员会/, (m) => `${m[1]}人民代表大会常务委员会`],
  [/([\u4e00-\u9fa5]{2,12}?(?:省|市|自治区|自治州|县|区))(?:第[一二三四五六七八九十]+届)?人民代表大会/, (m) => `${m[1]}人民代表大会`],
  [/最高人民法院[^，。\n]{0,40}最高人民检察院|最高人民检察院[^，。\n]{0,40}最高人民法院/, () => '最高人民法院、最高人民检察院'],
  [/最高人民法院/, () => '最高人民法院'],
  [/最高人民检察院/, () => '最高人民检察院'],
  [/国务院、(?:中华人民共和国)?中央军事委员会/, () => '国务院、中央军事委员会'],
  [/国务院/, () => '国务院'],
  [/([\u4e00-\u9fa5]{2,16}?(?:部|委员会|总局|局|署|银行))令/, (m) => m[1]!.replace(/^中华人民共和国/, '')],
  [/([\u4e00-\u9fa5]{2,20}?人民政府)(?:令|办公厅|办公室)?/, (m) => m[1]!],
];

/** Issuing organ named in the header, e.g. 全国人民代表大会常务委员会, 国务院, 上海市人民代表大会常务委员会. */
function findIssuer(header: string[], titleLine: string | undefined): string | undefined {
  const lines = header.filter((l) => l !== titleLine && !DISCLAIMER_RE.test(l));
  // The latest dated line names the organ of the current text.
  const dated = lines.filter((l) => datesIn(l).length > 0);
  for (const dl of [...dated].reverse()) {
    // Dates out first: a PDF text layer glues 2017年11月23日上海市… together.
    const line = dl.replace(ARABIC_DATE_RE, ' ').replace(CHINESE_DATE_RE, ' ');
    for (const [re, name] of ISSUER_PATTERNS) {
      const m = re.exec(line);
      if (m) return name(m);
    }
  }
  // A plan or notice: a short line that is just an organ's name (普陀区防汛指挥部（示例）).
  for (const line of lines) {
    if (line.length <= 30 && /(?:政府|委员会|指挥部|管理局|局|办公室|办公厅|部|中心|公司|集团)(?:[（(][^（）()]{1,10}[)）])?$/.test(line)) {
      return line;
    }
  }
  return undefined;
}

/**
 * Type from the title's final noun and who adopted the text:
 * 法律 (…法, 全国人民代表大会), 行政法规 (国务院; a national 条例), 部门规章 (a ministry's 办法/规定),
 * 地方性法规 (a province or city's 条例/办法/规定; a local 人民代表大会), 应急预案 (预案, 处置方案/规程/卡),
 * 工作制度 (制度, 手册, 工作要点, 规则, an agency's 细则), else 其他 (judicial interpretations included).
 */
export function classifyDocType(title: string, headerText = ''): DocType {
  const t = title.replace(TRAILING_PARENS_RE, '').trim();
  const all = `${title}\n${headerText}`;

  if (/(?:预案|处置方案|处置规程|处置卡|应急方案)$/.test(t)) return '应急预案';
  if (
    /^(?:最高)?人民(?:法院|检察院)|最高人民法院|最高人民检察院/.test(t) ||
    /最高人民法院审判委员会|最高人民检察院检察委员会/.test(headerText) ||
    (/(?:解释|批复)$/.test(t) && /最高人民(?:法院|检察院)/.test(all))
  ) {
    return '其他';
  }

  const local =
    PLACE_PREFIX_RE.test(t) || LOCAL_CONGRESS_RE.test(headerText) || LOCAL_GOVERNMENT_RE.test(headerText);
  const congress = /全国人民代表大会/.test(headerText) || /^全国人民代表大会/.test(t);
  const stateCouncil = /^(?:中华人民共和国)?国务院/.test(t) || (!congress && STATE_COUNCIL_RE.test(headerText));
  const ruleNoun = /(?:条例|办法|规定|细则|决定|决议|规则)$/.test(t);
  const lawNoun = /(?:法|法典|修正案)$/.test(t) && !/(?:办法|方法|做法|算法)$/.test(t);

  if (/(?:制度|手册|工作要点|要点|工作重点|工作规则|规程|指引|指南|须知|守则)$/.test(t) && !congress && !stateCouncil) {
    return '工作制度';
  }
  if (stateCouncil && !local) return '行政法规';
  if (congress && !local) return '法律';
  if (lawNoun && !local) return '法律';
  if (local && (ruleNoun || lawNoun)) return '地方性法规';
  if (/条例$/.test(t)) return '行政法规';
  if (/(?:办法|规定|规则|决定)$/.test(t)) return '部门规章';
  if (/细则$/.test(t)) return '工作制度';
  return '其他';
}
