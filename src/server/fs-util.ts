/** Small filesystem helpers the server's stores share. */
import { appendFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';

/** Runs async tasks one after another (appends to one file must not interleave). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}

/**
 * Appends lines to files, coalescing everything queued while a write is in flight into one appendFile per file.
 * Under load this turns N appends (each waiting a full event-loop turn) into one, and lines never interleave.
 */
export class AppendBatcher {
  private readonly pending = new Map<string, { text: string; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }>();
  private readonly writing = new Map<string, Promise<void>>();
  /** Files known to end with a newline (checked once, and again after a failed write). */
  private readonly terminated = new Set<string>();

  constructor(private readonly mode = 0o600) {}

  append(file: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(file) ?? { text: '', waiters: [] };
      entry.text += text;
      entry.waiters.push({ resolve, reject });
      this.pending.set(file, entry);
      if (!this.writing.has(file)) void this.flush(file);
    });
  }

  /** Resolves when everything appended so far is on disk. */
  async idle(): Promise<void> {
    while (this.writing.size) await Promise.all(this.writing.values());
  }

  private async flush(file: string): Promise<void> {
    const run = (async () => {
      await mkdir(path.dirname(file), { recursive: true }).catch(() => undefined);
      for (let entry = this.pending.get(file); entry; entry = this.pending.get(file)) {
        this.pending.delete(file);
        try {
          // A crash or a full disk may have left half a record: end it, so ours starts on a line of its own
          // (readers skip the torn line instead of losing the record glued to it).
          const prefix = this.terminated.has(file) || (await endsWithNewline(file)) ? '' : '\n';
          await appendFile(file, prefix + entry.text, { mode: this.mode });
          this.terminated.add(file);
          for (const w of entry.waiters) w.resolve();
        } catch (e) {
          this.terminated.delete(file);
          for (const w of entry.waiters) w.reject(e);
        }
      }
    })();
    this.writing.set(file, run);
    await run;
    this.writing.delete(file);
  }
}

/** True when the file is missing, empty or ends with "\n". */
async function endsWithNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size === 0) return true;
    const size = stats.size;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Block size for reading a file backwards. */
const BACKWARD_BLOCK_BYTES = 64 * 1024;

/** The non-empty lines of a UTF-8 file, last first, read in blocks from the end (a missing file has none). */
export async function* readLinesBackwards(file: string): AsyncGenerator<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    let position = (await handle.stat()).size;
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(BACKWARD_BLOCK_BYTES, position);
      position -= size;
      const block = Buffer.alloc(size);
      await handle.read(block, 0, size, position);
      const buf = Buffer.concat([block, carry]);
      // Split on newline bytes: UTF-8 never has 0x0a inside a character, so no character is cut.
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (end > i + 1) yield buf.subarray(i + 1, end).toString('utf8');
        end = i;
      }
      carry = Buffer.from(buf.subarray(0, end));
    }
    if (carry.length) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}
