import { describe, expect, it } from 'vitest';
import { countdown, fromLocalInput, localizeInstants, toLocalInput } from '../../web/src/triage-format.js';

const MINUTE_MS = 60_000;

describe('事件速判 panel formatting', () => {
  it('counts a deadline down in minutes and seconds, then hours, and reports an overdue one as late', () => {
    expect(countdown(19 * MINUTE_MS + 5_000)).toEqual({ text: '还剩 19 分 05 秒', overdue: false });
    expect(countdown(179 * MINUTE_MS)).toEqual({ text: '还剩 2 小时 59 分', overdue: false });
    expect(countdown(-5 * MINUTE_MS - 1)).toEqual({ text: '已超时 5 分钟', overdue: true });
    expect(countdown(-125 * MINUTE_MS)).toEqual({ text: '已超时 2 小时 5 分', overdue: true });
  });

  it('round-trips the incident time through the datetime-local field to the minute', () => {
    const iso = '2026-12-01T06:30:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput('not a time')).toBe('');
  });

  it('shows the card’s UTC instants as local wall-clock time and leaves other text alone', () => {
    const d = new Date('2026-12-01T22:08:30.936Z');
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
    expect(localizeInstants('时限暂按速判时间 2026-12-01T22:08:30.936Z 起算')).toBe(`时限暂按速判时间 ${local} 起算`);
    expect(localizeInstants('死亡1人，第3条')).toBe('死亡1人，第3条');
  });
});
