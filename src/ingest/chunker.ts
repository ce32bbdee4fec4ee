/**
 * Structure-aware chunking of Chinese legal texts and plans.
 *
 * Laws: one chunk per article (条), carrying 章 › 节 › 条 as its heading path; a long article splits at sentence
 * ends with a small overlap and keeps its label. Plans and rules without articles: one chunk per smallest
 * heading section, labelled with that heading; a long section splits between its paragraphs / list items, a long
 * table by rows with the header row repeated. The title and adoption lines before the first chapter or article
 * form their own chunk (label 题注). Structure is recognised both from heading blocks (Markdown, DOCX, HTML) and
 * from plain paragraphs (PDF, TXT), so the same law yields the same labels in every format.
 *
 * Cost: linear in the text length — every block is classified once with precompiled regexes, and the text is
 * built with one join.
 */
import type { Block, ChunkDraft } from '../core/types.js';
import { CHUNKER_SETTINGS } from '../index/knowledge-base.js';
import {
  HEADING_RANK,
  type HeadingKind,
  classifyHeadingText,
  matchArticleStart,
  matchHeadingLine,
  matchLegalHeading,
  outlineKind,
  isHeadingLike,
  cleanLine,
} from './structure.js';

export interface ChunkerOptions {
  /** Size a split aims for. */
  targetChars: number;
  /** Hard ceiling of a chunk's text (see chunkDocument for the one exception). */
  maxChars: number;
  /** Text repeated from the previous piece when a paragraph is cut mid-way. */
  overlapChars: number;
  /**
   * Consecutive articles under the same heading are merged when each is shorter than this (0 disables merging).
   * The merged chunk is labelled with the first article and lists all in `articleLabels`.
   */
  mergeShortArticlesBelowChars: number;
}

/** The chunker's sizes: one definition, in the index stage, whose manifest records them (why these sizes: see there). */
export { CHUNKER_SETTINGS };

/**
 * Merging of short articles is off by default: a one-line article (本法自…起施行。) loses nothing by standing
 * alone — the embedded text carries title and heading path — while a merged chunk answers to its first label
 * only in label-exact lookups. Callers can opt in (e.g. 80 characters); merged chunks list all labels.
 */
const DEFAULT_MERGE_SHORT_ARTICLES_BELOW_CHARS = 0;

/** Label of the chunk holding the title and adoption / amendment lines. */
export const PREAMBLE_LABEL = '题注';

/** Minimum number of article starts for a document to be treated as article-structured. */
const MIN_ARTICLES = 2;
/** A split's last piece shorter than targetChars / TAIL_DIVISOR is folded into the previous one when it fits. */
const TAIL_DIVISOR = 4;

const SENTENCE_END_RE = /[。！？；!?;]+[”’」』）)]*|\n+/g;
const SOFT_BREAK_CHARS = new Set(['，', '、', '：', ',', ':', ' ', '\u3000', '\t']);
const TABLE_RULE_RE = /^\s*\|?\s*:?-{3,}/;

type Role = 'title' | 'heading' | 'article' | 'content' | 'blank';

interface Classified {
  role: Role;
  /** Heading: level after inference; article: label. */
  level: number;
  kind: HeadingKind;
  label: string;
}

interface Unit {
  startBlock: number;
  endBlock: number;
  headingPath: string[];
  articleLabel?: string;
  isArticle: boolean;
}

interface Segment {
  start: number;
  end: number;
  block: number;
  /** Starts the block (a clean break) or continues it (mid-paragraph). */
  continuesBlock: boolean;
  /** For table-row segments: the header row repeated when a piece starts here. */
  tableHeader?: string;
}

/**
 * Splits a document's blocks into retrievable chunks.
 *
 * Every chunk's `text` equals `text.slice(charStart, charEnd)`, except a piece of a split table, whose text starts
 * with the table's header row (its range covers only its own rows); a header row longer than half a chunk is
 * not repeated. No chunk is longer than `maxChars`.
 */
