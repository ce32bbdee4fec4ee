/** Documents: reading is for every role (an officer opens the article a source card cites); changing is for admins. */
import { rm } from 'node:fs/promises';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { AppError, toAppError } from '../../core/errors.js';
import type { SourceDoc } from '../../core/types.js';
import { resolveOriginal } from '../../index/originals-store.js';
import { documentIdFor, removeDocument } from '../../ingest/pipeline.js';
import type { IngestInput } from '../../ingest/types.js';
import { nextVersionSourceKey } from '../../versions/families.js';
import type { ServerContext } from '../context.js';
import type { DocumentDetail, UploadAccepted, WireError } from '../events.js';
import { createUploadStorage, UPLOAD_BUFFER_BYTES } from '../upload-storage.js';
import { checkUploadType, parseMetadata, safeFileName } from '../uploads.js';
import { currentUser, requireRole } from './auth-middleware.js';

/** Files per upload request. */
const MAX_FILES_PER_UPLOAD = 50;

const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export function documentRoutes(ctx: ServerContext): Router {
  const router = Router();
  const { kb } = ctx.services;
  // multer 2 passes these to busboy (@types/multer does not know them yet): see upload-storage.ts for why.
  const options: multer.Options & { highWaterMark: number; fileHwm: number } = {
    storage: createUploadStorage(ctx.uploadDir),
    limits: { fileSize: ctx.services.config.server.maxUploadBytes, files: MAX_FILES_PER_UPLOAD, fields: 20 },
    defParamCharset: 'utf8',
    highWaterMark: UPLOAD_BUFFER_BYTES,
    fileHwm: UPLOAD_BUFFER_BYTES,
  };
  const upload = multer(options);
  const manyFiles = parseForm(upload.array('files', MAX_FILES_PER_UPLOAD));
  const singleFile = parseForm(upload.single('file'));
  const admin = requireRole('admin');

  router.get('/documents', (_req, res) => {
    res.json(kb.listDocuments());
  });

  router.get('/documents/:id', (req, res) => {
    const doc = requireDoc(ctx, req.params.id as string);
    const body: DocumentDetail = {
      doc,
      chunks: kb.getChunks(doc.id),
      fileUrl: doc.storedFile ? `/api/documents/${encodeURIComponent(doc.id)}/file` : null,
    };
    res.json(body);
  });

  router.get('/documents/:id/file', (req, res) => {
    const doc = requireDoc(ctx, req.params.id as string);
    const file = resolveOriginal(ctx.services.kb.dir, doc);
    const ext = doc.format.toLowerCase();
    // Never serve uploads as HTML: an uploaded page must not run script in our origin.
    res.setHeader('Content-Type', CONTENT_TYPES[ext] ?? 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    const disposition = ext === 'pdf' || ext === 'md' || ext === 'txt' ? 'inline' : 'attachment';
    res.setHeader('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(doc.source)}`);
    res.sendFile(file);
  });

  router.post('/documents', admin, manyFiles, async (req, res) => {
    const user = currentUser(res);
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    const cleanup = files.map((f) => f.path);
    try {
      if (files.length === 0) throw new AppError('INVALID_REQUEST', '请选择要上传的文件（表单字段 files）。');
      const metadata = parseMetadata(bodyField(req, 'metadata'));
      const accepted: IngestInput[] = [];
      const rejected: { file: string; error: WireError }[] = [];
      for (const f of files) {
        const name = safeFileName(f.originalname);
        try {
          await checkUploadType(name, f.path, f.size);
          accepted.push({ sourceKey: `upload:${name}`, fileName: name, path: f.path, metadata });
        } catch (e) {
          rejected.push({ file: name, error: toAppError(e).toJSON() });
        }
      }
      await ctx.audit.record('upload', user.username, {
        files: accepted.map((a) => a.fileName),
        rejected: rejected.map((r) => ({ file: r.file, error: r.error.code })),
      });
      if (accepted.length === 0) {
        const first = rejected[0].error;
        throw new AppError(first.code as AppError['code'], first.message);
      }
      // A copy: the job owns the temporary files now and deletes them when it ends (emptying the array it
      // was given, as before, left every upload in uploads-tmp/ for good).
      const job = await ctx.jobs.enqueue({ kind: 'upload', user: user.username, inputs: accepted, cleanup: [...cleanup] });
      cleanup.length = 0;
      const body: UploadAccepted & { rejected: typeof rejected } = {
        jobId: job.jobId,
        files: accepted.map((a) => ({ file: a.fileName, storedName: a.fileName })),
        rejected,
      };
      res.status(202).json(body);
    } finally {
      await Promise.all(cleanup.map((f) => rm(f, { force: true })));
    }
  });

  router.put('/documents/:id', admin, singleFile, async (req, res) => {
    const user = currentUser(res);
    const file = req.file;
    const cleanup = file ? [file.path] : [];
    try {
      const doc = requireDoc(ctx, req.params.id as string);
      const metadata = parseMetadata(req.is('multipart/form-data') ? bodyField(req, 'metadata') : req.body);
      let input: IngestInput;
      let docId = doc.id;
      if (file) {
        const name = safeFileName(file.originalname);
        await checkUploadType(name, file.path, file.size);
        // 替换 keeps history: the file becomes a new version of the same text (its own document, same title, so
        // the same family); the old version stays, superseded once the new one is in force, its original downloadable.
        const sourceKey = nextVersionSourceKey(doc.sourceKey);
        docId = documentIdFor(sourceKey);
        input = { sourceKey, fileName: name, path: file.path, metadata: { title: doc.title, ...metadata } };
        await ctx.audit.record('replace', user.username, { docId: doc.id, title: doc.title, from: doc.source, to: name });
      } else {
        if (!metadata) throw new AppError('INVALID_REQUEST', '请上传新版本文件（字段 file）或提供要修改的 metadata。');
        input = { sourceKey: doc.sourceKey, fileName: doc.source, path: resolveOriginal(ctx.services.kb.dir, doc), metadata };
        await ctx.audit.record('metadata', user.username, { docId: doc.id, title: doc.title, metadata });
      }
      const job = await ctx.jobs.enqueue({ kind: file ? 'replace' : 'metadata', user: user.username, inputs: [input], cleanup: [...cleanup] });
      cleanup.length = 0;
      res.status(202).json({ jobId: job.jobId, docId, ...(docId !== doc.id ? { previousDocId: doc.id } : {}) });
    } finally {
      await Promise.all(cleanup.map((f) => rm(f, { force: true })));
    }
  });

  router.delete('/documents/:id', admin, async (req, res) => {
    const user = currentUser(res);
    const doc = await removeDocument(kb, req.params.id as string);
    await ctx.audit.record('delete', user.username, { docId: doc.id, title: doc.title, source: doc.source });
    res.json({ ok: true, docId: doc.id });
  });

  // Re-import: parse every stored original again (new parser or chunker). Not to be confused with
  // `yingji reindex`, which re-embeds without parsing. /reindex is the old name, kept for older UIs.
  const reimport = (kind: 'reimport' | 'reindex') => async (_req: Request, res: Response) => {
    const user = currentUser(res);
    const docs = kb.listDocuments();
    const inputs: IngestInput[] = [];
    const skipped: string[] = [];
    for (const doc of docs) {
      if (!doc.storedFile) {
        skipped.push(doc.source);
        continue;
      }
      inputs.push({ sourceKey: doc.sourceKey, fileName: doc.source, path: resolveOriginal(ctx.services.kb.dir, doc) });
    }
    const job = await ctx.jobs.enqueue({ kind, user: user.username, inputs, force: true });
    await ctx.audit.record('reimport', user.username, { jobId: job.jobId, documents: inputs.length, skipped });
    res.status(202).json({ jobId: job.jobId, documents: inputs.length, skipped });
  };
  router.post('/reimport', admin, reimport('reimport'));
  router.post('/reindex', admin, reimport('reindex'));

  router.get('/jobs', admin, (_req, res) => {
    res.json(ctx.jobs.list());
  });

  return router;
}

function requireDoc(ctx: ServerContext, id: string): SourceDoc {
  const doc = ctx.services.kb.getDocument(id);
  if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', `没有找到编号为 ${id} 的文档，它可能已被删除。`);
  return doc;
}

/**
 * Multer, with busboy's parse errors ("Malformed part header" for a NUL in a file name, a truncated form)
 * turned into 400: they are the client's malformed request. File-system errors (a full disk) pass unchanged.
 */
function parseForm(middleware: RequestHandler): RequestHandler {
  return (req, res, next) => {
    void middleware(req, res, (err?: unknown) => {
      if (!err || err instanceof multer.MulterError || err instanceof AppError) return next(err);
      if (typeof (err as { code?: unknown }).code === 'string') return next(err);
      next(
        new AppError('INVALID_REQUEST', '上传的表单格式有误（例如文件名中含有控制字符，或表单不完整），请检查文件名后重新上传。', { cause: err }),
      );
    });
  };
}

function bodyField(req: Request, name: string): unknown {
  return (req.body as Record<string, unknown> | undefined)?.[name];
}
