/**
 * Builds SourceDocs and Chunks straight from Markdown (one chunk per paragraph, headings as the heading path)
 * so index tests do not depend on the chunker, which evolves separately. The Markdown is the project's own
 * seeds/ plus regulation-like documents generated here, so `npm test` needs nothing beside the clone.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toChineseNumber } from '../../src/core/chinese-text.js';
import type { Chunk, SourceDoc } from '../../src/core/types.js';
import type { Embedder } from '../../src/llm/embedder.js';
import { SEEDS_DIR, corpusPath } from '../support/paths.js';

/** The public corpus' regulations: only `*.full.test.ts` files may read them. */
export const REGULATIONS_DIR = corpusPath('regulations');

export interface TestDoc {
  doc: SourceDoc;
  chunks: Chunk[];
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Paragraph chunks of one Markdown file; `docId` defaults to a hash of the path. */
export async function docFromMarkdown(file: string, docId?: string): Promise<TestDoc> {
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  const id = docId ?? sha256(file).slice(0, 12);
  const title = /^#\s+(.+)$/m.exec(text)?.[1].trim() ?? path.basename(file, '.md');
  const chunks: Chunk[] = [];
  const headings: string[] = [];
  let offset = 0;
  for (const para of text.split(/\n\s*\n/)) {
    const start = text.indexOf(para, offset);
    offset = start + para.length;
    const trimmed = para.trim();
    const heading = /^(#{2,6})\s+(.+)$/.exec(trimmed);
    if (heading) {
      headings.splice(heading[1].length - 2, headings.length, heading[2].trim());
      continue;
    }
    if (trimmed.length < 8 || trimmed.startsWith('#') || trimmed.startsWith('<!--')) continue;
    const article = /^(第[一二三四五六七八九十百零〇]+条)/.exec(trimmed)?.[1];
    const ordinal = chunks.length;
    chunks.push({
      id: `${id}#${ordinal}`,
      docId: id,
      ordinal,
      text: trimmed,
      headingPath: article ? [...headings, article] : [...headings],
      articleLabel: article,
      charStart: start,
      charEnd: start + para.length,
      contentHash: sha256(trimmed),
    });
  }
  const doc: SourceDoc = {
    id,
    sourceKey: file,
    source: path.basename(file),
    format: 'md',
    title,
    docType: '法律',
    contentHash: sha256(bytes),
    sizeBytes: bytes.byteLength,
    ingestedAt: new Date(0).toISOString(),
    status: 'indexed',
    chunkCount: chunks.length,
  };
  return { doc, chunks };
}

/** Generated regulations beside the seeds: enough documents and distinct vocabulary for the index tests. */
const GENERATED_REGULATIONS = 60;
const TOPICS = ['防汛防台', '危险化学品', '安全生产', '消防安全', '地震灾害', '有限空间', '燃气管道', '特种设备', '森林防火', '公共卫生'];
const SUBJECTS = ['县级以上人民政府', '应急管理部门', '生产经营单位', '街道办事处', '居民委员会', '主要负责人', '值班人员', '救援队伍'];
const DUTIES = ['制定应急预案', '组织应急演练', '开展隐患排查', '及时报告险情', '储备应急物资', '设置警示标志', '疏散转移人员', '保障通信畅通'];
const MANNERS = ['应当', '必须', '按照规定', '在规定时限内', '会同有关部门', '依法'];

/** Deterministic pseudo-random integers (mulberry32), so failures reproduce. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

function generatedRegulation(n: number): string {
  const pick = random(n + 1);
  const topic = TOPICS[n % TOPICS.length];
  const lines = [`# 示例${topic}管理条例（第${n + 1}号，测试用生成文本）`, ''];
  const articles = 90 + pick(60);
  for (let a = 0; a < articles; a++) {
    if (a % 20 === 0) lines.push(`## 第${toChineseNumber(a / 20 + 1)}章 ${topic}${['总则', '预防与准备', '处置与救援', '法律责任', '附则'][(a / 20) % 5]}`, '');
    const sentences = 1 + pick(3);
    const body: string[] = [];
    for (let k = 0; k < sentences; k++) {
      body.push(`${SUBJECTS[pick(SUBJECTS.length)]}${MANNERS[pick(MANNERS.length)]}${DUTIES[pick(DUTIES.length)]}，做好${topic}应急${['准备', '处置', '保障'][pick(3)]}工作`);
    }
    lines.push(`第${toChineseNumber(a + 1)}条 ${body.join('；')}。`, '');
  }
  return lines.join('\n');
}

/** The folder with the seeds' Markdown and the generated regulations (written once per process). */
let regulationsDir: Promise<string> | undefined;
function regulationsFolder(): Promise<string> {
  regulationsDir ??= (async () => {
    const dir = path.join(os.tmpdir(), `yingji-test-regulations-${process.pid}`);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(SEEDS_DIR)) {
      if (name.endsWith('.md') && name !== 'README.md') await writeFile(path.join(dir, name), await readFile(path.join(SEEDS_DIR, name)));
    }
    for (let n = 0; n < GENERATED_REGULATIONS; n++) await writeFile(path.join(dir, `generated-${String(n).padStart(3, '0')}.md`), generatedRegulation(n));
    return dir;
  })();
  return regulationsDir;
}

/** The first `limit` regulation files, sorted by name. */
export async function regulationDocs(limit = Infinity): Promise<TestDoc[]> {
  const dir = await regulationsFolder();
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md') && n !== 'README.md').sort();
  return Promise.all(names.slice(0, limit).map((n) => docFromMarkdown(path.join(dir, n))));
}

/** Embeds a test document's chunk texts. */
export async function embedDoc(embedder: Embedder, d: TestDoc): Promise<number[][]> {
  return embedder.embedDocuments(d.chunks.map((c) => c.text));
}

/** A fresh folder under the OS temp dir. */
export async function makeTempDir(prefix = 'yingji-index-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
