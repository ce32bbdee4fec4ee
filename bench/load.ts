/**
 * Load benchmark (not a test): concurrent socket.io askers (extractive mode, no model) and /api/search callers
 * against the real server over the regulations corpus. Writes bench/load.json.
 * The clients run in a worker thread so their own CPU use does not share the server's event loop.
 * Run: node --import tsx bench/load.ts [--seconds 30] [--askers 50] [--searchers 50]
 * With --upload-mb 49, an admin uploads a text file of that size (real regulation text repeated) --upload-after
 * seconds (default 10) into the load, so the server receives, stores and ingests it while the load is in its
 * steady state; the searches and asks sent within [upload sent, job finished] are the upload window. The result
 * is recorded as the `upload` run in load.json (the plain run stays as it was):
 *   node --import tsx bench/load.ts --seconds 60 --askers 100 --searchers 50 --upload-mb 49 [--raise-bounds]
 * The server's event-loop delay (monitorEventLoopDelay, 10 ms resolution) and utilisation are recorded for the
 * whole run and for the upload window: they show whether anything blocks the loop, which latencies alone do not.
 * --trace FILE writes every request (start ms into the load, latency ms, kind) and the upload's moments.
 * --raise-bounds lifts INGEST_MAX_CHARS/BLOCKS/CHUNKS so the 49 MB file is really parsed, chunked and indexed
 * (with the default bounds it is refused as LIMIT_EXCEEDED). The corpus is YINGJI_CORPUS_DIR (../shared/corpus).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance as perf, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../src/config.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';
import { createApp } from '../src/server/app.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/server/events.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '..', process.env.YINGJI_CORPUS_DIR ?? '../shared/corpus', 'regulations');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 30);
const ASKERS = arg('askers', 50);
const SEARCHERS = arg('searchers', 50);
const UPLOAD_MB = arg('upload-mb', 0);
const UPLOAD_AFTER_S = arg('upload-after', 10);
const TRACE = process.argv.includes('--trace') ? process.argv[process.argv.indexOf('--trace') + 1] : undefined;
const RAISE_BOUNDS = process.argv.includes('--raise-bounds');
/** Bounds that let a 49 MB Chinese text (~16 M characters) through. */
const RAISED_BOUNDS = { INGEST_MAX_EXPANDED_MB: '64', INGEST_MAX_CHARS: '30000000', INGEST_MAX_BLOCKS: '3000000', INGEST_MAX_CHUNKS: '200000' };

const QUESTIONS = [
  '生产安全事故发生后单位负责人应当多长时间内报告？',
  '危险化学品泄漏事故应当如何处置？',
  '突发事件应急预案应当包括哪些内容？',
  '防汛抗旱指挥机构由谁设立？',
  '森林火灾扑救由哪个部门负责组织？',
  '特种设备发生事故后使用单位应当怎么做？',
  '地震灾害发生后县级以上人民政府应当采取哪些措施？',
  '重大事故隐患排查治理的责任主体是谁？',
  '有限空间作业发生中毒怎么处置？',
  '大型群众性活动的安全责任由谁承担？',
  '燃气泄漏报警后燃气经营企业应当如何处理？',
  '传染病暴发时医疗机构应当履行哪些报告义务？',
];
const SEARCHES = ['应急预案 演练', '事故报告 时限', '危险化学品 储存', '防汛 抢险', '安全生产 责任制', '突发事件 预警 级别', '特种设备 检验', '消防 救援'];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarize(latencies: number[], errors: number, seconds: number) {
  const s = [...latencies].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: s.length,
    errors,
    perSecond: r(s.length / seconds),
    p50Ms: r(percentile(s, 50)),
    p95Ms: r(percentile(s, 95)),
    p99Ms: r(percentile(s, 99)),
    maxMs: r(s.at(-1) ?? 0),
  };
}

interface UploadResult {
  file: string;
  bytes: number;
  /** Seconds into the load when the upload was sent. */
  sentAfterS: number;
  /** HTTP status of POST /api/documents and how long the request (sending 49 MB included) took. */
  status: number;
  requestMs: number;
  /** From the 202 to the job being done or failed (undefined: still running at the end of the run). */
  ingestMs?: number;
  jobState?: string;
  outcome?: string;
  chunks?: number;
  /** Searches and asks sent within the upload window [upload sent, job finished], and their latencies. */
  searchesDuring: number;
  searchDuringP95Ms: number;
  searchDuringMaxMs: number;
  asksDuring: number;
  askDuringP95Ms: number;
  askDuringMaxMs: number;
  /** Searches outside the window (the steady state around it). */
  searchOutsideP95Ms: number;
  /** The server's event loop in the window (see loopStats). */
  serverLoopDuring?: LoopStats;
}

