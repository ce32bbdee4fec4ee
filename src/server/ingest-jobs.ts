/**
 * Background ingestion for uploads, replacements, metadata edits and re-imports: one job at a time (the
 * knowledge base has one writer), progress pushed as `ingest:progress`, never blocking chat or search.
 * Accepted jobs not yet finished are kept in a journal (`<knowledge>/ingest-queue.json`, replaced atomically),
 * so a restart resumes them, or reports them failed when their files are gone, instead of losing them.
 */
import { randomUUID } from 'node:crypto';
import { access, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, toAppError } from '../core/errors.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { replaceFileAtomically } from '../core/durable-files.js';
import type { IngestLimits } from '../ingest/limits.js';
import { ingestInputs } from '../ingest/pipeline.js';
import type { IngestFileOutcome, IngestInput, IngestProgress } from '../ingest/types.js';
import type { AuditLog } from './audit.js';
import type { IngestJobInfo, IngestJobKind, IngestProgressEvent } from './events.js';
import { SerialQueue } from './fs-util.js';

/** Finished jobs remembered for GET /api/jobs. */
const KEEP_FINISHED_JOBS = 50;
export const JOURNAL_FILE = 'ingest-queue.json';

export interface IngestJobsDeps {
  kb: KnowledgeBase;
  ocr: 'auto' | 'off';
  /** Expansion bounds (config.ingest). */
  limits?: IngestLimits;
  audit: AuditLog;
  emit: (event: IngestProgressEvent) => void;
  log: (line: string) => void;
  /** Where uploads wait for their job; files no pending job names are removed at start. */
  uploadDir: string;
}

export interface EnqueueOptions {
  kind: IngestJobKind;
  user: string;
  inputs: IngestInput[];
  /** Re-ingest even when content and metadata are unchanged (re-import). */
  force?: boolean;
  /** Temporary upload files to delete when the job ends. */
  cleanup?: string[];
}

interface JournalEntry {
  jobId: string;
  createdAt: string;
  options: EnqueueOptions;
}

interface JournalFile {
  version: 1;
  jobs: JournalEntry[];
}

export class IngestJobs {
  private readonly jobs = new Map<string, IngestJobInfo>();
  private readonly pending = new Map<string, JournalEntry>();
  private readonly queue = new SerialQueue();
  private readonly journalWrites = new SerialQueue();
  private readonly stop = new AbortController();
  private readonly journalFile: string;

  constructor(private readonly deps: IngestJobsDeps) {
    this.journalFile = path.join(deps.kb.dir, JOURNAL_FILE);
  }

  /**
   * Resumes the jobs a previous run accepted but did not finish (those whose files are gone are reported
   * failed), then removes upload files no job needs any more. Call once before serving.
   */
  async resume(): Promise<void> {
    const entries = await this.readJournal();
    for (const entry of entries) {
      const missing = await firstMissing(entry.options.inputs);
      if (missing) {
        const error = new AppError('FILE_NOT_FOUND', `服务重启前已接收的任务中，文件 ${missing} 已不存在，未能导入；请重新上传。`);
        this.recordRestoredFailure(entry, error);
        await this.deps.audit.record('ingest_failed', entry.options.user, { jobId: entry.jobId, kind: entry.options.kind, error: error.code, resumed: true }).catch(() => undefined);
        continue;
      }
      this.deps.log(`继续执行重启前已接收的导入任务 ${entry.jobId}（${entry.options.inputs.length} 个文件）`);
      this.start(entry);
    }
    await this.writeJournal();
    await this.removeOrphanUploads();
  }

  /** Queues a job, records it in the journal, and returns; the job runs after those queued before it. */
  async enqueue(options: EnqueueOptions): Promise<IngestJobInfo> {
    const entry: JournalEntry = { jobId: randomUUID(), createdAt: new Date().toISOString(), options };
    this.pending.set(entry.jobId, entry);
    try {
      await this.writeJournal();
    } catch (e) {
      this.pending.delete(entry.jobId);
      throw e;
    }
    return this.start(entry);
  }

