/** Chat: conversation list, streamed answers with reasoning, citations and source cards, feedback. */
import type { AnswerMode, AnswerResult, Citation, ConversationDetail, ConversationSummary, ConversationTurnRecord } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h, newId } from './dom.js';
import { appendHighlighted, renderMarkdown } from './markdown.js';
import { versionBadge, versionWarning } from './versions.js';
import type { View, ViewContext } from './view.js';

const MODE_LABELS: Record<AnswerMode, string> = { llm: '大模型回答', extractive: '离线检索模式', 'no-basis': '未找到依据' };

/** Survives switching tabs, so coming back shows the same conversation. */
let currentConversationId: string | undefined;

interface TurnView {
  requestId: string;
  root: HTMLElement;
  body: HTMLElement;
  reasoning: HTMLDetailsElement;
  reasoningText: HTMLElement;
  sources: HTMLElement;
  badge: HTMLElement;
  actions: HTMLElement;
  answer: string;
  reasoningRaw: string;
  citations: Citation[];
  renderQueued: boolean;
}

export function mountChat(container: HTMLElement, { session, refreshHealth }: ViewContext): View {
  const { socket, user } = session;
  const canBrowse = user.role !== 'officer';
  const turns = new Map<string, TurnView>();
  let active: TurnView | undefined;

  const list = h('ul', { class: 'conv-list' });
  const messages = h('div', { class: 'messages', 'aria-live': 'polite' });
  const input = h('textarea', { class: 'composer-input', rows: 2, placeholder: '输入问题，Enter 发送，Shift+Enter 换行，Esc 停止', 'aria-label': '问题' });
  const send = h('button', { class: 'primary', type: 'button', onclick: () => ask() }, '发送');
  const stop = h('button', { class: 'danger', type: 'button', hidden: true, onclick: () => stopAnswer() }, '停止');
  const sidebar = h(
    'aside',
    { class: 'sidebar' },
    h('button', { class: 'primary block', type: 'button', onclick: () => newConversation() }, '＋ 新对话'),
    h('h2', {}, '我的对话'),
    list,
  );
  const toggle = h('button', { class: 'link sidebar-toggle', type: 'button', onclick: () => sidebar.classList.toggle('open') }, '☰ 对话列表');
  container.append(
    h('div', { class: 'chat-layout' }, sidebar, h('section', { class: 'chat' }, toggle, messages, h('div', { class: 'composer' }, input, send, stop))),
  );

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      ask();
    } else if (e.key === 'Escape') {
      stopAnswer();
    }
  });
  const onEsc = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && active) stopAnswer();
  };
  document.addEventListener('keydown', onEsc);

  const handlers = {
    sources: (e: { requestId: string; citations: Citation[]; mode: AnswerMode }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      t.citations = e.citations;
      setBadge(t, e.mode);
      renderSources(t);
    },
    reasoning: (e: { requestId: string; delta: string }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      t.reasoningRaw += e.delta;
      t.reasoning.hidden = false;
      t.reasoningText.textContent = t.reasoningRaw;
    },
    delta: (e: { requestId: string; delta: string }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      t.answer += e.delta;
      scheduleRender(t);
    },
    done: (e: { requestId: string; conversationId: string; result: AnswerResult }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      t.answer = e.result.answer;
      t.citations = e.result.citations;
      t.reasoningRaw = e.result.reasoning;
      t.reasoning.hidden = !t.reasoningRaw;
      t.reasoningText.textContent = t.reasoningRaw;
      setBadge(t, e.result.mode, e.result.modeReason);
      renderBody(t);
      renderSources(t);
      finish(t);
      void loadList();
      if (e.result.mode === 'llm' || e.result.modeReason) refreshHealth();
    },
    error: (e: { requestId: string; error: { code: string; message: string } }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      renderBody(t);
      t.root.append(h('p', { class: e.error.code === 'ANSWER_ABORTED' ? 'note' : 'error' }, e.error.code === 'ANSWER_ABORTED' ? '已停止生成。' : e.error.message));
      finish(t);
      void loadList();
    },
  };
  socket.on('answer:sources', handlers.sources);
  socket.on('answer:reasoning', handlers.reasoning);
  socket.on('answer:delta', handlers.delta);
  socket.on('answer:done', handlers.done);
  socket.on('answer:error', handlers.error);

  void loadList();
  if (currentConversationId) void openConversation(currentConversationId);
  else showEmpty();
  input.focus();

  function showEmpty(): void {
    clear(messages);
    messages.append(
      h(
        'div',
        { class: 'empty' },
        h('p', {}, '请输入值班中遇到的问题，回答会注明出处。'),
        h('p', { class: 'muted' }, '例如：生产安全事故发生后，单位负责人应当在多长时间内报告？'),
      ),
    );
  }

  async function loadList(): Promise<void> {
    let convs: ConversationSummary[] = [];
    try {
      convs = await api<ConversationSummary[]>('/api/conversations');
    } catch {
      return;
    }
    clear(list);
    if (!convs.length) list.append(h('li', { class: 'muted' }, '暂无对话'));
    for (const c of convs) {
      list.append(
        h(
          'li',
          { class: c.id === currentConversationId ? 'active' : '' },
          h(
            'button',
            { type: 'button', class: 'conv', title: c.title, onclick: () => { sidebar.classList.remove('open'); void openConversation(c.id); } },
            h('span', { class: 'conv-title' }, c.title),
            h('span', { class: 'conv-time' }, formatDateTime(c.updatedAt)),
          ),
        ),
      );
    }
  }

  async function openConversation(id: string): Promise<void> {
    if (active) return;
    let conv: ConversationDetail;
    try {
      conv = await api<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`);
    } catch {
      currentConversationId = undefined;
      showEmpty();
      return;
    }
    currentConversationId = id;
    clear(messages);
    turns.clear();
    for (const m of conv.messages) renderStoredTurn(m);
    messages.scrollTop = messages.scrollHeight;
    void loadList();
  }

  function newConversation(): void {
    if (active) stopAnswer();
    currentConversationId = undefined;
    turns.clear();
    showEmpty();
    sidebar.classList.remove('open');
    void loadList();
    input.focus();
  }

  function ask(): void {
    const question = input.value.trim();
    if (!question || active) return;
    if (!currentConversationId) {
      currentConversationId = newId();
      clear(messages);
    }
    const requestId = newId();
    const t = createTurn(requestId, question);
    active = t;
    input.value = '';
    send.hidden = true;
    stop.hidden = false;
    t.body.append(h('span', { class: 'typing' }, '正在检索与生成…'));
    socket.emit('chat:ask', { requestId, conversationId: currentConversationId, question }, (res) => {
      if (!res.ok) {
        clear(t.body);
        t.root.append(h('p', { class: 'error' }, res.error.message));
        finish(t);
      }
    });
  }

  function stopAnswer(): void {
    if (!active) return;
    socket.emit('chat:stop', { requestId: active.requestId });
  }

  function finish(t: TurnView): void {
    if (active === t) active = undefined;
    send.hidden = false;
    stop.hidden = true;
    renderActions(t);
    input.focus();
  }

  function createTurn(requestId: string, question: string): TurnView {
    const badge = h('span', { class: 'badge' });
    const reasoningText = h('div', { class: 'reasoning-text' });
    const reasoning = h('details', { class: 'reasoning', hidden: true }, h('summary', {}, '思考过程'), reasoningText);
    const body = h('div', { class: 'answer-body' });
    const sources = h('div', { class: 'sources' });
    const actions = h('div', { class: 'actions' });
    const root = h('article', { class: 'turn', 'data-request': requestId }, h('div', { class: 'question' }, question), h('div', { class: 'answer' }, badge, reasoning, body, sources, actions));
    const t: TurnView = { requestId, root, body, reasoning, reasoningText, sources, badge, actions, answer: '', reasoningRaw: '', citations: [], renderQueued: false };
    body.addEventListener('click', (e) => {
      const btn = (e.target as HTMLElement).closest<HTMLElement>('button.cite');
      if (btn?.dataset.cite) openSource(t, Number(btn.dataset.cite));
    });
    turns.set(requestId, t);
    messages.querySelector('.empty')?.remove();
    messages.append(root);
    root.scrollIntoView({ block: 'end' });
    return t;
  }

  function renderStoredTurn(m: ConversationTurnRecord): void {
    const t = createTurn(m.requestId, m.question);
    t.answer = m.answer;
    t.reasoningRaw = m.reasoning;
    t.citations = m.citations;
    t.reasoning.hidden = !m.reasoning;
    t.reasoningText.textContent = m.reasoning;
    setBadge(t, m.mode);
    renderBody(t);
    renderSources(t);
    if (m.stopped) t.root.append(h('p', { class: 'note' }, '已停止生成。'));
    renderActions(t, m.feedback?.rating);
  }

  function setBadge(t: TurnView, mode: AnswerMode, reason?: string): void {
    t.badge.textContent = MODE_LABELS[mode];
    t.badge.className = `badge mode-${mode}`;
    if (reason) t.badge.title = reason;
  }

  function scheduleRender(t: TurnView): void {
    if (t.renderQueued) return;
    t.renderQueued = true;
    requestAnimationFrame(() => {
      t.renderQueued = false;
      const nearBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
      renderBody(t);
      if (nearBottom) messages.scrollTop = messages.scrollHeight;
    });
  }

  function renderBody(t: TurnView): void {
    renderMarkdown(t.body, t.answer, new Set(t.citations.map((c) => c.n)));
  }

  function renderSources(t: TurnView): void {
    clear(t.sources);
    if (!t.citations.length) return;
    const shown = t.citations.some((c) => c.cited) ? t.citations.filter((c) => c.cited) : t.citations;
    t.sources.append(h('h3', {}, `来源（${shown.length}）`));
    for (const c of shown) {
      const passage = h('div', { class: 'passage' });
      appendHighlighted(passage, c.text, c.highlights);
      const card = h(
        'details',
        { class: 'source-card', id: `src-${t.requestId}-${c.n}`, 'data-n': c.n },
        h(
          'summary',
          {},
          h('span', { class: 'src-n' }, `[${c.n}]`),
          h('span', { class: 'src-title' }, `《${c.title}》`),
          h('span', { class: 'src-loc' }, c.locator),
          versionBadge(c.version),
          c.page !== null ? h('span', { class: 'src-page' }, `第 ${c.page} 页`) : null,
        ),
        versionWarning(c.docId, c.version),
        passage,
        canBrowse ? h('a', { class: 'src-link', href: `#/browse/${encodeURIComponent(c.docId)}/${encodeURIComponent(c.locator)}` }, '查看全文 →') : null,
      );
      t.sources.append(card);
    }
  }

  function openSource(t: TurnView, n: number): void {
    let card = t.sources.querySelector<HTMLDetailsElement>(`#src-${CSS.escape(t.requestId)}-${n}`);
    if (!card) {
      // The cited source may be among the uncited ones that are hidden: show all.
      t.citations = t.citations.map((c) => (c.n === n ? { ...c, cited: true } : c));
      renderSources(t);
      card = t.sources.querySelector<HTMLDetailsElement>(`#src-${CSS.escape(t.requestId)}-${n}`);
    }
    if (!card) return;
    card.open = true;
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    card.classList.add('flash');
    setTimeout(() => card?.classList.remove('flash'), 1200);
  }

  function renderActions(t: TurnView, rating?: 'up' | 'down'): void {
    clear(t.actions);
    if (!t.answer) return;
    const status = h('span', { class: 'muted small' });
    const up = h('button', { class: 'icon', type: 'button', title: '有帮助', 'aria-pressed': rating === 'up' ? 'true' : 'false' }, '👍 有用');
    const down = h('button', { class: 'icon', type: 'button', title: '没帮助', 'aria-pressed': rating === 'down' ? 'true' : 'false' }, '👎 没用');
    const form = h('form', { class: 'feedback-form', hidden: true });
    const comment = h('input', { placeholder: '补充说明（可选）', maxlength: 1000 });
    let chosen: 'up' | 'down' | undefined;
    const submit = async (withComment: boolean) => {
      if (!chosen) return;
      try {
        await api('/api/feedback', { method: 'POST', json: { requestId: t.requestId, rating: chosen, comment: withComment ? comment.value : undefined } });
        up.setAttribute('aria-pressed', String(chosen === 'up'));
        down.setAttribute('aria-pressed', String(chosen === 'down'));
        status.textContent = '已记录反馈，谢谢';
        form.hidden = true;
      } catch (e) {
        status.textContent = e instanceof ApiError ? e.message : '反馈失败';
      }
    };
    const choose = (r: 'up' | 'down') => {
      chosen = r;
      form.hidden = false;
      comment.focus();
      void submit(false);
    };
    up.addEventListener('click', () => choose('up'));
    down.addEventListener('click', () => choose('down'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit(true);
    });
    form.append(comment, h('button', { type: 'submit' }, '提交'));
    const copy = h(
      'button',
      {
        class: 'icon',
        type: 'button',
        title: '复制回答',
        onclick: async () => {
          status.textContent = (await copyText(t.answer)) ? '已复制' : '复制失败';
        },
      },
      '复制',
    );
    t.actions.append(copy, up, down, status, form);
  }

  return {
    destroy() {
      socket.off('answer:sources', handlers.sources);
      socket.off('answer:reasoning', handlers.reasoning);
      socket.off('answer:delta', handlers.delta);
      socket.off('answer:done', handlers.done);
      socket.off('answer:error', handlers.error);
      document.removeEventListener('keydown', onEsc);
    },
  };
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Plain-http duty-room deployments have no Clipboard API: fall back to a hidden textarea.
    const ta = h('textarea', { style: 'position:fixed;opacity:0' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}
