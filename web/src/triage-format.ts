/** Small formatting helpers of the 事件速判 panel: datetime-local ↔ ISO, countdowns, copying. */

const MINUTE_MS = 60_000;

/** ISO instant → the value of an <input type="datetime-local"> in the browser's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The datetime-local value as an ISO instant; undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** "还剩 23 分 10 秒" or "已超时 5 分钟" for a deadline `msLeft` away. */
export function countdown(msLeft: number): { text: string; overdue: boolean } {
  if (Number.isNaN(msLeft)) return { text: '', overdue: false };
  if (msLeft < 0) {
    const late = Math.floor(-msLeft / MINUTE_MS);
    return { text: late >= 60 ? `已超时 ${Math.floor(late / 60)} 小时 ${late % 60} 分` : `已超时 ${late} 分钟`, overdue: true };
  }
  const totalSec = Math.floor(msLeft / 1000);
  const hours = Math.floor(totalSec / 3600);
  const min = Math.floor((totalSec % 3600) / 60);
  const sec = totalSec % 60;
  return { text: hours ? `还剩 ${hours} 小时 ${min} 分` : `还剩 ${min} 分 ${String(sec).padStart(2, '0')} 秒`, overdue: false };
}


const ISO_INSTANT = /\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)/g;

/** The card's texts carry instants as ISO (UTC); an officer reads them as local wall-clock time. */
export function localizeInstants(text: string): string {
  return text.replace(ISO_INSTANT, (iso) => {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
}
