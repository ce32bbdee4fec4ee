import type { Chunk, Hit, SearchHitJson } from '../core/types.js';

/** Heading path joined with ' › ', ending in the article label, e.g. `第五章 … › 第八十一条`. */
export function formatLocator(chunk: Pick<Chunk, 'headingPath' | 'articleLabel'>): string {
  const parts = [...chunk.headingPath];
  if (chunk.articleLabel && parts[parts.length - 1] !== chunk.articleLabel) parts.push(chunk.articleLabel);
  return parts.join(' › ');
}

export function toSearchHitJson(hit: Hit): SearchHitJson {
  return {
    docId: hit.doc.id,
    chunkId: hit.chunk.id,
    source: hit.doc.source,
    title: hit.doc.title,
    locator: hit.locator,
    page: hit.chunk.pageStart ?? null,
    score: hit.score,
    text: hit.chunk.text,
    ...(hit.version ? { version: hit.version } : {}),
  };
}
