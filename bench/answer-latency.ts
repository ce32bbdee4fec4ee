/**
 * Answer latency without a model, and the overhead before the first model token.
 *   node --import tsx bench/answer-latency.ts [--corpus DIR ...] [--qa FILE] [--out FILE]
 * Builds a throw-away knowledge base from the corpus (default: ../shared/corpus/regulations and plans), then for
 * every question of the eval set measures: retrieval + prompt building (what runs before the model is asked;
 * target < 100 ms), and the full extractive answer with Ollama unreachable. Also reports how well "no sufficient
 * basis" answers match the unanswerable questions. Writes bench/answer-latency.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectAnswer } from '../src/answer/answer-question.js';
import { buildAnswerPrompt } from '../src/answer/prompt.js';
import { loadConfig } from '../src/config.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(ROOT, '../shared');

function arg(name: string): string[] {
  const out: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== name) continue;
    for (let j = i + 1; j < argv.length && !argv[j].startsWith('--'); j++) out.push(argv[j]);
  }
  return out;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1]), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** A port where nothing listens: Ollama "not running". */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function main(): Promise<void> {
  const corpus = arg('--corpus').length ? arg('--corpus') : [path.join(SHARED, 'corpus/regulations'), path.join(SHARED, 'corpus/plans')];
  const qaFile = arg('--qa')[0] ?? path.join(SHARED, 'eval/dev.jsonl');
  const outFile = arg('--out')[0] ?? path.join(ROOT, 'bench/answer-latency.json');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-bench-'));
  const config = loadConfig({
    env: { YINGJI_DATA_DIR: dir, OLLAMA_BASE_URL: `http://127.0.0.1:${await closedPort()}`, OLLAMA_TIMEOUT_MS: '20000' },
  });
  const services = await openServices(config);
  try {
    const ingestStarted = performance.now();
    await ingestInputs({ kb: services.kb, ocr: 'off' }, await collectInputs(corpus));
    const ingestMs = performance.now() - ingestStarted;
    const questions = (await readFile(qaFile, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string; question: string; type: string });
    const deps = services.answerDeps;
    await collectAnswer(deps, { question: '预热' }); // first call loads the tokenizer dictionary

    const beforeModel: number[] = [];
    const retrieval: number[] = [];
    const prompt: number[] = [];
    const extractive: number[] = [];
    const promptTokens: number[] = [];
    const refusal = { unanswerableRefused: 0, unanswerable: 0, answerableRefused: 0, answerable: 0 };
    const perQuestion: { id: string; type: string; mode: string; retrievalAndPromptMs: number; extractiveMs: number }[] = [];
    for (const q of questions) {
      const t0 = performance.now();
      const r = await services.retriever.retrieve(q.question, { k: config.retrievalK });
      const t1 = performance.now();
      const p = buildAnswerPrompt({ question: q.question, hits: r.hits, numCtx: config.ollama.numCtx, maxAnswerTokens: config.ollama.maxAnswerTokens });
      const t2 = performance.now();
      retrieval.push(t1 - t0);
      prompt.push(t2 - t1);
      beforeModel.push(t2 - t0);
      promptTokens.push(p.estimatedTokens);

      const a0 = performance.now();
      const answer = await collectAnswer(deps, { question: q.question });
      const ms = performance.now() - a0;
      extractive.push(ms);
      const refused = answer.mode === 'no-basis';
      if (q.type === 'unanswerable') {
        refusal.unanswerable++;
        if (refused) refusal.unanswerableRefused++;
      } else {
        refusal.answerable++;
        if (refused) refusal.answerableRefused++;
      }
      perQuestion.push({ id: q.id, type: q.type, mode: answer.mode, retrievalAndPromptMs: Math.round((t2 - t0) * 10) / 10, extractiveMs: Math.round(ms * 10) / 10 });
    }
    const refusedTotal = refusal.unanswerableRefused + refusal.answerableRefused;
    const report = {
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
      corpus: corpus.map((c) => path.relative(ROOT, c)),
      questions: path.relative(ROOT, qaFile),
      documents: services.kb.listDocuments().length,
      chunks: services.kb.chunkCount(),
      ingestMs: Math.round(ingestMs),
      settings: { retrievalK: config.retrievalK, numCtx: config.ollama.numCtx, maxAnswerTokens: config.ollama.maxAnswerTokens },
      beforeFirstModelTokenMs: { target: '< 100 ms (p95)', retrievalPlusPrompt: stats(beforeModel), retrieval: stats(retrieval), promptBuild: stats(prompt) },
      extractiveAnswerMs: stats(extractive),
      promptTokens: stats(promptTokens),
      refusal: {
        ...refusal,
        precision: refusedTotal ? refusal.unanswerableRefused / refusedTotal : 1,
        recall: refusal.unanswerable ? refusal.unanswerableRefused / refusal.unanswerable : 1,
      },
      perQuestion,
    };
    await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
    const { perQuestion: _omit, ...summary } = report;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n写入 ${path.relative(process.cwd(), outFile)}\n`);
  } finally {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
