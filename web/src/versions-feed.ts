/** 新规速递: documents and new versions ingested since a date, with what changed; every role reads it. Route #/changes. */
import type { ChangesFeedResponse, FeedItem, TrainingListSummary } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDate, h } from './dom.js';
import type { MountView } from './view.js';
import { KIND_LABELS, STATUS_LABELS } from './versions.js';

/** Default look-back of the page. */
const DEFAULT_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export const mountChangesFeed: MountView = (container, ctx) => {
  let alive = true;
  // Trainers and admins put the changed articles of a new version on an 应知应会 list right from the feed.
  const canMark = ctx.session.user.role !== 'officer';
  let lists: TrainingListSummary[] = [];
  const since = h('input', { type: 'date', value: new Date(Date.now() - DEFAULT_DAYS * DAY_MS).toISOString().slice(0, 10), 'aria-label': '起始日期' });
  const list = h('div', { class: 'feed-list' });
  const load = async () => {
    clear(list);
    list.append(h('p', { class: 'muted' }, '正在加载…'));
    try {
      const res = await api<ChangesFeedResponse>(`/api/changes?since=${encodeURIComponent(since.value)}`);
      if (canMark) lists = await api<TrainingListSummary[]>('/api/training/lists').catch(() => []);
      if (!alive) return;
      clear(list);
      if (!res.items.length) list.append(h('p', { class: 'note' }, `${res.since} 以来没有新导入的文件或新版本。`));
      for (const item of res.items) list.append(card(item, canMark ? lists : undefined));
    } catch (e) {
      clear(list);
      list.append(h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : '加载失败。'));
    }
  };
  since.addEventListener('change', () => void load());
  container.append(
    h(
      'section',
      { class: 'feed-page' },
      h('h2', {}, '新规速递'),
      h('p', { class: 'feed-tools' }, h('label', {}, '自 ', since, ' 以来新导入的文件和新版本')),
      list,
    ),
  );
  void load();
  return {
    destroy() {
      alive = false;
    },
  };
};

function card(item: FeedItem, lists: TrainingListSummary[] | undefined): HTMLElement {
  const dates = [
    item.issuedDate ? `公布/修订 ${item.issuedDate}` : '',
    item.effectiveDate ? `施行 ${item.effectiveDate}` : '',
    `导入 ${formatDate(item.ingestedAt)}`,
  ].filter(Boolean);
  const el = h(
    'article',
    { class: 'feed-item' },
    h(
      'header',
      {},
      h('strong', { class: 'feed-title' }, item.title),
      h('span', { class: 'muted' }, item.type),
      h('span', { class: `version-badge status-${item.status}` }, STATUS_LABELS[item.status] ?? item.status),
      h('span', { class: item.previous ? 'feed-kind new-version' : 'feed-kind' }, item.previous ? '新版本' : '新文件'),
    ),
    h('p', { class: 'muted' }, dates.join(' · ')),
    h('p', {}, item.statusChange),
  );
  if (item.changes && item.previous) {
    const c = item.changes.counts;
    el.append(
      h('p', { class: 'diff-summary' }, ...(['added', 'removed', 'modified', 'moved'] as const).map((k) => h('span', { class: `kind kind-${k}` }, `${KIND_LABELS[k]} ${c[k]}`))),
    );
    if (item.changes.modified.length) el.append(h('p', { class: 'feed-labels' }, `改动的条文：${item.changes.modified.slice(0, 30).join('、')}${item.changes.modified.length > 30 ? ' 等' : ''}`));
    el.append(h('a', { href: `#/diff/${encodeURIComponent(item.docId)}/${encodeURIComponent(item.previous.docId)}` }, '查看修订对照表'));
    const labels = [...item.changes.modified, ...item.changes.added];
    if (lists?.length && labels.length) el.append(markForm(item, labels, lists));
  }
  return el;
}

/** 加入应知应会清单: the new version's changed and added articles, through the training API. */
function markForm(item: FeedItem, labels: string[], lists: TrainingListSummary[]): HTMLElement {
  const select = h('select', { 'aria-label': '应知应会清单' });
  for (const l of lists) select.append(h('option', { value: l.id }, l.name));
  const message = h('span', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button' }, `把改动的 ${labels.length} 条加入清单`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    let added = 0;
    let already = 0;
    for (const label of labels) {
      try {
        await api(`/api/training/lists/${encodeURIComponent(select.value)}/items`, { method: 'POST', json: { docId: item.docId, label, note: '新规速递：新版本改动条文' } });
        added++;
      } catch (e) {
        if (e instanceof ApiError && e.code === 'CONFLICT') already++;
        else {
          message.textContent = e instanceof ApiError ? e.message : '加入失败。';
          button.disabled = false;
          return;
        }
      }
    }
    message.textContent = `已加入 ${added} 条${already ? `，${already} 条清单中已有` : ''}。`;
    button.disabled = false;
  });
  return h('p', { class: 'feed-mark no-print' }, select, ' ', button, ' ', message);
}
