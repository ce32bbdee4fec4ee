/** 文档管理 (admin): drag-and-drop upload with per-file progress, document table (cards on a phone), edit, replace, delete, re-import. */
import type { DocStatus, IngestProgressEvent, SourceDoc, UploadAccepted, WireError } from '../../src/server/events.js';
import { DOC_TYPES } from '../../src/server/events.js';
import { api, ApiError, uploadWithProgress } from './api.js';
import { clear, formatDate, formatDateTime, h } from './dom.js';
import { questionList } from './question-list.js';
import type { View, ViewContext } from './view.js';

const STATUS_LABELS: Record<DocStatus, string> = { indexed: '已索引', needs_ocr: '需OCR', failed: '失败' };
const OUTCOME_LABELS: Record<string, string> = { added: '已索引', replaced: '已更新', unchanged: '未变化', needs_ocr: '需OCR', failed: '失败', removed: '已删除' };

interface FileRow {
  item: HTMLLIElement;
  bar: HTMLProgressElement;
  state: HTMLElement;
}

/** A rejection's reason often ends in 已拒绝 already; say it once. */
function rejectionText(message: string): string {
  return message.includes('拒绝') ? message : `已拒绝：${message}`;
}

/** Marks an upload row finished: a full bar, red with its reason when it failed. */
function finishRow(row: FileRow, text: string, failed: boolean): void {
  row.bar.value = 1;
  row.state.textContent = text;
  row.state.className = failed ? 'error' : 'ok';
  row.item.classList.toggle('failed', failed);
}

/** 发布/施行 as the document states them; blank when it states neither (the import time has its own column). */
function statedDates(d: SourceDoc): string {
  return [d.issuedDate && `发布 ${formatDate(d.issuedDate)}`, d.effectiveDate && `施行 ${formatDate(d.effectiveDate)}`].filter(Boolean).join('\n') || '—';
}

