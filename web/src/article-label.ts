/** Jumping to 第X条 typed as 21, ２１, 二十一 or 第二十一条; numerals come from src/core so the UI and the index agree. */
import { toAsciiDigits, toChineseNumber } from '../../src/core/chinese-text.js';

/** Normalises user input (21, 二十一, 第二十一条) into an article label 第二十一条, or undefined. */
export function articleLabelOf(input: string): string | undefined {
  const s = toAsciiDigits(input.trim()).replace(/^第/, '').replace(/条$/, '').trim();
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return `第${toChineseNumber(Number(s))}条`;
  if (/^[零〇一二三四五六七八九十百千]+$/.test(s)) return `第${s}条`;
  return undefined;
}
