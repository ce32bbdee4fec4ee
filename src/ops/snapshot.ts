/**
 * Backup and restore of a whole knowledge folder (documents, index, users, audit log, session secret,
 * conversations, synonyms) while the server may be running.
 *
 * Consistency: the index commits by writing a complete `index/gen-N/` and then atomically replacing CURRENT,
 * after which the old generation is deleted. A backup copies the generation CURRENT names, checks every file
 * against that generation's manifest (size + sha256) and every stored original against its document's
 * contentHash, then re-reads CURRENT: if it moved, or a file vanished or changed mid-copy, it starts over.
 * users.json is replaced atomically by the server, so one read is one version; audit.jsonl is append-only and
 * is cut at its last complete line.
 *
 * Snapshot layout: `<DIR>/yingji-backup.json` (format version, created time, counts, sha256 of every file)
 * and `<DIR>/data/` (the folder's files as they will be restored).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import type { SourceDoc } from '../core/types.js';
import { sha256Hex, syncDir, writeFileDurably } from '../core/durable-files.js';
import { CURRENT_FILE, INDEX_DIR, readCurrent, type FileDigest } from '../index/generation-format.js';
import { FILES_DIR, storedOriginalOf } from '../index/originals-store.js';
import { KNOWLEDGE_FORMAT_VERSION } from '../index/knowledge-base.js';
import { inspectKnowledgeFolder, readGenerationManifest, DOCS_FILE } from './knowledge-check.js';

/** Version of the snapshot layout below; restore refuses any other. */
export const SNAPSHOT_FORMAT_VERSION = 1;
export const SNAPSHOT_MANIFEST = 'yingji-backup.json';
export const SNAPSHOT_DATA_DIR = 'data';
const AUDIT_FILE = 'audit.jsonl';
const USERS_FILE = 'users.json';
/** Top-level entries that are not part of a snapshot: handled specially, or scratch space. */
const SPECIAL_ENTRIES = new Set([CURRENT_FILE, INDEX_DIR, FILES_DIR, 'uploads-tmp', '.gitkeep', 'lost+found']);
/** Snapshot attempts before giving up when the folder keeps changing (a long ingest re-storing originals). */
const BACKUP_ATTEMPTS = 8;
const RETRY_DELAY_MS = 500;

export interface SnapshotManifest {
  kind: 'yingji-backup';
  formatVersion: number;
  knowledgeFormatVersion: number;
  createdAt: string;
  source: string;
  generation: string;
  embedder: { id: string; dimensions: number };
  counts: { documents: number; chunks: number; originals: number; users: number; auditRecords: number; files: number };
  /** Every file under data/, by POSIX path relative to data/. */
  files: Record<string, FileDigest>;
}

export interface BackupOptions {
  /** Called when the folder changed during a copy and the backup starts over. */
  onRetry?: (attempt: number, reason: string) => void;
}

/** Why one attempt was abandoned: the live folder moved on under the copy. */
class FolderChanged extends Error {}

/**
 * Writes a consistent snapshot of `dataDir` into `targetDir` (which must not exist or be empty).
 * @throws AppError KNOWLEDGE_BASE_EMPTY (nothing to back up), INVALID_REQUEST (target not empty),
 *   INDEX_CORRUPT / INDEX_FORMAT_UNSUPPORTED (the live folder is damaged), INTERNAL (kept changing)
 */