  list(): IngestJobInfo[] {
    return [...this.jobs.values()].reverse();
  }

  get(jobId: string): IngestJobInfo | undefined {
    return this.jobs.get(jobId);
  }

  /** Stops between files and waits for the running job to finish committing; unstarted jobs stay journaled. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.queue.idle();
    await this.journalWrites.idle();
  }

  private start(entry: JournalEntry): IngestJobInfo {
    const { options } = entry;
    this.pending.set(entry.jobId, entry);
    const job: IngestJobInfo = {
      jobId: entry.jobId,
      kind: options.kind,
      state: 'queued',
      user: options.user,
      files: options.inputs.map((i) => i.fileName),
      outcomes: [],
      createdAt: entry.createdAt,
    };
    this.jobs.set(job.jobId, job);
    this.prune();
    void this.queue.run(() => this.runJob(job, options));
    return job;
  }

  private async runJob(job: IngestJobInfo, options: EnqueueOptions): Promise<void> {
    const { deps } = this;
    // Closing: leave the job in the journal, the next start resumes it.
    if (this.stop.signal.aborted) return;
    const started = Date.now();
    let last: IngestProgress = { phase: 'start', filesDone: 0, filesTotal: options.inputs.length, chunks: 0, elapsedMs: 0 };
    let keepForRestart = false;
    try {
      job.state = 'running';
      const report = await ingestInputs({ kb: deps.kb, ocr: deps.ocr, limits: deps.limits }, options.inputs, {
        force: options.force,
        signal: this.stop.signal,
        onProgress: (p) => {
          if (p.outcome) {
            p = { ...p, outcome: this.safeOutcome(job, p.outcome) };
            job.outcomes.push(p.outcome as IngestFileOutcome);
          }
          last = p;
          // The final 'done' is sent below, once the job's state is settled.
          if (p.phase !== 'done') deps.emit({ jobId: job.jobId, kind: job.kind, progress: p, outcomes: job.outcomes });
        },
      });
      job.state = 'done';
      deps.emit({ jobId: job.jobId, kind: job.kind, progress: { ...last, phase: 'done' }, outcomes: job.outcomes });
      await deps.audit
        .record('ingest_done', job.user, {
          jobId: job.jobId,
          kind: job.kind,
          outcomes: report.outcomes.map((o) => ({ file: o.file, status: o.status, docId: o.docId, error: o.error?.code })),
          elapsedMs: report.elapsedMs,
        })
        .catch((e: unknown) => deps.log(`导入任务 ${job.jobId} 的审计记录写入失败：${describe(e)}`));
    } catch (e) {
      if (this.stop.signal.aborted) {
        // Stopped by shutdown before committing: the journal resumes it at the next start.
        keepForRestart = true;
        deps.log(`导入任务 ${job.jobId} 因服务关闭而中断，下次启动时继续。`);
      } else {
        this.fail(job, e, last, started);
      }
    } finally {
      if (!keepForRestart) await this.finish(job.jobId, options);
    }
  }

  /**
   * Marks a job failed. Outcomes reported before the failure were not committed: they are shown as failed,
   * never as indexed (the knowledge base keeps its last committed state).
   */
  private fail(job: IngestJobInfo, e: unknown, last: IngestProgress, started: number): void {
    const { deps } = this;
    const error = toAppError(e);
    deps.log(`后台导入任务 ${job.jobId} 失败：${describe(error.cause ?? e)}`);
    job.state = 'failed';
    job.error = error.toJSON();
    job.outcomes = job.outcomes.map((o) =>
      o.status === 'added' || o.status === 'replaced' || o.status === 'removed'
        ? { file: o.file, status: 'failed', docId: o.docId, error: { code: error.code, message: `未能保存：${error.message}` } }
        : o,
    );
    deps.emit({
      jobId: job.jobId,
      kind: job.kind,
      progress: { ...last, phase: 'done', elapsedMs: Date.now() - started },
      outcomes: job.outcomes,
      error: job.error,
    });
    void deps.audit
      .record('ingest_failed', job.user, { jobId: job.jobId, kind: job.kind, error: error.code, message: error.message })
      .catch(() => undefined);
  }

