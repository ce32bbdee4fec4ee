/**
 * Where multer puts uploaded files: streamed to uploads-tmp/ under a random name, never held whole in memory.
 *
 * Unlike multer.diskStorage, the write stream and busboy's file stream buffer up to UPLOAD_BUFFER_BYTES. With
 * their 16 KB defaults every 64 KB read from the socket waits for one fs write to come back through the event
 * loop before the next read; on a loop busy with 150 clients (≈50 ms a turn) a 49 MB upload then took 50 s to
 * arrive, one chunk per turn. With 1 MB buffered per stream, one turn moves a megabyte or two.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';

/** Bytes each upload may have in flight between the socket and the disk (per stream: busboy's, its file stream and the disk write). */
export const UPLOAD_BUFFER_BYTES = 1024 * 1024;

/** Suffix of the temporary upload files (ingest-jobs removes those no pending job names). */
const UPLOAD_SUFFIX = '.upload';

/** A multer storage engine writing each file to `dir` under a random name (no client name on disk: no traversal). */
export function createUploadStorage(dir: string): StorageEngine {
  mkdirSync(dir, { recursive: true });
  const open = new WeakMap<Express.Multer.File, WriteStream>();
  return {
    _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void) {
      const target = path.join(dir, `${randomUUID()}${UPLOAD_SUFFIX}`);
      const out = createWriteStream(target, { highWaterMark: UPLOAD_BUFFER_BYTES, mode: 0o600 });
      open.set(file, out);
      file.path = target;
      pipeline(file.stream, out, (error) => {
        open.delete(file);
        if (error) {
          // Nothing half-written stays behind (a full disk, a cut connection).
          void unlink(target).catch(() => undefined);
          callback(error);
          return;
        }
        callback(null, { destination: dir, filename: path.basename(target), path: target, size: out.bytesWritten });
      });
    },
    _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void) {
      const target = file.path;
      const out = open.get(file);
      const remove = () => {
        unlink(target).then(
          () => callback(null),
          (e: NodeJS.ErrnoException) => callback(e.code === 'ENOENT' ? null : e),
        );
      };
      if (!out || out.closed) return remove();
      out.once('close', remove);
      out.destroy();
    },
  };
}
