/**
 * Retrieval baselines side by side with yingji on the development questions (../shared/eval/dev.jsonl,
 * scoring per ../shared/eval/README.md): plain BM25 over ~500-character chunks, as a user would build it
 * with off-the-shelf libraries, against yingji's own knowledge base built from the same corpus.
 *
 *   node --import tsx bench/baselines.ts            (npm run bench:baselines)
 *
 * Systems:
 *   - LangChain BM25Retriever (@langchain/community), default whitespace tokenisation, and with text and
 *     queries pre-tokenised by jieba (`cut(text, false)` joined by spaces);
 *   - MiniSearch (BM25+ defaults), default tokenizer, and a jieba `cutForSearch` tokenizer;
 *   - yingji (temporary knowledge base, built-in embedder, OCR off), exactly as `npm run eval`.
 *
 * All baselines share one chunking: RecursiveCharacterTextSplitter (chunkSize 500, overlap 50). Every system is
 * scored by src/retrieval/evaluate.ts (`evaluateRetrieval`, depth 10). Baseline chunks carry no article label,
 * so only the README's snippet rule (2) can match them. Each system gets one untimed warm-up query.
 * Writes bench/baselines.json.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from '@langchain/core/documents';
import { BM25Retriever } from '@langchain/community/retrievers/bm25';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import MiniSearch from 'minisearch';
import { loadConfig } from '../src/config.js';
import type { Hit } from '../src/core/types.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';
import { evaluateRetrieval, parseQuestions, type EvalMetrics, type EvalReport } from '../src/retrieval/evaluate.js';
import type { Retriever } from '../src/retrieval/types.js';

const K = 10;
const CHUNK_SIZE = 500;
const CHUNK_OVERLAP = 50;
const SEPARATORS = ['\n\n', '\n', '。', '；', '，', ''];

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../shared');
const corpusDirs = [path.join(shared, 'corpus/regulations'), path.join(shared, 'corpus/plans')];
const qaFile = path.join(shared, 'eval/dev.jsonl');
const outFile = path.join(here, 'baselines.json');

interface BaselineChunk {
  source: string;
  ordinal: number;
  text: string;
}

/** A baseline's search function: the top `k` chunks for a query, best first. */
type Search = (query: string, k: number) => BaselineChunk[] | Promise<BaselineChunk[]>;

// ---------------------------------------------------------------------------------------------------------
// Corpus and chunks

async function readCorpus(): Promise<{ source: string; text: string }[]> {
  const files: { source: string; text: string }[] = [];
  for (const dir of corpusDirs) {
    const names = (await readdir(dir)).filter((n) => n !== 'README.md' && /\.(md|txt)$/.test(n)).sort();
    for (const name of names) files.push({ source: name, text: await readFile(path.join(dir, name), 'utf8') });
  }
  return files;
}

