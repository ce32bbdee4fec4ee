/**
 * Extractive answers for when no model is reachable. They open with 行动要点: the relevant sentences that state an
 * obligation or a deadline (应当/必须/立即/严禁/不得/…内/…前), one line each with its [n], deadlines and parties in
 * bold — extracted sentences only, never new text. Then 依据原文: the most relevant sentences of the top passages,
 * deduplicated, in source order, numbered items kept as numbered items in order after their lead-in, each line
 * cited [n]. A direct article request gets the article verbatim. No system text (mode, model, reason): that belongs
 * in AnswerResult.mode/modeReason.
 */
import type { Hit } from '../core/types.js';
import { bigramSet, cjkBigrams, jaccard } from '../core/chinese-tokenizer.js';
import { labelMatches } from '../retrieval/article-ref.js';
import type { QueryAnalysis } from '../retrieval/types.js';

/** The block an extractive answer opens with. */
export const ACTIONS_HEADING = '**行动要点**';
/** The same block when the answer already opens with the 事件速判 行动要点. */
export const RELATED_ACTIONS_HEADING = '**相关规定要点**';
/** The supporting passages after the 要点. */
export const SUPPORT_HEADING = '**依据原文**';
/** Lines of the 行动要点 block: a few obligations, not a second copy of the passages. */
const MAX_ACTIONS = 4;
/** An obligation scoring below this share of the best one is support, not a 要点. */
const MIN_RELATIVE_ACTION_SCORE = 0.6;

/** Most passages sentences are taken from; lower-ranked ones rarely add anything but noise. */
const MAX_SOURCES = 4;
/** A passage whose score is below this share of the best one is not used. */
const MIN_RELATIVE_SCORE = 0.5;
const MAX_UNITS = 6;
/** About a screen of text on a phone. */
const MAX_CHARS = 700;
/** A numbered list completed around selected items may add this much more. */
const MAX_LIST_CHARS = 900;
const LONG_SENTENCE_CHARS = 160;
/** A numbered list this short is shown whole once any of its items is relevant. */
const SHORT_LIST_CHARS = 400;
/** A sentence scoring below this share of the best sentence is noise, not support. */
const MIN_RELATIVE_UNIT_SCORE = 0.5;
/** Chapter/section heading lines the chunker keeps in the text (第二章 事故报告). */
const CHAPTER_LINE_RE = /^第[一二三四五六七八九十百零]+[章节编](?:\s+\S.{0,30})?$/;

const ITEM_RE =
  /^\s*(?:[（(][一二三四五六七八九十百零\d]+[）)]|[一二三四五六七八九十]+、|\d+(?:\.\d+)*[.、．](?!\d)|[①-⑳]|[-*•·]\s)/;
const HEADING_RE = /^\s*#{1,6}\s/;
const TABLE_SEP_RE = /^\s*\|?\s*:?-{3,}/;
const STOP_BIGRAM_RE = /[的了吗呢么啊吧？?，,。\s]|什么|怎么|哪些|如何|多少|应该|是否|可以|需要|哪个|哪里/;

export interface ExtractiveSource {
  n: number;
  hit: Hit;
}

export interface ExtractiveAnswer {
  text: string;
  cited: Set<number>;
  /** Per source number, the sentences used (for highlighting). */
  highlights: Map<number, string[]>;
  kind: 'article' | 'sentences';
}

interface Unit {
  text: string;
  pos: number;
  item: boolean;
  listId: number | null;
  intro: boolean;
  /** Units split from one source line share it (a long lead-in split at semicolons stays one lead-in). */
  line: number;
}

