/**
 * Background ingestion for uploads, replacements, metadata edits and reindexing: one job at a time (the
 * knowledge base has one writer), progress pushed as `ingest:progress`, never blocking chat or search.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { toAppError } from '../core/errors.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import type { IngestLimits } from '../ingest/limits.js';
import { ingestInputs } from '../ingest/pipeline.js';
import type { IngestInput, IngestProgress } from '../ingest/types.js';
import type { AuditLog } from './audit.js';
import type { IngestJobInfo, IngestJobKind, IngestProgressEvent } from './events.js';
import { SerialQueue } from './fs-util.js';

/** Finished jobs remembered for GET /api/jobs. */
const KEEP_FINISHED_JOBS = 50;

export interface IngestJobsDeps {
  kb: KnowledgeBase;
  ocr: 'auto' | 'off';
  /** Expansion bounds (config.ingest). */
  limits?: IngestLimits;
  audit: AuditLog;
  emit: (event: IngestProgressEvent) => void;
  log: (line: string) => void;
}

export interface EnqueueOptions {
  kind: IngestJobKind;
  user: string;
  inputs: IngestInput[];
  /** Re-ingest even when content and metadata are unchanged (reindex). */
  force?: boolean;
  /** Temporary upload files to delete when the job ends. */
  cleanup?: string[];
}

export class IngestJobs {
  private readonly jobs = new Map<string, IngestJobInfo>();
  private readonly queue = new SerialQueue();
  private readonly stop = new AbortController();

  constructor(private readonly deps: IngestJobsDeps) {}

  /** Queues a job and returns at once; the job runs after those queued before it. */
  enqueue(options: EnqueueOptions): IngestJobInfo {
    const job: IngestJobInfo = {
      jobId: randomUUID(),
      kind: options.kind,
      state: 'queued',
      user: options.user,
      files: options.inputs.map((i) => i.fileName),
      outcomes: [],
      createdAt: new Date().toISOString(),
    };
    this.jobs.set(job.jobId, job);
    this.prune();
    void this.queue.run(() => this.runJob(job, options));
    return job;
  }

  list(): IngestJobInfo[] {
    return [...this.jobs.values()].reverse();
  }

  get(jobId: string): IngestJobInfo | undefined {
    return this.jobs.get(jobId);
  }

  /** Stops between files and waits for the running job to finish committing. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.queue.idle();
  }

  private async runJob(job: IngestJobInfo, options: EnqueueOptions): Promise<void> {
    const { deps } = this;
    const started = Date.now();
    let last: IngestProgress = { phase: 'start', filesDone: 0, filesTotal: options.inputs.length, chunks: 0, elapsedMs: 0 };
    try {
      if (this.stop.signal.aborted) throw new Error('server closing');
      job.state = 'running';
      const report = await ingestInputs({ kb: deps.kb, ocr: deps.ocr, limits: deps.limits }, options.inputs, {
        force: options.force,
        signal: this.stop.signal,
        onProgress: (p) => {
          last = p;
          if (p.outcome) job.outcomes.push(p.outcome);
          deps.emit({ jobId: job.jobId, kind: job.kind, progress: p, outcomes: job.outcomes });
        },
      });
      job.state = 'done';
      await deps.audit.record('ingest_done', job.user, {
        jobId: job.jobId,
        kind: job.kind,
        outcomes: report.outcomes.map((o) => ({ file: o.file, status: o.status, docId: o.docId, error: o.error?.code })),
        elapsedMs: report.elapsedMs,
      });
    } catch (e) {
      const error = toAppError(e);
      deps.log(`后台导入任务 ${job.jobId} 失败：${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      job.state = 'failed';
      job.error = error.toJSON();
      deps.emit({
        jobId: job.jobId,
        kind: job.kind,
        progress: { ...last, phase: 'done', elapsedMs: Date.now() - started },
        outcomes: job.outcomes,
        error: job.error,
      });
    } finally {
      await Promise.all((options.cleanup ?? []).map((f) => rm(f, { force: true })));
    }
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state === 'done' || j.state === 'failed');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_JOBS))) this.jobs.delete(j.jobId);
  }
}
