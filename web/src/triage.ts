/**
 * 事件速判: the officer types the first report, the card (grade, levels, deciders, measures, deadlines, contacts,
 * open points, report draft) comes back from POST /api/triage; what was understood is an editable form whose
 * corrections are sent back as `facts`. The current incident and its ticked actions live in localStorage.
 */
import type { TriageBasis, TriageCard, TriageCriteriaReport, TriageFacts, TriageRequest, WarningColour } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { append, clear, copyText, h, newId } from './dom.js';
import { mountChat } from './chat.js';
import { countdown, fromLocalInput, localizeInstants, toLocalInput } from './triage-format.js';
import type { MountView, View } from './view.js';

const CURRENT_KEY = 'yingji.triage.current';
const TICKS_PREFIX = 'yingji.triage.ticks.';
/** Typing pauses this long before the card is rebuilt (the server answers in milliseconds). */
const TYPING_PAUSE_MS = 350;
/** Wide enough to read the card and the chat side by side. */
const SIDE_BY_SIDE = '(min-width: 1200px)';

/** The incident being worked on: survives reloads until the officer starts a new one. */
interface Incident {
  id: string;
  text: string;
  /** ISO, or '' when the report's own time (or now) applies. */
  time: string;
  corrections: Partial<TriageFacts>;
}

type CountKey = 'deaths' | 'missing' | 'seriousInjuries' | 'injuries' | 'trapped' | 'evacuated';
const COUNT_FIELDS: [CountKey, string][] = [
  ['deaths', '死亡（人）'],
  ['missing', '失踪（人）'],
  ['seriousInjuries', '重伤（人）'],
  ['injuries', '受伤（人）'],
  ['trapped', '被困（人）'],
  ['evacuated', '疏散（人）'],
];
type FlagKey = 'hazmat' | 'evacuation' | 'underpassClosed' | 'escalating' | 'beyondCapacity' | 'crowdedPlace';
const FLAG_FIELDS: [FlagKey, string][] = [
  ['hazmat', '涉及危化品'],
  ['evacuation', '需疏散群众'],
  ['underpassClosed', '下立交积水封闭'],
  ['escalating', '有扩大趋势'],
  ['beyondCapacity', '超出本区处置能力'],
  ['crowdedPlace', '人员密集场所'],
];
const COLOURS: WarningColour[] = ['蓝色', '黄色', '橙色', '红色'];
const YUAN_PER_WAN = 10_000;

function loadIncident(): Incident {
  try {
    const raw = localStorage.getItem(CURRENT_KEY);
    if (raw) {
      const v = JSON.parse(raw) as Partial<Incident>;
      if (typeof v.id === 'string' && typeof v.text === 'string') {
        return { id: v.id, text: v.text, time: typeof v.time === 'string' ? v.time : '', corrections: v.corrections ?? {} };
      }
    }
  } catch {
    // A damaged entry only loses the draft: start over.
  }
  return { id: newId(), text: '', time: '', corrections: {} };
}

function saveIncident(i: Incident): void {
  localStorage.setItem(CURRENT_KEY, JSON.stringify(i));
}

function loadTicks(id: string): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(TICKS_PREFIX + id) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveTicks(id: string, ticks: Set<string>): void {
  localStorage.setItem(TICKS_PREFIX + id, JSON.stringify([...ticks]));
}

/** A cited line's source: click to read the passage it rests on. */
function basisView(b: TriageBasis): HTMLElement {
  return h(
    'details',
    { class: 'tri-basis' },
    h('summary', {}, `依据：《${b.title}》${b.locator}`),
    h('blockquote', { class: 'passage' }, b.text),
  );
}

