/** Commands that manage and query the knowledge base: ingest, search, docs, remove, reindex, stats. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '../core/errors.js';
import type { RetrievalResult } from '../retrieval/types.js';
import { collectInputs, ingestInputs, removeDocument } from '../ingest/pipeline.js';
import type { IngestProgress } from '../ingest/types.js';
import { rebuildKnowledgeBase } from '../index/open.js';
import { createEmbedder } from '../main.js';
import { toSearchHitJson } from '../retrieval/locator.js';
import type { CliContext } from './context.js';
import { computeVersions, STATUS_LABEL } from '../versions/families.js';

export function registerKnowledgeCommands(program: Command, ctx: CliContext): void {
  program
    .command('ingest')
    .description('导入文档或文件夹（PDF、DOCX、Markdown、TXT、HTML），未变化的文件自动跳过')
    .argument('<paths...>', '文件或文件夹')
    .option('--prune', '删除知识库中源文件已不存在的文档（仅限所给文件夹内）')
    .option('--force', '即使文件未变化也重新导入')
    .action(async (paths: string[], opts: { prune?: boolean; force?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        const inputs = await collectInputs(paths);
        const render = createProgressRenderer(ctx.err);
        // OCR programs run in their own process group, out of reach of a terminal's Ctrl-C: stop them through
        // the pipeline's signal, keep what was committed, and exit. A second signal kills as usual.
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const report = await ingestInputs({ kb: services.kb, ocr: config.ocr, limits: config.ingest }, inputs, {
          signal: stop.signal,
          onProgress: render,
          pruneRoots: opts.prune ? paths : undefined,
          force: opts.force,
        });
        const count = (s: string) => report.outcomes.filter((o) => o.status === s).length;
        ctx.out.write(
          `完成：新增 ${count('added')}，更新 ${count('replaced')}，未变化 ${count('unchanged')}，` +
            `删除 ${count('removed')}，需OCR ${count('needs_ocr')}，失败 ${count('failed')}；` +
            `共 ${services.kb.chunkCount()} 个段落，用时 ${(report.elapsedMs / 1000).toFixed(1)} 秒\n`,
        );
        for (const o of report.outcomes) {
          if (o.error) ctx.out.write(`  ✗ ${o.file}  [${o.error.code}] ${o.error.message}\n`);
          if (o.notice) ctx.out.write(`  ! ${o.file}  ${o.notice}\n`);
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.exitCode = stop.signal.aborted ? 130 : report.failed > 0 ? 2 : 0;
      } finally {
        await services.close();
      }
    });

  program
    .command('search')
    .description('检索知识库，返回最相关的条文段落')
    .argument('[query]', '检索问题')
    .option('--k <n>', '返回条数', '5')
    .option('--json', '输出 JSON')
    .option('--batch <file>', '批量检索：文件每行一个问题，每行输出一个 JSON 对象')
    .action(async (query: string | undefined, opts: { k: string; json?: boolean; batch?: string }, cmd: Command) => {
      const k = parsePositiveInt(opts.k, '--k');
      const queries = opts.batch ? (await readBatch(opts.batch)) : query ? [query] : [];
      if (!queries.length) throw new AppError('INVALID_REQUEST', '请给出检索问题，例如：yingji search "有限空间作业发生中毒怎么处置"');
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        if (!opts.json && !opts.batch && services.kb.listDocuments().length === 0) {
          ctx.out.write(`知识库（${config.dataDir}）为空。用 yingji ingest <文件或文件夹> 导入文档后再检索。\n`);
          return;
        }
        for (const q of queries) {
          const result = await services.retriever.retrieve(q, { k });
          if (opts.json || opts.batch) {
            const line = { query: q, tookMs: round1(result.tookMs), basis: result.basis, ...(result.basisNote ? { basisNote: result.basisNote } : {}), hits: result.hits.map(toSearchHitJson) };
            ctx.out.write(JSON.stringify(line) + '\n');
          } else {
            ctx.out.write(formatHits(q, result));
          }
        }
      } finally {
        await services.close();
      }
    });

  program
    .command('docs')
    .description('列出知识库中的文档')
    .option('--json', '输出 JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const services = await ctx.openServices(ctx.loadConfig(cmd.optsWithGlobals()));
      try {
        const all = services.kb.listDocuments();
        const versions = computeVersions(all);
        // `status` is the version status the issue asks for; whether the file could be read moved to `indexStatus`.
        const docs = all.map((d) => {
          const v = versions.get(d.id)!;
          return {
            id: d.id,
            title: d.title,
            type: d.docType,
            source: d.source,
            chunks: d.chunkCount,
            indexStatus: d.status,
            error: d.error ?? null,
            issuedDate: d.issuedDate ?? null,
            effectiveDate: d.effectiveDate ?? null,
            pageCount: d.pageCount ?? null,
            notice: d.notice ?? null,
            family: v.family,
            version: v.version,
            status: v.status,
            supersededBy: v.supersededBy,
          };
        });
        if (opts.json) {
          ctx.out.write(JSON.stringify(docs, null, 2) + '\n');
          return;
        }
        if (!docs.length) ctx.out.write('知识库为空。用 yingji ingest <文件或文件夹> 导入文档。\n');
        for (const d of docs) {
          const status = d.indexStatus === 'indexed' ? '已索引' : d.indexStatus === 'needs_ocr' ? '需OCR' : '失败';
          const version = `${STATUS_LABEL[d.status]}${d.version ? `（${d.version}）` : ''}`;
          ctx.out.write(`${d.id}  ${status}  ${version}  ${d.type}  ${d.chunks} 段  ${d.title}  (${d.source})${d.error ? `  [${d.error.code}] ${d.error.message}` : ''}${d.notice ? `  ！${d.notice}` : ''}\n`);
        }
        const multi = [...versions.families().values()].filter((f) => f.length > 1);
        if (multi.length) {
          const superseded = docs.filter((d) => d.status === 'superseded').length;
          ctx.out.write(`多版本文件 ${multi.length} 组，其中已被修订的旧版本 ${superseded} 份\n`);
        }
      } finally {
        await services.close();
      }
    });

  program
    .command('remove')
    .description('从知识库删除一个文档及其全部段落')
    .argument('<doc>', '文档编号（见 yingji docs）')
    .action(async (docId: string, _opts: unknown, cmd: Command) => {
      const services = await ctx.openServices(ctx.loadConfig(cmd.optsWithGlobals()));
      try {
        const doc = await removeDocument(services.kb, docId);
        ctx.out.write(`已删除：${doc.title}（${doc.source}，${doc.chunkCount} 段）\n`);
      } finally {
        await services.close();
      }
    });

  program
    .command('reindex')
    .description('用当前配置的向量化方式重建索引（切换 EMBEDDER 后运行）；完成前旧索引照常可用')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const started = Date.now();
      const tty = Boolean(ctx.err.isTTY);
      let lastDecile = -1;
      const result = await rebuildKnowledgeBase({
        dir: config.dataDir,
        embedder: await createEmbedder(config),
        onProgress: (done: number, total: number) => {
          const secs = ((Date.now() - started) / 1000).toFixed(1);
          const decile = total ? Math.floor((done / total) * 10) : 10;
          if (tty) ctx.err.write(`\r\x1b[K重建索引 ${done}/${total} 段 · ${secs}s${done === total ? '\n' : ''}`);
          else if (decile !== lastDecile || done === total) ctx.err.write(`重建索引 ${done}/${total} 段 · ${secs}s\n`);
          lastDecile = decile;
        },
      });
      ctx.out.write(`索引已重建：${result.documents} 份文档，${result.chunks} 个段落，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒\n`);
    });

  program
    .command('stats')
    .description('知识库概况')
    .option('--json', '输出 JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const services = await ctx.openServices(config);
      try {
        const docs = services.kb.listDocuments();
        const byType: Record<string, number> = {};
        const byStatus: Record<string, number> = {};
        for (const d of docs) {
          byType[d.docType] = (byType[d.docType] ?? 0) + 1;
          byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
        }
        const manifest = services.kb.manifest();
        const stats = { dataDir: config.dataDir, documents: docs.length, chunks: services.kb.chunkCount(), byType, byStatus, manifest };
        if (opts.json) ctx.out.write(JSON.stringify(stats, null, 2) + '\n');
        else {
          ctx.out.write(
            `知识库：${config.dataDir}\n文档 ${docs.length} 份，段落 ${stats.chunks} 个\n` +
              `按类型：${Object.entries(byType).map(([k, v]) => `${k} ${v}`).join('，') || '无'}\n` +
              `按状态：${Object.entries(byStatus).map(([k, v]) => `${k} ${v}`).join('，') || '无'}\n` +
              `向量化：${manifest.embedder.id}（${manifest.embedder.dimensions} 维），格式版本 ${manifest.formatVersion}，第 ${manifest.generation} 版\n`,
          );
        }
      } finally {
        await services.close();
      }
    });
}

const BASIS_LINE: Record<RetrievalResult['basis'], string> = {
  solid: '依据：有明确依据',
  partial: '依据：相关规定未载明所问内容，请核实',
  none: '依据：知识库中没有依据',
};

function formatHits(query: string, { hits, basis, basisNote, tookMs }: RetrievalResult): string {
  const lines = [`检索：${query}（${hits.length} 条，${tookMs.toFixed(1)} 毫秒）\n  ${BASIS_LINE[basis]}${basisNote ? `（${basisNote}）` : ''}`];
  hits.forEach((h, i) => {
    const page = h.chunk.pageStart ? `，第 ${h.chunk.pageStart} 页` : '';
    lines.push(`\n[${i + 1}] ${h.doc.title} › ${h.locator}${page}（相关度 ${h.score.toFixed(2)}）`);
    if (h.version?.formerLabel) lines.push(`    （${h.version.formerLabel}）`);
    if (h.version?.warning) lines.push(`    ⚠ ${h.version.warning}`);
    lines.push(indent(h.chunk.text.length > 300 ? h.chunk.text.slice(0, 300) + '…' : h.chunk.text));
  });
  return lines.join('\n') + '\n\n';
}

function indent(s: string): string {
  return s.split('\n').map((l) => '    ' + l).join('\n');
}

async function readBatch(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  } catch (e) {
    throw new AppError('FILE_NOT_FOUND', `无法读取批量检索文件 ${file}`, { cause: e });
  }
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError('INVALID_REQUEST', `${flag} 必须是正整数，收到：${value}`);
  return n;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A progress bar on a terminal; plain lines otherwise (logs, CI). */
