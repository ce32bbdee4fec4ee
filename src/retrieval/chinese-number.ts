const DIGITS = '零一二三四五六七八九';

/** 17 → 十七, 120 → 一百二十, 105 → 一百零五 (as article numbers are written in Chinese law). */
export function toChineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 10000) return String(n);
  if (n < 10) return DIGITS[n];
  if (n < 20) return '十' + (n % 10 ? DIGITS[n % 10] : '');
  const units = ['', '十', '百', '千'];
  const digits = String(n).split('').map(Number);
  let out = '';
  let zero = false;
  digits.forEach((d, i) => {
    const unit = units[digits.length - 1 - i];
    if (d === 0) {
      zero = true;
      return;
    }
    if (zero && out) out += '零';
    zero = false;
    out += DIGITS[d] + unit;
  });
  return out;
}

/** 十七 → 17, 一百零五 → 105, 二〇二一 (digit by digit) → 2021; NaN when not a numeral. */
export function fromChineseNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const map: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
  if (!/[十百千]/.test(s)) {
    const ds = [...s].map((c) => map[c]);
    return ds.some((d) => d === undefined) ? NaN : Number(ds.join(''));
  }
  const unitValue: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c in map) digit = map[c];
    else if (c in unitValue) {
      total += (digit || 1) * unitValue[c];
      digit = 0;
    } else return NaN;
  }
  return total + digit;
}
