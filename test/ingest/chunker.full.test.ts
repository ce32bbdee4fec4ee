import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, ChunkDraft } from '../../src/core/types.js';
import { CHUNKER_SETTINGS, PREAMBLE_LABEL, chunkDocument } from '../../src/ingest/chunker.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';

import { corpusPath } from '../support/paths.js';

/** Reads the public corpus (YINGJI_CORPUS_DIR): `npm run test:full`. */
const REGULATIONS = corpusPath('regulations');
const PLANS = corpusPath('plans');

function readMarkdown(file: string): { source: string; blocks: Block[] } {
  const source = readFileSync(file, 'utf8');
  return { source, blocks: normalizeBlocks(parseMarkdownBlocks(source)) };
}

/** The law as a PDF text layer gives it: no heading markup at all, every block a paragraph with a page. */
function asPdfParagraphs(blocks: Block[]): Block[] {
  return blocks.map((b, i) => ({ kind: b.kind === 'table' ? 'table' : 'paragraph', text: b.text, page: 1 + Math.floor(i / 12) }));
}

interface ExpectedArticle {
  label: string;
  chapter: string | undefined;
}

/** Articles and their chapters read straight from the Markdown source, independently of the chunker. */
function expectedArticles(source: string): ExpectedArticle[] {
  const out: ExpectedArticle[] = [];
  let chapter: string | undefined;
  for (const line of source.split('\n')) {
    const h = /^#{2,6}\s+(第\S+章.*)$/.exec(line);
    if (h) chapter = h[1]!.replace(/\u3000/g, ' ').trim();
    const a = /^(第[一二三四五六七八九十百千零〇]+条(?:之[一二三四五六七八九十]+)?)[ \u3000]/.exec(line);
    if (a) out.push({ label: a[1]!, chapter });
  }
  return out;
}

