/** The articles (条) — or, for plans, the labelled sections — of one document, rebuilt from its chunks. */
import type { Chunk } from '../core/types.js';

export interface Article {
  label: string;
  /** Full text as the document states it, label included. */
  text: string;
  /** Text without the leading label and whitespace: what content alignment compares. */
  body: string;
}

/** The chunker's label for the title and adoption lines (src/ingest/chunker.ts). */
const PREAMBLE_LABEL = '题注';
/** Chapter and section headings before an article's label are at most this long (第十二章 附则, 第三节 …). */
const HEADING_PREFIX_MAX_CHARS = 80;

/**
 * Consecutive chunks with one label form one article; the pieces of a split article overlap (their text is the
 * normalised text between charStart and charEnd), so each piece contributes only what lies past the previous end.
 */
export function articlesOf(chunks: Chunk[]): Article[] {
  const out: { label: string; text: string; end: number }[] = [];
  for (const c of [...chunks].sort((a, b) => a.ordinal - b.ordinal)) {
    const label = c.articleLabel;
    if (!label || label === PREAMBLE_LABEL) continue;
    if (c.articleLabels && c.articleLabels.length > 1) {
      for (const part of splitMerged(c.text, c.articleLabels)) out.push({ ...part, end: c.charEnd });
      continue;
    }
    const last = out.at(-1);
    if (last && last.label === label && c.charStart < last.end + 2) {
      last.text += c.text.slice(Math.max(0, last.end - c.charStart));
      last.end = Math.max(last.end, c.charEnd);
      continue;
    }
    out.push({ label, text: c.text, end: c.charEnd });
  }
  return out.map(({ label, text }) => {
    const own = fromLabel(label, text).trim();
    return { label, text: own, body: bodyOf(label, own) };
  });
}

/** A chunk that merged short articles: cut at each label's line start. */
function splitMerged(text: string, labels: string[]): { label: string; text: string }[] {
  const starts = labels.map((l, i) => {
    const at = text.indexOf(l);
    return at < 0 ? (i === 0 ? 0 : -1) : at;
  });
  const out: { label: string; text: string }[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (starts[i]! < 0) continue;
    const next = starts.slice(i + 1).find((s) => s >= 0) ?? text.length;
    out.push({ label: labels[i]!, text: text.slice(starts[i]!, next) });
  }
  return out;
}

/** The first article of a chapter carries the chapter heading before its label (第一章 总则 第一条 …): not its content. */
function fromLabel(label: string, text: string): string {
  const at = text.indexOf(label);
  return at > 0 && at <= HEADING_PREFIX_MAX_CHARS ? text.slice(at) : text;
}

function bodyOf(label: string, text: string): string {
  const t = text.trim();
  const rest = t.startsWith(label) ? t.slice(label.length) : t;
  return rest.replace(/\s+/g, '');
}