/** Splits passage text into sentences, list items and table rows, in reading order. */
export function splitUnits(text: string, headingPath: string[] = []): Unit[] {
  const units: Unit[] = [];
  const headings = new Set(headingPath.map((h) => h.replace(/\s+/g, '')));
  let listCounter = 0;
  let currentList: number | null = null;
  let lineNo = 0;
  for (const rawLine of text.split(/\n+/)) {
    const line = rawLine.trim();
    lineNo++;
    if (!line || HEADING_RE.test(line) || TABLE_SEP_RE.test(line) || line === '<!-- INFO END -->') continue;
    if (headings.has(line.replace(/\s+/g, '')) || (CHAPTER_LINE_RE.test(line) && !/[。；：]/.test(line))) continue;
    if (line.startsWith('|')) {
      const cells = line.split('|').map((c) => c.trim()).filter(Boolean);
      units.push({ text: cells.join('｜'), pos: units.length, item: false, listId: null, intro: false, line: lineNo });
      currentList = null;
      continue;
    }
    if (ITEM_RE.test(line)) {
      if (currentList === null) {
        currentList = ++listCounter;
        const prev = units[units.length - 1];
        if (prev && !prev.item && /[：:]$/.test(prev.text)) {
          // The whole lead-in line says who is bound or punished and how, not only its last clause.
          for (const u of units) {
            if (u.line === prev.line) {
              u.intro = true;
              u.listId = currentList;
            }
          }
        }
      }
      units.push({ text: line, pos: units.length, item: true, listId: currentList, intro: false, line: lineNo });
      continue;
    }
    currentList = null;
    for (const sentence of splitSentences(line)) {
      units.push({ text: sentence, pos: units.length, item: false, listId: null, intro: false, line: lineNo });
    }
  }
  return units;
}

function splitSentences(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/[^。！？!?]+[。！？!?]*/g)) {
    const s = m[0].trim();
    if (!s) continue;
    if (s.length <= LONG_SENTENCE_CHARS) {
      out.push(s);
      continue;
    }
    // Long legal sentences: split at semicolons, keeping the clause that ends with a colon with what follows.
    for (const part of s.match(/[^；;]+[；;]?/g) ?? [s]) if (part.trim()) out.push(part.trim());
  }
  return out;
}

/** Query terms with weights: the retriever's analysed terms when given, plus the question's content bigrams. */
export function queryTerms(question: string, analysis?: QueryAnalysis): { term: string; weight: number }[] {
  const terms = new Map<string, number>();
  for (const t of analysis?.terms ?? []) {
    const term = t.term.trim();
    if (term.length >= 2 && !STOP_BIGRAM_RE.test(term)) terms.set(term, Math.max(terms.get(term) ?? 0, t.weight));
  }
  for (const b of cjkBigrams(question)) {
    if (!STOP_BIGRAM_RE.test(b)) terms.set(b, Math.max(terms.get(b) ?? 0, 0.5));
  }
  return [...terms].map(([term, weight]) => ({ term, weight }));
}

function scoreUnit(text: string, terms: { term: string; weight: number }[]): number {
  let s = 0;
  for (const { term, weight } of terms) if (text.includes(term)) s += weight * (term.length >= 3 ? 1.5 : 1);
  return s / (1 + text.length / 200);
}

function normalise(text: string): string {
  return text.replace(/^[（(]?[一二三四五六七八九十\d.]+[）)、.．]?/, '').replace(/[\s\p{P}]/gu, '');
}

function isDuplicate(a: string, b: string): boolean {
  const na = normalise(a);
  const nb = normalise(b);
  if (!na || !nb) return false;
  if (na.includes(nb) || nb.includes(na)) return true;
  return jaccard(bigramSet(na), bigramSet(nb)) >= 0.8;
}

const DEONTIC_RE = /应当|必须|务必|立即|马上|即刻|第一时间|严禁|不得|禁止|不准|须|负责/;
const DEADLINE_RE = /(?:\d+|[一二三四五六七八九十两半]+)\s*(?:分钟|小时|个?工作日|日|天|周)(?:以?内)|之前|以前/;

const ASKS_FOR_TIME_RE = /多长时间|多久|几个?小时|几分钟|几天|时限|期限|多少(?:分钟|小时|天|日)|什么时候|何时/;
/** A deadline, or 立即/马上 (the answer to 多久内要报 in most laws). */
const STATES_TIME_RE = new RegExp(`${DEADLINE_RE.source}|立即|马上|即刻|第一时间`);
const ASKS_FOR_REPORT_RE = /报告|上报|报给|报到|报送|要报|报谁|往哪(?:儿|里)?报|报哪|通报|通知谁/;
/** Someone must report (报告 of 调查报告, 开工报告 or 评价报告 is a document, not a duty to report). */
const REPORT_DUTY_RE = /(?<!调查|开工|评价|评估|验收|检测|检验|总结|年度|分析|可行性研究)报告(?!书)|上报|报送|通报/;