export const mountTriage: MountView = (container, ctx) => {
  const { user } = ctx.session;
  let incident = loadIncident();
  let ticks = loadTicks(incident.id);
  let card: TriageCard | undefined;
  let seq = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let chat: View | undefined;

  const text = h('textarea', {
    class: 'tri-text',
    rows: 4,
    placeholder: '粘贴或输入事件报告，如：桃浦一家物流仓库货架倒塌，砸中一名搬运工，已经没有生命体征，另有两人受伤',
    'aria-label': '事件报告',
  });
  text.value = incident.text;
  const time = h('input', { type: 'datetime-local', 'aria-label': '事发时间' });
  time.value = incident.time ? toLocalInput(incident.time) : '';
  const status = h('span', { class: 'muted small', role: 'status' });
  const form = h('form', { class: 'tri-facts', 'aria-label': '已识别的事实' });
  const result = h('div', { class: 'tri-card', 'aria-live': 'polite' }, h('p', { class: 'muted' }, '输入事件报告后，这里显示事故等级、响应级别、报告时限和处置要点。'));
  const criteria = h('section', { class: 'tri-criteria' });
  const chatPane = h('aside', { class: 'tri-chat', hidden: true });
  const chatToggle = h('button', { type: 'button', class: 'link tri-chat-toggle', onclick: () => setChat(!chat) }, '并排显示对话');

  const panel = h(
    'section',
    { class: 'tri-panel' },
    h(
      'div',
      { class: 'tri-input panel' },
      h('div', { class: 'tri-head' }, h('h2', {}, '事件速判'), chatToggle),
      text,
      h(
        'div',
        { class: 'tri-row' },
        h('label', { class: 'small' }, '事发时间 ', time),
        h('button', { type: 'button', class: 'primary', onclick: () => void run() }, '速判'),
        h('button', { type: 'button', onclick: () => newIncident() }, '新事件'),
        status,
      ),
    ),
    h('details', { class: 'panel tri-facts-box', open: true }, h('summary', {}, h('h2', {}, '已识别的事实（可修改）')), form),
    result,
    criteria,
  );
  container.append(h('div', { class: 'tri-layout' }, panel, chatPane));

  text.addEventListener('input', () => {
    incident.text = text.value;
    saveIncident(incident);
    if (typingTimer) clearTimeout(typingTimer);
    typingTimer = setTimeout(() => void run(), TYPING_PAUSE_MS);
  });
  time.addEventListener('change', () => {
    incident.time = fromLocalInput(time.value) ?? '';
    saveIncident(incident);
    void run();
  });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  });

  const clock = setInterval(() => updateCountdowns(), 1000);

  function setChat(show: boolean): void {
    if (show && !chat) {
      chatPane.hidden = false;
      chat = mountChat(chatPane, ctx);
      chatToggle.textContent = '收起对话';
    } else if (!show && chat) {
      chat.destroy();
      chat = undefined;
      clear(chatPane);
      chatPane.hidden = true;
      chatToggle.textContent = '并排显示对话';
    }
  }
  if (window.matchMedia(SIDE_BY_SIDE).matches) setChat(true);

  function newIncident(): void {
    localStorage.removeItem(TICKS_PREFIX + incident.id);
    incident = { id: newId(), text: '', time: '', corrections: {} };
    ticks = new Set();
    saveIncident(incident);
    text.value = '';
    time.value = '';
    card = undefined;
    clear(form);
    clear(result);
    result.append(h('p', { class: 'muted' }, '输入事件报告后，这里显示事故等级、响应级别、报告时限和处置要点。'));
    status.textContent = '';
    text.focus();
  }

  async function run(): Promise<void> {
    if (typingTimer) clearTimeout(typingTimer);
    const reportText = text.value.trim();
    if (!reportText) {
      status.textContent = '请先输入事件报告。';
      return;
    }
    const mine = ++seq;
    const body: TriageRequest = { text: reportText, facts: incident.corrections };
    if (incident.time) body.time = incident.time;
    const started = performance.now();
    status.textContent = '速判中…';
    try {
      const next = await api<TriageCard>('/api/triage', { method: 'POST', json: body });
      if (mine !== seq) return;
      card = next;
      status.textContent = `已更新（${Math.round(performance.now() - started)} 毫秒）`;
      renderFacts(next.facts);
      renderCard(next);
    } catch (e) {
      if (mine !== seq) return;
      status.textContent = e instanceof ApiError ? e.message : '速判失败，请重试。';
    }
  }

  function correct<K extends keyof TriageFacts>(key: K, value: TriageFacts[K]): void {
    incident.corrections = { ...incident.corrections, [key]: value };
    saveIncident(incident);
  }

  function renderFacts(f: TriageFacts): void {
    clear(form);
    const edited = (k: keyof TriageFacts) => (k in incident.corrections ? 'edited' : '');
    const grid = h('div', { class: 'tri-grid' });
    for (const [key, label] of COUNT_FIELDS) {
      const input = h('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', name: key, placeholder: '未报', class: edited(key) });
      input.value = f[key] === null ? '' : String(f[key]);
      input.addEventListener('change', () => correct(key, input.value === '' ? null : Math.max(0, Number(input.value))));
      grid.append(h('label', {}, label, input));
    }
    const loss = h('input', { type: 'number', min: 0, step: 'any', name: 'economicLossYuan', placeholder: '未报', class: edited('economicLossYuan') });
    loss.value = f.economicLossYuan === null ? '' : String(f.economicLossYuan / YUAN_PER_WAN);
    loss.addEventListener('change', () => correct('economicLossYuan', loss.value === '' ? null : Math.max(0, Number(loss.value)) * YUAN_PER_WAN));
    grid.append(h('label', {}, '直接经济损失（万元）', loss));

    const kind = h('input', { name: 'warningKind', placeholder: '如 台风、暴雨', class: edited('warning') });
    kind.value = f.warning?.kind ?? '';
    const colour = h('select', { name: 'warningColour', class: edited('warning') }, h('option', { value: '' }, '无预警'), ...COLOURS.map((c) => h('option', { value: c }, c)));
    colour.value = f.warning?.colour ?? '';
    const setWarning = () => correct('warning', colour.value ? { kind: kind.value.trim() || null, colour: colour.value as WarningColour } : null);
    kind.addEventListener('change', setWarning);
    colour.addEventListener('change', setWarning);
    grid.append(h('label', {}, '预警种类', kind), h('label', {}, '预警颜色', colour));

    const flags = h('div', { class: 'tri-flags' });
    for (const [key, label] of FLAG_FIELDS) {
      const sel = h('select', { name: key, class: edited(key) }, h('option', { value: '' }, '未报'), h('option', { value: 'yes' }, '是'), h('option', { value: 'no' }, '否'));
      sel.value = f[key] === null ? '' : f[key] ? 'yes' : 'no';
      sel.addEventListener('change', () => correct(key, sel.value === '' ? null : sel.value === 'yes'));
      flags.append(h('label', {}, label, sel));
    }
    const place = f.place ? h('p', { class: 'small' }, `地点：${f.place}`) : null;
    const kinds = f.kinds.length ? h('p', { class: 'small' }, `事件类型：${f.kinds.join('、')}`) : null;
    const when = h('p', { class: 'small' }, f.time ? `事发时间：${formatClock(f.time, true)}` : '事发时间未报：时限按速判时刻起算，请在上方填写事发时间。');
    const hasCorrections = Object.keys(incident.corrections).length > 0;
    append(
      form,
      grid,
      flags,
      place,
      kinds,
      when,
      h(
        'div',
        { class: 'tri-row' },
        h('button', { type: 'submit', class: 'primary' }, '按修改重新速判'),
        hasCorrections
          ? h('button', { type: 'button', class: 'link', onclick: () => { incident.corrections = {}; saveIncident(incident); void run(); } }, '撤销全部修改')
          : null,
      ),
    );
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Enter in a number field submits before the field has fired `change`; only that field, so untouched ones stay uncorrected.
    const focused = document.activeElement;
    if (focused instanceof HTMLInputElement && form.contains(focused)) focused.dispatchEvent(new Event('change'));
    void run();
  });

  function tick(key: string, label: string): HTMLElement {
    const box = h('input', { type: 'checkbox', checked: ticks.has(key) });
    const row = h('label', { class: `tri-action${ticks.has(key) ? ' done' : ''}` }, box, h('span', {}, label));
    box.addEventListener('change', () => {
      if (box.checked) ticks.add(key);
      else ticks.delete(key);
      row.classList.toggle('done', box.checked);
      saveTicks(incident.id, ticks);
    });
    return row;
  }

  function renderCard(c: TriageCard): void {
    clear(result);
    const grade = h('section', { class: 'panel tri-grade' }, h('h3', {}, '事故等级初判'));
    if (c.grade) {
      grade.append(h('p', { class: 'tri-big' }, c.grade.label), h('blockquote', { class: 'tri-quote' }, c.grade.basis.text), basisView(c.grade.basis));
    } else {
      grade.append(h('p', {}, '现有事实尚不能判定事故等级。'));
    }
    result.append(grade);

    const responses = h('section', { class: 'panel' }, h('h3', {}, '应急响应'));
    if (!c.responses.length) responses.append(h('p', { class: 'muted' }, '没有预案的启动条件被满足。'));
    for (const r of c.responses) {
      const measures = h('div', { class: 'tri-actions' });
      for (const m of r.measures) measures.append(tick(`m|${r.docId}|${r.level}|${m}`, m));
      responses.append(
        h(
          'article',
          { class: 'tri-response' },
          h('h4', {}, h('span', { class: 'tri-level' }, `${r.level}响应`), ` 《${r.title}》`),
          h(
            'dl',
            { class: 'tri-dl' },
            h('dt', {}, '决定启动'),
            h('dd', {}, r.decidedBy ?? '预案未写明'),
            h('dt', {}, '指挥'),
            h('dd', {}, r.commander ?? '预案未写明'),
            h('dt', {}, '章节'),
            h('dd', {}, r.section),
          ),
          basisView(r.basis),
          r.measures.length ? h('h5', {}, '响应措施（完成后勾选）') : null,
          measures,
        ),
      );
    }
    result.append(responses);

    const timeline = h('section', { class: 'panel' }, h('h3', {}, '信息报告时限'));
    if (!c.facts.time) timeline.append(h('p', { class: 'small tri-warn' }, '事发时间未报，以下截止时间按速判时刻起算。'));
    const ol = h('ol', { class: 'tri-timeline' });
    for (const n of c.notifications) {
      const parties = [n.who, n.to].filter(Boolean).join(' → ') || '报告';
      ol.append(
        h(
          'li',
          { 'data-due': n.dueAt },
          h('div', { class: 'tri-due' }, h('strong', {}, formatClock(n.dueAt)), h('span', { class: 'tri-left' })),
          tick(`n|${n.basis.docId}|${n.basis.locator}|${parties}|${n.withinMinutes}`, `${parties}（${n.withinMinutes} 分钟内）`),
          basisView(n.basis),
        ),
      );
    }
    if (!c.notifications.length) timeline.append(h('p', { class: 'muted' }, '预案和法规中没有读到适用的报告时限。'));
    timeline.append(ol);
    result.append(timeline);

    if (c.contacts.length) {
      const ul = h('ul', { class: 'tri-contacts' });
      for (const ct of c.contacts) {
        ul.append(h('li', {}, h('span', {}, ct.unit), h('a', { href: `tel:${ct.phone.replace(/[^\d+]/g, '')}` }, ct.phone), basisView(ct.basis)));
      }
      result.append(h('section', { class: 'panel' }, h('h3', {}, '联系方式'), ul));
    }

    if (c.undecided.length) {
      result.append(h('section', { class: 'panel tri-undecided' }, h('h3', {}, '待核实'), h('ul', {}, ...c.undecided.map((u) => h('li', {}, localizeInstants(u))))));
    }

    const draft = h('textarea', { class: 'tri-report', rows: Math.min(18, c.report.split('\n').length + 2), 'aria-label': '值班信息报告草稿' });
    draft.value = localizeInstants(c.report);
    const copied = h('span', { class: 'muted small', role: 'status' });
    result.append(
      h(
        'section',
        { class: 'panel tri-draft' },
        h('h3', {}, '值班信息报告（草稿）'),
        h('p', { class: 'small muted' }, '【】内为待补充项，可直接在此修改后复制或打印。'),
        draft,
        h(
          'div',
          { class: 'tri-row' },
          h('button', { type: 'button', onclick: async () => { copied.textContent = (await copyText(draft.value)) ? '已复制到剪贴板' : '复制失败，请手动选中文字复制'; } }, '复制报告'),
          h('button', { type: 'button', onclick: () => printReport(draft.value) }, '打印报告'),
          copied,
        ),
      ),
    );
    updateCountdowns();
  }

  function updateCountdowns(): void {
    if (!card) return;
    const now = Date.now();
    for (const li of result.querySelectorAll<HTMLElement>('.tri-timeline li[data-due]')) {
      const left = li.querySelector<HTMLElement>('.tri-left');
      if (!left) continue;
      const { text: label, overdue } = countdown(Date.parse(li.dataset.due ?? '') - now);
      left.textContent = label;
      li.classList.toggle('overdue', overdue);
    }
  }

  if (user.role === 'admin') void loadCriteria();
  async function loadCriteria(): Promise<void> {
    try {
      const report = await api<TriageCriteriaReport>('/api/triage/criteria');
      const rows = report.documents.map((d) =>
        h('tr', {}, h('td', {}, d.title), h('td', {}, String(d.grades)), h('td', {}, d.levels.join('、') || '—'), h('td', {}, String(d.notifications)), h('td', {}, String(d.contacts))),
      );
      criteria.append(
        h(
          'details',
          { class: 'panel' },
          h('summary', {}, h('h2', {}, `判据解析情况（未能解析 ${report.unparsed.length} 句）`)),
          h(
            'div',
            { class: 'table-wrap' },
            h('table', { class: 'docs-table' }, h('thead', {}, h('tr', {}, h('th', {}, '文档'), h('th', {}, '等级判据'), h('th', {}, '响应级别'), h('th', {}, '报告时限'), h('th', {}, '联系方式'))), h('tbody', {}, ...rows)),
          ),
          h('h3', {}, '未能解析的判据'),
          report.unparsed.length
            ? h('ul', { class: 'tri-unparsed' }, ...report.unparsed.map((u) => h('li', {}, h('span', { class: 'muted small' }, `《${u.title}》${u.locator}`), h('p', {}, u.sentence))))
            : h('p', { class: 'muted' }, '全部判据均已解析。'),
        ),
      );
    } catch (e) {
      criteria.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : '判据解析情况加载失败'));
    }
  }

  if (incident.text.trim()) void run();
  else text.focus();

  return {
    destroy() {
      clearInterval(clock);
      if (typingTimer) clearTimeout(typingTimer);
      seq++;
      chat?.destroy();
    },
  };
};

function formatClock(iso: string, withDate = false): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}` : clock;
}

/** Prints only the draft: a hidden frame holds it (until the next print), so the page's layout stays off the paper. */
function printReport(report: string): void {
  const frame = h('iframe', { class: 'tri-print-frame', title: '打印值班信息报告' });
  document.body.append(frame);
  const doc = frame.contentDocument;
  const win = frame.contentWindow;
  if (!doc || !win) {
    frame.remove();
    return;
  }
  doc.title = '值班信息报告';
  const pre = doc.createElement('pre');
  pre.style.cssText = 'white-space:pre-wrap;font:14pt/1.8 "Noto Serif CJK SC","SimSun",serif;margin:2cm;';
  pre.textContent = report;
  doc.body.append(pre);
  for (const old of document.querySelectorAll('.tri-print-frame')) if (old !== frame) old.remove();
  win.focus();
  win.print();
}
