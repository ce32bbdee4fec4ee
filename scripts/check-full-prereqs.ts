/** Run before `npm run test:full`: says exactly what is missing (corpus, Debian programs) and how to get it. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CORPUS_DIR, EVAL_DIR } from '../test/support/paths.js';
import { CHROMIUM_PATH } from '../test/web/browser.js';

const problems: string[] = [];
if (!existsSync(`${CORPUS_DIR}/regulations`)) {
  problems.push(`公开语料不存在：${CORPUS_DIR}（设置 YINGJI_CORPUS_DIR 指向含 regulations/ plans/ fixtures/ full/ 的目录）`);
} else if (!existsSync(`${EVAL_DIR}/dev.jsonl`)) {
  problems.push(`评测问题集不存在：${EVAL_DIR}/dev.jsonl（应在语料目录旁的 eval/ 中）`);
}
const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing: string[] = [];
const tesseractLangs = () => {
  try {
    return execFileSync('tesseract', ['--list-langs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
};
if (!has('tesseract')) missing.push('tesseract-ocr tesseract-ocr-chi-sim');
else if (!/^chi_sim$/m.test(tesseractLangs())) missing.push('tesseract-ocr-chi-sim');
if (!has('pdftoppm')) missing.push('poppler-utils');
if (!existsSync(CHROMIUM_PATH)) missing.push('chromium');
if (missing.length) problems.push(`缺少 Debian 程序：apt-get install ${missing.join(' ')} fonts-wqy-microhei`);
if (problems.length) {
  console.error(`npm run test:full 的前提条件未满足：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