/** True for a sentence that says who must (not) do what, or by when. */
export function isObligation(text: string): boolean {
  return DEONTIC_RE.test(text) || DEADLINE_RE.test(text);
}

const EMPHASIS_RE = new RegExp(
  [
    String.raw`立即|马上|即刻|第一时间`,
    String.raw`(?:\d+|[一二三四五六七八九十两半]+)\s*(?:分钟|小时|个?工作日|日|天)(?:以?内)`,
    String.raw`(?:[区市县省]级?)?(?:应急管理局|应急管理部门|安全生产监督管理部门|人民政府|防汛防台指挥部|防指办公室|指挥部|公安机关|消防救援机构)`,
    String.raw`单位负责人|作业负责人|主要负责人|值班长|带班领导`,
    String.raw`(?<!\d)(?:110|119|120|122)(?!\d)`,
  ].join('|'),
  'g',
);

/** Bold deadlines and parties in an extracted sentence; the words stay the source's own. */
export function emphasise(text: string): string {
  // Adjacent matches (人民政府安全生产监督管理部门) become one bold run: "****" is not Markdown.
  return text.replace(EMPHASIS_RE, (m) => `**${m}**`).replace(/\*{4}/g, '');
}

/**
 * The part of a long sentence an 行动要点 line needs: from the first to the last clause (split at ；) that states
 * an obligation and scores near the best clause. Contiguous, so the line is still a verbatim cut of the source.
 */
function actionClauses(text: string, terms: { term: string; weight: number }[]): string {
  const clauses = text.match(/[^；;]+[；;]?/g)?.map((c) => c.trim()).filter(Boolean) ?? [text];
  if (clauses.length < 2) return text;
  const scores = clauses.map((c) => (isObligation(c) ? scoreUnit(c, terms) : 0));
  const best = Math.max(...scores);
  if (best <= 0) return text;
  const keep = scores.map((sc) => sc >= best * 0.5);
  const from = keep.indexOf(true);
  const to = keep.lastIndexOf(true);
  return clauses.slice(from, to + 1).join('');
}

function sourceTitleLine(hit: Hit): string {
  return `${sourceTitle(hit)}：`;
}

function sourceTitle(hit: Hit): string {
  const label = hit.chunk.articleLabel ?? hit.chunk.headingPath[hit.chunk.headingPath.length - 1];
  const page = hit.chunk.pageStart ? `（第${hit.chunk.pageStart}页）` : '';
  return `《${hit.doc.title}》${label ? label : ''}${page}`;
}

/** True when the analysis names an article and the top source is that article. */
export function isDirectArticleRequest(analysis: QueryAnalysis | undefined, sources: ExtractiveSource[]): boolean {
  const ref = analysis?.articleRef;
  const top = sources[0]?.hit;
  if (!ref || !top) return false;
  if (ref.docIds.length > 0 && !ref.docIds.includes(top.doc.id)) return false;
  return labelMatches({ ...ref, kind: ref.kind ?? 'article' }, top.chunk.articleLabel, top.chunk.articleLabels, top.chunk.headingPath);
}

const ARTICLE_START_RE = /^\s*第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?(?=[\s　])/;

/**
 * The text of one article out of a chunk that merged several short ones; the whole chunk otherwise.
 * Verbatim: lines are cut, never rewritten.
 */
export function articleText(chunkText: string, label: string): string {
  const lines = chunkText.trim().split('\n');
  const start = lines.findIndex((l) => ARTICLE_START_RE.exec(l)?.[0].trim() === label);
  if (start < 0) return chunkText.trim();
  let end = start + 1;
  while (end < lines.length && !ARTICLE_START_RE.test(lines[end])) end++;
  return lines.slice(start, end).join('\n').trim();
}

/**
 * Builds the extractive answer over numbered sources (same numbering as the sources list shown to the user).
 * `afterIncidentActions`: the answer already opens with **行动要点（事件速判）**, so this block is 相关规定要点.
 */