interface LoopStats {
  /** Event-loop delay percentiles (ms, 10 ms resolution) and the share of time the loop was busy. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  utilization: number;
}

interface ClientResult {
  askLat: number[];
  searchLat: number[];
  askErrors: number;
  searchErrors: number;
  errorSamples: string[];
  seconds: number;
  upload?: UploadResult;
}

/** The server's cap on sockets per session (src/server/socket). */
const SOCKETS_PER_SESSION = 20;

/** The load generator (worker thread). */
async function runClients(opts: {
  url: string;
  cookie: string;
  /** One per SOCKETS_PER_SESSION askers. */
  cookies: string[];
  seconds: number;
  askers: number;
  searchers: number;
  uploadFile?: string;
  uploadAfterS: number;
  trace?: string;
}): Promise<ClientResult> {
  const { url, cookie } = opts;
  const app = { url };
  const SECONDS = opts.seconds;
  const ASKERS = opts.askers;
  const SEARCHERS = opts.searchers;
  const askLat: number[] = [];
  const searchLat: number[] = [];
  let askErrors = 0;
  let searchErrors = 0;
  const errorSamples: string[] = [];
  let deadline = Date.now() + SECONDS * 1000;
  /** [start, end) of the upload window in performance.now() time, for the requests that overlap it. */
  const jobWindow = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  const searchesDuring: number[] = [];
  const searchesOutside: number[] = [];
  const asksDuring: number[] = [];
  /** --trace: one line per request (start ms into the load, latency ms, kind), and the upload's moments. */
  const trace: string[] = [];
  const traceZero = performance.now();

  const asker = async (i: number) => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(app.url, {
      transports: ['websocket'],
      extraHeaders: { cookie: opts.cookies[Math.floor(i / SOCKETS_PER_SESSION) % opts.cookies.length] },
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const pending = new Map<string, (ok: boolean, detail?: string) => void>();
    socket.on('answer:done', (e) => pending.get(e.requestId)?.(true));
    socket.on('answer:error', (e) => pending.get(e.requestId)?.(false, `${e.error.code} ${e.error.message}`));
    let n = 0;
    while (Date.now() < deadline) {
      const requestId = `a${i}-${n}`;
      const question = QUESTIONS[(i + n++) % QUESTIONS.length];
      const started = performance.now();
      const outcome = new Promise<[boolean, string | undefined]>((resolve) => pending.set(requestId, (ok, d) => resolve([ok, d])));
      const ack = await socket.emitWithAck('chat:ask', { requestId, conversationId: `load-${i}`, question });
      const [ok, detail] = ack.ok ? await outcome : [false, `${ack.error.code} ${ack.error.message}`];
      pending.delete(requestId);
      const ended = performance.now();
      if (ok && started >= jobWindow.start && started < jobWindow.end) asksDuring.push(ended - started);
      if (opts.trace) trace.push(`${Math.round(started - traceZero)}\t${Math.round(ended - started)}\task`);
      if (ok) askLat.push(ended - started);
      else {
        askErrors++;
        if (errorSamples.length < 5) errorSamples.push(`ask: ${detail}`);
      }
    }
    socket.disconnect();
  };

  const searcher = async (i: number) => {
    let n = 0;
    while (Date.now() < deadline) {
      const q = SEARCHES[(i + n++) % SEARCHES.length];
      const started = performance.now();
      try {
        const res = await fetch(`${app.url}/api/search?q=${encodeURIComponent(q)}&k=5`, { headers: { cookie } });
        await res.arrayBuffer();
        const ended = performance.now();
        if (res.ok) (started >= jobWindow.start && started < jobWindow.end ? searchesDuring : searchesOutside).push(ended - started);
        if (opts.trace) trace.push(`${Math.round(started - traceZero)}\t${Math.round(ended - started)}\tsearch`);
        if (res.ok) searchLat.push(ended - started);
        else {
          searchErrors++;
          if (errorSamples.length < 5) errorSamples.push(`search: HTTP ${res.status}`);
        }
      } catch (e) {
        searchErrors++;
        if (errorSamples.length < 5) errorSamples.push(`search: ${(e as Error).message}`);
      }
    }
  };

  let upload: UploadResult | undefined;
  const watchJob = async (u: UploadResult, id: string) => {
    while (Date.now() < deadline) {
      const jobs = (await (await fetch(`${app.url}/api/jobs`, { headers: { cookie } })).json()) as {
        jobId: string;
        state: string;
        outcomes: { status: string; chunks?: number; error?: { code: string } }[];
      }[];
      const job = jobs.find((j) => j.jobId === id);
      if (job && (job.state === 'done' || job.state === 'failed')) {
        jobWindow.end = performance.now();
        parentPort?.postMessage({ window: 'end' });
        const o = job.outcomes[0];
        Object.assign(u, {
          ingestMs: Math.round(jobWindow.end - jobWindow.start - u.requestMs),
          jobState: job.state,
          outcome: o ? `${o.status}${o.error ? ` ${o.error.code}` : ''}` : undefined,
          chunks: o?.chunks,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  // The upload is sent once the load is in its steady state; curl sends the body from its own process.
  const uploader = async (file: string) => {
    await new Promise((r) => setTimeout(r, UPLOAD_AFTER_MS));
    jobWindow.start = performance.now();
    const sentAfterS = Math.round((Date.now() - started) / 100) / 10;
    parentPort?.postMessage({ window: 'start' });
    const { status, body } = await curlUpload(`${app.url}/api/documents`, cookie, file);
    upload = {
      file: path.basename(file),
      bytes: (await stat(file)).size,
      sentAfterS,
      status,
      requestMs: Math.round(performance.now() - jobWindow.start),
      searchesDuring: 0,
      searchDuringP95Ms: 0,
      searchDuringMaxMs: 0,
      asksDuring: 0,
      askDuringP95Ms: 0,
      askDuringMaxMs: 0,
      searchOutsideP95Ms: 0,
    };
    if (!body.jobId) {
      jobWindow.end = performance.now();
      parentPort?.postMessage({ window: 'end' });
      return;
    }
    await watchJob(upload, body.jobId);
  };
  const UPLOAD_AFTER_MS = opts.uploadAfterS * 1000;

  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: ASKERS }, (_, i) => asker(i)),
    ...Array.from({ length: SEARCHERS }, (_, i) => searcher(i)),
    ...(opts.uploadFile ? [uploader(opts.uploadFile)] : []),
  ]);
  const seconds = (Date.now() - started) / 1000;
  if (opts.trace) {
    const marks = [`${Math.round(jobWindow.start - traceZero)}\t0\tupload-sent`, `${Math.round(jobWindow.end - traceZero)}\t0\tjob-finished`];
    if (upload) marks.push(`${Math.round(jobWindow.start - traceZero + upload.requestMs)}\t0\tupload-accepted`);
    await writeFile(opts.trace, [...marks, ...trace].join('\n') + '\n');
  }
  if (upload) {
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const during = sorted(searchesDuring);
    const asked = sorted(asksDuring);
    const u = upload as UploadResult;
    u.searchesDuring = during.length;
    u.searchDuringP95Ms = Math.round(percentile(during, 95));
    u.searchDuringMaxMs = Math.round(during.at(-1) ?? 0);
    u.asksDuring = asked.length;
    u.askDuringP95Ms = Math.round(percentile(asked, 95));
    u.askDuringMaxMs = Math.round(asked.at(-1) ?? 0);
    u.searchOutsideP95Ms = Math.round(percentile(sorted(searchesOutside), 95));
  }

  return { askLat, searchLat, askErrors, searchErrors, errorSamples, seconds, upload };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yingji-load-'));
  const password = 'load-bench-password';
  const config = loadConfig({
    env: {
      YINGJI_DATA_DIR: dir,
      OLLAMA_BASE_URL: 'http://127.0.0.1:9',
      YINGJI_ADMIN_PASSWORD: password,
      ...(RAISE_BOUNDS ? RAISED_BOUNDS : {}),
    },
  });
  const uploadFile = UPLOAD_MB > 0 ? await writeUploadFile(dir, UPLOAD_MB) : undefined;
  const services = await openServices(config);
  const ingestStart = Date.now();
  await ingestInputs({ kb: services.kb, ocr: 'off' }, await collectInputs([CORPUS]));
  const ingestMs = Date.now() - ingestStart;
  const app = await createApp({ services, port: 0, host: '127.0.0.1', webDistDir: null, log: (l) => console.error(l) });
  console.error(`知识库：${services.kb.listDocuments().length} 份文档，${services.kb.chunkCount()} 段（导入 ${ingestMs} ms）；${app.url}`);

  // The server allows 20 sockets per session (a browser tab opens one): one session per 20 askers, as many tabs would.
  const cookies: string[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(ASKERS / SOCKETS_PER_SESSION)); i++) {
    const login = await fetch(`${app.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    cookies.push((login.headers.get('set-cookie') ?? '').split(';')[0]);
  }
  const cookie = cookies[0];

  // Workers do not inherit tsx's loader hooks on Node 20: register them in the worker, then load this file.
  const bootstrap = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), {
    workerData: { url: app.url, cookie, cookies, seconds: SECONDS, askers: ASKERS, searchers: SEARCHERS, uploadFile, uploadAfterS: UPLOAD_AFTER_S, trace: TRACE },
  });
  // The server's event loop, for the whole run and for the upload window (the worker says when it opens and closes).
  const loop = { whole: monitorEventLoopDelay({ resolution: 10 }), during: monitorEventLoopDelay({ resolution: 10 }) };
  loop.whole.enable();
  const wholeElu = perf.eventLoopUtilization();
  let duringElu: EventLoopUtilization | undefined;
  let duringStats: LoopStats | undefined;
  const { askLat, searchLat, askErrors, searchErrors, errorSamples, seconds, upload } = await new Promise<ClientResult>((resolve, reject) => {
    worker.on('message', (m: ClientResult | { window: 'start' | 'end' }) => {
      if (!('window' in m)) return resolve(m);
      if (m.window === 'start') {
        loop.during.enable();
        duringElu = perf.eventLoopUtilization();
      } else if (duringElu) {
        loop.during.disable();
        duringStats = loopStats(loop.during, perf.eventLoopUtilization(duringElu));
      }
    });
    worker.once('error', reject);
  });
  loop.whole.disable();
  const serverLoop = loopStats(loop.whole, perf.eventLoopUtilization(wholeElu));
  if (upload && duringStats) upload.serverLoopDuring = duringStats;

  const run = {
    at: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, platform: process.platform },
    corpus: { path: '../shared/corpus/regulations', documents: services.kb.listDocuments().length, chunks: services.kb.chunkCount(), ingestMs },
    settings: {
      seconds: SECONDS,
      askers: ASKERS,
      searchers: SEARCHERS,
      mode: 'extractive (no model reachable)',
      ...(uploadFile ? { uploadMb: UPLOAD_MB, uploadAfterS: UPLOAD_AFTER_S, bounds: RAISE_BOUNDS ? RAISED_BOUNDS : 'defaults' } : {}),
    },
    command: `node --import tsx bench/load.ts ${process.argv.slice(2).join(' ')}`,
    load: loadAverage(),
    ask: summarize(askLat, askErrors, seconds),
    search: summarize(searchLat, searchErrors, seconds),
    ...(upload ? { upload } : {}),
    serverLoop,
    errorSamples,
  };
  // The plain run is the file itself; upload runs are kept beside it, keyed by their bounds.
  const file = path.join(HERE, 'load.json');
  const previous = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const report = uploadFile
    ? { ...previous, [RAISE_BOUNDS ? 'uploadRaisedBounds' : 'upload'] : run }
    : { ...run, ...(previous.upload ? { upload: previous.upload } : {}), ...(previous.uploadRaisedBounds ? { uploadRaisedBounds: previous.uploadRaisedBounds } : {}) };
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(run, null, 2));
  await app.close();
  await services.close();
  await rm(dir, { recursive: true, force: true });
  if (askErrors + searchErrors > 0) process.exitCode = 1;
}

function loopStats(h: IntervalHistogram, elu: EventLoopUtilization): LoopStats {
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return { delayP50Ms: ms(h.percentile(50)), delayP99Ms: ms(h.percentile(99)), delayMaxMs: ms(h.max), utilization: Math.round(elu.utilization * 100) / 100 };
}

/** The machine's 1-minute load average at the end of the run (the machine is shared: a high figure explains a slow run). */
function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/** POSTs a file as multipart field `files` with curl; resolves with the HTTP status and the parsed JSON body. */
function curlUpload(url: string, cookie: string, file: string): Promise<{ status: number; body: { jobId?: string } }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-w', '\n%{http_code}', '-H', `cookie: ${cookie}`, '-F', `files=@${file}`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => {
      const cut = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(cut + 1)), body: JSON.parse(out.slice(0, cut) || '{}') as { jobId?: string } });
    });
  });
}

/** A text file of `mb` MB made of the corpus regulations' lines, repeated: real Chinese text at upload size. */
async function writeUploadFile(dir: string, mb: number): Promise<string> {
  const names = (await readdir(CORPUS)).filter((n) => n.endsWith('.md')).sort();
  const text = (await Promise.all(names.map((n) => readFile(path.join(CORPUS, n), 'utf8')))).join('\n').replace(/^#+\s*/gmu, '');
  const unit = Buffer.from(text + '\n');
  const bytes = Buffer.alloc(Math.floor((mb * 1024 * 1024) / unit.length) * unit.length);
  bytes.fill(unit);
  const file = path.join(dir, `upload-${mb}mb.txt`);
  await writeFile(file, bytes);
  return file;
}

if (isMainThread) await main();
else parentPort?.postMessage(await runClients(workerData as Parameters<typeof runClients>[0]));
