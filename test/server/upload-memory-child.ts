/**
 * Child process for the upload-memory test: starts the real server (INGEST_MAX_CHARS 1 M) on an empty knowledge base in
 * argv[2], has a grandchild upload the file argv[3] as an admin (streamed from disk), waits for its ingest job, and
 * prints one JSON line: the job's outcome and the most ArrayBuffer memory this (main) thread held while receiving
 * the upload and while its job ran.
 * The prepare worker is another isolate: what it holds is not counted, which is the point.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openServices } from '../../src/main.js';
import { createApp } from '../../src/server/app.js';

const [dir, file] = process.argv.slice(2);
if (!dir || !file) throw new Error('usage: upload-memory-child.ts <data dir> <file>');
const password = 'upload-memory-密码-123';
const config = loadConfig({ env: { YINGJI_DATA_DIR: dir, OLLAMA_BASE_URL: 'http://127.0.0.1:9', YINGJI_ADMIN_PASSWORD: password, INGEST_MAX_CHARS: '1000000' }, dotenvPath: false });
const services = await openServices(config);
const app = await createApp({ services, port: 0, host: '127.0.0.1', webDistDir: null, log: () => undefined });

// Run with --expose-gc: each sample first collects garbage, so it counts what is held (the 64 KB pieces already
// written to disk would otherwise pile up as garbage until V8 collects, and look like a held file).
const collect = globalThis.gc;
if (!collect) throw new Error('run with --expose-gc');
let peak = 0;
/** V8 frees collected ArrayBuffers on a background thread: a second collection a moment later sees them gone. */
const sample = async () => {
  collect();
  await new Promise((r) => setTimeout(r, 5));
  collect();
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
};
// Often enough: the old code held the whole file for the seconds the worker took to parse it.
const sampler = setInterval(() => void sample(), 200);

const login = await fetch(`${app.url}/api/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password }),
});
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];

await sample();
/** What the idle server holds (tokenizer dictionary, index buffers): the figures below are over this. */
const baseline = peak;
// The client is a process of its own, so only the server's buffers are counted here.
const { status, body } = await uploadFromAnotherProcess(`${app.url}/api/documents`, cookie, app.url, file);
const { jobId } = JSON.parse(body) as { jobId?: string };
const peakWhileReceiving = peak;
// From the 202 on: what the job (read, hash, hand-off to the worker, failure record) holds.
peak = 0;

let outcome = `HTTP ${status} ${body.slice(0, 200)}`;
while (jobId) {
  const jobs = (await (await fetch(`${app.url}/api/jobs`, { headers: { cookie } })).json()) as {
    jobId: string;
    state: string;
    outcomes: { status: string; error?: { code: string } }[];
  }[];
  const job = jobs.find((j) => j.jobId === jobId);
  if (job && (job.state === 'done' || job.state === 'failed')) {
    const o = job.outcomes[0];
    outcome = o ? `${o.status}${o.error ? ` ${o.error.code}` : ''}` : job.state;
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
await sample();
clearInterval(sampler);
// The job deletes its temporary file just after it reports its outcome.
let leftInTmp = Number.POSITIVE_INFINITY;
for (let i = 0; i < 100 && leftInTmp > 0; i++) {
  leftInTmp = (await readdir(path.join(dir, 'uploads-tmp'))).length;
  if (leftInTmp > 0) await new Promise((r) => setTimeout(r, 50));
}
await app.close();
await services.close();
process.stdout.write(JSON.stringify({ status, outcome, baselineBytes: baseline, peakWhileReceivingBytes: peakWhileReceiving - baseline, peakDuringJobBytes: peak - baseline, leftInTmp }) + '\n');

/** POSTs `file` as multipart field `files` from a separate node process, streaming it from disk. */
function uploadFromAnotherProcess(url: string, cookie: string, origin: string, file: string): Promise<{ status: number; body: string }> {
  const script = `
    const { createReadStream, statSync } = require('node:fs');
    const { request } = require('node:http');
    const [url, cookie, origin, file] = process.argv.slice(1);
    const boundary = 'yingji-upload-memory';
    const head = Buffer.from('--' + boundary + '\\r\\nContent-Disposition: form-data; name="files"; filename="upload.txt"\\r\\nContent-Type: text/plain\\r\\n\\r\\n');
    const tail = Buffer.from('\\r\\n--' + boundary + '--\\r\\n');
    const req = request(url, { method: 'POST', headers: { cookie, origin, 'content-type': 'multipart/form-data; boundary=' + boundary,
      'content-length': head.length + statSync(file).size + tail.length } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body: text })));
    });
    req.write(head);
    const data = createReadStream(file);
    data.pipe(req, { end: false });
    data.on('end', () => req.end(tail));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, url, cookie, origin, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out || '{"status":0,"body":"{}"}') as { status: number; body: string }));
  });
}