export async function createSnapshot(dataDir: string, targetDir: string, options: BackupOptions = {}): Promise<SnapshotManifest> {
  const source = path.resolve(dataDir);
  const target = path.resolve(targetDir);
  if (isWithin(target, source)) {
    throw new AppError('INVALID_REQUEST', `备份目录 ${target} 不能位于知识库目录 ${source} 之内，请换一个目录。`);
  }
  if (!(await readCurrent(source).catch(() => undefined))) {
    // Distinguish "nothing there" from a damaged CURRENT, which inspect reports as INDEX_CORRUPT.
    await inspectKnowledgeFolder(source, { loadIndexes: false });
    throw new AppError('KNOWLEDGE_BASE_EMPTY', `知识库目录 ${source} 中还没有知识库，无需备份。`);
  }
  if (!(await isEmptyOrMissing(target))) {
    throw new AppError('INVALID_REQUEST', `备份目录 ${target} 已存在且不为空；请指定一个新的空目录。`);
  }
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    for (let attempt = 1; ; attempt++) {
      await rm(staging, { recursive: true, force: true });
      await mkdir(path.join(staging, SNAPSHOT_DATA_DIR), { recursive: true });
      try {
        const manifest = await copyOnce(source, staging);
        await writeFileDurably(path.join(staging, SNAPSHOT_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
        await syncDir(staging);
        await rmdir(target).catch(() => undefined); // an empty target is replaced by the finished snapshot
        await rename(staging, target);
        await syncDir(path.dirname(target));
        return manifest;
      } catch (e) {
        if (!(e instanceof FolderChanged)) throw e;
        if (attempt >= BACKUP_ATTEMPTS) {
          throw new AppError(
            'INTERNAL',
            `备份期间知识库一直在变化（${e.message}），已重试 ${attempt} 次仍未得到一致的快照；请等导入完成后再运行 yingji backup。`,
            { cause: e },
          );
        }
        options.onRetry?.(attempt, e.message);
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** One copy attempt; throws FolderChanged when the live folder moved on meanwhile. */
async function copyOnce(source: string, staging: string): Promise<SnapshotManifest> {
  const dataOut = path.join(staging, SNAPSHOT_DATA_DIR);
  const files: Record<string, FileDigest> = {};
  const current = await readCurrent(source);
  if (!current) throw new FolderChanged('CURRENT 消失');
  const genRel = path.posix.join(INDEX_DIR, current.name);

  let manifest;
  try {
    manifest = await readGenerationManifest(source, current.name);
  } catch (e) {
    if (await currentMoved(source, current.name)) throw new FolderChanged('索引版本已更新');
    throw e;
  }
  // The generation: copy, then check each copy (not the live file) against the generation's own manifest.
  for (const name of ['manifest.json', ...Object.keys(manifest.files)]) {
    const rel = path.posix.join(genRel, name);
    const bytes = await copyTracked(source, dataOut, rel, files);
    const expected = manifest.files[name];
    if (expected && (bytes.byteLength !== expected.bytes || sha256Hex(bytes) !== expected.sha256)) {
      if (await currentMoved(source, current.name)) throw new FolderChanged('索引版本已更新');
      throw new AppError('INDEX_CORRUPT', `知识库索引文件 ${rel} 校验失败，无法生成可靠的备份；请先运行 yingji doctor 检查。`);
    }
  }
  const docs = JSON.parse((await readFile(path.join(dataOut, genRel, DOCS_FILE))).toString('utf8')) as SourceDoc[];
  let originals = 0;
  for (const doc of docs) {
    const stored = storedOriginalOf(doc);
    if (!stored) continue;
    const bytes = await copyTracked(source, dataOut, stored, files);
    // An ingest in progress stores the new original before it commits: that is not this generation's file.
    if (sha256Hex(bytes) !== doc.contentHash) throw new FolderChanged(`原件 ${stored} 正在被替换`);
    originals++;
  }
  const extras = await copyExtras(source, dataOut, files);
  await writeFileDurably(path.join(dataOut, CURRENT_FILE), `${current.name}\n`);
  files[CURRENT_FILE] = digest(Buffer.from(`${current.name}\n`));
  // Re-check at the end: the copied generation and originals are those CURRENT still names.
  if (await currentMoved(source, current.name)) throw new FolderChanged('索引版本已更新');
  const chunks = docs.reduce((n, d) => n + (d.chunkCount ?? 0), 0);
  return {
    kind: 'yingji-backup',
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    knowledgeFormatVersion: manifest.formatVersion,
    createdAt: new Date().toISOString(),
    source,
    generation: current.name,
    embedder: { ...manifest.embedder },
    counts: { documents: docs.length, chunks, originals, users: extras.users, auditRecords: extras.auditRecords, files: Object.keys(files).length },
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
  };
}

async function currentMoved(source: string, name: string): Promise<boolean> {
  const now = await readCurrent(source).catch(() => undefined);
  return now?.name !== name;
}

/** Copies one file's bytes as read now; a file deleted meanwhile means the folder moved on. */
async function copyTracked(sourceRoot: string, outRoot: string, rel: string, files: Record<string, FileDigest>): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(sourceRoot, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FolderChanged(`${rel} 已被删除`);
    throw e;
  }
  await writeOut(outRoot, rel, bytes, files);
  return bytes;
}

async function writeOut(outRoot: string, rel: string, bytes: Buffer, files: Record<string, FileDigest>): Promise<void> {
  const out = path.join(outRoot, rel);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFileDurably(out, bytes);
  files[rel] = digest(bytes);
}

/** Everything else at the top of the folder (users, audit log, session secret, conversations, synonyms …). */
async function copyExtras(sourceRoot: string, outRoot: string, files: Record<string, FileDigest>): Promise<{ users: number; auditRecords: number }> {
  let users = 0;
  let auditRecords = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(sourceRoot, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const childRel = rel ? path.posix.join(rel, entry.name) : entry.name;
      if ((!rel && SPECIAL_ENTRIES.has(entry.name)) || isTempName(entry.name)) continue;
      if (entry.isDirectory()) {
        await walk(childRel);
        continue;
      }
      if (!entry.isFile()) continue;
      let bytes: Buffer;
      try {
        bytes = await readFile(path.join(sourceRoot, childRel));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile: not part of this moment
        throw e;
      }
      if (childRel === AUDIT_FILE || childRel.endsWith('.jsonl')) {
        // Append-only: a line being appended right now is left for the next backup.
        const end = bytes.lastIndexOf(0x0a);
        bytes = bytes.subarray(0, end + 1);
        if (childRel === AUDIT_FILE) auditRecords = bytes.toString('utf8').split('\n').filter(Boolean).length;
      }
      if (childRel === USERS_FILE) users = countUsers(bytes);
      await writeOut(outRoot, childRel, bytes, files);
    }
  };
  await walk('');
  return { users, auditRecords };
}

function countUsers(bytes: Buffer): number {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    if (Array.isArray(parsed)) return parsed.length;
    const list = (parsed as { users?: unknown })?.users;
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

/** Temporary files of atomic writers: `x.tmp-123` (index) and `x.123.abcd.tmp` (server stores). */
function isTempName(name: string): boolean {
  return /\.tmp-\d+$/.test(name) || /\.tmp$/.test(name) || name.startsWith('.doctor-write-test');
}

export interface RestoreOptions {
  /** Replace a knowledge folder that already holds data. */
  force?: boolean;
}

/**
 * Restores a snapshot into `dataDir`: checks format version and every checksum, copies into a temporary folder
 * next to the target, verifies that it opens, then renames it into place. Stop the server first.
 * @throws AppError INDEX_FORMAT_UNSUPPORTED (other snapshot/knowledge format), INDEX_CORRUPT (checksum failed),
 *   INVALID_REQUEST (not a snapshot; target not empty without force)
 */
export async function restoreSnapshot(snapshotDir: string, dataDir: string, options: RestoreOptions = {}): Promise<SnapshotManifest> {
  const snapshot = path.resolve(snapshotDir);
  const target = path.resolve(dataDir);
  const manifest = await readSnapshotManifest(snapshot);
  const dataIn = path.join(snapshot, SNAPSHOT_DATA_DIR);
  const verified = await verifySnapshotFiles(dataIn, manifest);

  if (!(await isEmptyOrMissing(target, true)) && !options.force) {
    throw new AppError(
      'INVALID_REQUEST',
      `知识库目录 ${target} 不为空，恢复会覆盖其中的全部内容；确认要覆盖请加 --force（建议先用 yingji backup 备份当前内容）。`,
    );
  }
  const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.restore-${suffix}`);
  let inPlace = false;
  try {
    await mkdir(staging, { recursive: true });
  } catch (e) {
    if (!isCannotRename(e)) throw e;
    inPlace = true; // the parent is not writable (e.g. a Docker volume mounted at /app/knowledge)
  }
  if (inPlace) {
    await restoreInPlace(target, verified, suffix);
    return manifest;
  }
  try {
    await writeVerified(staging, verified);
    await inspectKnowledgeFolder(staging); // the restored folder must open before it replaces anything
    if (!(await pathExists(target))) {
      await rename(staging, target);
    } else {
      const old = path.join(path.dirname(target), `.${path.basename(target)}.old-${suffix}`);
      try {
        await rename(target, old);
      } catch (e) {
        if (!isCannotRename(e)) throw e;
        // A mount point cannot be renamed: swap its contents instead.
        await rm(staging, { recursive: true, force: true });
        await restoreInPlace(target, verified, suffix);
        return manifest;
      }
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    }
    await syncDir(path.dirname(target));
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Restore for a folder that cannot be renamed: stage inside it, move the old entries aside, CURRENT last. */
async function restoreInPlace(target: string, verified: Map<string, Buffer>, suffix: string): Promise<void> {
  const staging = path.join(target, `.restore-${suffix}`);
  const old = path.join(target, `.restore-old-${suffix}`);
  await mkdir(staging, { recursive: true });
  try {
    await writeVerified(staging, verified);
    await inspectKnowledgeFolder(staging);
    await mkdir(old, { recursive: true });
    for (const name of await readdir(target)) {
      if (name === path.basename(staging) || name === path.basename(old) || name === 'lost+found') continue;
      await rename(path.join(target, name), path.join(old, name));
    }
    const names = (await readdir(staging)).sort((a, b) => Number(a === CURRENT_FILE) - Number(b === CURRENT_FILE));
    for (const name of names) await rename(path.join(staging, name), path.join(target, name));
    await syncDir(target);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Reads and checks `yingji-backup.json`. @throws AppError INVALID_REQUEST, INDEX_FORMAT_UNSUPPORTED */
export async function readSnapshotManifest(snapshotDir: string): Promise<SnapshotManifest> {
  const file = path.join(snapshotDir, SNAPSHOT_MANIFEST);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as SnapshotManifest;
  } catch (e) {
    throw new AppError('INVALID_REQUEST', `${snapshotDir} 不是 yingji 备份（缺少或无法读取 ${SNAPSHOT_MANIFEST}）。`, { cause: e });
  }
  if (manifest?.kind !== 'yingji-backup' || typeof manifest.formatVersion !== 'number') {
    throw new AppError('INVALID_REQUEST', `${file} 不是 yingji 备份清单。`);
  }
  if (manifest.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT_UNSUPPORTED',
      `备份格式版本为 ${manifest.formatVersion}，本程序只能恢复版本 ${SNAPSHOT_FORMAT_VERSION} 的备份。请用生成该备份的 yingji 版本恢复，或升级 yingji。`,
    );
  }
  if (manifest.knowledgeFormatVersion !== KNOWLEDGE_FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT_UNSUPPORTED',
      `备份中的知识库格式版本为 ${manifest.knowledgeFormatVersion}，本程序只支持版本 ${KNOWLEDGE_FORMAT_VERSION}。请用相应版本的 yingji 恢复后重新导入文档。`,
    );
  }
  if (!manifest.files || typeof manifest.files !== 'object' || !manifest.files[CURRENT_FILE]) {
    throw new AppError('INVALID_REQUEST', `${file} 内容不完整（没有文件清单）。`);
  }
  return manifest;
}

/** Reads every listed file and checks size and sha256. @throws AppError INDEX_CORRUPT naming the first bad file. */
async function verifySnapshotFiles(dataIn: string, manifest: SnapshotManifest): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const [rel, expected] of Object.entries(manifest.files)) {
    const normal = path.posix.normalize(rel);
    if (normal.startsWith('..') || path.isAbsolute(rel) || normal.split('/').includes('..')) {
      throw new AppError('INDEX_CORRUPT', `备份清单中的路径无效：${rel}`);
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dataIn, normal));
    } catch (e) {
      throw new AppError('INDEX_CORRUPT', `备份已损坏：缺少文件 ${rel}。请换用其他备份。`, { cause: e });
    }
    if (bytes.byteLength !== expected.bytes || sha256Hex(bytes) !== expected.sha256) {
      throw new AppError('INDEX_CORRUPT', `备份已损坏：文件 ${rel} 的校验和不符（sha256）。请换用其他备份。`);
    }
    out.set(normal, bytes);
  }
  return out;
}

async function writeVerified(root: string, files: Map<string, Buffer>): Promise<void> {
  const dirs = new Set<string>([root]);
  for (const [rel, bytes] of files) {
    const out = path.join(root, rel);
    await mkdir(path.dirname(out), { recursive: true });
    dirs.add(path.dirname(out));
    await writeFileDurably(out, bytes);
  }
  for (const dir of dirs) await syncDir(dir);
}

function digest(bytes: Buffer): FileDigest {
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** True when `dir` is missing or has no entries (with `ignorePlaceholders`, a lone .gitkeep / lost+found counts as empty). */
async function isEmptyOrMissing(dir: string, ignorePlaceholders = false): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') return false;
    throw e;
  }
  return names.filter((n) => !(ignorePlaceholders && (n === '.gitkeep' || n === 'lost+found'))).length === 0;
}

function isCannotRename(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'EBUSY' || code === 'EXDEV' || code === 'EACCES' || code === 'EPERM';
}
