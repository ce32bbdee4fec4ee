/**
 * The only reader of process.env. Every setting is declared once in CONFIG_SPEC (which also generates the
 * README's configuration table), parsed and validated at start-up into a frozen, typed Config.
 */
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { AppError } from './core/errors.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from './core/local-time.js';

type Kind = 'string' | 'int' | 'number' | 'url' | 'urls' | 'enum' | 'bool';

interface Spec {
  env: string;
  kind: Kind;
  default: string;
  description: string;
  values?: readonly string[];
  min?: number;
}

export const CONFIG_SPEC = [
  { env: 'YINGJI_DATA_DIR', kind: 'string', default: './knowledge', description: '知识库目录（文档、索引、用户、审计日志）/ knowledge folder' },
  { env: 'EMBEDDER', kind: 'enum', values: ['builtin', 'ollama'], default: 'builtin', description: '向量化方式：builtin 内置（无需模型）或 ollama / embedder' },
  { env: 'OLLAMA_BASE_URL', kind: 'urls', default: 'http://127.0.0.1:11434', description: 'Ollama 服务地址；多台用逗号分隔，按负载分配并自动避开故障服务器 / Ollama server URL(s), comma-separated' },
  { env: 'CHAT_MODEL', kind: 'string', default: 'deepseek-r1:7b', description: '对话模型 / chat model in Ollama' },
  { env: 'EMBED_MODEL', kind: 'string', default: 'bge-m3', description: '向量模型（EMBEDDER=ollama 时）/ embedding model in Ollama' },
  { env: 'OLLAMA_TIMEOUT_MS', kind: 'int', min: 100, default: '20000', description: '等待模型首个字的最长时间，超时转离线检索模式 / first-token timeout before extractive fallback (ms)' },
  { env: 'OLLAMA_NUM_CTX', kind: 'int', min: 1024, default: '8192', description: '模型上下文长度 num_ctx（token）/ model context size' },
  { env: 'ANSWER_MAX_TOKENS', kind: 'int', min: 64, default: '1024', description: '回答最大长度 num_predict（token）/ answer length limit' },
  { env: 'VECTOR_WEIGHT', kind: 'number', min: 0, default: '', description: '向量通道在检索融合中的权重（关键词通道为 1）；留空时内置向量为 0.15（在开发问题集上测得），ollama 向量为 1（本机无模型、未测得，部署后请用 yingji eval 校准）/ weight of the vector channel in fusion (empty: 0.15 builtin, measured; 1 ollama, not measured here)' },
  { env: 'QUERY_REWRITE_MS', kind: 'int', min: 0, default: '2000', description: '检索结果较弱且模型可用时，把口语问题改写为法规用语再检索一次的时间预算，0 为关闭 / budget for the model rewrite of a weakly answered question into legal terms (ms, 0 = off)' },
  { env: 'DOC2QUERY_BACKGROUND', kind: 'enum', values: ['true', 'false'], default: 'true', description: '模型可用且无人提问时，服务在后台为尚无问题的段落生成口语问题（doc2query）用于检索 / write passage questions in the background while a model is up and idle' },
  { env: 'RETRIEVAL_K', kind: 'int', min: 1, default: '6', description: '每次回答引用的段落数 / passages given to the answer' },
  { env: 'PORT', kind: 'int', min: 0, default: '3000', description: 'Web 服务端口 / HTTP port' },
  { env: 'HOST', kind: 'string', default: '0.0.0.0', description: 'Web 服务监听地址 / HTTP bind address' },
  { env: 'MAX_UPLOAD_MB', kind: 'int', min: 1, default: '50', description: '单个上传文件大小上限（MB）/ upload size limit per file' },
  { env: 'SESSION_SECRET', kind: 'string', default: '', description: '会话 Cookie 签名密钥；留空则自动生成并保存在知识库目录 / cookie signing secret' },
  { env: 'TRUST_PROXY', kind: 'string', default: '', description: '反向代理地址（express trust proxy 写法，如 loopback 或 10.0.0.2）；留空则不信任 X-Forwarded-For / trusted reverse proxies' },
  { env: 'ALLOWED_ORIGINS', kind: 'string', default: '', description: '除本服务地址外允许发起修改请求的网页来源，逗号分隔（如 https://yingji.example.org）/ extra allowed origins' },
  { env: 'YINGJI_ADMIN_PASSWORD', kind: 'string', default: '', description: '首次启动时 admin 账号的密码；留空则生成并打印一次 / first admin password' },
  { env: 'OCR', kind: 'enum', values: ['auto', 'off'], default: 'auto', description: '扫描件 OCR：auto 有 tesseract 时启用，off 关闭 / OCR of scanned PDFs' },
  { env: 'TIME_ZONE', kind: 'string', default: DEFAULT_TIME_ZONE, description: '显示时间所用的时区（IANA 名称）/ time zone for times shown to people' },
  { env: 'INGEST_MAX_FILE_MB', kind: 'int', min: 1, default: '100', description: '命令行导入单个文件的大小上限（MB）/ size limit of a file ingested from disk' },
  { env: 'INGEST_MAX_EXPANDED_MB', kind: 'int', min: 1, default: '50', description: '单个文件解压/解码后的大小上限（MB，DOCX 内的 XML、文本文件本身）/ expanded-size limit per file' },
  { env: 'INGEST_MAX_CHARS', kind: 'int', min: 1000, default: '5000000', description: '单个文档的文字字符数上限 / characters per document' },
  { env: 'INGEST_MAX_BLOCKS', kind: 'int', min: 100, default: '200000', description: '单个文档的段落数上限 / paragraphs per document' },
  { env: 'INGEST_MAX_CHUNKS', kind: 'int', min: 100, default: '20000', description: '单个文档切分后的段落块数上限 / chunks per document' },
  { env: 'OCR_MAX_PAGES', kind: 'int', min: 1, default: '200', description: '扫描件 OCR 的页数上限，超出部分不识别，文档标为部分导入 / pages read by OCR per document' },
  { env: 'LOG_LEVEL', kind: 'enum', values: ['debug', 'info', 'warn', 'error'], default: 'info', description: '日志级别 / log level' },
  { env: 'OLLAMA_EMBED_URL', kind: 'urls', default: '', description: '向量化（EMBEDDER=ollama）所用的 Ollama 地址，逗号分隔；留空则同 OLLAMA_BASE_URL / Ollama URL(s) for embeddings' },
  { env: 'OLLAMA_HEALTH_INTERVAL_MS', kind: 'int', min: 100, default: '10000', description: '多台 Ollama 时后台健康检查间隔；故障服务器的检查间隔逐次加倍，最长 60 秒 / health check interval with several servers (ms)' },
  { env: 'WATCH_DIR', kind: 'string', default: '', description: '监视的文件夹（含子文件夹）：新增或修改的文件自动导入；留空则不监视 / watched folder, ingested automatically' },
  { env: 'WATCH_PRUNE', kind: 'enum', values: ['false', 'true'], default: 'false', description: '监视文件夹中删除的文件是否同时从知识库删除 / remove documents whose file left the watched folder' },
  { env: 'WATCH_SETTLE_MS', kind: 'int', min: 100, default: '3000', description: '文件大小与修改时间保持不变多久后才导入（防止导入尚未复制完的文件）/ quiet time before a changed file is taken (ms)' },
  { env: 'WATCH_POLL_MS', kind: 'int', min: 100, default: '2000', description: '监视文件夹的扫描间隔 / watched folder scan interval (ms)' },
  { env: 'API_TOKEN_REQUESTS_PER_MINUTE', kind: 'int', min: 1, default: '120', description: '每个 API 令牌每分钟最多请求数（/v1 与 /api）/ requests per minute per API token' },
] as const satisfies readonly Spec[];

