/**
 * 培训: #/training lists 应知应会清单 and 测验 (trainers also create them), #/training/list/<id> edits a list or
 * reads it as a booklet, #/training/quiz/<id> edits and publishes a quiz, shows its results, or lets an officer
 * take it.
 */
import type {
  DocumentDetail,
  GenerateQuizRequest,
  Quiz,
  QuizSummary,
  SourceDoc,
  TrainingListSummary,
  TrainingListView,
} from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';
import { renderListBooklet, renderListEditor } from './training-list.js';
import { renderQuizEditor, renderQuizTaking } from './training-quiz.js';
import type { MountView } from './view.js';

export const mountTraining: MountView = (container, ctx, [kind, id]) => {
  const trainer = ctx.session.user.role !== 'officer';
  const page = h('div', { class: 'training-page' });
  container.append(page);
  const alive = { value: true };
  const fail = (e: unknown) => {
    if (!alive.value) return;
    clear(page);
    page.append(backLink(), h('p', { class: 'error' }, e instanceof ApiError ? e.message : '加载失败，请刷新重试。'));
  };
  if (kind === 'list' && id) {
    void api<TrainingListView>(`/api/training/lists/${encodeURIComponent(id)}`)
      .then((list) => alive.value && page.append(backLink(), trainer ? renderListEditor(list) : renderListBooklet(list)))
      .catch(fail);
  } else if (kind === 'quiz' && id) {
    void (trainer
      ? api<Quiz>(`/api/training/quizzes/${encodeURIComponent(id)}`).then((q) => alive.value && page.append(backLink(), renderQuizEditor(q)))
      : renderQuizTaking(id).then((el) => alive.value && page.append(backLink(), el))
    ).catch(fail);
  } else {
    void renderHome(page, trainer).catch(fail);
  }
  return {
    destroy() {
      alive.value = false;
    },
  };
};

function backLink(): HTMLElement {
  return h('a', { class: 'back small', href: '#/training' }, '← 返回培训');
}

