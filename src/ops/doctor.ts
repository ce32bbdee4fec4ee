/**
 * `yingji doctor`: checks what a deployment needs, each problem with its fix in one line (Chinese).
 * Status policy: `fail` is something that stops the product from working (exit 1); `warn` is a degraded
 * but working product — e.g. Ollama unreachable means 离线检索模式, which still answers (exit 0, or 1 with --strict).
 */
import { constants } from 'node:fs';
import { access, rm, statfs, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { toAppError } from '../core/errors.js';
import type { ChatModel, ModelHealth, ModelServerInfo } from '../llm/chat-model.js';
import type { Embedder } from '../llm/embedder.js';
import { inspectKnowledgeFolder, type KnowledgeInspection } from './knowledge-check.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: 'node' | 'knowledge-writable' | 'knowledge-consistent' | 'embedder' | 'ollama' | 'ollama-server' | 'chat-model' | 'embed-model' | 'ocr' | 'disk';
  title: string;
  status: CheckStatus;
  detail: string;
  /** One line saying what to do; present for warn and fail. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  failures: number;
  warnings: number;
  dataDir: string;
  checks: DoctorCheck[];
}

export interface DoctorDeps {
  config: Readonly<Config>;
  /** The embedder the configuration asks for (not called, only its id and dimensions are read). */
  embedder: Embedder;
  /** Probes Ollama (GET /api/tags). */
  chatModel: Pick<ChatModel, 'health' | 'servers'>;
  /** Names missing OCR programs (src/ingest/parsers/ocr.ts findMissingOcrPrograms). */
  findMissingOcrPrograms: () => Promise<string[]>;
  ocrInstallHint: string;
  nodeVersion?: string;
}

export const MIN_NODE_VERSION = '20.19.0';
/** Below this much free space on the knowledge folder's disk, warn: one re-index of a large corpus needs about this much. */
export const MIN_FREE_DISK_BYTES = 2 * 1024 ** 3;
/** Below this, writes (a new generation) are likely to fail outright. */
export const CRITICAL_FREE_DISK_BYTES = 200 * 1024 ** 2;

/** Runs every check; never throws (a check that crashes reports itself as failed). */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { config } = deps;
  const checks: DoctorCheck[] = [];
  const guard = async (id: DoctorCheck['id'], title: string, run: () => Promise<DoctorCheck | DoctorCheck[]>) => {
    try {
      const result = await run();
      checks.push(...(Array.isArray(result) ? result : [result]));
    } catch (e) {
      const err = toAppError(e);
      checks.push({ id, title, status: 'fail', detail: `检查出错：[${err.code}] ${e instanceof Error ? e.message : String(e)}`, fix: '查看上面的错误信息；如无法解决请联系管理员' });
    }
  };

  await guard('node', 'Node.js 版本', async () => checkNode(deps.nodeVersion ?? process.versions.node));
  await guard('knowledge-writable', '知识库目录可写', () => checkWritable(config.dataDir));
  let inspection: KnowledgeInspection | undefined;
  await guard('knowledge-consistent', '知识库完整性', async () => {
    const r = await checkConsistent(config.dataDir);
    inspection = r.inspection;
    return r.check;
  });
  await guard('embedder', '索引向量化方式与配置一致', async () => checkEmbedder(config, deps.embedder, inspection));
  await guard('ollama', 'Ollama 服务', async () => {
    const health = await deps.chatModel.health();
    return [...checkOllama(config, health), ...checkServers(config, deps.chatModel.servers?.() ?? [])];
  });
  await guard('ocr', '扫描件 OCR 程序', async () => checkOcr(config, config.ocr === 'off' ? [] : await deps.findMissingOcrPrograms(), deps.ocrInstallHint));
  await guard('disk', '磁盘剩余空间', () => checkDisk(config.dataDir));

  const failures = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  return { ok: failures === 0, failures, warnings, dataDir: config.dataDir, checks };
}