export function buildExtractiveAnswer(input: {
  question: string;
  analysis?: QueryAnalysis;
  sources: ExtractiveSource[];
  afterIncidentActions?: boolean;
}): ExtractiveAnswer {
  const { sources } = input;
  const highlights = new Map<number, string[]>();
  if (sources.length === 0) {
    return { text: '知识库中没有检索到相关内容。', cited: new Set(), highlights, kind: 'sentences' };
  }
  if (isDirectArticleRequest(input.analysis, sources)) {
    const top = sources[0].hit;
    const label = input.analysis?.articleRef?.kind === 'section' ? top.chunk.articleLabel : input.analysis?.articleRef?.articleLabel;
    const wanted = label ?? top.chunk.articleLabel ?? '';
    const parts = sources
      .filter((s) => s.hit.doc.id === top.doc.id && (s.hit.chunk.articleLabels ?? [s.hit.chunk.articleLabel]).includes(wanted))
      .sort((a, b) => a.hit.chunk.ordinal - b.hit.chunk.ordinal);
    if (parts.length === 0) parts.push(sources[0]);
    const texts = parts.map((s) => ({ n: s.n, text: input.analysis?.articleRef?.kind === 'section' ? s.hit.chunk.text.trim() : articleText(s.hit.chunk.text, wanted) }));
    const body = texts.map((t) => `${t.text}[${t.n}]`).join('\n');
    for (const t of texts) highlights.set(t.n, [t.text]);
    return {
      text: `《${top.doc.title}》${wanted}原文：\n\n${body}`,
      cited: new Set(parts.map((s) => s.n)),
      highlights,
      kind: 'article',
    };
  }

  const terms = queryTerms(input.question, input.analysis);
  const topScore = sources[0].hit.score;
  const used = sources
    .slice(0, MAX_SOURCES)
    .filter((s, i) => i === 0 || s.hit.score >= topScore * MIN_RELATIVE_SCORE);
  const perSource = used.map((s, rank) => ({ s, units: splitUnits(s.hit.chunk.text, s.hit.chunk.headingPath), rank }));
  const candidates = perSource.flatMap(({ s, units, rank }) =>
    units.map((u) => ({ s, u, score: scoreUnit(u.text, terms) * (1 - rank * 0.1) })),
  );
  candidates.sort((a, b) => b.score - a.score || a.s.n - b.s.n || a.u.pos - b.u.pos);

  const chosen: { s: ExtractiveSource; u: Unit }[] = [];
  let chars = 0;
  const tryAdd = (c: { s: ExtractiveSource; u: Unit }, limit: number) => {
    if (chosen.some((x) => x.s === c.s && x.u === c.u)) return false;
    // Units of one passage are distinct by position; sources restating each other are not.
    if (chosen.some((x) => x.s !== c.s && isDuplicate(x.u.text, c.u.text))) return false;
    if (chosen.length > 0 && chars + c.u.text.length > limit) return false;
    chosen.push(c);
    chars += c.u.text.length;
    return true;
  };
  const bestScore = candidates[0]?.score ?? 0;
  for (const c of candidates) {
    if (chosen.length >= MAX_UNITS) break;
    if (c.score <= 0 || c.score < bestScore * MIN_RELATIVE_UNIT_SCORE) break;
    tryAdd(c, MAX_CHARS);
  }
  if (chosen.length === 0) {
    // Nothing overlaps the question's words: the passage's opening still says what it is about.
    for (const u of perSource[0].units.slice(0, 2)) tryAdd({ s: perSource[0].s, u }, MAX_CHARS);
  }

  // Steps stay steps: an intro brings its items; items bring their intro and the items around them.
  for (const { s, units } of perSource) {
    const picked = chosen.filter((c) => c.s === s);
    const listIds = new Set(picked.map((c) => c.u.listId).filter((x): x is number => x !== null));
    for (const listId of listIds) {
      const members = units.filter((u) => u.listId === listId);
      const items = members.filter((u) => u.item);
      const pickedHere = picked.filter((c) => c.u.listId === listId);
      const introPicked = pickedHere.some((c) => c.u.intro);
      const positions = pickedHere.filter((c) => c.u.item).map((c) => c.u.pos);
      // A short list is shown whole (steps and grades read wrong out of context); a long one between picks.
      const whole = introPicked || items.reduce((n, u) => n + u.text.length, 0) <= SHORT_LIST_CHARS;
      const from = whole ? items[0]?.pos ?? 0 : Math.min(...positions);
      const to = whole ? items[items.length - 1]?.pos ?? 0 : Math.max(...positions);
      for (const u of members) {
        // The lead-in always comes with its items: (一)…(九) alone do not say who is punished or how.
        if (u.intro) tryAdd({ s, u }, Number.POSITIVE_INFINITY);
        else if (u.item && u.pos >= from && u.pos <= to) tryAdd({ s, u }, MAX_CHARS + MAX_LIST_CHARS);
      }
    }
  }

  // 行动要点: the relevant obligations, best first, each one line; list items only when they carry the cue.
  const scoreOf = new Map(candidates.map((c) => [c.u, c.score]));
  // An item under a lead-in (（一）不立即组织事故抢救的) means nothing without it: such items stay in 依据原文.
  const introLists = new Set(chosen.filter((c) => c.u.intro).map((c) => `${c.s.n}:${c.u.listId}`));
  const eligible = chosen.filter(
    (c) => !c.u.intro && !(c.u.item && introLists.has(`${c.s.n}:${c.u.listId}`)) && isObligation(c.u.text) && (scoreOf.get(c.u) ?? 0) > 0,
  );
  // What the question asks decides which obligations lead: 报给谁 is answered by the sentences that make someone
  // report, 多久 by those that state a time. When the sentences chosen so far hold none, the best such sentence of
  // the same passages is added (the 60-day investigation rule must not answer 多久内要报).
  const wanted = [ASKS_FOR_REPORT_RE.test(input.question) && REPORT_DUTY_RE, ASKS_FOR_TIME_RE.test(input.question) && STATES_TIME_RE]
    .filter((re): re is RegExp => re !== false);
  let pool = eligible;
  for (let i = 0; i < wanted.length; i++) {
    const re = wanted[i];
    let narrowed = pool.filter((c) => re.test(c.u.text));
    if (narrowed.length === 0) {
      const extra = candidates.find(
        (c) => c.score > 0 && !c.u.intro && isObligation(c.u.text) && wanted.slice(0, i + 1).every((w) => w.test(c.u.text)),
      );
      if (extra && tryAdd(extra, Number.POSITIVE_INFINITY)) narrowed = [extra];
    }
    if (narrowed.length) pool = narrowed;
  }
  const bestAction = Math.max(0, ...pool.map((c) => scoreOf.get(c.u) ?? 0));
  const actions = pool
    .filter((c) => (scoreOf.get(c.u) ?? 0) >= bestAction * MIN_RELATIVE_ACTION_SCORE)
    .sort((a, b) => (scoreOf.get(b.u) ?? 0) - (scoreOf.get(a.u) ?? 0) || a.s.n - b.s.n || a.u.pos - b.u.pos)
    .slice(0, MAX_ACTIONS);
  const actionLines = actions.map((c) => `- ${emphasise(actionClauses(c.u.text.replace(ARTICLE_START_RE, '').trim(), terms))}[${c.s.n}]`);

  chosen.sort((a, b) => a.s.n - b.s.n || a.u.pos - b.u.pos);
  const blocks: string[] = [];
  let current: ExtractiveSource | null = null;
  for (const c of chosen) {
    if (c.s !== current) {
      blocks.push(`${blocks.length ? '\n' : ''}${sourceTitleLine(c.s.hit)}`);
      current = c.s;
    }
    blocks.push(`${c.u.text}[${c.s.n}]`);
    highlights.set(c.s.n, [...(highlights.get(c.s.n) ?? []), c.u.text]);
  }
  const lead = actionLines.length
    ? `${input.afterIncidentActions ? RELATED_ACTIONS_HEADING : ACTIONS_HEADING}\n${actionLines.join('\n')}\n\n${SUPPORT_HEADING}\n`
    : '';
  return {
    text: lead + blocks.join('\n'),
    cited: new Set(chosen.map((c) => c.s.n)),
    highlights,
    kind: 'sentences',
  };
}