export function mountDocs(container: HTMLElement, { session, refreshHealth }: ViewContext): View {
  const fileRows = new Map<string, FileRow>();
  const uploads = h('ul', { class: 'upload-list' });
  const picker = h('input', { type: 'file', multiple: true, accept: '.pdf,.docx,.md,.markdown,.txt,.html,.htm', hidden: true });
  const drop = h('div', { class: 'dropzone', tabindex: 0, role: 'button' }, h('strong', {}, '拖入文件到这里上传'), h('span', { class: 'muted' }, '或点击选择（PDF、DOCX、Markdown、TXT、HTML，可多选）'));
  const filter = h('input', { type: 'search', placeholder: '按标题搜索', 'aria-label': '按标题搜索' });
  const tbody = h('tbody');
  const message = h('p', { class: 'muted', role: 'status' });
  const reindex = h('button', { type: 'button', onclick: () => void startReimport() }, '重新导入');
  const reimportBar = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': '重新导入进度' });
  let docsShown: SourceDoc[] = [];
  let questionCounts: Record<string, number> | undefined;
  let reimportJob: string | undefined;

  container.append(
    h('div', { class: 'docs-page' },
      h('section', { class: 'panel' }, h('h2', {}, '上传文档'), drop, picker, uploads),
      h('section', { class: 'panel' },
        h('div', { class: 'panel-head' }, h('h2', {}, '文档'), filter, reindex),
        message,
        reimportBar,
        h('div', { class: 'table-wrap' },
          h('table', { class: 'docs-table doc-cards' },
            h('thead', {}, h('tr', {}, h('th', {}, '标题'), h('th', {}, '类型'), h('th', {}, '发布 / 施行'), h('th', {}, '导入时间'), h('th', {}, '段落'), h('th', {}, '状态'), h('th', {}, '操作'))),
            tbody,
          ),
        ),
      ),
    ),
  );

  drop.addEventListener('click', () => picker.click());
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') picker.click();
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files.length) void upload([...e.dataTransfer.files]);
  });
  picker.addEventListener('change', () => {
    if (picker.files?.length) void upload([...picker.files]);
    picker.value = '';
  });
  filter.addEventListener('input', () => void loadDocs());

  const onProgress = (e: IngestProgressEvent) => {
    const p = e.progress;
    if (p.phase === 'start' && p.file) {
      const row = fileRows.get(`${e.jobId}:${p.file}`);
      if (row && p.ocrPages) {
        // Upload took the first half of the bar; OCR pages fill the second.
        row.bar.value = 0.5 + (0.45 * p.ocrPages.done) / Math.max(1, p.ocrPages.total);
        row.state.textContent = `正在 OCR 识别：第 ${Math.min(p.ocrPages.done + 1, p.ocrPages.total)} / ${p.ocrPages.total} 页…`;
      } else if (row) {
        row.bar.value = 0.6;
        row.state.textContent = '正在解析与索引…';
      }
    }
    if (p.outcome) {
      const row = fileRows.get(`${e.jobId}:${p.outcome.file}`);
      const failed = !!p.outcome.error || p.outcome.status === 'failed' || p.outcome.status === 'needs_ocr';
      if (row) finishRow(row, OUTCOME_LABELS[p.outcome.status] + (p.outcome.error ? `：${p.outcome.error.message}` : p.outcome.chunks ? `（${p.outcome.chunks} 段）` : ''), failed);
    }
    // Progress may outrun the POST's answer; a re-import started here is the one running.
    if (!reimportJob && reindex.disabled && (e.kind === 'reimport' || e.kind === 'reindex')) reimportJob = e.jobId;
    if (e.jobId === reimportJob) {
      reimportBar.hidden = false;
      reimportBar.value = p.filesTotal ? p.filesDone / p.filesTotal : 0;
      if (p.phase !== 'done') message.textContent = `正在重新导入：${p.filesDone} / ${p.filesTotal} 份文档${p.file && p.phase === 'start' ? `（${p.file}）` : ''}…`;
    }
    if (p.phase === 'done') {
      if (e.error) message.textContent = `后台任务失败：${e.error.message}`;
      else if (e.jobId === reimportJob || e.kind === 'reimport' || e.kind === 'reindex') {
        const failed = e.outcomes.filter((o) => o.status === 'failed' || o.status === 'needs_ocr').length;
        message.textContent = `重新导入完成：${p.filesDone} / ${p.filesTotal} 份文档${failed ? `，其中 ${failed} 份失败（见状态列）` : ''}。`;
      }
      if (e.jobId === reimportJob) {
        reimportJob = undefined;
        reimportBar.hidden = true;
        reindex.disabled = false;
      }
      void loadDocs();
      refreshHealth();
    }
  };
  session.socket.on('ingest:progress', onProgress);
  void loadDocs();

  async function upload(files: File[]): Promise<void> {
    const rows: FileRow[] = [];
    const form = new FormData();
    for (const f of files) {
      const bar = h('progress', { max: 1, value: 0 });
      const state = h('span', {}, '上传中…');
      const item = h('li', {}, h('span', { class: 'file-name' }, f.name), bar, state);
      uploads.prepend(item);
      rows.push({ item, bar, state });
      form.append('files', f, f.name);
    }
    try {
      const res = await uploadWithProgress<UploadAccepted & { rejected: { file: string; error: WireError }[] }>('POST', '/api/documents', form, (fraction) => {
        for (const r of rows) r.bar.value = fraction * 0.5;
      });
      const byName = new Map(files.map((f, i) => [f.name, rows[i]]));
      res.files.forEach((f, i) => {
        const row = byName.get(f.file) ?? rows[i];
        if (!row) return;
        row.state.textContent = '排队处理中…';
        fileRows.set(`${res.jobId}:${f.storedName}`, row);
      });
      for (const r of res.rejected) {
        const row = byName.get(r.file);
        if (row) finishRow(row, rejectionText(r.error.message), true);
      }
    } catch (e) {
      for (const r of rows) finishRow(r, e instanceof ApiError ? rejectionText(e.message) : '上传失败，请检查网络后重试。', true);
    }
  }

  async function loadDocs(): Promise<void> {
    let docs: SourceDoc[];
    try {
      docs = await api<SourceDoc[]>('/api/documents');
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : '加载失败';
      return;
    }
    // The table still works when the counts do not load; the buttons then say 关联问题 without a number.
    questionCounts = await api<Record<string, number>>('/api/questions/counts').catch(() => undefined);
    const q = filter.value.trim();
    docsShown = docs;
    docs = docs.filter((d) => !q || d.title.includes(q) || d.source.includes(q)).sort((a, b) => b.ingestedAt.localeCompare(a.ingestedAt));
    clear(tbody);
    for (const d of docs) tbody.append(docRow(d));
    if (!docs.length) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, '没有文档')));
  }

  function docRow(d: SourceDoc): HTMLTableRowElement {
    const replace = h('input', { type: 'file', hidden: true, accept: '.pdf,.docx,.md,.markdown,.txt,.html,.htm' });
    replace.addEventListener('change', async () => {
      const file = replace.files?.[0];
      if (!file) return;
      const form = new FormData();
      form.append('file', file, file.name);
      message.textContent = `正在上传《${d.title}》的新版本…`;
      try {
        const res = await uploadWithProgress<{ jobId: string }>('PUT', `/api/documents/${encodeURIComponent(d.id)}`, form, () => undefined);
        message.textContent = `新版本已上传，正在重新索引（任务 ${res.jobId.slice(0, 8)}）…`;
      } catch (e) {
        message.textContent = e instanceof ApiError ? e.message : '替换失败';
      }
    });
    const questionsLabel = (n: number | undefined) => (n === undefined ? '关联问题' : `关联问题（${n}）`);
    const questions = h('button', { type: 'button', 'aria-expanded': 'false' }, questionsLabel(questionCounts && (questionCounts[d.id] ?? 0)));
    let questionsRow: HTMLTableRowElement | undefined;
    questions.addEventListener('click', () => {
      if (questionsRow) {
        questionsRow.remove();
        questionsRow = undefined;
        questions.setAttribute('aria-expanded', 'false');
        return;
      }
      questionsRow = h('tr', { class: 'questions-row', 'data-questions-of': d.id }, h('td', { colspan: 7 }, questionList(d.id, d.title, (n) => (questions.textContent = questionsLabel(n)))));
      row.after(questionsRow);
      questions.setAttribute('aria-expanded', 'true');
    });
    const status = h('td', { class: `status-${d.status}`, 'data-label': '状态' }, STATUS_LABELS[d.status], d.error ? h('div', { class: 'small' }, d.error.message) : null);
    const row = h('tr', { 'data-doc': d.id },
      h('td', { class: 'doc-title' }, d.status === 'indexed' ? h('a', { href: `#/browse/${encodeURIComponent(d.id)}` }, d.title) : d.title, h('div', { class: 'muted small' }, `${d.source} · ${d.format.toUpperCase()}`)),
      h('td', { 'data-label': '类型' }, d.docType),
      h('td', { 'data-label': '发布 / 施行', class: 'dates' }, statedDates(d)),
      h('td', { 'data-label': '导入时间', class: 'nowrap' }, formatDateTime(d.ingestedAt)),
      h('td', { 'data-label': '段落' }, String(d.chunkCount)),
      status,
      h('td', { class: 'actions-cell' }, h('div', { class: 'row-actions' },
        h('button', { type: 'button', onclick: () => row.after(editRow(d)) }, '编辑'),
        questions,
        h('button', { type: 'button', onclick: () => replace.click() }, '替换'),
        replace,
        h('button', {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            if (!confirm(`确定删除《${d.title}》？删除后不再参与回答。`)) return;
            try {
              await api(`/api/documents/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
              message.textContent = `已删除《${d.title}》。`;
              await loadDocs();
              refreshHealth();
            } catch (e) {
              message.textContent = e instanceof ApiError ? e.message : '删除失败';
            }
          },
        }, '删除'),
      )),
    );
    return row;
  }

  function editRow(d: SourceDoc): HTMLTableRowElement {
    const title = h('input', { value: d.title, 'aria-label': '标题' });
    const docType = h('select', { 'aria-label': '类型' });
    for (const t of DOC_TYPES) docType.append(h('option', { value: t, selected: t === d.docType }, t));
    const issued = h('input', { type: 'date', value: d.issuedDate ?? '', 'aria-label': '发布日期' });
    const effective = h('input', { type: 'date', value: d.effectiveDate ?? '', 'aria-label': '施行日期' });
    const issuer = h('input', { value: d.issuer ?? '', placeholder: '发布机关', 'aria-label': '发布机关' });
    const tr = h('tr', { class: 'edit-row' });
    const save = async (e: Event) => {
      e.preventDefault();
      try {
        await api(`/api/documents/${encodeURIComponent(d.id)}`, {
          method: 'PUT',
          json: { title: title.value, docType: docType.value, issuedDate: issued.value || undefined, effectiveDate: effective.value || undefined, issuer: issuer.value || undefined },
        });
        message.textContent = '元数据已提交，正在重新索引…';
        tr.remove();
      } catch (err) {
        message.textContent = err instanceof ApiError ? err.message : '保存失败';
      }
    };
    tr.append(
      h('td', { colspan: 7 },
        h('form', { class: 'edit-form', onsubmit: save },
          h('label', {}, '标题', title), h('label', {}, '类型', docType), h('label', {}, '发布', issued), h('label', {}, '施行', effective), h('label', {}, '机关', issuer),
          h('button', { type: 'submit', class: 'primary' }, '保存'),
          h('button', { type: 'button', onclick: () => tr.remove() }, '取消'),
        ),
      ),
    );
    return tr;
  }

  async function startReimport(): Promise<void> {
    if (!docsShown.length) await loadDocs();
    const withOriginal = docsShown.filter((d) => d.storedFile).length;
    const without = docsShown.length - withOriginal;
    const plan =
      `重新导入 ${withOriginal} 份文档：按保存的原件重新解析、分段并重建索引（用于解析或分段规则更新后）。` +
      (without ? `\n另有 ${without} 份没有保存原件，将跳过。` : '') +
      '\n期间问答照常可用，完成前沿用现有索引。是否开始？';
    if (!confirm(plan)) return;
    reindex.disabled = true;
    try {
      const res = await api<{ jobId: string; documents: number; skipped: string[] }>('/api/reimport', { method: 'POST' });
      reimportJob = res.jobId;
      reimportBar.hidden = false;
      reimportBar.value = 0;
      message.textContent = `正在重新导入：0 / ${res.documents} 份文档…`;
    } catch (e) {
      reindex.disabled = false;
      message.textContent = e instanceof ApiError ? e.message : '重新导入失败';
    }
  }

  return {
    destroy() {
      session.socket.off('ingest:progress', onProgress);
    },
  };
}
