/**
 * 加入清单: a button for 法规浏览 articles and chat source cards that puts the article into one of the trainer's
 * 应知应会 lists (or a new one). Shown only to trainers and admins by its callers.
 */
import type { AddTrainingListItemRequest, SessionUser, TrainingListSummary, TrainingListView } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, h } from './dom.js';

const NEW_LIST = '__new__';
/** The list chosen last: the next 加入清单 proposes it again, so building a list is one click per article. */
let lastListId: string | undefined;
let me: Promise<SessionUser> | undefined;

/** Lists the signed-in user may add to (their own; an admin's: all). */
async function editableLists(): Promise<TrainingListSummary[]> {
  me ??= api<SessionUser>('/api/me').catch((e: unknown) => {
    me = undefined;
    throw e;
  });
  const [user, lists] = await Promise.all([me, api<TrainingListSummary[]>('/api/training/lists')]);
  return lists.filter((l) => user.role === 'admin' || l.owner === user.username);
}

/** The button and its small form; `target` names the article (a chunk id, or docId + article label/locator). */
export function addToListButton(target: AddTrainingListItemRequest): HTMLElement {
  const box = h('span', { class: 'add-to-list' });
  const form = h('form', { class: 'add-to-list-form', hidden: true });
  const msg = h('span', { class: 'small', role: 'status' });
  const open = h('button', { type: 'button', class: 'link small', onclick: () => void show() }, '加入清单');
  box.append(open, form, msg);

  async function show(): Promise<void> {
    msg.textContent = '';
    let lists: TrainingListSummary[];
    try {
      lists = await editableLists();
    } catch (e) {
      msg.className = 'small error';
      msg.textContent = e instanceof ApiError ? e.message : '清单加载失败';
      return;
    }
    clear(form);
    const select = h(
      'select',
      { 'aria-label': '选择清单' },
      ...lists.map((l) => h('option', { value: l.id }, `${l.name}（${l.itemCount} 条）`)),
      h('option', { value: NEW_LIST }, '＋ 新建清单…'),
    );
    select.value = lastListId && lists.some((l) => l.id === lastListId) ? lastListId : lists[0]?.id ?? NEW_LIST;
    const name = h('input', { placeholder: '新清单名称', 'aria-label': '新清单名称', maxlength: 80 });
    const note = h('input', { placeholder: '说明（可选）', 'aria-label': '条目说明', maxlength: 500 });
    const syncName = () => (name.hidden = select.value !== NEW_LIST);
    select.addEventListener('change', syncName);
    syncName();
    form.append(
      select,
      name,
      note,
      h('button', { type: 'submit', class: 'primary' }, '加入'),
      h('button', { type: 'button', class: 'link', onclick: () => (form.hidden = true) }, '取消'),
    );
    form.onsubmit = async (e) => {
      e.preventDefault();
      msg.className = 'small';
      msg.textContent = '正在加入…';
      try {
        let listId = select.value;
        if (listId === NEW_LIST) {
          if (!name.value.trim()) {
            msg.className = 'small error';
            msg.textContent = '请填写新清单名称';
            return;
          }
          listId = (await api<TrainingListView>('/api/training/lists', { method: 'POST', json: { name: name.value.trim() } })).id;
        }
        const body: AddTrainingListItemRequest = { ...target, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
        const list = await api<TrainingListView>(`/api/training/lists/${encodeURIComponent(listId)}/items`, { method: 'POST', json: body });
        lastListId = list.id;
        form.hidden = true;
        msg.className = 'small ok';
        msg.textContent = `已加入「${list.name}」（共 ${list.items.length} 条）`;
      } catch (err) {
        msg.className = 'small error';
        msg.textContent = err instanceof ApiError ? err.message : '加入失败';
      }
    };
    form.hidden = false;
    (lists.length ? select : name).focus();
  }
  return box;
}
