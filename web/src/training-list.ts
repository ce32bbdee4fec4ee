/** One 应知应会 list: the trainer's editor (order, notes, share, print) and the officer's booklet. */
import type { Quiz, TrainingListItemView, TrainingListView } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';

const listUrl = (id: string) => `/api/training/lists/${encodeURIComponent(id)}`;

function currencyNote(item: TrainingListItemView): HTMLElement | null {
  if (item.currency.status === 'changed') {
    return h(
      'details',
      { class: 'tr-changed' },
      h('summary', {}, '⚠ 该条在现行版本中已修改，点击查看现行条文'),
      h('p', { class: 'passage' }, item.currency.currentText),
    );
  }
  if (item.currency.status === 'missing') return h('p', { class: 'tr-changed' }, '⚠ 现行版本中已找不到该条');
  return null;
}

/** The booklet officers read: title, article text, the trainer's note. */
export function renderListBooklet(list: TrainingListView): HTMLElement {
  return h(
    'article',
    { class: 'tr-booklet panel' },
    h('h1', {}, list.name),
    list.description ? h('p', { class: 'muted' }, list.description) : null,
    h(
      'p',
      { class: 'small muted' },
      `共 ${list.items.length} 条 · ${list.owner} 编 · 更新于 ${formatDateTime(list.updatedAt)} · `,
      h('a', { href: `${listUrl(list.id)}/print`, target: '_blank', rel: 'noopener' }, '打印版'),
    ),
    h(
      'ol',
      { class: 'tr-items' },
      ...list.items.map((item) =>
        h(
          'li',
          { class: 'tr-item' },
          h('h3', {}, `《${item.title}》${item.label}`),
          h('p', { class: 'passage' }, item.text),
          item.note ? h('p', { class: 'tr-note' }, `培训师提示：${item.note}`) : null,
          currencyNote(item),
        ),
      ),
    ),
  );
}

/** The trainer's editor; every change is saved at once and the view redrawn from the server's answer. */
export function renderListEditor(initial: TrainingListView): HTMLElement {
  const root = h('div', { class: 'tr-editor' });
  const msg = h('p', { class: 'small', role: 'status' });
  let list = initial;

  async function save(path: string, method: string, json?: unknown, done = '已保存'): Promise<void> {
    msg.className = 'small';
    msg.textContent = '保存中…';
    try {
      list = await api<TrainingListView>(listUrl(list.id) + path, { method, json });
      draw();
      msg.className = 'small ok';
      msg.textContent = done;
    } catch (e) {
      msg.className = 'small error';
      msg.textContent = e instanceof ApiError ? e.message : '保存失败';
    }
  }

  async function removeList(): Promise<void> {
    if (!confirm(`删除清单「${list.name}」？已据此生成的测验不受影响。`)) return;
    try {
      await api(listUrl(list.id), { method: 'DELETE' });
      location.hash = '#/training';
    } catch (e) {
      msg.className = 'small error';
      msg.textContent = e instanceof ApiError ? e.message : '删除失败';
    }
  }

  function move(index: number, by: number): void {
    const ids = list.items.map((i) => i.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    void save('', 'PUT', { order: ids }, '顺序已保存');
  }

  function draw(): void {
    clear(root);
    const name = h('input', { value: list.name, 'aria-label': '清单名称', maxlength: 80, class: 'tr-name' });
    const description = h('input', { value: list.description ?? '', placeholder: '说明（可选）', 'aria-label': '清单说明', maxlength: 500 });
    const shared = h('input', { type: 'checkbox', checked: list.shared });
    shared.addEventListener('change', () => void save('', 'PUT', { shared: shared.checked }, shared.checked ? '已共享给值班员' : '已取消共享'));
    const makeQuiz = h('button', { type: 'button', disabled: !list.items.length }, '用此清单生成测验');
    makeQuiz.addEventListener('click', async () => {
      makeQuiz.disabled = true;
      try {
        const quiz = await api<Quiz>('/api/training/quizzes', { method: 'POST', json: { listId: list.id, n: Math.max(list.items.length, 1) } });
        location.hash = `#/training/quiz/${encodeURIComponent(quiz.id)}`;
      } catch (e) {
        msg.className = 'small error';
        msg.textContent = e instanceof ApiError ? e.message : '出题失败';
        makeQuiz.disabled = false;
      }
    });
    root.append(
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, '编辑清单'),
        h(
          'form',
          {
            class: 'tr-form',
            onsubmit: (e: Event) => {
              e.preventDefault();
              void save('', 'PUT', { name: name.value, description: description.value });
            },
          },
          h('label', {}, '清单名称', name),
          h('label', {}, '说明', description),
          h('div', { class: 'tr-row' }, h('button', { type: 'submit' }, '保存名称和说明'), h('label', { class: 'tr-check' }, shared, '共享给值班员（以手册形式阅读）')),
        ),
        h(
          'div',
          { class: 'tr-row' },
          makeQuiz,
          h('a', { href: `${listUrl(list.id)}/print`, target: '_blank', rel: 'noopener' }, '打印手册'),
          h('button', { type: 'button', class: 'danger', onclick: () => void removeList() }, '删除清单'),
          list.changedCount ? h('span', { class: 'tr-changed' }, `⚠ ${list.changedCount} 条在现行版本中已修改`) : null,
        ),
        msg,
      ),
    );
    const items = h('ol', { class: 'tr-items' });
    list.items.forEach((item, i) => {
      const note = h('textarea', { rows: 2, placeholder: '培训提示（可选），如：注意区分 1 小时和 2 小时', 'aria-label': `${item.label} 的说明`, maxlength: 500 });
      note.value = item.note ?? '';
      items.append(
        h(
          'li',
          { class: 'tr-item panel' },
          h(
            'div',
            { class: 'tr-item-head' },
            h('h3', {}, `《${item.title}》${item.label}`),
            h(
              'span',
              { class: 'tr-tools' },
              h('button', { type: 'button', class: 'icon', title: '上移', 'aria-label': '上移', disabled: i === 0, onclick: () => move(i, -1) }, '↑'),
              h('button', { type: 'button', class: 'icon', title: '下移', 'aria-label': '下移', disabled: i === list.items.length - 1, onclick: () => move(i, 1) }, '↓'),
              h('button', { type: 'button', class: 'icon danger', title: '移出清单', 'aria-label': '移出清单', onclick: () => void save(`/items/${encodeURIComponent(item.id)}`, 'DELETE', undefined, '已移出') }, '✕'),
            ),
          ),
          h('p', { class: 'muted small' }, item.locator),
          h('p', { class: 'passage' }, item.text),
          currencyNote(item),
          h(
            'div',
            { class: 'tr-row' },
            note,
            h('button', { type: 'button', onclick: () => void save(`/items/${encodeURIComponent(item.id)}`, 'PUT', { note: note.value }, '说明已保存') }, '保存说明'),
          ),
        ),
      );
    });
    root.append(
      list.items.length ? items : h('p', { class: 'muted panel' }, '清单还是空的：在「法规浏览」的条文旁或对话来源卡片中点「加入清单」添加条文。'),
    );
  }
  draw();
  return root;
}
