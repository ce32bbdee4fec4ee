/**
 * Chat: conversation list (rename, delete), streamed answers with reasoning, basis level, citations and source cards
 * (each opens the full article, for every role), feedback with a comment, copy with sources. A question asked while
 * the server is unreachable is kept and sent when the connection returns.
 */
import type { AnswerMode, AnswerResult, Citation, ConversationDetail, ConversationSummary, ConversationTurnRecord } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, copyText, formatDateTime, h, newId } from './dom.js';
import { appendHighlighted, renderMarkdown } from './markdown.js';
import { addToListButton } from './training-add.js';
import { versionBadge, versionWarning } from './versions.js';
import type { View, ViewContext } from './view.js';

const MODE_LABELS: Record<AnswerMode, string> = { llm: '大模型回答', extractive: '离线检索模式', 'no-basis': '未找到依据' };
const MODE_TITLES: Record<AnswerMode, string> = {
  llm: '由大模型依据知识库原文归纳',
  extractive: '未连接模型：以下为知识库原文摘录，未经模型归纳，请以原文为准',
  'no-basis': '知识库中没有回答这个问题的依据',
};
/** The basis levels in words an officer acts on. */
const BASIS_LABELS: Record<NonNullable<AnswerResult['basis']>, string> = {
  solid: '有明确依据',
  partial: '相关规定未载明所问内容，请核实',
  none: '知识库中没有依据',
};
/** Questions a new duty officer can start from (they match the sample plans and laws). */
const EXAMPLE_QUESTIONS = [
  '生产安全事故发生后，单位负责人应当在多长时间内报告？',
  '有限空间作业人员晕倒后，监护人员应当怎么做？',
  '危险化学品泄漏后，班组长多少分钟内到达现场？',
];
/** The server acknowledges a question at once; no acknowledgement in this time means it is not answering. */
const ACK_TIMEOUT_MS = 8000;
/** No answer event at all in this time (above the model's first-token timeout and the fallback): give up. */
const ANSWER_TIMEOUT_MS = 60_000;

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
  question: string;
  meta: HTMLElement;
  /** Set once any answer event arrived for the current request id. */
  answered: boolean;
  timer?: number;
  /** Whether 依据原文 is unfolded (open by default; kept across re-renders while streaming). */
  supportOpen: boolean;
}

