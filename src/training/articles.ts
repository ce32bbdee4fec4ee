/**
 * Articles (条) and plan sections rebuilt from a document's chunks: a long article split into pieces is joined
 * again (the pieces overlap), heading lines that open a chapter's first chunk are dropped.
 */
import type { Chunk, SourceDoc } from '../core/types.js';
import { sha256Hex } from '../core/durable-files.js';
import { formatLocator } from '../retrieval/locator.js';

/** Label of the chunk with the title and adoption lines; never a question source. */
const PREAMBLE_LABEL = '题注';

/** The knowledge-base reads this stage uses (stable names of the KnowledgeBase contract). */
export interface ArticleReader {
  listDocuments(): SourceDoc[];
  getDocument(id: string): SourceDoc | undefined;
  getChunks(docId: string): Chunk[];
}

export interface Article {
  /** `${docId}#${ordinal of its first chunk}`: stable while the document is not re-ingested. */
  key: string;
  docId: string;
  title: string;
  docType: SourceDoc['docType'];
  label: string;
  headingPath: string[];
  locator: string;
  /** The article's text from its label on (第八十三条 …). */
  text: string;
  textHash: string;
  chunkIds: string[];
}

/** Articles of one indexed document in reading order; [] for unknown or unindexed documents. */
export function loadArticles(kb: ArticleReader, docId: string): Article[] {
  const doc = kb.getDocument(docId);
  if (!doc || doc.status !== 'indexed') return [];
  const groups: Chunk[][] = [];
  for (const chunk of kb.getChunks(docId)) {
    if (!chunk.articleLabel || chunk.articleLabel === PREAMBLE_LABEL) continue;
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (prev && prev.articleLabel === chunk.articleLabel && samePath(prev.headingPath, chunk.headingPath) && !chunk.articleLabels) {
      last.push(chunk);
    } else {
      groups.push([chunk]);
    }
  }
  const articles: Article[] = [];
  for (const group of groups) {
    const first = group[0]!;
    const labels = first.articleLabels ?? [first.articleLabel!];
    const joined = joinPieces(group);
    const parts = labels.length > 1 ? splitMerged(joined, labels) : [{ label: labels[0]!, text: fromLabel(joined, labels[0]!) }];
    for (const [i, part] of parts.entries()) {
      const text = part.text.trim();
      if (!text) continue;
      const headingPath = i === 0 ? first.headingPath : [...first.headingPath.slice(0, -1), part.label];
      articles.push({
        key: `${docId}#${first.ordinal}${i ? `.${i}` : ''}`,
        docId,
        title: doc.title,
        docType: doc.docType,
        label: part.label,
        headingPath,
        locator: formatLocator({ headingPath, articleLabel: part.label }),
        text,
        textHash: sha256Hex(text),
        chunkIds: group.map((c) => c.id),
      });
    }
  }
  return articles;
}

/**
 * The article a chunk belongs to (a search hit or source card → 加入清单). Hits carry their docId; without it
 * the id is read as `${docId}#${ordinal}`.
 */
export function articleOfChunk(kb: ArticleReader, chunkId: string, docId = chunkId.slice(0, chunkId.lastIndexOf('#'))): Article | undefined {
  return loadArticles(kb, docId).find((a) => a.chunkIds.includes(chunkId));
}

/** Every article of every indexed document. */
export function loadAllArticles(kb: ArticleReader): Article[] {
  return kb
    .listDocuments()
    .filter((d) => d.status === 'indexed')
    .flatMap((d) => loadArticles(kb, d.id));
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Joins consecutive pieces of one article, dropping the overlap each piece repeats from the previous one. */
function joinPieces(chunks: Chunk[]): string {
  let text = chunks[0]!.text;
  let end = chunks[0]!.charEnd;
  for (const c of chunks.slice(1)) {
    if (c.charStart < end) text += c.text.slice(Math.min(end - c.charStart, c.text.length));
    else text += (c.charStart > end ? '\n' : '') + c.text;
    end = Math.max(end, c.charEnd);
  }
  return text;
}

/** Text from the line that starts with the label (a chapter heading may precede it in the chunk). */
function fromLabel(text: string, label: string): string {
  const at = lineStartOf(text, label, 0);
  return at < 0 ? text : text.slice(at);
}

function lineStartOf(text: string, label: string, from: number): number {
  let at = text.indexOf(label, from);
  while (at > 0 && text[at - 1] !== '\n') at = text.indexOf(label, at + 1);
  return at;
}

function splitMerged(text: string, labels: string[]): { label: string; text: string }[] {
  const starts: number[] = [];
  let from = 0;
  for (const label of labels) {
    const at = lineStartOf(text, label, from);
    if (at < 0) return [{ label: labels[0]!, text: fromLabel(text, labels[0]!) }];
    starts.push(at);
    from = at + label.length;
  }
  return labels.map((label, i) => ({ label, text: text.slice(starts[i], starts[i + 1] ?? text.length) }));
}
