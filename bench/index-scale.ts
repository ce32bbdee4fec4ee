/**
 * Scale probe for the index stage (not a unit test): fills a knowledge base from every Markdown file of
 * ../shared/corpus/full (paragraphs packed into ~400-character chunks), then reports build, commit,
 * reopen, RSS and search latency. Usage: node --import tsx bench/index-scale.ts [--limit N] [--recall] [--keep DIR]
 * (--keep builds into DIR and leaves it there, for profiling open/commit/search on a full-size folder)
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Chunk, SourceDoc } from '../src/core/types.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { createBuiltinEmbedder } from '../src/llm/builtin/builtin-embedder.js';
import { tokenizeQuery } from '../src/core/chinese-tokenizer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/full');
const CHUNK_TARGET_CHARS = 400;
const args = process.argv.slice(2);
const limit = args.includes('--limit') ? Number(args[args.indexOf('--limit') + 1]) : Infinity;
const measureRecall = args.includes('--recall');
const keepDir = args.includes('--keep') ? path.resolve(args[args.indexOf('--keep') + 1]) : undefined;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const timer = setInterval(sampleRss, 200);

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.name.endsWith('.md') && e.name !== 'README.md') out.push(p);
  }
}

function chunkMarkdown(id: string, text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const headings: string[] = [];
  let buffer = '';
  let start = 0;
  let offset = 0;
  const flush = () => {
    if (!buffer) return;
    const ordinal = chunks.length;
    chunks.push({
      id: `${id}#${ordinal}`, docId: id, ordinal, text: buffer, headingPath: [...headings],
      charStart: start, charEnd: offset, contentHash: createHash('sha256').update(buffer).digest('hex'),
    });
    buffer = '';
  };
  for (const para of text.split(/\n\s*\n/)) {
    const trimmed = para.trim();
    offset += para.length + 2;
    const heading = /^(#{1,6})\s+(.+)$/.exec(trimmed);
    if (heading) {
      flush();
      headings.splice(Math.max(0, heading[1].length - 2), headings.length, heading[2].trim());
      continue;
    }
    if (!trimmed || trimmed.startsWith('<!--')) continue;
    if (!buffer) start = offset;
    buffer = buffer ? `${buffer}\n${trimmed}` : trimmed;
    if (buffer.length >= CHUNK_TARGET_CHARS) flush();
  }
  flush();
  return chunks;
}

const files: string[] = [];
await walk(CORPUS, files);
files.sort();
const selected = files.slice(0, limit);
const dir = keepDir ?? (await mkdtemp(path.join(os.tmpdir(), 'yingji-scale-')));
const embedder = createBuiltinEmbedder();
const kb = await openKnowledgeBase({ dir, embedder });

let chars = 0;
let embedMs = 0;
let putMs = 0;
const sampleTexts: string[] = [];
const kept: { id: string; vector: Float32Array }[] = [];
const started = performance.now();
for (const [i, file] of selected.entries()) {
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  chars += text.length;
  const id = `d${i}`;
  const chunks = chunkMarkdown(id, text);
  if (chunks.length === 0) continue;
  let t = performance.now();
  const vectors = await embedder.embedDocuments(chunks.map((c) => c.text));
  embedMs += performance.now() - t;
  const doc: SourceDoc = {
    id, sourceKey: file, source: path.basename(file), format: 'md', title: path.basename(file, '.md'), docType: '其他',
    contentHash: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.byteLength,
    ingestedAt: new Date().toISOString(), status: 'indexed', chunkCount: chunks.length,
  };
  t = performance.now();
  kb.putDocument(doc, chunks, vectors);
  putMs += performance.now() - t;
  if (i % 17 === 0) sampleTexts.push(chunks[Math.floor(chunks.length / 2)].text.slice(0, 40));
  if (measureRecall) chunks.forEach((c, j) => kept.push({ id: c.id, vector: Float32Array.from(vectors[j]) }));
  if (i % 500 === 0) console.log(`  ${i}/${selected.length} files, ${kb.chunkCount()} chunks, ${((performance.now() - started) / 1000).toFixed(0)} s, rss ${mb(process.memoryUsage().rss)}`);
}
const buildMs = performance.now() - started;
sampleRss();

let t = performance.now();
await kb.commit();
const firstCommitMs = performance.now() - t;
const lastDoc = kb.listDocuments().at(-1) as SourceDoc;
const lastChunks = kb.getChunks(lastDoc.id);
t = performance.now();
kb.putDocument({ ...lastDoc, id: 'again', sourceKey: 'again' }, lastChunks.map((c) => ({ ...c, id: `again#${c.ordinal}`, docId: 'again' })), await embedder.embedDocuments(lastChunks.map((c) => c.text)));
await kb.commit();
const incrementalCommitMs = performance.now() - t;
sampleRss();

const questions = [
  '生产经营单位主要负责人的安全生产职责', '发生火灾后如何组织人员疏散', '危险化学品储存有哪些要求', '突发事件预警级别怎么划分',
  '有限空间作业前应当做什么', '安全生产责任保险', '地震发生后政府应当采取哪些应急措施', '防汛抗旱指挥部的职责', '事故调查报告的内容',
  '特种设备使用单位的义务', '交通事故现场如何处理', '传染病疫情报告时限', '食品安全事故处置', '劳动者职业病防治权利', '建筑施工安全管理',
  ...sampleTexts,
];
const vectorMs: number[] = [];
const lexicalMs: number[] = [];
for (let round = 0; round < 2; round++) {
  for (const q of questions) {
    let s = performance.now();
    const qv = await embedder.embedQuery(q);
    kb.searchVector(qv, 20);
    if (round) vectorMs.push(performance.now() - s);
    s = performance.now();
    kb.searchLexical(tokenizeQuery(q).map((term) => ({ term, weight: 1 })), 20);
    if (round) lexicalMs.push(performance.now() - s);
  }
}

let recall: string | undefined;
if (measureRecall) {
  let hits = 0;
  let total = 0;
  for (const q of questions.slice(0, 60)) {
    const qv = Float32Array.from(await embedder.embedQuery(q));
    const exact = kept
      .map((k) => ({ id: k.id, s: k.vector.reduce((acc, x, j) => acc + x * qv[j], 0) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
      .map((x) => x.id);
    const approx = new Set(kb.searchVector(Array.from(qv), 10).map((h) => h.chunk.id));
    hits += exact.filter((id) => approx.has(id)).length;
    total += 10;
  }
  recall = (hits / total).toFixed(3);
}
const chunkCount = kb.chunkCount();
await kb.close();
t = performance.now();
const reopened = await openKnowledgeBase({ dir, embedder });
const reopenMs = performance.now() - t;
await reopened.close();
sampleRss();
clearInterval(timer);

const { execSync } = await import('node:child_process');
const diskSize = execSync(`du -sh ${dir}/index`).toString().split('\t')[0];
if (!keepDir) await rm(dir, { recursive: true, force: true });
const result = {
  files: selected.length, chars, chunks: chunkCount,
  buildSeconds: +(buildMs / 1000).toFixed(1), embedSeconds: +(embedMs / 1000).toFixed(1), putDocumentSeconds: +(putMs / 1000).toFixed(1),
  firstCommitMs: Math.round(firstCommitMs), incrementalCommitMs: Math.round(incrementalCommitMs), reopenMs: Math.round(reopenMs),
  peakRss: mb(peakRss), diskSize,
  vectorSearchMs: { p50: +percentile(vectorMs, 0.5).toFixed(2), p95: +percentile(vectorMs, 0.95).toFixed(2) },
  lexicalSearchMs: { p50: +percentile(lexicalMs, 0.5).toFixed(2), p95: +percentile(lexicalMs, 0.95).toFixed(2) },
  queries: vectorMs.length, recallAt10: recall,
};
console.log(JSON.stringify(result, null, 2));
