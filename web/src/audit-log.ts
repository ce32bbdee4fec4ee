/** 审计 (admin): the audit log in words, filtered by user, action and date, paged, exported as CSV or JSONL. */
import { AUDIT_ACTION_LABELS, describeAuditFields } from '../../src/server/events.js';
import { clear, formatDateTime, h } from './dom.js';
import type { MountView } from './view.js';

const PAGE_ROWS = 100;

/** One entry as GET /api/audit returns it (src/server/audit.ts AuditEntry). */
interface AuditEntryView {
  at: string;
  action: string;
  user: string;
  [field: string]: unknown;
}

/** Local calendar day → the instant it starts (or ends), so 日期 means the admin's day, not UTC's. */
function dayBound(day: string, end: boolean): string {
  return new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString();
}

export const mountAudit: MountView = (container) => {
  const user = h('input', { type: 'search', placeholder: '用户名', 'aria-label': '按用户筛选' });
  const action = h('select', { 'aria-label': '按操作筛选' }, h('option', { value: '' }, '全部操作'));
  for (const [code, label] of Object.entries(AUDIT_ACTION_LABELS)) action.append(h('option', { value: code }, label));
  const from = h('input', { type: 'date', 'aria-label': '起始日期' });
  const to = h('input', { type: 'date', 'aria-label': '截止日期' });
  const csv = h('a', { class: 'button', download: '' }, '导出 CSV');
  const jsonl = h('a', { class: 'button', download: '' }, '导出 JSONL');
  const tbody = h('tbody');
  const msg = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadPage(false) }, '加载更多');
  let nextOffset = 0;
  let generation = 0;

  const query = () => {
    const q = new URLSearchParams();
    if (user.value.trim()) q.set('user', user.value.trim());
    if (action.value) q.set('action', action.value);
    if (from.value) q.set('from', dayBound(from.value, false));
    if (to.value) q.set('to', dayBound(to.value, true));
    return q;
  };

  container.append(
    h('div', { class: 'docs-page' },
      h('section', { class: 'panel' },
        h('div', { class: 'panel-head' }, h('h2', {}, '审计日志'), csv, jsonl),
        h('form', { class: 'inline-form audit-filters', onsubmit: (e: Event) => { e.preventDefault(); void loadPage(true); } },
          h('label', {}, '用户 ', user), h('label', {}, '操作 ', action), h('label', {}, '从 ', from), h('label', {}, '到 ', to),
          h('button', { type: 'submit' }, '筛选')),
        msg,
        h('div', { class: 'table-wrap' },
          h('table', { class: 'docs-table audit-table' },
            h('thead', {}, h('tr', {}, h('th', {}, '时间'), h('th', {}, '用户'), h('th', {}, '操作'), h('th', {}, '内容'))),
            tbody)),
        more,
      ),
    ),
  );
  for (const el of [action, from, to]) el.addEventListener('change', () => void loadPage(true));

  async function loadPage(reset: boolean): Promise<void> {
    const mine = reset ? ++generation : generation;
    if (reset) nextOffset = 0;
    const q = query();
    const exportQ = new URLSearchParams(q);
    exportQ.set('format', 'csv');
    csv.href = `/api/audit?${exportQ}`;
    exportQ.set('format', 'jsonl');
    jsonl.href = `/api/audit?${exportQ}`;
    q.set('limit', String(PAGE_ROWS));
    q.set('offset', String(nextOffset));
    let res: Response;
    try {
      res = await fetch(`/api/audit?${q}`, { credentials: 'same-origin' });
    } catch {
      msg.textContent = '无法连接服务器，请检查网络。';
      return;
    }
    if (mine !== generation) return;
    if (!res.ok) {
      const err = (await res.json().catch(() => ({}))) as { message?: string };
      msg.textContent = err.message ?? `请求失败（${res.status}）`;
      return;
    }
    const entries = (await res.json()) as AuditEntryView[];
    if (reset) clear(tbody);
    for (const e of entries) {
      tbody.append(h('tr', { 'data-action': e.action },
        h('td', { class: 'nowrap' }, formatDateTime(e.at)),
        h('td', {}, e.user),
        h('td', { class: e.action === 'login_failed' || e.action === 'ingest_failed' ? 'error' : '' }, AUDIT_ACTION_LABELS[e.action] ?? e.action),
        h('td', { class: 'small' }, describeAuditFields(e))));
    }
    const next = res.headers.get('X-Next-Offset');
    nextOffset = next ? Number(next) : nextOffset + entries.length;
    more.hidden = !next;
    const shown = tbody.querySelectorAll('tr').length;
    msg.textContent = shown ? `显示 ${shown} 条${next ? '，还有更早的记录' : ''}。` : '没有符合条件的记录。';
  }

  void loadPage(true);
  return { destroy() { generation++; } };
};
