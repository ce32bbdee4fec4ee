/** 21 → 二十一, for jumping to 第X条 typed with Arabic digits. */
const DIGITS = '零一二三四五六七八九';

export function toChineseNumber(n: number): string {
  if (n < 10) return DIGITS[n];
  if (n < 20) return '十' + (n % 10 ? DIGITS[n % 10] : '');
  if (n < 100) return DIGITS[Math.floor(n / 10)] + '十' + (n % 10 ? DIGITS[n % 10] : '');
  if (n < 1000) {
    const rest = n % 100;
    const head = DIGITS[Math.floor(n / 100)] + '百';
    if (rest === 0) return head;
    if (rest < 10) return head + '零' + DIGITS[rest];
    return head + (rest < 20 ? '一' + toChineseNumber(rest) : toChineseNumber(rest));
  }
  return String(n);
}

/** Normalises user input (21, 二十一, 第二十一条) into an article label 第二十一条, or undefined. */
export function articleLabelOf(input: string): string | undefined {
  const s = input.trim().replace(/^第/, '').replace(/条$/, '').trim();
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return `第${toChineseNumber(Number(s))}条`;
  if (/^[零一二三四五六七八九十百千]+$/.test(s)) return `第${s}条`;
  return undefined;
}
