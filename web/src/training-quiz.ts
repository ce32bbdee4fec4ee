/**
 * One quiz: the trainer reviews, edits, drops, reorders and publishes it and then sees its results; an officer
 * takes a published one and gets the score with the deciding article for every wrong answer.
 */
import type {
  ArticleSource,
  Correction,
  Quiz,
  QuizAttemptResult,
  QuizForTaking,
  QuizQuestion,
  QuizQuestionEdit,
  QuizResultsResponse,
  QuestionKind,
  SubmitQuizRequest,
} from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';

const KIND_LABELS: Record<QuestionKind, string> = { blank: '填空题', choice: '单选题', judge: '判断题' };
const LETTERS = 'ABCDEFGH';
const quizUrl = (id: string) => `/api/training/quizzes/${encodeURIComponent(id)}`;

function sourceView(s: ArticleSource, summary = '出处'): HTMLElement {
  return h('details', { class: 'tr-source' }, h('summary', {}, `${summary}：《${s.title}》${s.locator}`), h('p', { class: 'passage' }, s.text));
}

function answerText(a: string | boolean | null): string {
  if (a === null || a === '') return '未作答';
  if (typeof a === 'boolean') return a ? '正确' : '错误';
  return a;
}

function printLinks(id: string, withKey: boolean): HTMLElement {
  return h(
    'span',
    { class: 'tr-row' },
    h('a', { href: `${quizUrl(id)}/print`, target: '_blank', rel: 'noopener' }, '打印试卷'),
    withKey ? h('a', { href: `${quizUrl(id)}/print?key=1`, target: '_blank', rel: 'noopener' }, '打印试卷（含答案）') : null,
  );
}