/** First chunk of each article, in order. */
function articleStarts(chunks: ChunkDraft[]): ChunkDraft[] {
  const out: ChunkDraft[] = [];
  let prev: string | undefined;
  for (const c of chunks) {
    if (c.articleLabel !== prev && c.articleLabel?.endsWith('条')) out.push(c);
    prev = c.articleLabel;
  }
  return out;
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

describe('chunkDocument on real laws', () => {
  for (const [file, articleCount] of [
    ['work-safety-law.md', 119],
    ['emergency-response-law.md', 106],
  ] as const) {
    it(`starts a chunk at every article of ${file}, in order, with its chapter`, () => {
      const { source, blocks } = readMarkdown(path.join(REGULATIONS, file));
      const expected = expectedArticles(source);
      expect(expected).toHaveLength(articleCount);

      const { text, chunks } = chunkDocument(blocks);
      expectInvariants(text, chunks);
      const starts = articleStarts(chunks);
      expect(starts.map((c) => c.articleLabel)).toEqual(expected.map((a) => a.label));
      starts.forEach((c, i) => {
        expect(c.headingPath).toEqual([expected[i]!.chapter, expected[i]!.label]);
        // The chunk text opens with the article (after the chapter heading for a chapter's first article).
        const body = c.text.split('\n').find((l) => !/^第\S+章/.test(l));
        expect(body?.startsWith(`${expected[i]!.label} `)).toBe(true);
      });
      // A chunk never spans two articles.
      for (const c of chunks) {
        const labels = c.text.match(/^第[一二三四五六七八九十百千零〇]+条(?=[ \u3000])/gm) ?? [];
        expect(labels.length).toBeLessThanOrEqual(1);
      }
    });
  }

  it('gives the preamble (title and adoption / amendment lines) its own chunk', () => {
    const { blocks } = readMarkdown(path.join(REGULATIONS, 'work-safety-law.md'));
    const { chunks } = chunkDocument(blocks);
    const first = chunks[0]!;
    expect(first.articleLabel).toBe(PREAMBLE_LABEL);
    expect(first.headingPath).toEqual([]);
    expect(first.text).toContain('中华人民共和国安全生产法');
    expect(first.text).toContain('2021年6月10日');
    expect(first.text).not.toContain('第一条');
    expect(chunks[1]!.articleLabel).toBe('第一条');
  });

  it('splits a long article between its items and keeps the label and chapter on every piece', () => {
    const { source, blocks } = readMarkdown(path.join(REGULATIONS, 'sh-gas-reg.md'));
    const articleText = /^第五十条 [\s\S]*?(?=\n第五十一条 )/m.exec(source)![0];
    expect(articleText.length).toBeGreaterThan(CHUNKER_SETTINGS.maxChars);

    const { text, chunks } = chunkDocument(blocks);
    expectInvariants(text, chunks);
    const pieces = chunks.filter((c) => c.articleLabel === '第五十条');
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    for (const p of pieces) expect(p.headingPath).toEqual(['第八章  法律责任', '第五十条']);
    expect(pieces[0]!.text.startsWith('第五十条 ')).toBe(true);
    // Together the pieces hold every item of the article; a piece boundary falls between items.
    const joined = pieces.map((p) => p.text).join('\n');
    for (const item of ['（一）', '（七）', '（十三）']) expect(joined).toContain(item);
    for (const p of pieces.slice(1)) expect(p.text.startsWith('（')).toBe(true);
  });

  it('splits one long paragraph at sentence ends with a small overlap', () => {
    const { blocks } = readMarkdown(path.join(REGULATIONS, 'work-safety-law.md'));
    const opts = { targetChars: 100, maxChars: 160, overlapChars: 30 };
    const { text, chunks } = chunkDocument(blocks, opts);
    expectInvariants(text, chunks, opts.maxChars);
    // 第六十三条 is one paragraph of several sentences, longer than 160 characters.
    const pieces = chunks.filter((c) => c.articleLabel === '第六十三条');
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i + 1 < pieces.length; i++) {
      const a = pieces[i]!;
      const b = pieces[i + 1]!;
      expect(a.text).toMatch(/[。；：:，、]$/);
      // The next piece repeats the end of this one (overlap) but not more than overlapChars.
      expect(b.charStart).toBeLessThan(a.charEnd);
      expect(a.charEnd - b.charStart).toBeLessThanOrEqual(opts.overlapChars);
      expect(b.headingPath).toEqual(a.headingPath);
    }
  });

  it('yields the same article labels and chapters when the law arrives as PDF paragraphs', () => {
    for (const file of ['work-safety-law.md', 'emergency-response-law.md', 'sh-fire-protection-reg.md']) {
      const { blocks } = readMarkdown(path.join(REGULATIONS, file));
      const fromMarkdown = articleStarts(chunkDocument(blocks).chunks);
      const pdf = chunkDocument(asPdfParagraphs(blocks));
      expectInvariants(pdf.text, pdf.chunks);
      const fromPdf = articleStarts(pdf.chunks);
      expect(fromPdf.map((c) => c.headingPath)).toEqual(fromMarkdown.map((c) => c.headingPath));
      expect(pdf.chunks[0]!.articleLabel).toBe(PREAMBLE_LABEL);
      // Page ranges come from the blocks.
      for (const c of pdf.chunks) {
        expect(c.pageStart).toBeGreaterThanOrEqual(1);
        expect(c.pageEnd).toBeGreaterThanOrEqual(c.pageStart!);
      }
    }
  });

  it('finds articles hidden inside a paragraph whose lines were joined', () => {
    const blocks: Block[] = [
      { kind: 'heading', level: 1, text: '某某条例' },
      { kind: 'heading', level: 2, text: '第一章 总则' },
      { kind: 'paragraph', text: '\u200b\n第一条 为了规范管理，制定本条例。\n第二条 本条例适用于本市。\n第三条 本条例自2020年1月1日起施行。' },
    ];
    const { chunks } = chunkDocument(blocks);
    expect(chunks.map((c) => c.articleLabel)).toEqual([PREAMBLE_LABEL, '第一条', '第二条', '第三条']);
    expect(chunks[1]!.headingPath).toEqual(['第一章 总则', '第一条']);
  });

  it('merges very short neighbouring articles only when asked, recording every label', () => {
    const { blocks } = readMarkdown(path.join(REGULATIONS, 'work-safety-law.md'));
    const plain = chunkDocument(blocks).chunks;
    expect(plain.some((c) => c.articleLabels)).toBe(false);

    const merged = chunkDocument(blocks, { mergeShortArticlesBelowChars: 80 }).chunks;
    const withLabels = merged.filter((c) => c.articleLabels);
    expect(withLabels.length).toBeGreaterThan(0);
    for (const c of withLabels) {
      expect(c.articleLabel).toBe(c.articleLabels![0]);
      for (const label of c.articleLabels!) expect(c.text).toContain(`${label} `);
    }
    // Every article is still findable by label.
    const all = new Set(merged.flatMap((c) => c.articleLabels ?? [c.articleLabel]));
    for (const c of plain) expect(all.has(c.articleLabel)).toBe(true);
  });
});

