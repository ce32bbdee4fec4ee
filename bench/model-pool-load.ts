/**
 * Load benchmark (not a test) with two model servers: two Ollama-protocol servers (test/support) answering with a
 * fixed delay per token, the real server over seeds/ with OLLAMA_BASE_URL listing both, N concurrent askers on
 * POST /v1/chat/completions (an API token) for S seconds; one model server is killed halfway through. Reports
 * how many answers each server gave, the answer modes, and errors (there should be none: answers cut by the kill
 * end in the extractive mode, later ones go to the surviving server). Writes bench/model-pool-load.json.
 * Run: node --import tsx bench/model-pool-load.ts [--seconds 20] [--askers 8] [--token-delay-ms 20]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openServices } from '../src/main.js';
import { createApp } from '../src/server/app.js';
import { ApiTokenStore } from '../src/server/auth/tokens.js';
import { startOllamaServer } from '../test/support/ollama-server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 20);
const ASKERS = arg('askers', 8);
const TOKEN_DELAY_MS = arg('token-delay-ms', 20);
const ANSWER_TOKENS = 30;
const QUESTIONS = ['有限空间作业人员晕倒后，监护人员应当如何报告？', '台风红色预警时应当采取哪些措施？', '危险化学品泄漏后如何设置警戒区？'];

async function main(): Promise<void> {
  const reply = { content: Array.from({ length: ANSWER_TOKENS }, (_, i) => (i === ANSWER_TOKENS - 1 ? '应当立即报告[1]。' : '字')), delayMs: TOKEN_DELAY_MS };
  const a = await startOllamaServer({ defaultChat: reply });
  const b = await startOllamaServer({ defaultChat: reply });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-pool-load-'));
  const config = loadConfig({
    env: {
      YINGJI_DATA_DIR: dir,
      OLLAMA_BASE_URL: `${a.url},${b.url}`,
      OLLAMA_HEALTH_INTERVAL_MS: '500',
      OLLAMA_TIMEOUT_MS: '20000',
      QUERY_REWRITE_MS: '0',
      API_TOKEN_REQUESTS_PER_MINUTE: '100000',
    },
    dotenvPath: false,
  });
  const services = await openServices(config, { seedIfEmpty: true });
  const app = await createApp({ services, port: 0, host: '127.0.0.1', webDistDir: null, log: () => undefined });
  const { token } = await (await ApiTokenStore.open(dir)).add({ name: 'bench', role: 'officer', createdBy: 'bench' });

  const modes: Record<string, number> = {};
  const errors: string[] = [];
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let killedAt: number | null = null;
  const atKill = { killed: 0, survivor: 0 };
  const killer = setTimeout(() => {
    killedAt = Date.now();
    atKill.killed = a.requests.filter((r) => r.path === '/api/chat').length;
    atKill.survivor = b.requests.filter((r) => r.path === '/api/chat').length;
    void a.stop();
  }, (SECONDS * 1000) / 2);

  const asker = async (n: number) => {
    for (let i = n; Date.now() < deadline; i++) {
      const started = performance.now();
      try {
        const res = await fetch(`${app.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'yingji', messages: [{ role: 'user', content: QUESTIONS[i % QUESTIONS.length] }] }),
        });
        const body = (await res.json()) as { yingji?: { mode: string }; error?: { message: string } };
        if (!res.ok || !body.yingji) errors.push(`${res.status} ${body.error?.message ?? ''}`);
        else modes[body.yingji.mode] = (modes[body.yingji.mode] ?? 0) + 1;
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: ASKERS }, (_, n) => asker(n)));
  clearTimeout(killer);
  const chats = (s: typeof a) => s.requests.filter((r) => r.path === '/api/chat');
  const sorted = [...latencies].sort((x, y) => x - y);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
  const result = {
    date: new Date().toISOString(),
    node: process.versions.node,
    seconds: SECONDS,
    askers: ASKERS,
    tokenDelayMs: TOKEN_DELAY_MS,
    answerTokens: ANSWER_TOKENS,
    killedServerAfterMs: killedAt ? killedAt - started : null,
    answers: latencies.length,
    errors: errors.length,
    errorSamples: errors.slice(0, 5),
    modes,
    chatRequestsPerServer: {
      killed: { beforeKill: atKill.killed, total: chats(a).length },
      survivor: { beforeKill: atKill.survivor, total: chats(b).length },
    },
    latencyMs: { p50: pct(50), p95: pct(95), max: Math.round(sorted.at(-1) ?? 0) },
    servers: services.answerDeps.chatModel.servers?.(),
  };
  await writeFile(path.join(HERE, 'model-pool-load.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  await app.close();
  await services.close();
  await a.close();
  await b.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
