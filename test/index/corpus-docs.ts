/**
 * Builds SourceDocs and Chunks straight from real corpus Markdown (one chunk per paragraph, headings as
 * the heading path) so index tests do not depend on the chunker, which evolves separately.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Chunk, SourceDoc } from '../../src/core/types.js';
import type { Embedder } from '../../src/llm/embedder.js';
import { corpusPath } from '../support/paths.js';

export const REGULATIONS_DIR = corpusPath('regulations');

export interface TestDoc {
  doc: SourceDoc;
  chunks: Chunk[];
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Paragraph chunks of one Markdown file; `docId` defaults to a hash of the path. */
export async function docFromMarkdown(file: string, docId?: string): Promise<TestDoc> {
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  const id = docId ?? sha256(file).slice(0, 12);
  const title = /^#\s+(.+)$/m.exec(text)?.[1].trim() ?? path.basename(file, '.md');
  const chunks: Chunk[] = [];
  const headings: string[] = [];
  let offset = 0;
  for (const para of text.split(/\n\s*\n/)) {
    const start = text.indexOf(para, offset);
    offset = start + para.length;
    const trimmed = para.trim();
    const heading = /^(#{2,6})\s+(.+)$/.exec(trimmed);
    if (heading) {
      headings.splice(heading[1].length - 2, headings.length, heading[2].trim());
      continue;
    }
    if (trimmed.length < 8 || trimmed.startsWith('#') || trimmed.startsWith('<!--')) continue;
    const article = /^(第[一二三四五六七八九十百零〇]+条)/.exec(trimmed)?.[1];
    const ordinal = chunks.length;
    chunks.push({
      id: `${id}#${ordinal}`,
      docId: id,
      ordinal,
      text: trimmed,
      headingPath: article ? [...headings, article] : [...headings],
      articleLabel: article,
      charStart: start,
      charEnd: start + para.length,
      contentHash: sha256(trimmed),
    });
  }
  const doc: SourceDoc = {
    id,
    sourceKey: file,
    source: path.basename(file),
    format: 'md',
    title,
    docType: '法律',
    contentHash: sha256(bytes),
    sizeBytes: bytes.byteLength,
    ingestedAt: new Date(0).toISOString(),
    status: 'indexed',
    chunkCount: chunks.length,
  };
  return { doc, chunks };
}

/** The first `limit` regulation files, sorted by name. */
export async function regulationDocs(limit = Infinity): Promise<TestDoc[]> {
  const names = (await readdir(REGULATIONS_DIR)).filter((n) => n.endsWith('.md') && n !== 'README.md').sort();
  return Promise.all(names.slice(0, limit).map((n) => docFromMarkdown(path.join(REGULATIONS_DIR, n))));
}

/** Embeds a test document's chunk texts. */
export async function embedDoc(embedder: Embedder, d: TestDoc): Promise<number[][]> {
  return embedder.embedDocuments(d.chunks.map((c) => c.text));
}

/** A fresh folder under the OS temp dir. */
export async function makeTempDir(prefix = 'yingji-index-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