/** Draft: editable question cards; published: read-only questions and the results. */
export function renderQuizEditor(initial: Quiz): HTMLElement {
  const root = h('div', { class: 'tr-editor' });
  let quiz = initial;
  let drafts: QuizQuestion[] = quiz.questions.map((q) => ({ ...q, options: q.options ? [...q.options] : undefined }));
  const msg = h('p', { class: 'small', role: 'status' });

  const say = (text: string, cls = '') => {
    msg.className = `small ${cls}`;
    msg.textContent = text;
  };

  async function save(): Promise<boolean> {
    const title = root.querySelector<HTMLInputElement>('input.tr-name')?.value ?? quiz.title;
    const questions: QuizQuestionEdit[] = drafts.map((q) => ({
      id: q.id,
      kind: q.kind,
      prompt: q.prompt,
      answer: q.answer,
      ...(q.kind === 'choice' ? { options: q.options ?? [] } : {}),
    }));
    say('保存中…');
    try {
      quiz = await api<Quiz>(quizUrl(quiz.id), { method: 'PUT', json: { title, questions } });
      drafts = quiz.questions.map((q) => ({ ...q, options: q.options ? [...q.options] : undefined }));
      say('已保存', 'ok');
      return true;
    } catch (e) {
      say(e instanceof ApiError ? e.message : '保存失败', 'error');
      return false;
    }
  }

  async function publish(): Promise<void> {
    if (!(await save())) return;
    try {
      quiz = await api<Quiz>(`${quizUrl(quiz.id)}/publish`, { method: 'POST' });
      draw();
      say('已发布，值班员现在可以作答。', 'ok');
    } catch (e) {
      say(e instanceof ApiError ? e.message : '发布失败', 'error');
    }
  }

  async function removeQuiz(): Promise<void> {
    const warn = quiz.status === 'published' ? '（其作答记录也将删除）' : '';
    if (!confirm(`删除测验「${quiz.title}」${warn}？`)) return;
    try {
      await api(quizUrl(quiz.id), { method: 'DELETE' });
      location.hash = '#/training';
    } catch (e) {
      say(e instanceof ApiError ? e.message : '删除失败', 'error');
    }
  }

  function questionEditor(q: QuizQuestion, i: number): HTMLElement {
    const prompt = h('textarea', { rows: 3, 'aria-label': `第 ${i + 1} 题题干` });
    prompt.value = q.prompt;
    prompt.addEventListener('input', () => (q.prompt = prompt.value));
    const answer = h('div', { class: 'tr-answer' });
    if (q.kind === 'judge') {
      const sel = h('select', { 'aria-label': `第 ${i + 1} 题答案` }, h('option', { value: 'true' }, '正确'), h('option', { value: 'false' }, '错误'));
      sel.value = String(q.answer === true);
      sel.addEventListener('change', () => (q.answer = sel.value === 'true'));
      answer.append(h('label', {}, '答案 ', sel));
    } else if (q.kind === 'choice') {
      const options = q.options ?? [];
      answer.append(h('p', { class: 'small muted' }, '选中的选项为答案'));
      options.forEach((opt, j) => {
        const radio = h('input', { type: 'radio', name: `ans-${q.id}`, checked: opt === q.answer, 'aria-label': `选项 ${LETTERS[j]} 为答案` });
        const text = h('input', { value: opt, 'aria-label': `第 ${i + 1} 题选项 ${LETTERS[j]}` });
        radio.addEventListener('change', () => (q.answer = options[j]!));
        text.addEventListener('input', () => {
          const wasAnswer = q.answer === options[j];
          options[j] = text.value;
          if (wasAnswer) q.answer = text.value;
        });
        answer.append(h('label', { class: 'tr-option' }, radio, `${LETTERS[j]}．`, text));
      });
    } else {
      const key = h('input', { value: String(q.answer), 'aria-label': `第 ${i + 1} 题答案` });
      key.addEventListener('input', () => (q.answer = key.value));
      answer.append(h('label', {}, '答案 ', key));
    }
    const move = (by: number) => {
      const [item] = drafts.splice(i, 1);
      drafts.splice(i + by, 0, item!);
      draw();
    };
    return h(
      'li',
      { class: 'tr-q panel', 'data-qid': q.id },
      h(
        'div',
        { class: 'tr-item-head' },
        h('strong', {}, `${i + 1}．${KIND_LABELS[q.kind]}`),
        h(
          'span',
          { class: 'tr-tools' },
          h('button', { type: 'button', class: 'icon', title: '上移', 'aria-label': '上移', disabled: i === 0, onclick: () => move(-1) }, '↑'),
          h('button', { type: 'button', class: 'icon', title: '下移', 'aria-label': '下移', disabled: i === drafts.length - 1, onclick: () => move(1) }, '↓'),
          h('button', { type: 'button', class: 'icon danger', title: '删除此题', 'aria-label': '删除此题', onclick: () => { drafts.splice(i, 1); draw(); } }, '✕'),
        ),
      ),
      prompt,
      answer,
      q.source.docId ? sourceView(q.source) : null,
    );
  }

  function questionView(q: QuizQuestion, i: number): HTMLElement {
    return h(
      'li',
      { class: 'tr-q panel' },
      h('strong', {}, `${i + 1}．${KIND_LABELS[q.kind]}`),
      h('p', {}, q.prompt),
      q.options ? h('ol', { class: 'tr-options', type: 'A' }, ...q.options.map((o) => h('li', { class: o === q.answer ? 'key' : '' }, o))) : null,
      h('p', { class: 'small' }, `答案：${answerText(q.answer)}`),
      q.source.docId ? sourceView(q.source) : null,
    );
  }

  function draw(): void {
    clear(root);
    const draft = quiz.status === 'draft';
    root.append(
      h(
        'section',
        { class: 'panel' },
        draft ? h('label', {}, '测验标题', h('input', { class: 'tr-name', value: quiz.title, 'aria-label': '测验标题', maxlength: 80 })) : h('h1', {}, quiz.title),
        h('p', { class: 'small muted' }, `${draft ? '草稿' : `已发布 ${formatDateTime(quiz.publishedAt ?? quiz.updatedAt)}`} · ${quiz.questions.length} 题 · ${quiz.owner}`),
        h(
          'div',
          { class: 'tr-row' },
          draft ? h('button', { type: 'button', onclick: () => void save().then((ok) => ok && draw()) }, '保存修改') : null,
          draft ? h('button', { type: 'button', class: 'primary', onclick: () => void publish() }, '发布') : null,
          printLinks(quiz.id, true),
          h('button', { type: 'button', class: 'danger', onclick: () => void removeQuiz() }, '删除测验'),
        ),
        draft ? h('p', { class: 'small muted' }, '逐题核对题干和答案，可修改、删除、调整顺序；发布后不能再修改。') : null,
        msg,
      ),
      h('ol', { class: 'tr-questions' }, ...(draft ? drafts.map(questionEditor) : quiz.questions.map(questionView))),
    );
    if (!draft) {
      const results = h('section', { class: 'panel tr-results' }, h('p', { class: 'muted' }, '成绩加载中…'));
      root.append(results);
      void loadResults(quiz, results);
    }
  }
  draw();
  return root;
}