  /** An INTERNAL failure's message may name server paths: it is logged, the client sees a safe one. */
  private safeOutcome(job: IngestJobInfo, outcome: IngestFileOutcome): IngestFileOutcome {
    if (outcome.error?.code !== 'INTERNAL') return outcome;
    this.deps.log(`导入任务 ${job.jobId} 处理 ${outcome.file} 时出现内部错误：${outcome.error.message}`);
    return { ...outcome, error: { ...outcome.error, message: `处理文件 ${outcome.file} 时出现内部错误，未能导入；请联系管理员查看服务日志。` } };
  }

  private recordRestoredFailure(entry: JournalEntry, error: AppError): void {
    const job: IngestJobInfo = {
      jobId: entry.jobId,
      kind: entry.options.kind,
      state: 'failed',
      user: entry.options.user,
      files: entry.options.inputs.map((i) => i.fileName),
      outcomes: [],
      createdAt: entry.createdAt,
      error: error.toJSON(),
    };
    this.jobs.set(job.jobId, job);
    this.pending.delete(entry.jobId);
    this.deps.log(`重启前已接收的导入任务 ${entry.jobId} 无法继续：${error.message}`);
    void Promise.all((entry.options.cleanup ?? []).map((f) => rm(f, { force: true })));
  }

  private async finish(jobId: string, options: EnqueueOptions): Promise<void> {
    this.pending.delete(jobId);
    await Promise.all((options.cleanup ?? []).map((f) => rm(f, { force: true })));
    await this.writeJournal().catch((e: unknown) => this.deps.log(`写入导入任务记录 ${JOURNAL_FILE} 失败：${describe(e)}`));
  }

  private writeJournal(): Promise<void> {
    return this.journalWrites.run(async () => {
      const body: JournalFile = { version: 1, jobs: [...this.pending.values()] };
      await replaceFileAtomically(this.journalFile, JSON.stringify(body) + '\n', 0o600);
    });
  }

  private async readJournal(): Promise<JournalEntry[]> {
    let text: string;
    try {
      text = await readFile(this.journalFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as Partial<JournalFile>;
      return Array.isArray(parsed.jobs) ? parsed.jobs.filter((j) => j && typeof j.jobId === 'string' && Array.isArray(j.options?.inputs)) : [];
    } catch (e) {
      // Replaced atomically, so this is damage from outside: say so and carry on without it.
      this.deps.log(`导入任务记录 ${this.journalFile} 无法解析，已忽略：${describe(e)}`);
      return [];
    }
  }

  /** Deletes upload files that no pending job will read (left by crashes or by older versions). */
  private async removeOrphanUploads(): Promise<void> {
    const keep = new Set<string>();
    for (const entry of this.pending.values()) for (const f of entry.options.cleanup ?? []) keep.add(path.resolve(f));
    let names: string[];
    try {
      names = await readdir(this.deps.uploadDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const stale = names.map((n) => path.resolve(this.deps.uploadDir, n)).filter((f) => !keep.has(f));
    await Promise.all(stale.map((f) => rm(f, { force: true, recursive: true })));
    if (stale.length) this.deps.log(`已清理 ${stale.length} 个残留的上传临时文件。`);
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state === 'done' || j.state === 'failed');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_JOBS))) this.jobs.delete(j.jobId);
  }
}

async function firstMissing(inputs: IngestInput[]): Promise<string | undefined> {
  for (const input of inputs) {
    if (!input.path) continue;
    try {
      await access(input.path);
    } catch {
      return input.fileName;
    }
  }
  return undefined;
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
