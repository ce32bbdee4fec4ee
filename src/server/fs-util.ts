/** Small filesystem helpers the server's stores share. */
import { appendFile, mkdir } from 'node:fs/promises';
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
          await appendFile(file, entry.text, { mode: this.mode });
          for (const w of entry.waiters) w.resolve();
        } catch (e) {
          for (const w of entry.waiters) w.reject(e);
        }
      }
    })();
    this.writing.set(file, run);
    await run;
    this.writing.delete(file);
  }
}
