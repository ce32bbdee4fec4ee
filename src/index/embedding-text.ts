import type { Chunk } from '../core/types.js';

/**
 * The text embedded for a chunk: title and heading path give short articles their context.
 * Ingest and reindex must use the same text, or vectors differ after a rebuild.
 */
export function embeddingText(title: string, chunk: Pick<Chunk, 'headingPath' | 'text'>): string {
  return [title, ...chunk.headingPath.slice(0, -1), chunk.text].join('\n');
}