async function renderHome(page: HTMLElement, trainer: boolean): Promise<void> {
  const [lists, quizzes] = await Promise.all([
    api<TrainingListSummary[]>('/api/training/lists'),
    api<QuizSummary[]>('/api/training/quizzes'),
  ]);
  const listPanel = h(
    'section',
    { class: 'panel' },
    h('h2', {}, '应知应会清单'),
    lists.length
      ? h(
          'ul',
          { class: 'tr-index' },
          ...lists.map((l) =>
            h(
              'li',
              {},
              h('a', { href: `#/training/list/${encodeURIComponent(l.id)}` }, l.name),
              h('span', { class: 'muted small' }, [`${l.itemCount} 条`, trainer ? (l.shared ? '已共享' : '未共享') : '', l.owner, `更新于 ${formatDateTime(l.updatedAt)}`].filter(Boolean).join(' · ')),
              l.description ? h('p', { class: 'small' }, l.description) : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, trainer ? '还没有清单。' : '培训师尚未共享清单。'),
  );
  const quizPanel = h(
    'section',
    { class: 'panel' },
    h('h2', {}, '测验'),
    quizzes.length
      ? h(
          'ul',
          { class: 'tr-index' },
          ...quizzes.map((q) =>
            h(
              'li',
              {},
              h('a', { href: `#/training/quiz/${encodeURIComponent(q.id)}` }, q.title),
              h(
                'span',
                { class: 'muted small' },
                [trainer ? (q.status === 'published' ? '已发布' : '草稿') : '', `${q.questionCount} 题`, q.owner, formatDateTime(q.publishedAt ?? q.updatedAt)].filter(Boolean).join(' · '),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, trainer ? '还没有测验。' : '暂无已发布的测验。'),
  );
  if (trainer) {
    listPanel.append(newListForm());
    quizPanel.append(await generateQuizForm(lists));
  }
  page.append(h('h1', { class: 'tr-title' }, '培训'), listPanel, quizPanel);
}

function newListForm(): HTMLElement {
  const name = h('input', { placeholder: '清单名称，如 领导干部应知应会（安全生产）', 'aria-label': '清单名称', required: true, maxlength: 80 });
  const description = h('input', { placeholder: '说明（可选）', 'aria-label': '清单说明', maxlength: 500 });
  const msg = h('span', { class: 'small error', role: 'alert' });
  return h(
    'form',
    {
      class: 'tr-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const list = await api<TrainingListView>('/api/training/lists', {
            method: 'POST',
            json: { name: name.value.trim(), ...(description.value.trim() ? { description: description.value.trim() } : {}) },
          });
          location.hash = `#/training/list/${encodeURIComponent(list.id)}`;
        } catch (err) {
          msg.textContent = err instanceof ApiError ? err.message : '新建失败';
        }
      },
    },
    h('h3', {}, '新建清单'),
    h('p', { class: 'small muted' }, '建好后，在「法规浏览」的条文旁或对话来源卡片中点「加入清单」添加条文。'),
    name,
    description,
    h('button', { type: 'submit', class: 'primary' }, '新建'),
    msg,
  );
}

/** Top-level chapters of a document, in reading order (第一章 …; a plan's first-level sections). */
function chaptersOf(detail: DocumentDetail): string[] {
  const seen: string[] = [];
  for (const c of detail.chunks) {
    const first = c.headingPath[0];
    if (first && first !== c.articleLabel && !seen.includes(first)) seen.push(first);
  }
  return seen;
}

async function generateQuizForm(lists: TrainingListSummary[]): Promise<HTMLElement> {
  const docs = (await api<SourceDoc[]>('/api/documents')).filter((d) => d.status === 'indexed').sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'));
  const source = h(
    'select',
    { 'aria-label': '出题范围' },
    lists.length ? h('optgroup', { label: '清单' }, ...lists.map((l) => h('option', { value: `list:${l.id}` }, l.name))) : null,
    docs.length ? h('optgroup', { label: '文档' }, ...docs.map((d) => h('option', { value: `doc:${d.id}` }, d.title))) : null,
  );
  const chapter = h('select', { 'aria-label': '章节', hidden: true }, h('option', { value: '' }, '全文'));
  const n = h('input', { type: 'number', min: 1, max: 100, value: 10, 'aria-label': '题量', class: 'tr-n' });
  const kinds = (['blank', 'choice', 'judge'] as const).map((k) => ({ k, box: h('input', { type: 'checkbox', checked: true, value: k }) }));
  const title = h('input', { placeholder: '测验标题（可选）', 'aria-label': '测验标题', maxlength: 80 });
  const msg = h('span', { class: 'small', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, '生成测验');
  const syncChapters = async () => {
    clear(chapter);
    chapter.append(h('option', { value: '' }, '全文'));
    chapter.hidden = !source.value.startsWith('doc:');
    if (chapter.hidden) return;
    try {
      const detail = await api<DocumentDetail>(`/api/documents/${encodeURIComponent(source.value.slice(4))}`);
      for (const c of chaptersOf(detail)) chapter.append(h('option', { value: c }, c));
    } catch {
      // Without the chapter list the whole document can still be used.
    }
  };
  source.addEventListener('change', () => void syncChapters());
  void syncChapters();
  return h(
    'form',
    {
      class: 'tr-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const [type, ref] = [source.value.slice(0, source.value.indexOf(':')), source.value.slice(source.value.indexOf(':') + 1)];
        if (!ref) {
          msg.className = 'small error';
          msg.textContent = '请先选择清单或文档。';
          return;
        }
        const body: GenerateQuizRequest = {
          n: Number(n.value) || 10,
          kinds: kinds.filter((x) => x.box.checked).map((x) => x.k),
          ...(type === 'list' ? { listId: ref } : { docId: ref }),
          ...(type === 'doc' && chapter.value ? { chapter: chapter.value } : {}),
          ...(title.value.trim() ? { title: title.value.trim() } : {}),
        };
        if (!body.kinds?.length) {
          msg.className = 'small error';
          msg.textContent = '请至少选择一种题型。';
          return;
        }
        button.disabled = true;
        msg.className = 'small';
        msg.textContent = '正在出题…';
        try {
          const quiz = await api<Quiz>('/api/training/quizzes', { method: 'POST', json: body });
          location.hash = `#/training/quiz/${encodeURIComponent(quiz.id)}`;
        } catch (err) {
          msg.className = 'small error';
          msg.textContent = err instanceof ApiError ? err.message : '出题失败';
          button.disabled = false;
        }
      },
    },
    h('h3', {}, '生成测验'),
    h('div', { class: 'tr-row' }, h('label', {}, '范围 ', source), chapter),
    h(
      'div',
      { class: 'tr-row' },
      h('label', {}, '题量 ', n),
      ...kinds.map(({ k, box }) => h('label', { class: 'tr-check' }, box, { blank: '填空题', choice: '单选题', judge: '判断题' }[k])),
    ),
    title,
    h('div', { class: 'tr-row' }, button, msg),
  );
}
