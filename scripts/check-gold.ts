/**
 * `node --import tsx scripts/check-gold.ts bench/holdout-questions.jsonl`: checks that every gold passage of a question
 * set exists in the public corpus (YINGJI_CORPUS_DIR, default ../shared/corpus) as yingji stores it — the snippet is in
 * some chunk of that document and, for laws, in a chunk labelled with that article. It ingests into a throw-away
 * knowledge base and never runs retrieval, so it says whether the gold is valid, not how well yingji finds it.
 * Exits 1 and lists the failures when any gold entry does not hold.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import type { Chunk } from '../src/core/types.js';
import { collectInputs, ingestInputs } from '../src/ingest/pipeline.js';
import { openServices } from '../src/main.js';
import { parseQuestions } from '../src/retrieval/evaluate.js';
import { CORPUS_DIR } from '../test/support/paths.js';

/** Chunk text and snippets are compared without whitespace: line breaks inside a passage are the chunker's, not the author's. */
const squash = (s: string) => s.replace(/\s+/g, '');
/** Plans, the handbook and the onsite procedure have headings, not 第X条; their gold is matched by snippet alone. */
const ARTICLE_LABEL = /^第[零一二三四五六七八九十百千]+条/;

const file = process.argv[2];
if (!file) {
  process.stderr.write('用法：node --import tsx scripts/check-gold.ts <问题集.jsonl>\n');
  process.exit(2);
}
const questions = parseQuestions(await readFile(file, 'utf8'));
const scratch = await mkdtemp(path.join(os.tmpdir(), 'yingji-check-gold-'));
const failures: string[] = [];
let entries = 0;
try {
  const config = loadConfig({ overrides: { YINGJI_DATA_DIR: scratch, EMBEDDER: 'builtin' }, dotenvPath: false });
  const services = await openServices(config);
  try {
    const inputs = await collectInputs([path.join(CORPUS_DIR, 'regulations'), path.join(CORPUS_DIR, 'plans')]);
    await ingestInputs({ kb: services.kb, ocr: config.ocr, limits: config.ingest }, inputs);
    const chunksByFile = new Map<string, Chunk[]>();
    for (const doc of services.kb.listDocuments()) chunksByFile.set(doc.source, services.kb.getChunks(doc.id));
    for (const q of questions) {
      for (const gold of q.gold) {
        entries += 1;
        const where = `${q.id} ${gold.file} ${gold.article ?? ''}`.trimEnd();
        const chunks = chunksByFile.get(gold.file);
        if (!chunks) {
          failures.push(`${where}：语料中没有这个文件`);
          continue;
        }
        if (!gold.snippet) {
          failures.push(`${where}：缺少 snippet`);
          continue;
        }
        const snippet = squash(gold.snippet);
        const containing = chunks.filter((c) => squash(c.text).includes(snippet));
        if (containing.length === 0) {
          failures.push(`${where}：没有任何段落含「${gold.snippet}」`);
          continue;
        }
        const article = gold.article;
        if (article && ARTICLE_LABEL.test(article)) {
          const labelled = containing.some((c) => c.articleLabel === article || (c.articleLabels ?? []).includes(article));
          if (!labelled) {
            const labels = [...new Set(containing.map((c) => c.articleLabel ?? '（无条号）'))].join('、');
            failures.push(`${where}：含「${gold.snippet}」的段落标为 ${labels}，不是 ${article}`);
          }
        }
      }
    }
  } finally {
    await services.close();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
for (const f of failures) process.stdout.write(`✗ ${f}\n`);
process.stdout.write(`问题 ${questions.length}，依据 ${entries} 条，未通过 ${failures.length} 条\n`);
process.exit(failures.length ? 1 : 0);