async function loadResults(quiz: Quiz, box: HTMLElement): Promise<void> {
  let r: QuizResultsResponse;
  try {
    r = await api<QuizResultsResponse>(`${quizUrl(quiz.id)}/results`);
  } catch (e) {
    clear(box);
    box.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : '成绩加载失败'));
    return;
  }
  clear(box);
  box.append(
    h(
      'div',
      { class: 'tr-item-head' },
      h('h2', {}, `成绩（${r.attempts} 人次）`),
      h(
        'span',
        { class: 'tr-row' },
        h('button', { type: 'button', onclick: () => void loadResults(quiz, box) }, '刷新'),
        h('a', { href: `${quizUrl(quiz.id)}/results.csv`, download: '' }, '下载 CSV'),
      ),
    ),
  );
  if (!r.attempts) {
    box.append(h('p', { class: 'muted' }, '还没有人作答。'));
    return;
  }
  box.append(
    h('h3', {}, '按人员'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'docs-table tr-people' },
        h('thead', {}, h('tr', {}, h('th', {}, '人员'), h('th', {}, '次数'), h('th', {}, '最好成绩'), h('th', {}, '最近成绩'), h('th', {}, '最近作答'))),
        h(
          'tbody',
          {},
          ...r.perPerson.map((p) =>
            h('tr', {}, h('td', {}, p.username), h('td', {}, String(p.attempts)), h('td', {}, `${p.bestScore} / ${p.total}`), h('td', {}, `${p.lastScore} / ${p.total}`), h('td', {}, formatDateTime(p.lastAt))),
          ),
        ),
      ),
    ),
    h('h3', {}, '按题目'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'docs-table tr-per-question' },
        h('thead', {}, h('tr', {}, h('th', {}, '题'), h('th', {}, '题干'), h('th', {}, '作答'), h('th', {}, '答对'), h('th', {}, '正确率'))),
        h(
          'tbody',
          {},
          ...r.perQuestion.map((q, i) =>
            h(
              'tr',
              { class: q.rate < 0.5 ? 'tr-weak' : '' },
              h('td', {}, `${i + 1}（${KIND_LABELS[q.kind]}）`),
              h('td', {}, q.prompt),
              h('td', {}, String(q.attempts)),
              h('td', {}, String(q.correct)),
              h('td', {}, `${Math.round(q.rate * 100)}%`),
            ),
          ),
        ),
      ),
    ),
  );
}

