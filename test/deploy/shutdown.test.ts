import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runYingji } from '../cli/run-cli.js';
import { makeTempDir } from '../support/knowledge.js';
import { closedPortUrl } from '../support/ollama-server.js';
import { REPO_ROOT } from '../support/paths.js';
import { writeSampleRegulations } from '../support/sample-docs.js';
import { statsOf } from './helpers.js';

const ADMIN_PASSWORD = 'shutdown-test-密码-1';
/** What the issue asks of `docker stop`: SIGTERM, then out within 10 s. */
const SHUTDOWN_LIMIT_MS = 10_000;

interface Server {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startServe(dataDir: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', YINGJI_ADMIN_PASSWORD: ADMIN_PASSWORD, OLLAMA_TIMEOUT_MS: '1000', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /已启动：(http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1].replace('localhost', '127.0.0.1'), stdout: () => out, stderr: () => err, exit });
    });
    child.stderr.on('data', (d) => (err += d));
    void exit.then(({ code }) => reject(new Error(`serve exited (${code}) before listening:\n${out}\n${err}`)));
  });
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

describe('graceful shutdown of yingji serve', () => {
  let root: string;
  let downUrl: string;

  beforeAll(async () => {
    root = await makeTempDir('yingji-shutdown-');
    downUrl = await closedPortUrl();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('on SIGTERM during an upload ingest exits within 10 s and leaves a consistent knowledge folder', async () => {
    const data = path.join(root, 'kb');
    const server = await startServe(data, { OLLAMA_BASE_URL: downUrl });
    let exited = false;
    void server.exit.then(() => (exited = true));
    try {
      const cookie = await login(server.url);
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(200);

      // Upload many regulations in one request: a job that takes seconds to ingest.
      const files = await writeSampleRegulations(path.join(root, 'inbox'), 30, 120);
      const form = new FormData();
      for (const file of files) form.append('files', new Blob([await readFile(file)]), path.basename(file));
      const upload = await fetch(`${server.url}/api/documents`, { method: 'POST', headers: { cookie }, body: form });
      expect(upload.status, await upload.clone().text()).toBe(202);
      const { jobId } = (await upload.json()) as { jobId: string };

      // Wait until the job is running (its first files are being parsed), then stop the server.
      for (;;) {
        const jobs = (await (await fetch(`${server.url}/api/jobs`, { headers: { cookie } })).json()) as { jobId: string; state: string }[];
        const job = jobs.find((j) => j.jobId === jobId);
        if (job && job.state !== 'queued') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      server.child.kill('SIGTERM');
      const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SHUTDOWN_LIMIT_MS).unref());
      const outcome = await Promise.race([server.exit, deadline]);
      expect(outcome, `serve did not exit within ${SHUTDOWN_LIMIT_MS} ms of SIGTERM:\n${server.stderr()}`).not.toBe('timeout');
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(server.stderr()).toContain('正在关闭');
    } finally {
      if (!exited) server.child.kill('SIGKILL');
      await server.exit;
    }

    // The socket is closed: nothing answers on the port any more.
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();

    // The folder opens consistently: every file of the current generation checks out and counts agree.
    const doctor = await runYingji(['doctor', '--json', '--data', data], { OLLAMA_BASE_URL: downUrl });
    const consistent = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.find(
      (c) => c.id === 'knowledge-consistent',
    );
    expect(consistent?.status, consistent?.detail).toBe('ok');
    const stats = await statsOf(data);
    const docs = JSON.parse((await runYingji(['docs', '--json', '--data', data])).stdout) as { chunks: number; status: string }[];
    expect(stats.documents).toBe(docs.length);
    expect(stats.chunks).toBe(docs.reduce((n, d) => n + d.chunks, 0));
    // No scratch left behind that a later open would have to clean: no partial generations besides CURRENT's.
    const current = (await readFile(path.join(data, 'CURRENT'), 'utf8')).trim();
    expect((await readdir(path.join(data, 'index'))).filter((n) => n !== current)).toEqual([]);

    // And it serves again from that state.
    const again = await startServe(data, { OLLAMA_BASE_URL: downUrl });
    try {
      // Anonymous health says only up/down; the index size is for signed-in users.
      const res = await fetch(`${again.url}/api/health`, { headers: { cookie: await login(again.url) } });
      const body = (await res.json()) as { index: { chunks: number } };
      expect(body.index.chunks).toBe(stats.chunks);
    } finally {
      again.child.kill('SIGTERM');
      await again.exit;
    }
  });
});
