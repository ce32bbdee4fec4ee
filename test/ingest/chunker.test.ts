import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, ChunkDraft } from '../../src/core/types.js';
import { CHUNKER_SETTINGS, PREAMBLE_LABEL, chunkDocument } from '../../src/ingest/chunker.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';
import { SEEDS_DIR } from '../support/paths.js';

function readMarkdown(file: string): { source: string; blocks: Block[] } {
  const source = readFileSync(file, 'utf8');
  return { source, blocks: normalizeBlocks(parseMarkdownBlocks(source)) };
}

function expectInvariants(text: string, chunks: ChunkDraft[], maxChars = CHUNKER_SETTINGS.maxChars): void {
  for (const c of chunks) {
    expect(c.text.trim().length).toBeGreaterThan(0);
    expect(c.text.length).toBeLessThanOrEqual(maxChars);
    expect(c.charStart).toBeGreaterThanOrEqual(0);
    expect(c.charEnd).toBeLessThanOrEqual(text.length);
    expect(c.text.endsWith(text.slice(c.charStart, c.charEnd))).toBe(true);
  }
}

describe('chunkDocument on the seed documents', () => {
  it.each(['flood-typhoon-plan-sample.md', 'confined-space-procedure-sample.md', 'hazchem-leak-card-sample.md'])(
    'chunks %s into passages labelled with the nearest heading, within the size bounds',
    (file) => {
      const { source, blocks } = readMarkdown(path.join(SEEDS_DIR, file));
      const { text, chunks } = chunkDocument(blocks);
      expectInvariants(text, chunks);
      expect(chunks.length).toBeGreaterThan(1);
      const headings = new Set(source.split('\n').filter((l) => /^#{2,6}\s/u.test(l)).map((l) => l.replace(/^#+\s+/u, '').trim()));
      // The notice and title above the first heading are the preamble; every later passage carries its heading.
      expect(chunks[0].articleLabel).toBe(PREAMBLE_LABEL);
      // Plans are labelled by their nearest heading, article-style procedures by 第N条 under their chapter.
      for (const c of chunks.slice(1)) {
        const label = c.articleLabel as string;
        if (/^第\S+条$/u.test(label)) {
          expect(c.text, label).toContain(label);
          expect(headings.has(c.headingPath[0]), label).toBe(true);
        } else {
          expect(headings.has(label), c.text.slice(0, 40)).toBe(true);
          expect(c.headingPath.at(-1)).toBe(label);
        }
      }
    },
  );
});

describe('chunkDocument edge cases', () => {
  it('returns no chunks for no blocks and never an empty chunk', () => {
    expect(chunkDocument([])).toEqual({ text: '', chunks: [] });
    const { chunks } = chunkDocument([
      { kind: 'paragraph', text: '   ' },
      { kind: 'paragraph', text: '\u200b' },
      { kind: 'paragraph', text: '正文一句。' },
    ]);
    expect(chunks.map((c) => c.text)).toEqual(['正文一句。']);
  });

  it('keeps a header-only law as its preamble chunk', () => {
    const { chunks } = chunkDocument([
      { kind: 'heading', level: 1, text: '汕头经济特区突发公共卫生事件应急条例' },
      { kind: 'paragraph', text: '2022年5月30日 汕头市第十五届人民代表大会常务委员会第五次会议通过' },
    ]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toContain('2022年5月30日');
  });

  it('never exceeds maxChars on a table with very long rows or a very long header row', () => {
    const row = (i: number) => `单位${i} | ${'职责说明，'.repeat(120)}`;
    for (const header of ['单位 | 职责', `单位 | ${'很长的表头'.repeat(120)}`]) {
      const table = [header, ...Array.from({ length: 6 }, (_, i) => row(i))].join('\n');
      const { text, chunks } = chunkDocument([
        { kind: 'heading', level: 2, text: '附件 职责表' },
        { kind: 'table', text: table },
      ]);
      expectInvariants(text, chunks);
      expect(chunks.every((c) => c.articleLabel === '附件 职责表')).toBe(true);
    }
  });

  it('cuts a sentence longer than maxChars without breaking surrogate pairs', () => {
    const longSentence = '𠀀甲乙丙丁'.repeat(400);
    const { text, chunks } = chunkDocument([{ kind: 'paragraph', text: longSentence }]);
    expectInvariants(text, chunks);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of chunks) expect(c.text).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
  });
});
