/**
 * Runs an external program (pdftoppm, tesseract) so that it can always be stopped: it gets its own process
 * group, and a timeout, an abort or this process exiting kills the whole group (a program's own helpers too).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { AppError } from '../../core/errors.js';

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with the pid (= process-group id) right after spawning, e.g. to record it for start-up cleanup. */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Sends SIGKILL to a process group; a group that is already gone is fine. */
export function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Runs a program to completion and resolves with its output whatever its exit code.
 * @throws AppError ANSWER_ABORTED when `signal` aborts; Error on spawn failure, timeout or a killing signal.
 */
export function runProgram(program: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(aborted());
      return;
    }
    // detached: a new process group, so one kill reaches everything the program started.
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pgid = child.pid;
    let settled = false;
    let why: 'timeout' | 'abort' | undefined;
    const killGroup = () => {
      if (pgid !== undefined) killProcessGroup(pgid);
    };
    const onAbort = () => {
      why ??= 'abort';
      killGroup();
    };
    // Our own timer (not spawn's `timeout`), so a program that failed to start does not keep the process alive.
    const timer = setTimeout(() => {
      why ??= 'timeout';
      killGroup();
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    process.once('exit', killGroup);
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      process.off('exit', killGroup);
    };
    if (pgid !== undefined) opts.onSpawn?.(pgid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      if (settled) return;
      finish();
      reject(e);
    });
    child.on('close', (code, sig) => {
      if (settled) return;
      finish();
      // The program may have left helpers behind in its group; they go with it.
      killGroup();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const name = path.basename(program);
      if (why === 'abort') reject(aborted());
      else if (why === 'timeout') reject(new Error(`${name} 超过 ${Math.round(opts.timeoutMs / 1000)} 秒未完成，已终止`));
      else if (sig) reject(new Error(`${name} 被信号 ${sig} 终止：${stderr.trim().slice(0, 300)}`));
      else resolve({ stdout, stderr, code });
    });
  });
}

function aborted(): AppError {
  return new AppError('ANSWER_ABORTED', '导入已取消（服务正在关闭或任务被停止）。');
}
