/**
 * doc2query in the server's background: while the chat model is reachable and nobody is waiting for an answer,
 * passages without questions (new or changed ones) get them, a few at a time. A run starts when the server starts,
 * after every ingest job and every few minutes (the model may come up later); it stops at close and resumes where
 * it stopped, since only passages still lacking questions for their current content are sent.
 */
import { generatePassageQuestions, passagesNeedingQuestions, type Doc2QueryDeps } from '../answer/doc2query.js';
import type { LlmStatusMonitor } from '../answer/llm-status.js';

export interface QuestionWriterState {
  /** idle: nothing to do; running; waiting: model unreachable or answers in flight; off: DOC2QUERY_BACKGROUND=false. */
  state: 'idle' | 'running' | 'waiting' | 'off';
  /** Passages still lacking questions. */
  remaining: number;
  /** Questions written since the server started. */
  generated: number;
  /** Why the last run stopped early (model gone …), in Chinese. */
  lastError?: string;
}

export interface QuestionWriterDeps {
  generate: Doc2QueryDeps;
  status: Pick<LlmStatusMonitor, 'refresh'>;
  /** Answers being produced right now: the model is theirs first (see pause). */
  answersInFlight: () => number;
  enabled: boolean;
  log: (line: string) => void;
  /** Passages per batch between checks for waiting answers. */
  batchSize?: number;
  /** Re-check for work this often (the model may have come up). */
  intervalMs?: number;
  /** Wait this long when answers are in flight before looking again. */
  busyRetryMs?: number;
}

const DEFAULT_BATCH = 4;
const DEFAULT_INTERVAL_MS = 5 * 60_000;
const DEFAULT_BUSY_RETRY_MS = 2_000;

export class QuestionWriter {
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Aborts the batch being written; the run then waits until no answer is in flight and goes on. */
  private batch: AbortController | undefined;
  private again = false;
  private current: QuestionWriterState;
  /** Passages the model gave nothing usable for in this server run: not sent again until a restart. */
  private readonly skipped = new Set<string>();

  constructor(private readonly deps: QuestionWriterDeps) {
    this.current = { state: deps.enabled ? 'idle' : 'off', remaining: 0, generated: 0 };
    if (deps.enabled) {
      this.timer = setInterval(() => this.kick(), deps.intervalMs ?? DEFAULT_INTERVAL_MS);
      this.timer.unref();
    }
  }

  state(): QuestionWriterState {
    return { ...this.current };
  }

  /** Starts a run unless one is going; a kick during a run makes it look for new passages once more at its end. */
  kick(): void {
    if (!this.deps.enabled || this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch((e: unknown) => this.deps.log(`后台生成检索问题出错：${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** An answer is starting: the passage being written now is dropped (tried again later), so the model is free. */
  pause(): void {
    this.batch?.abort();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.running;
  }

  /** Resolves when no run is going (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const batch = this.deps.batchSize ?? DEFAULT_BATCH;
    while (!signal.aborted) {
      const needing = passagesNeedingQuestions(this.deps.generate).filter((p) => !this.skipped.has(p.chunk.id));
      this.current = { ...this.current, remaining: needing.length };
      if (needing.length === 0) {
        this.current = { ...this.current, state: 'idle' };
        return;
      }
      if ((await this.deps.status.refresh()).mode !== 'llm') {
        this.current = { ...this.current, state: 'waiting' };
        return;
      }
      if (this.deps.answersInFlight() > 0) {
        this.current = { ...this.current, state: 'waiting' };
        await sleep(this.deps.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS, signal);
        continue;
      }
      this.current = { ...this.current, state: 'running' };
      this.batch = new AbortController();
      const report = await generatePassageQuestions(this.deps.generate, {
        limit: batch,
        signal: AbortSignal.any([signal, this.batch.signal]),
        passages: needing,
        onSkipped: (id) => this.skipped.add(id),
      });
      const paused = this.batch.signal.aborted;
      this.batch = undefined;
      this.current = { ...this.current, generated: this.current.generated + report.generated };
      if (signal.aborted) return;
      if (paused) continue;
      if (report.stoppedBy) {
        this.current = { ...this.current, state: 'waiting', lastError: report.stoppedBy.message };
        this.deps.log(`后台生成检索问题已暂停：${report.stoppedBy.message}（稍后自动重试）`);
        return;
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