/** An officer's answer sheet for a published quiz; after submitting, the score and the corrections. */
export async function renderQuizTaking(id: string): Promise<HTMLElement> {
  const quiz = await api<QuizForTaking>(quizUrl(id));
  const root = h('div', { class: 'tr-take' });
  const read: Array<() => string | boolean | null> = [];
  const items = quiz.questions.map((q, i) => {
    const name = `take-${q.id}`;
    let field: HTMLElement;
    if (q.kind === 'blank') {
      const input = h('input', { class: 'tr-blank', 'aria-label': `第 ${i + 1} 题答案`, autocomplete: 'off' });
      read.push(() => input.value.trim() || null);
      field = input;
    } else {
      const choices: [string, string | boolean][] =
        q.kind === 'judge' ? [['正确', true], ['错误', false]] : (q.options ?? []).map((o, j) => [`${LETTERS[j]}．${o}`, o]);
      const radios = choices.map(([label, value]) => ({ value, el: h('input', { type: 'radio', name }) , label }));
      read.push(() => radios.find((r) => r.el.checked)?.value ?? null);
      field = h('div', { class: 'tr-choices', role: 'radiogroup', 'aria-label': `第 ${i + 1} 题选项` }, ...radios.map((r) => h('label', { class: 'tr-option' }, r.el, r.label)));
    }
    return h('li', { class: 'tr-q panel', 'data-qid': q.id }, h('p', {}, h('strong', {}, `${i + 1}．${KIND_LABELS[q.kind]}　`), q.prompt), field, h('div', { class: 'tr-feedback' }));
  });
  const msg = h('p', { class: 'small', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '交卷');
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const body: SubmitQuizRequest = { answers: quiz.questions.map((q, i) => ({ questionId: q.id, answer: read[i]!() })) };
        const unanswered = body.answers.filter((a) => a.answer === null).length;
        if (unanswered && !confirm(`还有 ${unanswered} 题未作答，确定交卷？`)) return;
        submit.disabled = true;
        try {
          const result = await api<QuizAttemptResult>(`${quizUrl(id)}/attempts`, { method: 'POST', json: body });
          showResult(result);
        } catch (err) {
          msg.className = 'small error';
          msg.textContent = err instanceof ApiError ? err.message : '交卷失败，请重试。';
          submit.disabled = false;
        }
      },
    },
    h('ol', { class: 'tr-questions' }, ...items),
    h('div', { class: 'tr-row' }, submit, msg),
  );
  const score = h('div', { class: 'tr-score', hidden: true, role: 'status' });
  root.append(h('section', { class: 'panel' }, h('h1', {}, quiz.title), h('p', { class: 'small muted' }, `共 ${quiz.questions.length} 题`), printLinks(id, false)), score, form);

  function showResult(result: QuizAttemptResult): void {
    const byId = new Map<string, Correction>(result.corrections.map((c) => [c.questionId, c]));
    const wrong = result.corrections.filter((c) => !c.correct).length;
    score.hidden = false;
    clear(score);
    score.append(
      h('p', { class: 'tr-big' }, `得分 ${result.score} / ${result.total}`),
      h('p', {}, wrong ? `答错 ${wrong} 题，下方列出正确答案和依据条文。` : '全部答对！'),
      h('button', { type: 'button', onclick: () => location.reload() }, '再做一次'),
    );
    for (const li of form.querySelectorAll<HTMLElement>('li.tr-q')) {
      const c = byId.get(li.dataset.qid ?? '');
      const box = li.querySelector<HTMLElement>('.tr-feedback');
      if (!c || !box) continue;
      li.classList.add(c.correct ? 'right' : 'wrong');
      for (const input of li.querySelectorAll('input')) input.disabled = true;
      clear(box);
      if (c.correct) {
        box.append(h('p', { class: 'ok' }, '✓ 回答正确'));
      } else {
        box.append(
          h('p', { class: 'error' }, `✗ 你的答案：${answerText(c.given)}`),
          h('p', {}, `正确答案：${answerText(c.answer)}`),
          h('div', { class: 'tr-decides' }, h('p', { class: 'small muted' }, `依据：《${c.source.title}》${c.source.locator}`), h('p', { class: 'passage' }, c.source.text)),
        );
      }
    }
    submit.hidden = true;
    score.scrollIntoView({ block: 'start' });
  }
  return root;
}
