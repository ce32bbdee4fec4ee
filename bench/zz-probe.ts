import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '/work/main/src/config.js';
import { collectInputs, ingestInputs } from '/work/main/src/ingest/pipeline.js';
import { openServices } from '/work/main/src/main.js';
import { answerQuestion } from '/work/main/src/answer/answer-question.js';
const dir = await mkdtemp(path.join(os.tmpdir(), 'p-'));
const config = loadConfig({ env: { YINGJI_DATA_DIR: dir, OLLAMA_BASE_URL: 'http://127.0.0.1:9' } });
const s = await openServices(config);
await ingestInputs({ kb: s.kb, ocr: 'off' }, await collectInputs(['/work/shared/corpus/regulations']));
const deps = { retriever: s.retriever, chatModel: s.chatModel, config: { ...config.ollama, retrievalK: config.retrievalK } };
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const r = await s.retriever.retrieve('危险化学品泄漏事故应当如何处置？', { k: 6 });
  const tr = performance.now() - t;
  t = performance.now();
  const marks: string[] = [];
  for await (const e of answerQuestion(deps, { question: '危险化学品泄漏事故应当如何处置？' })) marks.push(`${e.type}@${Math.round(performance.now() - t)}`);
  console.log('retrieve', Math.round(tr), 'answer', marks.join(' '));
}
await s.close();
