/** The answer when retrieval finds no sufficient basis: say so, list the nearest documents, call no model. */
import type { Hit } from '../core/types.js';

/** How many nearest documents a no-basis answer lists. */
const NEAREST_DOCS = 3;

/** Officers cannot import documents: say whom to ask instead. */
const WHOM_TO_ASK = '请向值班长或相关业务科室核实；如需把相关法规或预案纳入知识库，请联系系统管理员导入。';

export const NO_BASIS_HEADING = '知识库中没有找到回答这个问题的充分依据，无法给出可靠答案。';

/** The nearest hits, one per document, best first. */
export function nearestDocuments(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  const out: Hit[] = [];
  for (const h of hits) {
    if (seen.has(h.doc.id)) continue;
    seen.add(h.doc.id);
    out.push(h);
    if (out.length >= NEAREST_DOCS) break;
  }
  return out;
}

export function buildNoBasisAnswer(nearest: Hit[]): string {
  if (nearest.length === 0) return `${NO_BASIS_HEADING}\n知识库中没有与问题相关的文档。${WHOM_TO_ASK}`;
  const list = nearest.map((h, i) => `${i + 1}. 《${h.doc.title}》${h.locator ? ` ${h.locator}` : ''}`).join('\n');
  return `${NO_BASIS_HEADING}\n以下是知识库中最接近的文档，相关度不足，仅供参考：\n${list}\n${WHOM_TO_ASK}`;
}
