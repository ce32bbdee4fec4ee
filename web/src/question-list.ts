/** 关联问题 of one document (admin): the questions attached to its passages, where they came from, and 删除. */
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';
import { chunkOrdinal, passageHref } from './passage-picker.js';
import type { StoredQuestion } from '../../src/server/events.js';

/** A question attached to a passage, as GET /api/documents/:id/questions returns it. */
export type AttachedQuestion = Omit<StoredQuestion, 'chunkHash'>;

export const SOURCE_LABELS: Record<AttachedQuestion['source'], string> = { feedback: '点赞', admin: '管理员确认', generated: '模型生成' };
/** People's questions first: they are what an admin reviews; model-written ones can run to thousands per document. */
const SOURCE_ORDER: AttachedQuestion['source'][] = ['admin', 'feedback', 'generated'];
/** Rows drawn before 显示全部, so a document with thousands of generated questions still opens at once. */
const PAGE_ROWS = 100;

/** The passage a question hangs on: its article label, or its position when it has none. */
function passageLabel(q: AttachedQuestion): string {
  return q.articleLabel ?? `第 ${Number(chunkOrdinal(q.chunkId)) + 1} 段`;
}

/** Mounts the list for `docId`; `onCount` hears the number after loading and after each removal. */
export function questionList(docId: string, title: string, onCount: (n: number) => void): HTMLElement {
  let questions: AttachedQuestion[] = [];
  let limit = PAGE_ROWS;
  const source = h('select', { 'aria-label': '按来源筛选' }, h('option', { value: '' }, '全部来源'), ...SOURCE_ORDER.map((s) => h('option', { value: s }, SOURCE_LABELS[s])));
  const list = h('ul', { class: 'question-list' });
  const status = h('p', { class: 'muted small', role: 'status' }, '加载中…');
  source.addEventListener('change', () => {
    limit = PAGE_ROWS;
    render();
  });

  const render = () => {
    clear(list);
    const shown = questions.filter((q) => !source.value || q.source === source.value);
    if (!questions.length) status.textContent = '这份文档还没有关联问题。值班人员点赞的回答、管理员指定的条文会出现在这里。';
    else status.textContent = `共 ${questions.length} 条${source.value ? `，其中${SOURCE_LABELS[source.value as AttachedQuestion['source']]} ${shown.length} 条` : ''}`;
    for (const q of shown.slice(0, limit)) list.append(row(q));
    if (shown.length > limit) {
      list.append(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => { limit = Infinity; render(); } }, `显示全部（${shown.length}）`)));
    }
  };

  const row = (q: AttachedQuestion): HTMLLIElement => {
    const remove = h('button', { type: 'button', class: 'danger' }, '删除');
    const error = h('span', { class: 'error small' });
    remove.addEventListener('click', async () => {
      if (!confirm(`删除关联问题“${q.question}”？\n删除后，检索不再凭这个问题找到《${title}》${passageLabel(q)}。`)) return;
      remove.disabled = true;
      try {
        await api(`/api/questions/${encodeURIComponent(q.id)}`, { method: 'DELETE' });
        questions = questions.filter((x) => x.id !== q.id);
        onCount(questions.length);
        render();
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.message : '删除失败';
        remove.disabled = false;
      }
    });
    return h(
      'li',
      { class: 'question-item', 'data-question': q.id },
      h('div', { class: 'question-text' }, q.question),
      h(
        'div',
        { class: 'question-meta muted small' },
        h('a', { href: passageHref(q.docId, q.chunkId) }, passageLabel(q)),
        h('span', { class: 'badge' }, SOURCE_LABELS[q.source]),
        h('span', {}, `${q.addedBy ? `${q.addedBy} · ` : ''}${formatDateTime(q.addedAt)}`),
      ),
      h('div', { class: 'question-actions' }, remove, error),
    );
  };

  void (async () => {
    try {
      questions = await api<AttachedQuestion[]>(`/api/documents/${encodeURIComponent(docId)}/questions`);
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.message : '关联问题加载失败';
      return;
    }
    questions.sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source) || b.addedAt.localeCompare(a.addedAt));
    onCount(questions.length);
    render();
  })();

  return h('div', { class: 'question-panel' }, h('div', { class: 'question-head' }, h('strong', {}, `《${title}》的关联问题`), source), status, list);
}