export function chunkDocument(
  blocks: Block[],
  options?: Partial<ChunkerOptions>,
): { text: string; chunks: ChunkDraft[] } {
  const opts: ChunkerOptions = {
    targetChars: options?.targetChars ?? CHUNKER_SETTINGS.targetChars,
    maxChars: options?.maxChars ?? CHUNKER_SETTINGS.maxChars,
    overlapChars: options?.overlapChars ?? CHUNKER_SETTINGS.overlapChars,
    mergeShortArticlesBelowChars: options?.mergeShortArticlesBelowChars ?? DEFAULT_MERGE_SHORT_ARTICLES_BELOW_CHARS,
  };
  if (opts.maxChars < 50) opts.maxChars = 50;
  if (opts.overlapChars > opts.maxChars / 4) opts.overlapChars = Math.floor(opts.maxChars / 4);
  if (opts.targetChars > opts.maxChars) opts.targetChars = opts.maxChars;

  blocks = splitJoinedLines(blocks);
  const texts = blocks.map((b) => b.text);
  const text = texts.join('\n');
  const offsets = new Array<number>(blocks.length);
  let pos = 0;
  for (let i = 0; i < blocks.length; i++) {
    offsets[i] = pos;
    pos += texts[i]!.length + 1;
  }

  const classified = classifyBlocks(blocks);
  const units = buildUnits(blocks, classified);
  const merged = mergeShortArticles(units, blocks, offsets, opts.mergeShortArticlesBelowChars, opts.targetChars);

  const chunks: ChunkDraft[] = [];
  for (const unit of merged) emitUnit(unit, blocks, offsets, text, opts, chunks);
  return { text, chunks };
}

// ---------------------------------------------------------------------------------------------------------------
// Classification

/**
 * A paragraph whose lines were joined by a parser (Markdown soft breaks, a TXT/PDF paragraph) may hide article
 * starts and headings on its later lines. Cutting it at those line breaks leaves the joined text unchanged,
 * because blocks are joined with the same '\n'.
 */
function splitJoinedLines(blocks: Block[]): Block[] {
  let out: Block[] | undefined;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    let nl = b.kind === 'paragraph' ? b.text.indexOf('\n') : -1;
    if (nl < 0) {
      out?.push(b);
      continue;
    }
    const parts: Block[] = [];
    let from = 0;
    while (nl >= 0) {
      const next = b.text.indexOf('\n', nl + 1);
      const line = b.text.slice(nl + 1, next < 0 ? b.text.length : next);
      if (matchArticleStart(line) || matchHeadingLine(line)) {
        parts.push({ ...b, text: b.text.slice(from, nl) });
        from = nl + 1;
      }
      nl = next;
    }
    if (parts.length === 0) {
      out?.push(b);
      continue;
    }
    parts.push({ ...b, text: b.text.slice(from) });
    out ??= blocks.slice(0, i);
    out.push(...parts);
  }
  return out ?? blocks;
}