/** Content lines of a Markdown plan with the nearest heading above each (the gold rule of the eval set). */
function planLines(source: string): { line: string; heading: string | undefined }[] {
  const out: { line: string; heading: string | undefined }[] = [];
  let heading: string | undefined;
  let seenTitle = false;
  for (const raw of source.split('\n')) {
    const h = /^(#{1,6})\s+(.*)$/.exec(raw);
    if (h) {
      if (h[1] === '#' && !seenTitle) seenTitle = true;
      else heading = h[2]!.trim();
      continue;
    }
    const line = raw.trim();
    if (line.length < 8 || line.startsWith('|')) continue;
    out.push({ line, heading });
  }
  return out;
}

describe('chunkDocument on plans', () => {
  for (const file of ['putuo-flood-typhoon-plan.md', 'putuo-work-accident-plan.md', 'duty-officer-handbook.md', 'confined-space-onsite-procedure.md']) {
    it(`labels every passage of ${file} with the nearest heading above it`, () => {
      const { source, blocks } = readMarkdown(path.join(PLANS, file));
      const { text, chunks } = chunkDocument(blocks);
      expectInvariants(text, chunks);
      for (const { line, heading } of planLines(source)) {
        const holding = chunks.filter((c) => c.text.includes(line));
        expect(holding.length, line).toBeGreaterThan(0);
        for (const c of holding) expect(c.articleLabel, line).toBe(heading ?? PREAMBLE_LABEL);
      }
      for (const c of chunks) {
        if (c.articleLabel !== PREAMBLE_LABEL) expect(c.headingPath.at(-1)).toBe(c.articleLabel);
        expect(c.headingPath.join('')).not.toContain('虚构示例）'.repeat(2));
      }
    });
  }

  it('builds heading paths from outline headings without the document title', () => {
    const { blocks } = readMarkdown(path.join(PLANS, 'putuo-flood-typhoon-plan.md'));
    const { chunks } = chunkDocument(blocks);
    const iv = chunks.find((c) => c.articleLabel === '（二）Ⅳ级响应')!;
    expect(iv.headingPath).toEqual(['四、应急响应', '（二）Ⅳ级响应']);
    for (const c of chunks) expect(c.headingPath).not.toContain('普陀区防汛防台专项应急预案（虚构示例）');
  });

  it('builds heading paths from decimal headings (1 / 1.1 / 4.1.2)', () => {
    const { blocks } = readMarkdown(path.join(PLANS, 'putuo-work-accident-plan.md'));
    const { chunks } = chunkDocument(blocks);
    expect(chunks.find((c) => c.articleLabel === '4.1.2 区级接报与上报')!.headingPath).toEqual([
      '4 应急响应',
      '4.1 信息报告',
      '4.1.2 区级接报与上报',
    ]);
    expect(chunks.find((c) => c.articleLabel === '1.4 事故分级')!.headingPath).toEqual(['1 总则', '1.4 事故分级']);
  });

  it('infers the same headings from a plan that arrives as plain paragraphs', () => {
    for (const file of ['putuo-flood-typhoon-plan.md', 'putuo-work-accident-plan.md']) {
      const { blocks } = readMarkdown(path.join(PLANS, file));
      const fromMarkdown = chunkDocument(blocks).chunks.map((c) => c.articleLabel);
      const fromText = chunkDocument(asPdfParagraphs(blocks)).chunks.map((c) => c.articleLabel);
      // Heading-level-1 title becomes part of the preamble either way; labels match one for one.
      expect(fromText).toEqual(fromMarkdown);
    }
  });

  it('keeps a table with its heading and splits a long table by rows, repeating the header row', () => {
    const { blocks } = readMarkdown(path.join(PLANS, 'putuo-flood-typhoon-plan.md'));
    const whole = chunkDocument(blocks).chunks.find((c) => c.articleLabel?.startsWith('附件'))!;
    expect(whole.text).toContain('单位 | 值班岗位 | 值班电话（示例）');
    expect(whole.text).toContain('普陀区消防救援支队');

    const opts = { targetChars: 150, maxChars: 200, overlapChars: 20 };
    const { text, chunks } = chunkDocument(blocks, opts);
    expectInvariants(text, chunks, opts.maxChars);
    const pieces = chunks.filter((c) => c.articleLabel === whole.articleLabel);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    const tablePieces = pieces.filter((c) => c.text.includes('021-5xxx'));
    for (const p of tablePieces) expect(p.text).toContain('单位 | 值班岗位 | 值班电话（示例）');
    const rows = tablePieces.flatMap((p) => p.text.split('\n')).filter((l) => l.includes('021-5xxx'));
    expect(new Set(rows).size).toBe(9);
  });

  it('labels a plan from plain text lines (TXT) by its outline headings', () => {
    const lines = readFileSync(path.join(PLANS, 'putuo-2025-work-priorities.txt'), 'utf8').split('\n');
    const blocks: Block[] = lines.map((text) => ({ kind: 'paragraph' as const, text: text.trim() })).filter((b) => b.text);
    const { text, chunks } = chunkDocument(blocks);
    expectInvariants(text, chunks);
    expect(chunks[0]!.articleLabel).toBe(PREAMBLE_LABEL);
    expect(chunks[0]!.text).toContain('2025年3月28日');
    const labels = new Set(chunks.map((c) => c.articleLabel));
    expect(labels.has('一、抓实治本攻坚三年行动，防范化解重大风险')).toBe(true);
    expect([...labels].some((l) => l?.startsWith('（一）'))).toBe(false);
  });
});

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) markdownFiles(p, out);
    else if (name.endsWith('.md') && name !== 'README.md') out.push(p);
  }
  return out;
}

describe('chunkDocument over the full law collection', () => {
  it('chunks all 3,422 files without errors, empty chunks or oversized chunks', () => {
    const files = markdownFiles(corpusPath('full'));
    expect(files.length).toBe(3422);
    const docs = files.map((f) => ({ f, blocks: normalizeBlocks(parseMarkdownBlocks(readFileSync(f, 'utf8'))) }));

    let chars = 0;
    let chunkCount = 0;
    const started = performance.now();
    for (const { f, blocks } of docs) {
      const { text, chunks } = chunkDocument(blocks);
      chars += text.length;
      chunkCount += chunks.length;
      if (blocks.length > 0) expect(chunks.length, f).toBeGreaterThan(0);
      for (const c of chunks) {
        if (c.text.trim() === '' || c.text.length > CHUNKER_SETTINGS.maxChars || !text.slice(c.charStart, c.charEnd)) {
          expect.fail(`${f}: bad chunk ${c.articleLabel} (${c.text.length} chars)`);
        }
      }
    }
    const elapsedMs = Math.round(performance.now() - started);
    // Reported, not asserted: the time depends on the machine.
    console.log(`chunked ${files.length} files, ${chars} characters → ${chunkCount} chunks in ${elapsedMs} ms`);
  });
});
