import type { Chunk } from '../core/types.js';

/** Heading path joined with ' › ', ending in the article label, e.g. `第五章 … › 第八十一条`. */
export function formatLocator(chunk: Pick<Chunk, 'headingPath' | 'articleLabel'>): string {
  const parts = [...chunk.headingPath];
  if (chunk.articleLabel && parts[parts.length - 1] !== chunk.articleLabel) parts.push(chunk.articleLabel);
  return parts.join(' › ');
}