function classifyBlocks(blocks: Block[]): Classified[] {
  const n = blocks.length;
  let articleCount = 0;
  let headingBlocks = 0;
  const articles = new Array<string | undefined>(n);
  for (let i = 0; i < n; i++) {
    const b = blocks[i]!;
    if (b.kind === 'table') continue;
    articles[i] = matchArticleStart(b.text)?.label;
    if (articles[i]) articleCount++;
    else if (b.kind === 'heading') headingBlocks++;
  }
  const lawMode = articleCount >= MIN_ARTICLES;
  const titleIndex = findTitle(blocks);
  // Plans from PDF/TXT have no heading markup: infer headings from numbered heading-like lines. When the file has
  // real headings, numbered paragraphs are list items (the DOCX plan keeps 1. and （1） as plain paragraphs).
  const inferHeadings = headingBlocks - (titleIndex >= 0 ? 1 : 0) < 2;

  const out = new Array<Classified>(n);
  const stack: { level: number; rank: number }[] = [];
  const kindLevel = new Map<HeadingKind, number>();

  const pushHeading = (i: number, kind: HeadingKind, explicitLevel: number | undefined): void => {
    const rank = HEADING_RANK[kind];
    let level = explicitLevel ?? kindLevel.get(kind);
    if (level === undefined) {
      level = 2;
      for (let s = stack.length - 1; s >= 0; s--) {
        if (stack[s]!.rank < rank) {
          level = stack[s]!.level + 1;
          break;
        }
      }
    }
    if (kind !== 'other' && !kindLevel.has(kind)) kindLevel.set(kind, level);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, rank });
    out[i] = { role: 'heading', level, kind, label: cleanLine(blocks[i]!.text) };
  };

  for (let i = 0; i < n; i++) {
    const b = blocks[i]!;
    const content: Classified = { role: 'content', level: 0, kind: 'other', label: '' };
    if (i === titleIndex) {
      out[i] = { role: 'title', level: 1, kind: 'other', label: cleanLine(b.text) };
      continue;
    }
    if (b.kind === 'table') {
      out[i] = content;
      continue;
    }
    if (cleanLine(b.text).length === 0) {
      out[i] = { role: 'blank', level: 0, kind: 'other', label: '' };
      continue;
    }
    if (lawMode) {
      const label = articles[i];
      if (label) {
        out[i] = { role: 'article', level: 0, kind: 'other', label };
        continue;
      }
    }
    if (b.kind === 'heading') {
      pushHeading(i, classifyHeadingText(b.text), b.level);
      continue;
    }
    const legal = matchLegalHeading(b.text);
    if (legal) {
      pushHeading(i, legal.kind, undefined);
      continue;
    }
    if (lawMode) {
      // 一、一般规定 as a plain paragraph right before an article or a chapter is a heading of a judicial
      // interpretation or a sectioned regulation; anywhere else in a law it is an item (项) of an article.
      // 附件 / 附录 after the last article ends that article.
      const line = cleanLine(b.text);
      const kind = outlineKind(line);
      if (kind && isHeadingLike(line) && (kind === 'appendix' || (i + 1 < n && startsStructure(blocks[i + 1]!)))) {
        pushHeading(i, kind, undefined);
        continue;
      }
      out[i] = content;
      continue;
    }
    const h = matchHeadingLine(b.text);
    // 附件1 … is a heading even in a file with real headings: PDF parsers often miss it.
    if (h && (inferHeadings || h.kind === 'appendix')) {
      pushHeading(i, h.kind, undefined);
      continue;
    }
    out[i] = content;
  }
  return out;
}

function startsStructure(b: Block): boolean {
  return b.kind !== 'table' && (matchArticleStart(b.text) !== undefined || matchLegalHeading(b.text) !== undefined);
}

/**
 * The document title: the first level-1 heading before any other heading or article, unless it is itself a
 * structural heading (a DOCX that uses Heading 1 for 第一章). Leading disclaimers and issuer lines may precede it.
 */