export function createProgressRenderer(stream: NodeJS.WritableStream & { isTTY?: boolean }): (p: IngestProgress) => void {
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  return (p) => {
    const secs = (p.elapsedMs / 1000).toFixed(1);
    if (tty) {
      if (p.phase === 'start') return;
      const width = 24;
      const filled = p.filesTotal ? Math.round((p.filesDone / p.filesTotal) * width) : width;
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const label = p.phase === 'committing' ? '写入索引…' : p.phase === 'done' ? '完成' : (p.file ?? '');
      stream.write(`\r\x1b[K${bar} ${p.filesDone}/${p.filesTotal} 文件 · ${p.chunks} 段 · ${secs}s  ${label.slice(0, 40)}`);
      if (p.phase === 'done') stream.write('\n');
      return;
    }
    if (p.phase === 'file-done' && p.outcome) {
      const o = p.outcome;
      stream.write(`[${p.filesDone}/${p.filesTotal}] ${o.status} ${o.file}${o.chunks ? ` (${o.chunks} 段)` : ''}${o.error ? ` — ${o.error.message}` : ''} · ${secs}s\n`);
    } else if (p.phase === 'file-done' && Date.now() - lastLine > 2000) {
      lastLine = Date.now();
      stream.write(`${p.filesDone}/${p.filesTotal} · ${secs}s\n`);
    } else if (p.phase === 'committing') {
      stream.write(`写入索引… · ${secs}s\n`);
    }
  };
}
