/** Admin: every 👎 with its question, answer, sources and comment; marked handled once dealt with. */
import type { FeedbackEntry } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { passagePicker, type Attached } from './passage-picker.js';
import type { MountView } from './view.js';

type Filter = 'open' | 'handled' | 'all';
const FILTERS: [Filter, string][] = [
  ['open', '未处理'],
  ['handled', '已处理'],
  ['all', '全部'],
];
const QUERY: Record<Filter, string> = { open: '?rating=down&handled=false', handled: '?rating=down&handled=true', all: '?rating=down' };

export const mountFeedback: MountView = (container) => {
  let filter: Filter = 'open';
  let destroyed = false;
  const list = h('div', { class: 'feedback-list', 'aria-live': 'polite' });
  const note = h('p', { class: 'muted small' });
  const tabs = h('div', { class: 'feedback-filters', role: 'tablist' });
  const renderTabs = () => {
    clear(tabs);
    for (const [f, label] of FILTERS) {
      tabs.append(
        h('button', { type: 'button', role: 'tab', class: f === filter ? 'tab active' : 'tab', 'aria-selected': String(f === filter), onclick: () => { filter = f; renderTabs(); void load(); } }, label),
      );
    }
  };
  container.append(
    h(
      'section',
      { class: 'feedback-page' },
      h('h2', {}, '用户反馈（没用）'),
      h('p', { class: 'muted' }, '值班人员标记为“没用”的回答，附问题、回答、来源和说明。点“指定正确条文”把问题关联到应当引用的条文，以后同类问题会先找到它；处理后点“标记已处理”。'),
      tabs,
      note,
      list,
    ),
  );
  renderTabs();
  void load();

  async function load(): Promise<void> {
    let entries: FeedbackEntry[];
    try {
      entries = await api<FeedbackEntry[]>(`/api/feedback${QUERY[filter]}`);
    } catch (e) {
      if (destroyed) return;
      clear(list);
      list.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : '反馈列表加载失败'));
      return;
    }
    if (destroyed) return;
    clear(list);
    note.textContent = `共 ${entries.length} 条`;
    if (!entries.length) list.append(h('p', { class: 'muted' }, filter === 'open' ? '没有待处理的反馈。' : '没有反馈。'));
    for (const e of entries) list.append(card(e));
  }

  function card(e: FeedbackEntry): HTMLElement {
    const answer = h('div', { class: 'answer-body' });
    renderMarkdown(answer, e.answer, new Set());
    const sources = h(
      'ol',
      { class: 'feedback-sources' },
      ...e.citations
        .filter((c) => c.cited || !e.citations.some((x) => x.cited))
        .map((c) =>
          h('li', { value: c.n }, h('a', { href: `#/browse/${encodeURIComponent(c.docId)}/${encodeURIComponent(c.locator)}` }, `《${c.title}》${c.locator ? ` ${c.locator}` : ''}`), c.page !== null ? `（第 ${c.page} 页）` : ''),
        ),
    );
    const toggle = h('button', { type: 'button', class: e.handled ? 'link' : 'primary' }, e.handled ? '重新打开' : '标记已处理');
    const status = h('span', { class: 'muted small' }, e.handled ? `已由 ${e.handledBy ?? ''} 处理${e.handledAt ? `（${formatDateTime(e.handledAt)}）` : ''}` : '未处理');
    const setHandled = async (button: HTMLButtonElement, out: HTMLElement, handled: boolean) => {
      button.disabled = true;
      try {
        await api(`/api/feedback/${encodeURIComponent(e.id)}`, { method: 'PUT', json: { handled } });
        void load();
      } catch (err) {
        out.textContent = err instanceof ApiError ? err.message : '保存失败';
        button.disabled = false;
      }
    };
    toggle.addEventListener('click', () => void setHandled(toggle, status, !e.handled));

    const pickArea = h('div', { class: 'pick-area' });
    const pick = h('button', { type: 'button', 'aria-expanded': 'false' }, '指定正确条文');
    const attached = (a: Attached) => {
      clear(pickArea);
      const done = h('p', { class: 'ok attached-note' }, `已关联到《${a.title}》${a.label}`);
      pickArea.append(done);
      pick.textContent = '再指定一条';
      pick.setAttribute('aria-expanded', 'false');
      if (!e.handled) {
        // One way to mark it handled at a time: the offer under the note replaces the card's own button.
        toggle.hidden = true;
        const out = h('span', { class: 'muted small' });
        const mark = h('button', { type: 'button', class: 'primary' }, '同时标记此反馈为已处理');
        mark.addEventListener('click', () => void setHandled(mark, out, true));
        pickArea.append(h('div', { class: 'actions' }, mark, out));
      }
    };
    pick.addEventListener('click', () => {
      const open = pick.getAttribute('aria-expanded') === 'true';
      clear(pickArea);
      pick.setAttribute('aria-expanded', String(!open));
      if (!open) pickArea.append(passagePicker(e, attached));
    });
    return h(
      'article',
      { class: `feedback-card${e.handled ? ' handled' : ''}`, 'data-feedback': e.id },
      h('div', { class: 'feedback-head' }, h('strong', {}, e.user), h('span', { class: 'muted small' }, formatDateTime(e.at)), e.mode ? h('span', { class: 'badge' }, e.mode === 'llm' ? '大模型回答' : e.mode === 'extractive' ? '离线检索模式' : '未找到依据') : null),
      h('div', { class: 'feedback-question' }, h('span', { class: 'label' }, '问题：'), e.question),
      h('div', { class: 'feedback-comment-text' }, h('span', { class: 'label' }, '说明：'), e.comment ?? h('span', { class: 'muted' }, '（未填写）')),
      h('details', { class: 'feedback-answer' }, h('summary', {}, '回答全文'), answer),
      e.citations.length ? h('div', {}, h('span', { class: 'label' }, '来源：'), sources) : null,
      h('div', { class: 'actions' }, pick, toggle, status),
      pickArea,
    );
  }

  return {
    destroy() {
      destroyed = true;
    },
  };
};
