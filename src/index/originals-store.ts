/**
 * Stored originals of a knowledge folder, with their own lifetime (tantivy's ManagedDirectory is the model):
 *
 *   files/<hash of doc id>/<content hash><.ext>  the bytes, owner-only (0600 in 0700 folders); hashed names,
 *                                  so any display name fits (the name a person gave the file stays in SourceDoc)
 *                                  and storing a new version never overwrites bytes an older generation names
 *   originals.pending              exists while originals may be stored but not committed: open() then looks
 *                                  for strays under files/ (a scan of every document folder)
 *
 * Originals are written without fsync; the commit that first names one fsyncs all new ones together before
 * it moves CURRENT. Originals no generation or in-memory document names any more are deleted after a commit.
 */
import { mkdir, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { sha256Hex, syncDir, syncFile, writeFileDurably } from '../core/durable-files.js';
import type { SourceDoc } from '../core/types.js';

export const FILES_DIR = 'files';
const ORIGINALS_PENDING_FILE = 'originals.pending';
/** Hex digits of the hashes that name a document folder and an original. */
const NAME_HASH_CHARS = 16;
/** Concurrent fsyncs of new originals at commit. */
const SYNC_PARALLELISM = 16;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Whether a stored-original path stays under files/ (it is joined onto the folder). */
export function isStoredOriginalPath(relative: string): boolean {
  const normal = path.posix.normalize(relative);
  return normal.startsWith(`${FILES_DIR}/`) && !normal.split('/').includes('..') && !path.isAbsolute(relative);
}

/**
 * The folder-relative path of a document's stored original (the one way the server, backups and checks
 * find it); undefined when none is stored.
 * @throws AppError INDEX_CORRUPT when the recorded path would leave files/
 */
export function storedOriginalOf(doc: SourceDoc): string | undefined {
  if (!doc.storedFile) return undefined;
  if (!isStoredOriginalPath(doc.storedFile)) {
    throw new AppError('INDEX_CORRUPT', `文档 ${doc.id} 的原件路径无效：${doc.storedFile}；请运行 yingji doctor 检查，或重新上传该文档。`);
  }
  return doc.storedFile;
}

/**
 * Absolute path of a document's stored original in the knowledge folder `dir`.
 * @throws AppError FILE_NOT_FOUND (none stored), INDEX_CORRUPT (a path that would leave the folder)
 */
export function resolveOriginal(dir: string, doc: SourceDoc): string {
  const relative = storedOriginalOf(doc);
  if (!relative) throw new AppError('FILE_NOT_FOUND', `文档《${doc.title}》没有保存原件，请上传新版本。`);
  return path.join(path.resolve(dir), relative);
}

/** The stored name: hashes only, plus a short, plain extension so the type stays visible on disk. */
function storedName(docId: string, fileName: string, bytes: Buffer): string {
  const ext = path.extname(fileName).toLowerCase();
  const safeExt = /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
  return path.posix.join(FILES_DIR, sha256Hex(docId).slice(0, NAME_HASH_CHARS), sha256Hex(bytes).slice(0, NAME_HASH_CHARS) + safeExt);
}

export class OriginalsStore {
  /** Originals no longer referenced in memory; deleted once a commit no longer references them either. */
  private readonly obsolete = new Set<string>();
  /** Originals written since the last commit and not yet fsynced. */
  private readonly unsynced = new Set<string>();
  /** This instance created originals.pending and has not cleared it yet. */
  private pending = false;

  constructor(private readonly dir: string) {}

  /**
   * Writes the original via a temp file and rename; returns its path relative to the folder. On failure
   * (a full disk) nothing of it is left behind.
   */
  async store(docId: string, fileName: string, bytes: Buffer): Promise<string> {
    const relative = storedName(docId, fileName, bytes);
    const target = path.join(this.dir, relative);
    this.obsolete.delete(relative);
    await this.markPending();
    // Same name, same bytes: an unchanged file re-ingested (e.g. --force) is not written again.
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isFile() && existing.size === bytes.byteLength) return relative;
    await mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, bytes, { mode: FILE_MODE });
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    this.unsynced.add(relative);
    return relative;
  }

  /** A document stopped naming `relative` in memory. */
  markObsolete(relative: string | undefined): void {
    if (relative) this.obsolete.add(relative);
  }

  /** A document names `relative` (again). */
  markReferenced(relative: string | undefined): void {
    if (relative) this.obsolete.delete(relative);
  }

  /** Nothing stored or dropped since the last commit. */
  settled(): boolean {
    return this.obsolete.size === 0 && this.unsynced.size === 0;
  }

  /** fsyncs the new originals a commit names (in parallel: the kernel batches the journal writes). */
  async syncReferenced(referenced: Set<string>): Promise<void> {
    const pending = [...this.unsynced].filter((f) => referenced.has(f));
    const dirs = new Set<string>();
    for (let i = 0; i < pending.length; i += SYNC_PARALLELISM) {
      await Promise.all(
        pending.slice(i, i + SYNC_PARALLELISM).map(async (relative) => {
          const file = path.join(this.dir, relative);
          await syncFile(file).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e; // deleted meanwhile: then no generation needs it
          });
          dirs.add(path.dirname(file));
        }),
      );
    }
    for (const d of dirs) await syncDir(d).catch(() => undefined);
    await syncDir(path.join(this.dir, FILES_DIR)).catch(() => undefined);
    for (const relative of pending) this.unsynced.delete(relative);
  }

  /** After a commit: deletes obsolete originals neither that commit nor memory names. */
  async deleteObsolete(referencedByCommit: Set<string>, referencedNow: Set<string | undefined>): Promise<void> {
    if (this.obsolete.size > 0) await this.markPending(); // a crash mid-deletion leaves strays
    for (const relative of [...this.obsolete]) {
      if (referencedByCommit.has(relative) || referencedNow.has(relative)) continue;
      this.obsolete.delete(relative);
      await this.remove(relative);
    }
  }

  /**
   * After a failed commit, with memory rolled back to `committed`: deletes what was stored since and is not
   * named there (frees the space a full disk needs), and forgets the rest.
   */
  async discardUncommitted(committed: Set<string | undefined>): Promise<void> {
    for (const relative of [...this.unsynced]) {
      this.unsynced.delete(relative);
      if (!committed.has(relative)) await this.remove(relative);
    }
    this.obsolete.clear();
  }

  /** Durably records, before any such file exists, that originals may soon be unnamed by any generation. */
  async markPending(): Promise<void> {
    if (this.pending) return;
    await writeFileDurably(path.join(this.dir, ORIGINALS_PENDING_FILE), `${process.pid}\n`);
    await syncDir(this.dir);
    this.pending = true;
  }

  async clearPending(): Promise<void> {
    if (!this.pending) return;
    await unlink(path.join(this.dir, ORIGINALS_PENDING_FILE)).catch(() => undefined);
    this.pending = false;
  }

  /**
   * At open, holding the write lock (nothing in flight): when an earlier writer ended uncleanly, deletes every
   * original the current generation does not name. Scanning every document folder costs seconds at thousands
   * of documents, so only then.
   */
  async removeStrays(referenced: Set<string | undefined>): Promise<void> {
    if (!(await this.strayedPossibly())) return;
    const marker = path.join(this.dir, ORIGINALS_PENDING_FILE);
    const root = path.join(this.dir, FILES_DIR);
    let dirs: string[];
    try {
      dirs = await readdir(root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      dirs = [];
    }
    for (const d of dirs) {
      const docDir = path.join(root, d);
      let names: string[];
      try {
        names = await readdir(docDir);
      } catch {
        await rm(docDir, { force: true });
        continue;
      }
      for (const n of names) {
        if (!referenced.has(path.posix.join(FILES_DIR, d, n))) await rm(path.join(docDir, n), { recursive: true, force: true });
      }
      await rmdir(docDir).catch(() => undefined);
    }
    await unlink(marker).catch(() => undefined);
  }

  /** Whether an earlier writer ended with originals possibly unnamed (cheap: one stat). */
  async strayedPossibly(): Promise<boolean> {
    return stat(path.join(this.dir, ORIGINALS_PENDING_FILE)).then(() => true, () => false);
  }

  private async remove(relative: string): Promise<void> {
    const file = path.join(this.dir, relative);
    await unlink(file).catch(() => undefined);
    await rmdir(path.dirname(file)).catch(() => undefined); // only succeeds when empty
  }
}
