/** Runs the real `yingji` command in a child process. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const BIN = path.join(REPO_ROOT, 'bin/yingji.js');

export function runYingji(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CliRun> {
  return runNode([BIN, ...args], { env: { ...process.env, OLLAMA_BASE_URL: 'http://127.0.0.1:9', OLLAMA_TIMEOUT_MS: '1000', ...env }, cwd });
}

/** Runs `node <args>` (this Node) in a child process and collects its output. */
export function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
