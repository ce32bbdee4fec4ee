/** Jumping to a plan's outline heading typed as 三 / 三、 / (二) / （二） / 4.3.1 / 第三章; pure, shared by browse and its tests. */
import { toAsciiDigits } from '../../src/core/chinese-text.js';

const CN_NUM = '[零〇一二三四五六七八九十百]+';
const DECIMAL_RE = /^\d+(?:\.\d+)*$/;

/** Digits in ASCII, brackets full-width (as documents write （二）), dots plain, no spaces. */
function normalize(s: string): string {
  return toAsciiDigits(s).replace(/\s+/g, '').replace(/\(/g, '（').replace(/\)/g, '）').replace(/[．。]/g, '.');
}

/** The heading prefix a typed outline number stands for, or undefined when the input is not one. */
export function outlineKeyOf(input: string): string | undefined {
  const s = normalize(input.trim());
  if (!s) return undefined;
  if (/^\d+(?:\.\d+)*\.?$/.test(s)) return s.replace(/\.$/, '');
  if (new RegExp(`^（(?:${CN_NUM}|\\d+)）$`).test(s)) return s;
  const bare = new RegExp(`^(${CN_NUM})[、,，.]?$`).exec(s);
  if (bare) return `${bare[1]}、`;
  if (new RegExp(`^第${CN_NUM}[编章节部分]`).test(s)) return s;
  return s.length >= 2 ? s : undefined;
}

/** Whether heading `title` is the one `key` names: 4.3 names 4.3 应急响应, never 4.3.1 or 4.30. */
export function outlineMatches(title: string, key: string): boolean {
  const t = normalize(title);
  if (!t.startsWith(key)) return false;
  const rest = t.slice(key.length);
  if (DECIMAL_RE.test(key)) return !/^\.?\d/.test(rest);
  return true;
}
