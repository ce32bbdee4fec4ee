/**
 * The watched folder (WATCH_DIR, `yingji watch DIR`): files added or changed there, subfolders included, are
 * ingested through the same job queue as uploads; files removed are removed from the knowledge base only with
 * WATCH_PRUNE=true. The folder is scanned every `pollMs` (stat only): polling works the same on local disks,
 * network shares and Docker bind mounts, where inotify events are often missing. A file is taken once its size
 * and modification time have not changed for `settleMs`, so a file still being copied is not read half-written.
 * The first scan compares the folder with the documents already indexed from it, so changes made while the
 * server was down are caught up (unchanged files are skipped by content hash).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import type { IngestInput } from '../ingest/types.js';
import type { IngestJobs } from './ingest-jobs.js';

const SIDECAR_SUFFIX = '.meta.json';
/** What the folder walk skips, as `yingji ingest` does: hidden files and a folder's own description files. */
const SKIPPED_NAMES = new Set(['README.md', 'MANIFEST.tsv']);
/** Audit and job user of the watcher's jobs. */
export const WATCH_USER = 'watch';

export interface FolderWatcherDeps {
  dir: string;
  prune: boolean;
  settleMs: number;
  pollMs: number;
  kb: Pick<KnowledgeBase, 'listDocuments'>;
  jobs: Pick<IngestJobs, 'enqueue'>;
  log: (line: string) => void;
}

export interface FolderWatcher {
  /** Runs one scan now (tests and the CLI's first pass); resolves when its jobs are queued. */
  scan(): Promise<void>;
  close(): Promise<void>;
}

/** A file's identity for change detection: size and mtime of the file and of its sidecar. */
type Signature = string;

export async function startFolderWatcher(deps: FolderWatcherDeps): Promise<FolderWatcher> {
  const root = path.resolve(deps.dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) deps.log(`监视文件夹 ${root} 不存在或不是文件夹；创建后将自动开始导入。`);
  /** Files as last handed to the queue; '' = indexed before this start, state on disk unknown. */
  const submitted = new Map<string, Signature>();
  for (const doc of deps.kb.listDocuments()) {
    if (doc.sourceKey.startsWith(root + path.sep)) submitted.set(doc.sourceKey, '');
  }
  /** Changed files waiting to settle: the signature seen and since when. */
  const settling = new Map<string, { sig: Signature; since: number }>();
  let running: Promise<void> | undefined;
  let closed = false;

  async function scanOnce(): Promise<void> {
    // An unmounted share looks like an empty folder: never take that for "every file was deleted".
    if (!(await stat(root).catch(() => undefined))?.isDirectory()) return;
    const now = Date.now();
    const present = await listFiles(root);
    const ready: string[] = [];
    for (const [file, sig] of present) {
      if (submitted.get(file) === sig) {
        settling.delete(file);
        continue;
      }
      const s = settling.get(file);
      if (!s || s.sig !== sig) settling.set(file, { sig, since: now });
      else if (now - s.since >= deps.settleMs) ready.push(file);
    }
    for (const file of settling.keys()) if (!present.has(file)) settling.delete(file);
    const gone = [...submitted.keys()].filter((f) => !present.has(f));
    const removed = deps.prune ? gone : [];
    // Without pruning a vanished file's document stays; forget it so it is not reported again.
    if (!deps.prune) for (const f of gone) submitted.delete(f);
    if (!ready.length && !removed.length) return;

    const inputs: IngestInput[] = ready.map((file) => ({ sourceKey: file, fileName: path.basename(file), path: file }));
    await deps.jobs.enqueue({
      kind: 'watch',
      user: WATCH_USER,
      inputs,
      // A pruning root that is the removed file itself removes exactly that file's document.
      ...(removed.length ? { pruneRoots: removed } : {}),
    });
    for (const file of ready) {
      submitted.set(file, settling.get(file)?.sig ?? '');
      settling.delete(file);
    }
    for (const file of removed) submitted.delete(file);
    const parts = [ready.length ? `导入 ${ready.length} 个新增或修改的文件` : '', removed.length ? `删除 ${removed.length} 个已移出文件夹的文档` : ''];
    deps.log(`监视文件夹 ${root}：${parts.filter(Boolean).join('，')}`);
  }

  const scan = (): Promise<void> =>
    (running ??= scanOnce()
      .catch((e: unknown) => deps.log(`扫描监视文件夹 ${root} 失败：${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        running = undefined;
      }));

  const timer = setInterval(() => {
    if (!closed) void scan();
  }, deps.pollMs);
  timer.unref();
  void scan();

  return {
    scan,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** Every ingestible file under `root` with its signature; a folder that vanished mid-walk counts as empty. */
async function listFiles(root: string): Promise<Map<string, Signature>> {
  const out = new Map<string, Signature>();
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || SKIPPED_NAMES.has(entry.name) || entry.name.endsWith(SIDECAR_SUFFIX)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const [file, sidecar] = await Promise.all([stat(full).catch(() => undefined), stat(full + SIDECAR_SUFFIX).catch(() => undefined)]);
        if (file) out.set(full, `${file.size}:${file.mtimeMs}:${sidecar ? sidecar.mtimeMs : '-'}`);
      }
    }
  };
  await walk(root);
  return out;
}
