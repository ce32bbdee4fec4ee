/**
 * Documents the tests write themselves, built from the project's own seeds/ text, so `npm test` reads nothing
 * outside the clone. The regulations are shaped like the real ones (## 第X章, 第X条 paragraphs) and are fictional.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toChineseNumber } from '../../src/core/chinese-text.js';
import { SEEDS_DIR } from './paths.js';

/** The seed documents by role (each file's first line says it is a sample, not an official text). */
export const SEED_FILES = {
  floodPlan: path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md'),
  confinedSpace: path.join(SEEDS_DIR, 'confined-space-procedure-sample.md'),
  hazchemCard: path.join(SEEDS_DIR, 'hazchem-leak-card-sample.md'),
  dutyHandbook: path.join(SEEDS_DIR, 'duty-handbook-sample.docx'),
} as const;

/** The three Markdown seeds: small, distinct and quick to ingest. */
export const SEED_MARKDOWN = [SEED_FILES.floodPlan, SEED_FILES.confinedSpace, SEED_FILES.hazchemCard];

/** Topics of the generated regulations; each one's articles name its topic, so a query for it finds that law. */
export const SAMPLE_TOPICS = [
  '地震灾害', '防汛防台', '消防安全', '危险化学品', '城镇燃气', '有限空间', '大型群众性活动', '民用爆炸物品',
  '建设工程', '道路交通', '特种设备', '森林防火', '地质灾害', '气象灾害', '突发公共卫生事件', '生产安全事故',
] as const;

const CHAPTERS = ['总则', '预防与准备', '监测与预警', '应急处置与救援', '事后恢复与重建', '监督管理', '法律责任', '附则'];

let sentences: string[] | undefined;
/** Every sentence of the Markdown seeds, without the sample notice and headings. */
function seedSentences(): string[] {
  sentences ??= SEED_MARKDOWN.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#') && !line.startsWith('【示例】') && !line.startsWith('|'))
      .join('')
      .split('。')
      .map((s) => s.replace(/^[\d一二三四五六七八九十（）().、\s]+/, '').replace(/^第[一二三四五六七八九十百]+条\s*/, '').trim())
      .filter((s) => s.length >= 12),
  );
  return sentences;
}

export interface SampleRegulation {
  title: string;
  topic: string;
  /** 第X条 text by article number, to write or check a particular article. */
  articles?: Record<number, string>;
  /** Number of articles (default 40). */
  articleCount?: number;
  /** Mixes sentences differently between documents of one set. */
  variant?: number;
}

/** A regulation in the corpus' Markdown shape: # title, ## 第X章 …, paragraphs 第X条 …. */
export function regulationText({ title, topic, articles = {}, articleCount = 40, variant = 0 }: SampleRegulation): string {
  const pool = seedSentences();
  const perChapter = Math.ceil(articleCount / CHAPTERS.length);
  const out = [`# ${title}`, ''];
  for (let n = 1; n <= articleCount; n++) {
    if ((n - 1) % perChapter === 0) {
      const c = Math.floor((n - 1) / perChapter);
      out.push(`## 第${toChineseNumber(c + 1)}章 ${CHAPTERS[c] ?? '附则'}`, '');
    }
    const own = articles[n];
    const body =
      own ??
      [0, 1]
        .map((k) => pool[(variant * 13 + n * 5 + k * 17) % pool.length])
        .map((s, k) => (k === 0 ? `${topic}应急工作中，${s}。` : `${s}。`))
        .join('');
    out.push(`第${toChineseNumber(n)}条 ${body}`, '');
  }
  return out.join('\n');
}

/**
 * Writes `count` distinct regulations, one per topic (cycling), into `dir`; returns their paths. Two sets written with
 * different `first` numbers never share a title or a text.
 */
export async function writeSampleRegulations(dir: string, count: number, articleCount = 40, first = 0): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = first; i < first + count; i++) {
    const topic = SAMPLE_TOPICS[i % SAMPLE_TOPICS.length];
    const round = Math.floor(i / SAMPLE_TOPICS.length);
    const title = `某市${topic}应急管理示例条例${round ? `（第${toChineseNumber(round + 1)}编）` : ''}`;
    const file = path.join(dir, `sample-regulation-${String(i + 1).padStart(3, '0')}.md`);
    await writeFile(file, regulationText({ title, topic, articleCount, variant: i }));
    files.push(file);
  }
  return files;
}
