/**
 * 事件速判 latency and accuracy with the regulations and plans ingested, no model.
 *   node --import tsx bench/triage-latency.ts [--corpus DIR ...] [--rounds N] [--out FILE]
 * Builds a throw-away knowledge base (default: ../shared/corpus/regulations and plans), then measures the first
 * card (criteria of every document parsed), warm cards over the reports of test/triage/reports.ts (criteria cached
 * by content hash; target p95 < 100 ms), and a card after one plan is re-ingested (only that plan re-parsed).
 * Writes bench/triage-latency.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';
import { buildTriageCard, createCriteriaCache } from '../src/triage/triage.js';
import { CASES } from '../test/triage/reports.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(ROOT, '../shared');
const ACCIDENT = '普陀区生产安全事故应急预案（虚构示例）';
const FLOOD = '普陀区防汛防台专项应急预案（虚构示例）';

function arg(name: string): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== name) continue;
    for (let j = i + 1; j < argv.length && !argv[j]!.startsWith('--'); j++) out.push(argv[j]!);
  }
  return out;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

async function main(): Promise<void> {
  const corpus = arg('--corpus').length ? arg('--corpus') : [path.join(SHARED, 'corpus/regulations'), path.join(SHARED, 'corpus/plans')];
  const rounds = Number(arg('--rounds')[0] ?? 20);
  const out = arg('--out')[0] ?? path.join(ROOT, 'bench/triage-latency.json');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-bench-triage-'));
  const services = await openServices(loadConfig({ env: { YINGJI_DATA_DIR: dir, OLLAMA_BASE_URL: 'http://127.0.0.1:9' } }));
  try {
    const t0 = performance.now();
    await ingestInputs({ kb: services.kb, ocr: services.config.ocr }, await collectInputs(corpus));
    const ingestMs = performance.now() - t0;
    const deps = { kb: services.kb, cache: createCriteriaCache() };
    const time = '2026-12-01T14:00:00+08:00';

    let t = performance.now();
    buildTriageCard(deps, { text: CASES[0]!.text, time });
    const coldMs = performance.now() - t;

    const warm: number[] = [];
    let correct = 0;
    const wrong: string[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const c of CASES) {
        t = performance.now();
        const card = buildTriageCard(deps, { text: c.text, time });
        warm.push(performance.now() - t);
        if (r > 0) continue;
        const level = (title: string) => card.responses.find((x) => x.title === title)?.level ?? null;
        const ok =
          (card.grade?.label ?? null) === c.grade &&
          (c.accident === undefined || level(ACCIDENT) === c.accident) &&
          (c.flood === undefined || level(FLOOD) === c.flood) &&
          (!c.decidedBy || card.responses.some((x) => x.decidedBy === c.decidedBy)) &&
          (c.first === undefined || card.notifications[0]?.withinMinutes === c.first);
        if (ok) correct++;
        else wrong.push(c.text);
      }
    }

    // A new document version: only that document is parsed again, the rest come from the cache.
    const plan = services.kb.listDocuments().find((d) => d.title === ACCIDENT);
    let afterChangeMs: number | null = null;
    if (plan?.storedFile) {
      const edited = path.join(dir, 'edited-plan.md');
      const text = await readFile(path.join(dir, plan.storedFile), 'utf8');
      await writeFile(edited, text.replace('1至2人重伤', '1人重伤'));
      await ingestInputs({ kb: services.kb, ocr: services.config.ocr }, await collectInputs([edited]));
      t = performance.now();
      buildTriageCard(deps, { text: CASES[0]!.text, time });
      afterChangeMs = performance.now() - t;
    }

    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, Node ${process.version}`,
      corpus: corpus.map((c) => path.relative(ROOT, c)),
      documents: services.kb.listDocuments().length,
      chunks: services.kb.chunkCount(),
      ingestMs: Math.round(ingestMs),
      reports: CASES.length,
      rounds,
      coldFirstCardMs: Math.round(coldMs * 10) / 10,
      warmCardMs: stats(warm),
      afterNewPlanVersionMs: afterChangeMs === null ? null : Math.round(afterChangeMs * 10) / 10,
      accuracy: { correct, total: CASES.length, wrong },
      targetP95Ms: 100,
    };
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
