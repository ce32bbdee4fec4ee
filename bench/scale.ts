/**
 * Scale benchmark: ingest ../shared/corpus/full (3,422 laws, 20 M characters) with the built-in embedder,
 * then measure search latency. Writes bench/scale.json. Targets (issue 10): ingest under 2 minutes and 1.5 GiB peak RSS
 * on 2 cores, search p95 under 20 ms. The machine is shared: run it twice and report both.
 *
 *   node --import tsx bench/scale.ts [corpusDir] [--keep DIR]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : path.resolve(here, '../../shared/corpus/full');
const keepIndex = process.argv.indexOf('--keep');
const dataDir = keepIndex > 0 ? process.argv[keepIndex + 1] : await mkdtemp(path.join(os.tmpdir(), 'yingji-scale-'));

// The machine is shared with other sessions: the 1-minute load average says how much of it this run had.
const loadAtStart = os.loadavg()[0];
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

const config = loadConfig({ env: { YINGJI_DATA_DIR: dataDir, OCR: 'off' } });
const services = await openServices(config);
const inputs = await collectInputs([corpus]);
let lastLog = 0;
const ingestStart = performance.now();
const report = await ingestInputs({ kb: services.kb, ocr: 'off' }, inputs, {
  onProgress: (p) => {
    if (Date.now() - lastLog > 10_000 || p.phase === 'done') {
      lastLog = Date.now();
      console.error(`${p.filesDone}/${p.filesTotal} files, ${p.chunks} chunks, ${(p.elapsedMs / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
    }
  },
});
const ingestSeconds = (performance.now() - ingestStart) / 1000;
const ingestPeakRss = peakRss;

// Queries: the development questions plus article lookups, all run once to warm up and then timed.
const dev = (await readFile(path.resolve(here, '../../shared/eval/dev.jsonl'), 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { question: string }).question);
const queries = [...dev, '安全生产法第二十一条', '突发事件应对法第十七条', '消防法第四十四条', '危险化学品安全管理条例第三条', '道路交通安全法第七十条'];
for (const q of queries) await services.retriever.retrieve(q, { k: 10 });
const times: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const q of queries) {
    const t = performance.now();
    await services.retriever.retrieve(q, { k: 10 });
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 10) / 10;

// Reopen cost: what a server restart pays.
await services.close();
const reopenStart = performance.now();
const reopened = await openServices(config);
const reopenSeconds = (performance.now() - reopenStart) / 1000;
await reopened.close();
clearInterval(sampler);

const result = {
  command: `node --import tsx bench/scale.ts ${path.relative(process.cwd(), corpus)}`,
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, totalMemGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage1m: { start: round2(loadAtStart), end: round2(os.loadavg()[0]) } },
  corpus: { files: inputs.length, failed: report.failed, documents: reopened.kb.listDocuments().length, chunks: reopened.kb.chunkCount() },
  embedder: reopened.embedder.id,
  ingest: { seconds: Math.round(ingestSeconds * 10) / 10, peakRssMiB: Math.round(ingestPeakRss / 2 ** 20), targetSeconds: 120, targetRssMiB: 1536 },
  search: { queries: times.length, p50Ms: pct(0.5), p95Ms: pct(0.95), maxMs: pct(1), targetP95Ms: 20 },
  reopenSeconds: Math.round(reopenSeconds * 100) / 100,
};
console.log(JSON.stringify(result, null, 2));
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
await writeFile(path.join(here, 'scale.json'), JSON.stringify(result, null, 2) + '\n');
if (keepIndex < 0) await rm(dataDir, { recursive: true, force: true });
