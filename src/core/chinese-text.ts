/**
 * Chinese text helpers shared by ingestion and query analysis: numerals as they appear in legal text (article
 * numbers 第一百二十条, dates 二〇二一年六月十日) and full-width to half-width conversion.
 */

const DIGITS: Readonly<Record<string, number>> = {
  零: 0, 〇: 0, Ｏ: 0, O: 0, o: 0, '○': 0,
  一: 1, 壹: 1, 二: 2, 贰: 2, 两: 2, 三: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const UNITS: Readonly<Record<string, number>> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000, 万: 10_000 };

/**
 * Parses a Chinese (or ASCII / full-width Arabic) numeral: 一百二十 → 120, 十 → 10, 一〇五 → 105 (digit by digit),
 * ２３ → 23. Returns undefined for anything else.
 */
export function parseChineseNumber(s: string): number | undefined {
  const text = s.trim();
  if (text.length === 0) return undefined;
  const ascii = toAsciiDigits(text);
  if (/^\d+$/.test(ascii)) return Number(ascii);

  let hasUnit = false;
  for (const ch of text) {
    if (UNITS[ch] !== undefined) hasUnit = true;
    else if (DIGITS[ch] === undefined) return undefined;
  }
  if (!hasUnit) {
    // Digit-by-digit form used for years: 二〇二一.
    let n = 0;
    for (const ch of text) n = n * 10 + DIGITS[ch]!;
    return n;
  }

  let total = 0;
  let section = 0;
  let digit = -1;
  for (const ch of text) {
    const d = DIGITS[ch];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const unit = UNITS[ch]!;
    if (unit === 10_000) {
      total += (section + Math.max(digit, 0)) * unit;
      section = 0;
    } else {
      // A bare 十 means 一十 (十二 = 12).
      section += (digit < 0 ? 1 : digit) * unit;
    }
    digit = -1;
  }
  return total + section + Math.max(digit, 0);
}

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/**
 * Writes a positive integer (< 100 000) the way laws number articles: 10 → 十, 12 → 十二, 101 → 一百零一,
 * 110 → 一百一十, 1000 → 一千. Lets a query for 第29条 become 第二十九条.
 */
export function toChineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 100_000) return String(n);
  if (n === 0) return '零';
  if (n >= 10 && n < 20) return n === 10 ? '十' : `十${CN_DIGITS[n - 10]}`;
  const units = ['', '十', '百', '千', '万'];
  const digits = String(n).split('').map(Number);
  let out = '';
  let pendingZero = false;
  for (let i = 0; i < digits.length; i++) {
    const d = digits[i]!;
    const unit = units[digits.length - 1 - i]!;
    if (d === 0) {
      pendingZero = out.length > 0;
      continue;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    out += CN_DIGITS[d] + unit;
  }
  return out;
}

/** Converts full-width digits (０-９) to ASCII. */
export function toAsciiDigits(s: string): string {
  return s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
}

/** Full-width ASCII letters, digits, symbols and the ideographic space → half-width; CJK punctuation such as ，。；：（）《》 stays. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]/gu, (ch) =>
    ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}