async function chunkCorpus(files: { source: string; text: string }[]): Promise<BaselineChunk[]> {
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: CHUNK_SIZE, chunkOverlap: CHUNK_OVERLAP, separators: SEPARATORS });
  const chunks: BaselineChunk[] = [];
  for (const f of files) {
    const parts = await splitter.splitText(f.text);
    parts.forEach((text, ordinal) => chunks.push({ source: f.source, ordinal, text }));
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------------------
// Baselines

const jieba = Jieba.withDict(dict);
const jiebaJoin = (s: string) =>
  jieba
    .cut(s, false)
    .map((t) => t.trim())
    .filter(Boolean)
    .join(' ');

function langchainBm25(chunks: BaselineChunk[], pretokenise: boolean): Search {
  const docs: Document[] = chunks.map((c, i) => ({ pageContent: pretokenise ? jiebaJoin(c.text) : c.text, metadata: { i } }));
  return async (query, k) => {
    const retriever = BM25Retriever.fromDocuments(docs, { k });
    const found = await retriever.invoke(pretokenise ? jiebaJoin(query) : query);
    return found.map((d) => chunks[(d.metadata as { i: number }).i]);
  };
}

function miniSearch(chunks: BaselineChunk[], useJieba: boolean): Search {
  const ms = new MiniSearch<BaselineChunk & { id: number }>({
    fields: ['text'],
    ...(useJieba
      ? {
          tokenize: (s: string) => jieba.cutForSearch(s, true).filter((t) => t.trim()),
          processTerm: (t: string) => t.toLowerCase(),
        }
      : {}),
  });
  ms.addAll(chunks.map((c, id) => ({ ...c, id })));
  return (query, k) =>
    ms
      .search(query)
      .slice(0, k)
      .map((r) => chunks[r.id as number]);
}

/** Wraps a baseline as a yingji Retriever so that evaluateRetrieval scores it exactly like yingji. */
function asRetriever(search: Search): Retriever {
  return {
    async retrieve(query, options) {
      const started = performance.now();
      const found = await search(query, options?.k ?? K);
      const tookMs = performance.now() - started;
      const hits = found.map(
        (c, rank) =>
          ({
            doc: { source: c.source },
            chunk: { text: c.text, articleLabel: undefined },
            score: 1 / (rank + 1),
            locator: `chunk #${c.ordinal}`,
          }) as unknown as Hit,
      );
      return { query, analysis: { original: query, terms: [] }, hits, tookMs, sufficient: true, basis: 'solid', answerTypes: [] };
    },
  };
}

async function run(name: string, retriever: Retriever, questions: ReturnType<typeof parseQuestions>): Promise<EvalReport> {
  await retriever.retrieve(questions[0].question, { k: K }); // warm-up, untimed
  console.error(`evaluating ${name} …`);
  return evaluateRetrieval(retriever, questions, K);
}

// ---------------------------------------------------------------------------------------------------------
// Main

const questions = parseQuestions(await readFile(qaFile, 'utf8'));
const files = await readCorpus();
const chunks = await chunkCorpus(files);
const chars = chunks.reduce((s, c) => s + c.text.length, 0);
console.error(`${files.length} files, ${chunks.length} chunks (mean ${(chars / chunks.length).toFixed(0)} chars)`);

interface SystemResult {
  name: string;
  description: string;
  chunks: number;
  buildMs: number;
  report: EvalReport;
}
const results: SystemResult[] = [];

const baselines: { name: string; description: string; build: () => Search }[] = [
  {
    name: 'langchain-bm25',
    description: 'LangChain BM25Retriever, default (lowercase + whitespace split)',
    build: () => langchainBm25(chunks, false),
  },
  {
    name: 'langchain-bm25+jieba',
    description: 'LangChain BM25Retriever, documents and queries pre-tokenised with jieba cut(text, false) joined by spaces',
    build: () => langchainBm25(chunks, true),
  },
  {
    name: 'minisearch',
    description: 'MiniSearch 7, default tokenizer and BM25+ scoring',
    build: () => miniSearch(chunks, false),
  },
  {
    name: 'minisearch+jieba',
    description: 'MiniSearch 7, jieba cutForSearch(s, true) tokenizer, lowercase processTerm, default BM25+ scoring',
    build: () => miniSearch(chunks, true),
  },
];

for (const b of baselines) {
  const started = performance.now();
  const search = b.build();
  const buildMs = performance.now() - started;
  results.push({ name: b.name, description: b.description, chunks: chunks.length, buildMs, report: await run(b.name, asRetriever(search), questions) });
}

// yingji itself, as `npm run eval` builds it.
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'yingji-baselines-'));
let embedder = '';
try {
  const config = loadConfig({ env: { YINGJI_DATA_DIR: dataDir, OCR: 'off' } });
  const services = await openServices(config);
  try {
    embedder = services.embedder.id;
    const started = performance.now();
    await ingestInputs({ kb: services.kb, ocr: 'off' }, await collectInputs(corpusDirs));
    const buildMs = performance.now() - started;
    results.push({
      name: 'yingji',
      description: `yingji hybrid retriever (embedder ${embedder}), temporary knowledge base`,
      chunks: services.kb.chunkCount(),
      buildMs,
      report: await run('yingji', services.retriever, questions),
    });
  } finally {
    await services.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// Report

const types = ['procedure', 'regulation', 'article'];
const f3 = (x: number) => x.toFixed(3);
const row = (m: EvalMetrics) => `${f3(m.recallAt1)}  ${f3(m.recallAt5)}  ${f3(m.recallAtK)}  ${f3(m.mrrAtK)}`;
const width = Math.max(...results.map((r) => r.name.length));
const answerable = results[0].report.overall.questions;
let table = `dev.jsonl: ${questions.length} questions, ${answerable} answerable; depth k=${K}\n\n`;
table += `${'system'.padEnd(width)}  chunks  r@1    r@5    r@10   MRR@10  ms/query\n`;
for (const r of results) {
  table += `${r.name.padEnd(width)}  ${String(r.chunks).padStart(6)}  ${row(r.report.overall)}   ${r.report.meanTookMs.toFixed(2).padStart(7)}\n`;
}
for (const type of types) {
  const n = results[0].report.byType[type]?.questions ?? 0;
  table += `\n${type} (n=${n})\n`;
  for (const r of results) {
    const m = r.report.byType[type];
    if (m) table += `  ${r.name.padEnd(width)}  ${row(m)}\n`;
  }
}
process.stdout.write(table);

const record = {
  command: 'node --import tsx bench/baselines.ts',
  date: new Date().toISOString(),
  qa: path.relative(path.resolve(here, '..'), qaFile),
  corpus: corpusDirs.map((d) => path.relative(path.resolve(here, '..'), d)),
  k: K,
  chunking: { splitter: 'RecursiveCharacterTextSplitter', chunkSize: CHUNK_SIZE, chunkOverlap: CHUNK_OVERLAP, separators: SEPARATORS },
  files: files.length,
  scoring:
    'src/retrieval/evaluate.ts evaluateRetrieval; baseline chunks have no article label, so only the snippet rule matches them; answerable questions only; one untimed warm-up query per system',
  systems: results.map((r) => ({
    name: r.name,
    description: r.description,
    chunks: r.chunks,
    buildMs: Math.round(r.buildMs),
    meanQueryMs: r.report.meanTookMs,
    overall: r.report.overall,
    byType: r.report.byType,
    ...(r.name === 'yingji' ? { refusal: r.report.refusal } : {}),
    perQuestion: r.report.perQuestion.map((p) => ({ id: p.id, type: p.type, rank: p.rank })),
  })),
};
await writeFile(outFile, JSON.stringify(record, null, 2) + '\n');
console.error(`wrote ${path.relative(process.cwd(), outFile)}`);