function checkNode(version: string): DoctorCheck {
  const ok = compareVersions(version, MIN_NODE_VERSION) >= 0;
  return ok
    ? { id: 'node', title: 'Node.js 版本', status: 'ok', detail: `v${version}` }
    : {
        id: 'node',
        title: 'Node.js 版本',
        status: 'fail',
        detail: `v${version} 低于要求的 v${MIN_NODE_VERSION}`,
        fix: '安装 Node.js 20.19 或更高版本（Debian：使用 NodeSource 的 node 20 软件包，或直接使用本项目的 Docker 镜像）',
      };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

async function checkWritable(dataDir: string): Promise<DoctorCheck> {
  const base = { id: 'knowledge-writable' as const, title: '知识库目录可写' };
  const exists = await stat(dataDir).then((s) => s.isDirectory(), () => undefined);
  if (exists === false) {
    return { ...base, status: 'fail', detail: `${dataDir} 不是目录`, fix: `把 YINGJI_DATA_DIR 指向一个目录，或删除同名文件 ${dataDir}` };
  }
  if (exists === undefined) {
    const parent = await nearestExisting(dataDir);
    try {
      await access(parent, constants.W_OK);
      return { ...base, status: 'ok', detail: `${dataDir} 尚不存在，首次启动时会创建（${parent} 可写）` };
    } catch {
      return { ...base, status: 'fail', detail: `${dataDir} 不存在，且 ${parent} 不可写`, fix: `创建目录并授权：mkdir -p ${dataDir} && chown $(id -u) ${dataDir}` };
    }
  }
  const probe = path.join(dataDir, `.doctor-write-test-${process.pid}`);
  try {
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { ...base, status: 'ok', detail: dataDir };
  } catch (e) {
    return {
      ...base,
      status: 'fail',
      detail: `无法在 ${dataDir} 中写入文件（${(e as NodeJS.ErrnoException).code ?? String(e)}）`,
      fix: `授予运行 yingji 的用户写权限：chown -R $(id -u) ${dataDir}（Docker 中容器以 node 用户运行）`,
    };
  }
}

async function checkConsistent(dataDir: string): Promise<{ check: DoctorCheck; inspection?: KnowledgeInspection }> {
  const base = { id: 'knowledge-consistent' as const, title: '知识库完整性' };
  try {
    const inspection = await inspectKnowledgeFolder(dataDir);
    if (!inspection) {
      return {
        check: { ...base, status: 'warn', detail: '还没有知识库', fix: '运行 yingji serve（首次启动导入示例文档）或 yingji ingest <文件夹> 导入文档' },
      };
    }
    const { manifest } = inspection;
    const detail =
      `${inspection.generationName}：${inspection.documents} 份文档，${inspection.chunks} 个段落，` +
      `向量化 ${manifest.embedder.id}（${manifest.embedder.dimensions} 维），格式版本 ${manifest.formatVersion}`;
    if (inspection.missingOriginals.length) {
      return {
        inspection,
        check: {
          ...base,
          status: 'warn',
          detail: `${detail}；缺少 ${inspection.missingOriginals.length} 个原件（如 ${inspection.missingOriginals[0]}），检索不受影响，但无法下载原文`,
          fix: '从备份恢复（yingji restore），或重新导入这些文档（yingji ingest --force）',
        },
      };
    }
    return { inspection, check: { ...base, status: 'ok', detail } };
  } catch (e) {
    const err = toAppError(e);
    const fix =
      err.code === 'INDEX_FORMAT_UNSUPPORTED'
        ? '升级 yingji 到能读取该格式的版本，或从同版本的备份恢复'
        : '从备份恢复（yingji restore 备份目录 --force），或运行 yingji reindex；仍失败则删除 index/ 与 CURRENT 后重新导入';
    return { check: { ...base, status: 'fail', detail: `[${err.code}] ${err.message}`, fix } };
  }
}

function checkEmbedder(config: Readonly<Config>, embedder: Embedder, inspection: KnowledgeInspection | undefined): DoctorCheck {
  const base = { id: 'embedder' as const, title: '索引向量化方式与配置一致' };
  const configured = `${embedder.id}${embedder.dimensions ? `（${embedder.dimensions} 维）` : ''}`;
  if (!inspection) return { ...base, status: 'skip', detail: `无可用索引，未检查；当前配置 EMBEDDER=${config.embedder} → ${configured}` };
  const stored = inspection.manifest.embedder;
  // A model missing from the known-dimensions table reports 0 until Ollama answered: compare ids only then.
  const same = stored.id === embedder.id && (embedder.dimensions === 0 || stored.dimensions === embedder.dimensions);
  if (same) return { ...base, status: 'ok', detail: `${stored.id}（${stored.dimensions} 维）` };
  return {
    ...base,
    status: 'fail',
    detail: `索引用 ${stored.id}（${stored.dimensions} 维）建立，配置为 ${configured}；命令会报 EMBEDDER_MISMATCH`,
    fix: `运行 yingji reindex 用当前配置重建索引（完成前旧索引照常可用），或把 EMBEDDER 改回原来的设置`,
  };
}

function checkOllama(config: Readonly<Config>, health: ModelHealth): DoctorCheck[] {
  const { baseUrl, chatModel, embedModel } = config.ollama;
  const needsEmbed = config.embedder === 'ollama';
  if (!health.reachable) {
    return [
      {
        id: 'ollama',
        title: 'Ollama 服务',
        // Without Ollama the builtin embedder still indexes and answers extractively; an Ollama embedder cannot.
        status: needsEmbed ? 'fail' : 'warn',
        detail: `无法连接 ${baseUrl} → ${needsEmbed ? 'EMBEDDER=ollama 时无法导入和检索' : '离线检索模式（摘录条文作答）'}`,
        fix: `启动 Ollama（docker compose up -d ollama，或 ollama serve），并确认 OLLAMA_BASE_URL=${baseUrl} 正确`,
      },
      { id: 'chat-model', title: `对话模型 ${chatModel}`, status: 'skip', detail: 'Ollama 不可达，未检查' },
      { id: 'embed-model', title: `向量模型 ${embedModel}`, status: 'skip', detail: needsEmbed ? 'Ollama 不可达，未检查' : 'EMBEDDER=builtin，不需要向量模型' },
    ];
  }
  const installed = health.models.length ? health.models.join('，') : '无';
  const checks: DoctorCheck[] = [{ id: 'ollama', title: 'Ollama 服务', status: 'ok', detail: `${baseUrl}，已安装模型：${installed}` }];
  checks.push(
    health.chatModelPresent
      ? { id: 'chat-model', title: `对话模型 ${chatModel}`, status: 'ok', detail: '已安装' }
      : {
          id: 'chat-model',
          title: `对话模型 ${chatModel}`,
          status: 'warn',
          detail: '未安装 → 离线检索模式（摘录条文作答）',
          fix: `联网时运行 ollama pull ${chatModel}；离线时用 GGUF 文件导入：ollama create ${chatModel} -f Modelfile（见 README“离线安装模型”）`,
        },
  );
  if (!needsEmbed) {
    checks.push({ id: 'embed-model', title: `向量模型 ${embedModel}`, status: 'skip', detail: 'EMBEDDER=builtin，不需要向量模型（仅 EMBEDDER=ollama 时需要）' });
  } else {
    checks.push(
      health.embedModelPresent
        ? { id: 'embed-model', title: `向量模型 ${embedModel}`, status: 'ok', detail: '已安装（EMBEDDER=ollama）' }
        : {
            id: 'embed-model',
            title: `向量模型 ${embedModel}`,
            status: 'fail',
            detail: '未安装，而 EMBEDDER=ollama 需要它才能导入和检索',
            fix: `运行 ollama pull ${embedModel}（离线时从联网机器复制模型，见 README），或改回 EMBEDDER=builtin 后运行 yingji reindex`,
          },
    );
  }
  return checks;
}

/** With several Ollama servers: one line each, with its state and models (a down one is a warning, not a failure). */
function checkServers(config: Readonly<Config>, servers: ModelServerInfo[]): DoctorCheck[] {
  return servers.map((s) => {
    const title = `Ollama 服务器 ${s.url}`;
    const models = s.models.length ? s.models.join('，') : '无';
    if (s.state === 'up') return { id: 'ollama-server', title, status: 'ok', detail: `可用，已安装模型：${models}` };
    return {
      id: 'ollama-server',
      title,
      status: 'warn',
      detail: `${s.state === 'down' ? '不可用' : '尚未检测'}${s.reason ? `：${s.reason}` : ''}；问题改由其他服务器回答`,
      fix: `检查该服务器上的 Ollama（ollama serve，ollama pull ${config.ollama.chatModel}），或从 OLLAMA_BASE_URL 中去掉它`,
    };
  });
}

function checkOcr(config: Readonly<Config>, missing: string[], hint: string): DoctorCheck {
  const base = { id: 'ocr' as const, title: '扫描件 OCR 程序' };
  if (config.ocr === 'off') return { ...base, status: 'skip', detail: 'OCR=off，扫描件将标记为“需OCR”' };
  if (!missing.length) return { ...base, status: 'ok', detail: 'pdftoppm、tesseract（chi_sim）可用' };
  return {
    ...base,
    status: 'warn',
    detail: `缺少 ${missing.join('、')} → 扫描版 PDF 无法识别文字，会标记为“需OCR”`,
    fix: `安装：${hint}（Docker 镜像已包含）`,
  };
}

async function checkDisk(dataDir: string): Promise<DoctorCheck> {
  const base = { id: 'disk' as const, title: '磁盘剩余空间' };
  const where = await nearestExisting(dataDir);
  const s = await statfs(where);
  const free = Number(s.bavail) * Number(s.bsize);
  const detail = `${formatBytes(free)} 可用（${where}）`;
  if (free < CRITICAL_FREE_DISK_BYTES) {
    return { ...base, status: 'fail', detail, fix: '清理磁盘或把 YINGJI_DATA_DIR 移到更大的磁盘；空间不足时导入和重建索引会失败' };
  }
  if (free < MIN_FREE_DISK_BYTES) {
    return { ...base, status: 'warn', detail: `${detail}，低于 ${formatBytes(MIN_FREE_DISK_BYTES)}`, fix: '清理磁盘或把 YINGJI_DATA_DIR 移到更大的磁盘（重建索引需要额外一份索引的空间）' };
  }
  return { ...base, status: 'ok', detail };
}

async function nearestExisting(p: string): Promise<string> {
  let dir = path.resolve(p);
  for (;;) {
    if (await stat(dir).then(() => true, () => false)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(0)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** Human-readable report: one line per check, the fix on the next line. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`yingji 体检（知识库目录 ${report.dataDir}）`];
  for (const c of report.checks) {
    lines.push(`  ${MARK[c.status]} ${c.title}：${c.detail}`);
    if (c.fix && (c.status === 'warn' || c.status === 'fail')) lines.push(`      修复：${c.fix}`);
  }
  lines.push(
    report.failures
      ? `结论：${report.failures} 项故障，${report.warnings} 项警告 — 请按“修复”一行处理故障。`
      : report.warnings
        ? `结论：可以运行，${report.warnings} 项警告（功能受限，见上）。`
        : '结论：一切正常。',
  );
  return lines.join('\n') + '\n';
}

