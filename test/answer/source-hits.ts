/**
 * Builds Hit objects from real Markdown documents read in place (the project's seeds/, or the public corpus in
 * `*.full.test.ts`), for tests of the pure parts. Every function takes an absolute file path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Chunk, Hit, SourceDoc } from '../../src/core/types.js';
import { SEEDS_DIR } from '../support/paths.js';

/** A file of the project's seeds/. */
export const seedPath = (name: string) => path.join(SEEDS_DIR, name);

/** Splits a law text into articles: label → text (label included, as the chunker keeps it). */
export async function readArticles(file: string): Promise<{ title: string; articles: Map<string, { text: string; chapter: string }> }> {
  const raw = await readFile(file, 'utf8');
  const title = /^#\s+(.+)$/m.exec(raw)?.[1].trim() ?? path.basename(file);
  const articles = new Map<string, { text: string; chapter: string }>();
  let chapter = '';
  let current: { label: string; lines: string[]; chapter: string } | null = null;
  const flush = () => {
    if (current) articles.set(current.label, { text: current.lines.join('\n\n'), chapter: current.chapter });
  };
  for (const line of raw.split('\n')) {
    const h = /^##\s+(.+)$/.exec(line);
    if (h) {
      flush();
      current = null;
      chapter = h[1].trim();
      continue;
    }
    const a = /^(第[一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)[\s　]/.exec(line);
    if (a) {
      flush();
      current = { label: a[1], lines: [line.trim()], chapter };
    } else if (current && line.trim()) {
      current.lines.push(line.trim());
    }
  }
  flush();
  return { title, articles };
}

export function makeDoc(file: string, title: string): SourceDoc {
  const source = path.basename(file);
  return {
    id: source.replace(/\.\w+$/, ''),
    sourceKey: file,
    source,
    title,
    docType: '法律',
    format: 'md',
    contentHash: '0',
    sizeBytes: 0,
    ingestedAt: new Date(0).toISOString(),
    status: 'indexed',
    chunkCount: 0,
  };
}

export function makeHit(doc: SourceDoc, ordinal: number, text: string, headingPath: string[], label: string | undefined, score: number): Hit {
  const chunk: Chunk = {
    id: `${doc.id}#${ordinal}`,
    docId: doc.id,
    ordinal,
    text,
    headingPath,
    ...(label ? { articleLabel: label } : {}),
    charStart: 0,
    charEnd: text.length,
    contentHash: String(ordinal),
  };
  const locator = [...headingPath, ...(label && headingPath[headingPath.length - 1] !== label ? [label] : [])].join(' › ');
  return { chunk, doc, score, locator };
}

/** Hits for the given articles of a law-shaped document, in the given order, scores descending from 0.9. */
export async function hitsFromArticles(file: string, labels: string[]): Promise<Hit[]> {
  const { title, articles } = await readArticles(file);
  const doc = makeDoc(file, title);
  return labels.map((label, i) => {
    const a = articles.get(label);
    if (!a) throw new Error(`${file} has no ${label}`);
    return makeHit(doc, i, a.text, a.chapter ? [a.chapter] : [], label, 0.9 - i * 0.05);
  });
}

/** One hit for a plan section: the text under a Markdown heading (until the next heading of any level). */
export async function hitFromPlanSection(file: string, heading: string, score = 0.8): Promise<Hit> {
  const raw = await readFile(file, 'utf8');
  const title = /^#\s+(.+)$/m.exec(raw)?.[1].trim() ?? file;
  const lines = raw.split('\n');
  const start = lines.findIndex((l) => /^#{2,6}\s/.test(l) && l.replace(/^#+\s*/, '').trim() === heading);
  if (start < 0) throw new Error(`${file} has no heading ${heading}`);
  let end = start + 1;
  while (end < lines.length && !/^#{1,6}\s/.test(lines[end])) end++;
  const text = lines.slice(start + 1, end).join('\n').trim();
  const doc = { ...makeDoc(file, title), docType: '应急预案' as const };
  return makeHit(doc, start, text, [heading], heading, score);
}

/** The sample documents of seeds/ (its README.md is about them, not one of them). */
export const SEED_DOCUMENTS = [
  'confined-space-procedure-sample.md',
  'flood-typhoon-plan-sample.md',
  'hazchem-leak-card-sample.md',
  'duty-handbook-sample.docx',
].map(seedPath);