export function mountChat(container: HTMLElement, { session, refreshHealth }: ViewContext): View {
  const { socket } = session;
  // 加入清单 is for those who build 应知应会 lists.
  const canCurate = session.user.role !== 'officer';
  const turns = new Map<string, TurnView>();
  let active: TurnView | undefined;
  /** A question waiting for the connection to come back. */
  let waiting: TurnView | undefined;

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
    sources: (e: { requestId: string; citations: Citation[]; mode: AnswerMode; query: string }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      answered(t);
      t.citations = e.citations;
      setBadge(t, e.mode);
      renderMeta(t, { query: e.query });
      renderSources(t);
      if (t.answer) scheduleRender(t);
    },
    reasoning: (e: { requestId: string; delta: string }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      answered(t);
      t.reasoningRaw += e.delta;
      t.reasoning.hidden = false;
      t.reasoningText.textContent = t.reasoningRaw;
    },
    delta: (e: { requestId: string; delta: string }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      answered(t);
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
      renderMeta(t, e.result);
      renderBody(t);
      renderSources(t);
      finish(t);
      void loadList();
      if (e.result.mode === 'llm' || e.result.modeReason) refreshHealth();
    },
    error: (e: { requestId: string; error: { code: string; message: string } }) => {
      const t = turns.get(e.requestId);
      if (!t) return;
      answered(t);
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
  // A dropped connection aborts the answer on the server: keep the question and ask again once reconnected.
  const onDisconnect = () => {
    const t = active;
    if (!t) return;
    clearTimer(t);
    waiting = t;
    showPending(t, '与服务器的连接已断开，问题已保留，连接恢复后将自动重新发送。');
  };
  const onConnect = () => {
    const t = waiting;
    waiting = undefined;
    if (t) resend(t);
  };
  socket.on('disconnect', onDisconnect);
  socket.on('connect', onConnect);

  void loadList();
  if (currentConversationId) void openConversation(currentConversationId);
  else showEmpty();
  input.focus();

  function showEmpty(): void {
    clear(messages);
    const examples = EXAMPLE_QUESTIONS.map((q) =>
      h('li', {}, h('button', { type: 'button', class: 'example', onclick: () => { input.value = q; ask(); } }, q)),
    );
    messages.append(
      h(
        'div',
        { class: 'empty' },
        h('p', {}, '请输入值班中遇到的问题，回答会注明出处。'),
        h('p', { class: 'muted' }, '可以点击下面的例子直接提问：'),
        h('ul', { class: 'examples' }, ...examples),
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
    for (const c of convs) list.append(conversationItem(c));
  }

  function conversationItem(c: ConversationSummary): HTMLElement {
    const li = h('li', { class: c.id === currentConversationId ? 'active' : '', 'data-conv': c.id });
    const open = h(
      'button',
      { type: 'button', class: 'conv', title: c.title, onclick: () => { sidebar.classList.remove('open'); void openConversation(c.id); } },
      h('span', { class: 'conv-title' }, c.title),
      h('span', { class: 'conv-time' }, formatDateTime(c.updatedAt)),
    );
    const rename = h('button', { type: 'button', class: 'link small', title: '重命名这个对话' }, '重命名');
    const remove = h('button', { type: 'button', class: 'link small danger-text', title: '删除这个对话' }, '删除');
    const tools = h('div', { class: 'conv-tools' }, rename, remove);
    rename.addEventListener('click', () => {
      const field = h('input', { class: 'conv-rename', value: c.title, maxlength: 60, 'aria-label': '对话名称' });
      const save = async () => {
        const title = field.value.trim();
        if (!title || title === c.title) return void loadList();
        try {
          await api(`/api/conversations/${encodeURIComponent(c.id)}`, { method: 'PUT', json: { title } });
        } catch (e) {
          window.alert(e instanceof ApiError ? e.message : '重命名失败');
        }
        void loadList();
      };
      field.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          void save();
        } else if (e.key === 'Escape') {
          void loadList();
        }
      });
      field.addEventListener('blur', () => void save());
      li.replaceChildren(field);
      field.focus();
      field.select();
    });
    let armed: number | undefined;
    remove.addEventListener('click', async () => {
      // Two clicks, not a confirm() dialog: deleting is rare, and a dialog blocks the whole tab.
      if (armed === undefined) {
        remove.textContent = '确认删除？';
        armed = window.setTimeout(() => {
          armed = undefined;
          remove.textContent = '删除';
        }, 4000);
        return;
      }
      window.clearTimeout(armed);
      try {
        await api(`/api/conversations/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
        if (c.id === currentConversationId) newConversation();
      } catch (e) {
        window.alert(e instanceof ApiError ? e.message : '删除失败');
      }
      void loadList();
    });
    li.append(open, tools);
    return li;
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
    const t = createTurn(newId(), question);
    active = t;
    input.value = '';
    send.hidden = true;
    stop.hidden = false;
    if (!socket.connected) {
      waiting = t;
      showPending(t, '未连接到服务器，问题已保留，连接恢复后将自动发送。');
      return;
    }
    emitAsk(t);
  }

  function emitAsk(t: TurnView): void {
    const conversationId = currentConversationId ?? newId();
    currentConversationId = conversationId;
    clear(t.body);
    t.body.append(h('span', { class: 'typing' }, '正在检索与生成…'));
    const requestId = t.requestId;
    socket.timeout(ACK_TIMEOUT_MS).emit('chat:ask', { requestId, conversationId, question: t.question }, (err, res) => {
      if (t.requestId !== requestId || active !== t) return;
      if (err) {
        // Not acknowledged: a reconnect resends it; a live but silent server is an error the officer must see.
        if (socket.connected) fail(t, `服务器在 ${ACK_TIMEOUT_MS / 1000} 秒内没有响应，问题未能发送。请稍后点击“重新提问”。`);
        return;
      }
      if (!res.ok) fail(t, res.error.message);
    });
    clearTimer(t);
    t.timer = window.setTimeout(() => {
      if (active === t && !t.answered) fail(t, `服务器在 ${ANSWER_TIMEOUT_MS / 1000} 秒内没有返回回答，请稍后点击“重新提问”。`);
    }, ANSWER_TIMEOUT_MS);
  }

  /** Asks the same question again under a new request id (the old one was aborted with the connection). */
  function resend(t: TurnView): void {
    turns.delete(t.requestId);
    t.requestId = newId();
    t.root.dataset.request = t.requestId;
    turns.set(t.requestId, t);
    t.answer = '';
    t.reasoningRaw = '';
    t.citations = [];
    t.answered = false;
    t.root.querySelectorAll('.pending-note, .error').forEach((n) => n.remove());
    renderSources(t);
    emitAsk(t);
  }

  function showPending(t: TurnView, message: string): void {
    t.root.querySelectorAll('.pending-note').forEach((n) => n.remove());
    clear(t.body);
    t.body.append(h('p', { class: 'pending-note warn', role: 'alert' }, message));
  }

  function fail(t: TurnView, message: string): void {
    clearTimer(t);
    if (waiting === t) waiting = undefined;
    clear(t.body);
    const retry = h('button', { type: 'button', class: 'link', onclick: () => { retry.remove(); active = t; send.hidden = true; stop.hidden = false; resend(t); } }, '重新提问');
    t.root.append(h('p', { class: 'error', role: 'alert' }, message, ' ', retry));
    finish(t);
  }

  function answered(t: TurnView): void {
    t.answered = true;
    clearTimer(t);
  }

  function clearTimer(t: TurnView): void {
    if (t.timer !== undefined) window.clearTimeout(t.timer);
    t.timer = undefined;
  }

  function stopAnswer(): void {
    if (!active) return;
    if (waiting === active) {
      // Never sent: nothing to stop on the server.
      const t = active;
      waiting = undefined;
      showPending(t, '已取消，问题未发送。');
      finish(t);
      return;
    }
    socket.emit('chat:stop', { requestId: active.requestId });
  }

  function finish(t: TurnView): void {
    clearTimer(t);
    if (active === t) active = undefined;
    send.hidden = false;
    stop.hidden = true;
    renderActions(t);
    input.focus();
  }

  function createTurn(requestId: string, question: string): TurnView {
    const badge = h('span', { class: 'badge' });
    const meta = h('div', { class: 'answer-meta' });
    const reasoningText = h('div', { class: 'reasoning-text' });
    const reasoning = h('details', { class: 'reasoning', hidden: true }, h('summary', {}, '思考过程'), reasoningText);
    const body = h('div', { class: 'answer-body' });
    const sources = h('div', { class: 'sources' });
    const actions = h('div', { class: 'actions' });
    const root = h('article', { class: 'turn', 'data-request': requestId }, h('div', { class: 'question' }, question), h('div', { class: 'answer' }, h('div', { class: 'answer-head' }, badge, meta), reasoning, body, sources, actions));
    const t: TurnView = { requestId, root, body, reasoning, reasoningText, sources, badge, actions, answer: '', reasoningRaw: '', citations: [], renderQueued: false, question, meta, answered: false, supportOpen: true };
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
    setBadge(t, m.mode, m.modeReason);
    renderMeta(t, m);
    renderBody(t);
    renderSources(t);
    if (m.stopped) t.root.append(h('p', { class: 'note' }, '已停止生成。'));
    renderActions(t, m.feedback?.rating);
  }

  /** The mode is said here (reason in the tooltip), never inside the answer text. */
  function setBadge(t: TurnView, mode: AnswerMode, reason?: string): void {
    t.badge.textContent = MODE_LABELS[mode];
    t.badge.className = `badge mode-${mode}`;
    t.badge.title = reason ? `${MODE_TITLES[mode]}（${reason}）` : MODE_TITLES[mode];
  }

  /** Basis level in plain words, and the question actually searched when a follow-up was rewritten. */
  function renderMeta(t: TurnView, r: { basis?: AnswerResult['basis']; query?: string; rewrittenBy?: AnswerResult['rewrittenBy'] }): void {
    if (r.basis) {
      t.meta.querySelector('.basis')?.remove();
      t.meta.prepend(h('span', { class: `basis basis-${r.basis}` }, BASIS_LABELS[r.basis]));
    }
    const query = r.query?.trim();
    t.meta.querySelector('.searched')?.remove();
    if (query && query !== t.question.trim()) t.meta.append(h('span', { class: 'searched muted small' }, `按“${query}”检索`));
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
    collapseSupport(t);
  }

  /**
   * After 行动要点, the supporting sentences (依据原文 / 依据) become a section the reader can fold away; each [n]
   * opens its source card with the full passage, the relevant sentences marked.
   */
  function collapseSupport(t: TurnView): void {
    const heading = [...t.body.querySelectorAll(':scope > p > strong:first-child')].find((el) => /^依据(?:原文)?$/.test(el.textContent?.trim() ?? ''));
    const p = heading?.parentElement;
    if (!heading || !p || p === t.body.firstElementChild) return;
    const label = heading.textContent?.trim() ?? '依据原文';
    const next = heading.nextSibling;
    heading.remove();
    if (next instanceof HTMLBRElement) next.remove();
    const details = h('details', { class: 'support' }, h('summary', {}, `${label}（相关句子；点 [n] 看全文）`));
    details.open = t.supportOpen;
    details.addEventListener('toggle', () => {
      t.supportOpen = details.open;
    });
    p.before(details);
    let node: Element | null = p;
    while (node) {
      const following: Element | null = node.nextElementSibling;
      details.append(node);
      node = following;
    }
    if (!p.textContent?.trim()) p.remove();
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
        h('a', { class: 'src-link', href: `#/browse/${encodeURIComponent(c.docId)}/${encodeURIComponent(c.locator)}` }, '查看全文 →'),
        canCurate ? addToListButton({ docId: c.docId, label: c.locator }) : null,
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
    const status = h('span', { class: 'muted small', role: 'status' });
    const up = h('button', { class: 'icon rate-up', type: 'button', title: '这个回答有帮助', 'aria-pressed': rating === 'up' ? 'true' : 'false' }, thumbIcon(false), ' 有用');
    const down = h('button', { class: 'icon rate-down', type: 'button', title: '这个回答没有帮助', 'aria-pressed': rating === 'down' ? 'true' : 'false' }, thumbIcon(true), ' 没用');
    const comment = h('textarea', { class: 'feedback-comment', rows: 2, placeholder: '哪里不对？例如：没有说向谁报告、条文引错了（可选）', maxlength: 1000, 'aria-label': '反馈说明' });
    const form = h(
      'form',
      { class: 'feedback-form', hidden: true },
      comment,
      h('div', { class: 'feedback-buttons' }, h('button', { type: 'submit', class: 'primary' }, '提交说明'), h('button', { type: 'button', class: 'link', onclick: () => { form.hidden = true; } }, '不用了')),
    );
    const send = async (chosen: 'up' | 'down', text?: string): Promise<boolean> => {
      try {
        await api('/api/feedback', { method: 'POST', json: { requestId: t.requestId, rating: chosen, comment: text } });
        up.setAttribute('aria-pressed', String(chosen === 'up'));
        down.setAttribute('aria-pressed', String(chosen === 'down'));
        return true;
      } catch (e) {
        status.textContent = e instanceof ApiError ? e.message : '反馈未能保存，请稍后再试';
        return false;
      }
    };
    up.addEventListener('click', async () => {
      form.hidden = true;
      if (await send('up')) status.textContent = '已记录，谢谢';
    });
    down.addEventListener('click', async () => {
      // The rating is saved at once; the box stays open for the reason until it is sent or dismissed.
      form.hidden = false;
      comment.focus();
      if (await send('down')) status.textContent = '已记录。可以在下面说明原因，管理员会看到';
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = comment.value.trim();
      if (!text) {
        comment.focus();
        return;
      }
      if (await send('down', text)) {
        form.hidden = true;
        status.textContent = '已提交说明，谢谢';
      }
    });
    const copy = h(
      'button',
      {
        class: 'icon',
        type: 'button',
        title: '复制回答和来源',
        onclick: async () => {
          status.textContent = (await copyText(answerForCopy(t.answer, t.citations))) ? '已复制回答和来源' : '复制失败';
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
      socket.off('disconnect', onDisconnect);
      socket.off('connect', onConnect);
      for (const t of turns.values()) clearTimer(t);
      document.removeEventListener('keydown', onEsc);
    },
  };
}

/** The answer as plain text with its source list, as pasted into a duty log or a message. */
export function answerForCopy(answer: string, citations: Citation[]): string {
  const text = answer.replace(/\*\*/g, '').trim();
  const cited = citations.some((c) => c.cited) ? citations.filter((c) => c.cited) : citations;
  if (!cited.length) return text;
  const lines = cited.map((c) => `[${c.n}] 《${c.title}》${c.locator ? ` ${c.locator}` : ''}${c.page !== null ? `（第 ${c.page} 页）` : ''}`);
  return `${text}\n\n来源：\n${lines.join('\n')}`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A thumb drawn as SVG: renders on duty-room PCs without an emoji font. */
function thumbIcon(down: boolean): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'thumb');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', 'M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 19 10h-5.5l.8-4.2A2 2 0 0 0 12.3 3L8 9.5z');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.8');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  if (down) svg.style.transform = 'rotate(180deg)';
  return svg;
}

