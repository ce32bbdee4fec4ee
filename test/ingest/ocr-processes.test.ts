import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../../src/ingest/parsers/child-process.js';
import { cleanStaleOcrFolders } from '../../src/ingest/parsers/ocr.js';
import { expectAppError } from './parser-helpers.js';

/** True while any process of the group exists (zombies included, until reaped). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` holds, polling; gives up after `ms` and returns the last answer. */
async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return check();
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('close', r));
  return child.pid as number;
}

describe('OCR child processes (run through the same runner as pdftoppm and tesseract)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'yingji-ocr-proc-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('aborting an ingest kills the running program and every helper it started (its process group)', async () => {
    const stop = new AbortController();
    let pgid = 0;
    const run = runProgram('sh', ['-c', 'sleep 300 & sleep 300; wait'], {
      timeoutMs: 600_000,
      signal: stop.signal,
      onSpawn: (pid) => (pgid = pid),
    });
    expect(await eventually(() => pgid > 0 && groupAlive(pgid))).toBe(true);
    stop.abort();
    await expectAppError(run, 'ANSWER_ABORTED');
    expect(await eventually(() => !groupAlive(pgid))).toBe(true);
  });

  it('a page that runs past its timeout is killed with its process group and the run fails', async () => {
    let pgid = 0;
    await expect(runProgram('sh', ['-c', 'sleep 300 & sleep 300; wait'], { timeoutMs: 300, onSpawn: (pid) => (pgid = pid) })).rejects.toThrow(
      /超过/u,
    );
    expect(await eventually(() => !groupAlive(pgid))).toBe(true);
  });

  it('an already aborted ingest starts no program', async () => {
    const stop = new AbortController();
    stop.abort();
    let spawned = false;
    await expectAppError(runProgram('sleep', ['300'], { timeoutMs: 1_000, signal: stop.signal, onSpawn: () => (spawned = true) }), 'ANSWER_ABORTED');
    expect(spawned).toBe(false);
  });

  it('after a SIGKILL, the orphaned pdftoppm is killed and its /tmp/yingji-ocr-* folder removed at the next start; live folders stay', async () => {
    const tmp = path.join(root, 'tmp');
    const bin = path.join(root, 'bin');
    await mkdir(tmp);
    await mkdir(bin);
    // A real long-running process under the name the cleaner looks for.
    await symlink('/bin/sleep', path.join(bin, 'pdftoppm'));
    const orphan = spawn(path.join(bin, 'pdftoppm'), ['300'], { detached: true, stdio: 'ignore' });
    const unrelated = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const stale = path.join(tmp, 'yingji-ocr-stale1');
      await mkdir(stale);
      await writeFile(path.join(stale, 'owner.pid'), String(await deadPid()));
      // A recycled pid (here: a process that is not pdftoppm/tesseract) must never be killed.
      await writeFile(path.join(stale, 'children.pid'), `${orphan.pid}\n${unrelated.pid}\n`);
      await writeFile(path.join(stale, 'page.png'), Buffer.alloc(1024));
      const live = path.join(tmp, 'yingji-ocr-live1');
      await mkdir(live);
      await writeFile(path.join(live, 'owner.pid'), String(process.pid));

      expect(await cleanStaleOcrFolders(tmp)).toEqual([stale]);
      await expect(stat(stale)).rejects.toThrow();
      expect((await stat(live)).isDirectory()).toBe(true);
      expect(await eventually(() => !groupAlive(orphan.pid as number))).toBe(true);
      expect(pidAlive(unrelated.pid as number)).toBe(true);
    } finally {
      orphan.kill('SIGKILL');
      unrelated.kill('SIGKILL');
    }
  });
});