export interface Config {
  dataDir: string;
  embedder: 'builtin' | 'ollama';
  ollama: {
    /** The first of `baseUrls` (what a single-server setup uses). */
    baseUrl: string;
    /** Every chat server (OLLAMA_BASE_URL, comma-separated); more than one → a pool. Absent = [baseUrl]. */
    baseUrls?: readonly string[];
    /** Servers for embeddings (OLLAMA_EMBED_URL, default the chat servers). Absent = baseUrls. */
    embedUrls?: readonly string[];
    /** Background health check period of a pool; down servers back off from it. */
    healthIntervalMs?: number;
    chatModel: string;
    embedModel: string;
    timeoutMs: number;
    numCtx: number;
    maxAnswerTokens: number;
  };
  /** Weight of the vector channel in fusion (VECTOR_WEIGHT); undefined = the measured default of the embedder. */
  vectorWeight?: number;
  /** Budget for the model's rewrite of a question into legal terms; 0 turns it off. */
  queryRewriteMs: number;
  /** doc2query in the server's background (DOC2QUERY_BACKGROUND). */
  doc2queryBackground: boolean;
  retrievalK: number;
  server: {
    port: number;
    host: string;
    maxUploadBytes: number;
    sessionSecret: string;
    adminPassword: string;
    /** express 'trust proxy' value; '' trusts no proxy (req.ip is the socket's address). */
    trustProxy: string;
    /** Origins besides the server's own host that may send state-changing requests (e.g. behind a proxy). */
    allowedOrigins: readonly string[];
    /** Requests one API token may make per minute before 429. */
    apiTokenRequestsPerMinute: number;
  };
  ocr: 'auto' | 'off';
  /** Bounds on what one ingested file may expand to (src/ingest/limits.ts). */
  ingest: {
    maxFileBytes: number;
    maxExpandedBytes: number;
    maxChars: number;
    maxBlocks: number;
    maxChunks: number;
    ocrMaxPages: number;
  };
  /** The watched folder (WATCH_DIR); dir '' = none. */
  watch: { dir: string; prune: boolean; settleMs: number; pollMs: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** IANA zone for times shown to people (deadlines, report drafts). */
  timeZone: string;
}

type Env = Record<string, string | undefined>;

/**
 * Parses settings from `env` (default: process.env after loading `.env`), with `overrides` (CLI flags) on top.
 * @throws AppError CONFIG_INVALID listing every bad setting and its fix.
 */
export function loadConfig(options: { env?: Env; overrides?: Env; dotenvPath?: string | false } = {}): Readonly<Config> {
  if (!options.env && options.dotenvPath !== false) {
    loadDotenv({ path: options.dotenvPath ?? path.resolve('.env'), quiet: true } as Parameters<typeof loadDotenv>[0]);
  }
  const source: Env = { ...(options.env ?? process.env), ...stripUndefined(options.overrides ?? {}) };
  const problems: string[] = [];
  const raw: Record<string, string | number> = {};
  for (const spec of CONFIG_SPEC as readonly Spec[]) {
    const value = (source[spec.env] ?? '').trim() || spec.default;
    raw[spec.env] = parseValue(spec, value, problems);
  }
  if (!isTimeZone(String(raw.TIME_ZONE))) problems.push(`TIME_ZONE=${raw.TIME_ZONE} 不是有效的时区名称，例如 Asia/Shanghai`);
  if (problems.length) {
    throw new AppError('CONFIG_INVALID', `配置有误，请在 .env 中修正：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const str = (k: string) => String(raw[k]);
  const num = (k: string) => Number(raw[k]);
  const config: Config = {
    dataDir: path.resolve(str('YINGJI_DATA_DIR')),
    embedder: str('EMBEDDER') as Config['embedder'],
    ollama: {
      baseUrl: splitUrls(str('OLLAMA_BASE_URL'))[0],
      baseUrls: splitUrls(str('OLLAMA_BASE_URL')),
      embedUrls: splitUrls(str('OLLAMA_EMBED_URL') || str('OLLAMA_BASE_URL')),
      healthIntervalMs: num('OLLAMA_HEALTH_INTERVAL_MS'),
      chatModel: str('CHAT_MODEL'),
      embedModel: str('EMBED_MODEL'),
      timeoutMs: num('OLLAMA_TIMEOUT_MS'),
      numCtx: num('OLLAMA_NUM_CTX'),
      maxAnswerTokens: num('ANSWER_MAX_TOKENS'),
    },
    ...(raw.VECTOR_WEIGHT !== '' ? { vectorWeight: num('VECTOR_WEIGHT') } : {}),
    queryRewriteMs: num('QUERY_REWRITE_MS'),
    doc2queryBackground: str('DOC2QUERY_BACKGROUND') === 'true',
    retrievalK: num('RETRIEVAL_K'),
    server: {
      port: num('PORT'),
      host: str('HOST'),
      maxUploadBytes: num('MAX_UPLOAD_MB') * 1024 * 1024,
      sessionSecret: str('SESSION_SECRET'),
      adminPassword: str('YINGJI_ADMIN_PASSWORD'),
      trustProxy: str('TRUST_PROXY'),
      allowedOrigins: str('ALLOWED_ORIGINS')
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
      apiTokenRequestsPerMinute: num('API_TOKEN_REQUESTS_PER_MINUTE'),
    },
    ocr: str('OCR') as Config['ocr'],
    ingest: {
      maxFileBytes: num('INGEST_MAX_FILE_MB') * 1024 * 1024,
      maxExpandedBytes: num('INGEST_MAX_EXPANDED_MB') * 1024 * 1024,
      maxChars: num('INGEST_MAX_CHARS'),
      maxBlocks: num('INGEST_MAX_BLOCKS'),
      maxChunks: num('INGEST_MAX_CHUNKS'),
      ocrMaxPages: num('OCR_MAX_PAGES'),
    },
    watch: {
      dir: str('WATCH_DIR') ? path.resolve(str('WATCH_DIR')) : '',
      prune: str('WATCH_PRUNE') === 'true',
      settleMs: num('WATCH_SETTLE_MS'),
      pollMs: num('WATCH_POLL_MS'),
    },
    logLevel: str('LOG_LEVEL') as Config['logLevel'],
    timeZone: str('TIME_ZONE'),
  };
  return deepFreeze(config);
}

function parseValue(spec: Spec, value: string, problems: string[]): string | number {
  switch (spec.kind) {
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n) || (spec.min !== undefined && n < spec.min)) {
        problems.push(`${spec.env}=${value} 不是有效整数${spec.min !== undefined ? `（至少 ${spec.min}）` : ''}`);
      }
      return n;
    }
    case 'number': {
      if (value === '') return value;
      const n = Number(value);
      if (!Number.isFinite(n) || (spec.min !== undefined && n < spec.min)) {
        problems.push(`${spec.env}=${value} 不是有效数值${spec.min !== undefined ? `（至少 ${spec.min}）` : ''}`);
      }
      return n;
    }
    case 'url':
      try {
        new URL(value);
      } catch {
        problems.push(`${spec.env}=${value} 不是有效网址，例如 ${spec.default}`);
      }
      return value;
    case 'urls':
      for (const url of splitUrls(value)) {
        try {
          new URL(url);
        } catch {
          problems.push(`${spec.env} 中的 ${url} 不是有效网址；多个地址用英文逗号分隔，例如 http://10.0.0.5:11434,http://10.0.0.6:11434`);
        }
      }
      return value;
    case 'enum':
      if (!spec.values?.includes(value)) problems.push(`${spec.env}=${value} 只能是 ${spec.values?.join(' / ')}`);
      return value;
    default:
      return value;
  }
}

/** A comma-separated list of URLs, trimmed, without trailing slashes or duplicates. */
function splitUrls(value: string): string[] {
  return [...new Set(value.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean))];
}

function stripUndefined(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}