function findTitle(blocks: Block[]): number {
  const limit = Math.min(blocks.length, 30);
  for (let i = 0; i < limit; i++) {
    const b = blocks[i]!;
    if (b.kind === 'heading') {
      if ((b.level ?? 1) !== 1) return -1;
      if (matchArticleStart(b.text) || classifyHeadingText(b.text) !== 'other') return -1;
      return i;
    }
    if (b.kind === 'paragraph' && matchArticleStart(b.text)) return -1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Units: articles, heading sections, the preamble

function buildUnits(blocks: Block[], cls: Classified[]): Unit[] {
  const n = blocks.length;
  const units: Unit[] = [];
  const stack: { level: number; text: string }[] = [];

  let bodyStart = -1;
  for (let i = 0; i < n; i++) {
    const r = cls[i]!.role;
    if (r === 'heading' || r === 'article') {
      bodyStart = i;
      break;
    }
  }
  if (bodyStart < 0) {
    // No structure at all: plain running text, labelled by nothing but its position.
    if (n > 0) units.push({ startBlock: 0, endBlock: n, headingPath: [], isArticle: false });
    return units;
  }
  if (bodyStart > 0) {
    units.push({ startBlock: 0, endBlock: bodyStart, headingPath: [], articleLabel: PREAMBLE_LABEL, isArticle: false });
  }

  // A unit opens at the first of a run of headings (so 第一章 总则 travels with 第一条) and closes at the next
  // heading or article after it has content.
  let pendingStart = -1;
  let current: Unit | undefined;
  const close = (end: number): void => {
    if (current) {
      current.endBlock = end;
      units.push(current);
      current = undefined;
    }
  };
  const path = (): string[] => stack.map((s) => s.text);

  for (let i = bodyStart; i < n; i++) {
    const c = cls[i]!;
    if (c.role === 'heading' || c.role === 'title') {
      close(i);
      if (pendingStart < 0) pendingStart = i;
      if (c.role === 'heading') {
        while (stack.length > 0 && stack[stack.length - 1]!.level >= c.level) stack.pop();
        stack.push({ level: c.level, text: c.label });
      }
      continue;
    }
    if (c.role === 'article') {
      close(i);
      current = {
        startBlock: pendingStart >= 0 ? pendingStart : i,
        endBlock: i + 1,
        headingPath: [...path(), c.label],
        articleLabel: c.label,
        isArticle: true,
      };
      pendingStart = -1;
      continue;
    }
    if (c.role === 'blank') continue;
    // Content.
    if (!current) {
      const p = path();
      current = {
        startBlock: pendingStart >= 0 ? pendingStart : i,
        endBlock: i + 1,
        headingPath: p,
        isArticle: false,
      };
      if (p.length > 0) current.articleLabel = p[p.length - 1];
      pendingStart = -1;
    }
  }
  close(n);
  if (pendingStart >= 0) {
    // Trailing headings with no content: keep them searchable.
    const p = path();
    const unit: Unit = { startBlock: pendingStart, endBlock: n, headingPath: p, isArticle: false };
    if (p.length > 0) unit.articleLabel = p[p.length - 1];
    units.push(unit);
  }
  return units;
}

interface MergedUnit extends Unit {
  articleLabels?: string[];
}

function mergeShortArticles(
  units: Unit[],
  blocks: Block[],
  offsets: number[],
  belowChars: number,
  targetChars: number,
): MergedUnit[] {
  if (belowChars <= 0) return units;
  const len = (u: Unit): number => offsets[u.endBlock - 1]! + blocks[u.endBlock - 1]!.text.length - offsets[u.startBlock]!;
  const samePlace = (a: Unit, b: Unit): boolean => {
    if (a.headingPath.length !== b.headingPath.length) return false;
    for (let i = 0; i < a.headingPath.length - 1; i++) if (a.headingPath[i] !== b.headingPath[i]) return false;
    return true;
  };
  const out: MergedUnit[] = [];
  for (const u of units) {
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.isArticle &&
      u.isArticle &&
      prev.endBlock === u.startBlock &&
      len(u) < belowChars &&
      samePlace(prev, u)
    ) {
      // Only short articles chain, and the chain stays below targetChars.
      const prevLabels = prev.articleLabels ?? [prev.articleLabel!];
      const lastWasShort = prevLabels.length > 1 || len(prev) < belowChars;
      if (lastWasShort && len(prev) + len(u) <= targetChars) {
        prev.endBlock = u.endBlock;
        prev.articleLabels = [...prevLabels, u.articleLabel!];
        continue;
      }
    }
    out.push({ ...u });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Emitting chunks

function emitUnit(
  unit: MergedUnit,
  blocks: Block[],
  offsets: number[],
  text: string,
  opts: ChunkerOptions,
  out: ChunkDraft[],
): void {
  const start = offsets[unit.startBlock]!;
  const end = offsets[unit.endBlock - 1]! + blocks[unit.endBlock - 1]!.text.length;
  if (end - start <= opts.maxChars) {
    pushChunk(unit, text, start, end, unit.startBlock, unit.endBlock - 1, blocks, undefined, out);
    return;
  }

  const limit = opts.maxChars - opts.overlapChars;
  const segments: Segment[] = [];
  for (let b = unit.startBlock; b < unit.endBlock; b++) {
    const bs = offsets[b]!;
    const be = bs + blocks[b]!.text.length;
    if (be - bs <= limit) {
      segments.push({ start: bs, end: be, block: b, continuesBlock: false });
    } else if (blocks[b]!.kind === 'table') {
      splitTable(text, bs, be, b, limit, segments);
    } else {
      splitSentences(text, bs, be, b, limit, segments);
    }
  }

  const pieces = Math.max(2, Math.ceil((end - start) / opts.targetChars));
  const aim = (end - start) / pieces;
  const cost = (first: Segment, last: Segment): number =>
    last.end - first.start + (first.tableHeader ? first.tableHeader.length + 1 : 0);

  const groups: [number, number][] = [];
  let first = 0;
  for (let j = 1; j <= segments.length; j++) {
    if (j === segments.length) {
      groups.push([first, j - 1]);
      break;
    }
    const without = cost(segments[first]!, segments[j - 1]!);
    const withNext = cost(segments[first]!, segments[j]!);
    const cut = withNext > limit || without >= aim || (withNext - aim > aim - without && without >= aim / 2);
    if (cut) {
      groups.push([first, j - 1]);
      first = j;
    }
  }
  // Fold a scrap at the end into the piece before it.
  if (groups.length >= 2) {
    const last = groups[groups.length - 1]!;
    const prev = groups[groups.length - 2]!;
    const lastLen = cost(segments[last[0]]!, segments[last[1]]!);
    if (lastLen < opts.targetChars / TAIL_DIVISOR && cost(segments[prev[0]]!, segments[last[1]]!) <= limit) {
      prev[1] = last[1];
      groups.pop();
    }
  }

  for (const [a, z] of groups) {
    const firstSeg = segments[a]!;
    const lastSeg = segments[z]!;
    let s = firstSeg.start;
    if (firstSeg.continuesBlock && !firstSeg.tableHeader) s = overlapStart(text, s, offsets[firstSeg.block]!, opts.overlapChars);
    pushChunk(unit, text, s, lastSeg.end, firstSeg.block, lastSeg.block, blocks, firstSeg.tableHeader, out);
  }
}

/** Where the next piece starts when a paragraph is cut at `cut`: back to a sentence or clause start. */
function overlapStart(text: string, cut: number, blockStart: number, overlapChars: number): number {
  const from = Math.max(blockStart, cut - overlapChars);
  let clause = -1;
  for (let p = from; p < cut; p++) {
    const ch = text[p - 1];
    if (ch === undefined || p === blockStart) return p;
    if (ch === '。' || ch === '；' || ch === '！' || ch === '？' || ch === ';') return p;
    if (clause < 0 && SOFT_BREAK_CHARS.has(ch)) clause = p;
  }
  return clause >= 0 ? clause : cut;
}

/** Sentence segments of one long paragraph; a sentence longer than `limit` is cut at a comma or hard. */
function splitSentences(text: string, bs: number, be: number, block: number, limit: number, out: Segment[]): void {
  const re = new RegExp(SENTENCE_END_RE.source, 'g');
  const body = text.slice(bs, be);
  let segStart = 0;
  let m: RegExpExecArray | null;
  const push = (a: number, z: number): void => {
    while (z - a > limit) {
      const cut = softCut(body, a, a + limit);
      out.push({ start: bs + a, end: bs + cut, block, continuesBlock: a !== 0 });
      a = cut;
    }
    if (z > a) out.push({ start: bs + a, end: bs + z, block, continuesBlock: a !== 0 });
  };
  while ((m = re.exec(body)) !== null) {
    const z = m.index + m[0].length;
    push(segStart, z);
    segStart = z;
  }
  if (segStart < body.length) push(segStart, body.length);
}

/** Cut position ≤ hardEnd, preferably right after a comma or space in the last third of the window. */
function softCut(body: string, a: number, hardEnd: number): number {
  const floor = a + Math.floor(((hardEnd - a) * 2) / 3);
  for (let p = hardEnd; p > floor; p--) {
    if (SOFT_BREAK_CHARS.has(body[p - 1]!)) return p;
  }
  // Never cut a surrogate pair apart.
  const code = body.charCodeAt(hardEnd);
  return code >= 0xdc00 && code <= 0xdfff ? hardEnd - 1 : hardEnd;
}

/** Row segments of a long table; pieces after the first repeat the header row (and a Markdown rule row). */
function splitTable(text: string, bs: number, be: number, block: number, limit: number, out: Segment[]): void {
  const body = text.slice(bs, be);
  const rowStarts: number[] = [0];
  for (let p = body.indexOf('\n'); p >= 0; p = body.indexOf('\n', p + 1)) rowStarts.push(p + 1);
  let headerRows = 1;
  if (rowStarts.length > 2) {
    const second = body.slice(rowStarts[1], rowStarts[2]! - 1);
    if (TABLE_RULE_RE.test(second)) headerRows = 2;
  }
  const headerEnd = rowStarts.length > headerRows ? rowStarts[headerRows]! - 1 : body.length;
  // A header longer than half a chunk would crowd out the rows: such a table is split without repeating it.
  const header = headerEnd + 1 <= limit / 2 ? body.slice(0, headerEnd) : '';
  const rowLimit = header ? limit - header.length - 1 : limit;
  for (let r = 0; r < rowStarts.length; r++) {
    if (r > 0 && r < headerRows) continue;
    const a = rowStarts[r]!;
    const nextRow = r === 0 ? headerRows : r + 1;
    const z = nextRow < rowStarts.length ? rowStarts[nextRow]! - 1 : body.length;
    if (z <= a) continue;
    const rowSegs: Segment[] = [];
    if (z - a > rowLimit) splitSentences(text, bs + a, bs + z, block, rowLimit, rowSegs);
    else rowSegs.push({ start: bs + a, end: bs + z, block, continuesBlock: true });
    for (const s of rowSegs) {
      // Only the piece that starts at the table's first row needs no repeated header.
      s.continuesBlock = s.start !== bs;
      if (s.continuesBlock && header.length > 0) s.tableHeader = header;
      out.push(s);
    }
  }
}

function pushChunk(
  unit: MergedUnit,
  text: string,
  start: number,
  end: number,
  firstBlock: number,
  lastBlock: number,
  blocks: Block[],
  tableHeader: string | undefined,
  out: ChunkDraft[],
): void {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (end <= start) return;
  const body = text.slice(start, end);
  const chunk: ChunkDraft = {
    text: tableHeader ? `${tableHeader}\n${body}` : body,
    headingPath: [...unit.headingPath],
    charStart: start,
    charEnd: end,
  };
  if (unit.articleLabel !== undefined) chunk.articleLabel = unit.articleLabel;
  if (unit.articleLabels) chunk.articleLabels = unit.articleLabels;
  const pageStart = firstPage(blocks, firstBlock, lastBlock);
  if (pageStart !== undefined) {
    chunk.pageStart = pageStart;
    chunk.pageEnd = lastPage(blocks, firstBlock, lastBlock) ?? pageStart;
  }
  out.push(chunk);
}

function firstPage(blocks: Block[], a: number, z: number): number | undefined {
  for (let i = a; i <= z; i++) if (blocks[i]!.page !== undefined) return blocks[i]!.page;
  return undefined;
}

function lastPage(blocks: Block[], a: number, z: number): number | undefined {
  for (let i = z; i >= a; i--) if (blocks[i]!.page !== undefined) return blocks[i]!.page;
  return undefined;
}

function isSpace(code: number): boolean {
  return (
    code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09 || code === 0x3000 || code === 0xa0 ||
    (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff
  );
}
