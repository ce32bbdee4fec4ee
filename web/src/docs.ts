/** 文档管理 (admin): drag-and-drop upload with per-file progress, document table, edit, replace, delete, reindex; audit; users. */
import type { DocStatus, IngestProgressEvent, Role, SourceDoc, UploadAccepted, UserInfo, WireError } from '../../src/server/events.js';
import { DOC_TYPES, ROLE_LABELS, ROLES } from '../../src/server/events.js';
import { api, ApiError, uploadWithProgress } from './api.js';
import { clear, formatDate, formatDateTime, h } from './dom.js';
import type { View, ViewContext } from './view.js';

const STATUS_LABELS: Record<DocStatus, string> = { indexed: '已索引', needs_ocr: '需OCR', failed: '失败' };
const OUTCOME_LABELS: Record<string, string> = { added: '已索引', replaced: '已更新', unchanged: '未变化', needs_ocr: '需OCR', failed: '失败', removed: '已删除' };

interface FileRow {
  bar: HTMLProgressElement;
  state: HTMLElement;
}

export function mountDocs(container: HTMLElement, { session, refreshHealth }: ViewContext): View {
  const fileRows = new Map<string, FileRow>();
  const uploads = h('ul', { class: 'upload-list' });
  const picker = h('input', { type: 'file', multiple: true, accept: '.pdf,.docx,.md,.markdown,.txt,.html,.htm', hidden: true });
  const drop = h('div', { class: 'dropzone', tabindex: 0, role: 'button' }, h('strong', {}, '拖入文件到这里上传'), h('span', { class: 'muted' }, '或点击选择（PDF、DOCX、Markdown、TXT、HTML，可多选）'));
  const filter = h('input', { type: 'search', placeholder: '按标题搜索', 'aria-label': '按标题搜索' });
  const tbody = h('tbody');
  const message = h('p', { class: 'muted', role: 'status' });
  const reindex = h('button', { type: 'button', onclick: () => void startReindex() }, '重建索引');

  container.append(
    h('div', { class: 'docs-page' },
      h('section', { class: 'panel' }, h('h2', {}, '上传文档'), drop, picker, uploads),
      h('section', { class: 'panel' },
        h('div', { class: 'panel-head' }, h('h2', {}, '文档'), filter, reindex),
        message,
        h('div', { class: 'table-wrap' },
          h('table', { class: 'docs-table' },
            h('thead', {}, h('tr', {}, h('th', {}, '标题'), h('th', {}, '类型'), h('th', {}, '日期'), h('th', {}, '段落'), h('th', {}, '状态'), h('th', {}, '操作'))),
            tbody,
          ),
        ),
      ),
      renderUsersPanel(),
      renderAuditPanel(),
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
      if (row) row.state.textContent = '正在解析与索引…';
    }
    if (p.outcome) {
      const row = fileRows.get(`${e.jobId}:${p.outcome.file}`);
      if (row) {
        row.bar.value = 1;
        row.state.textContent = OUTCOME_LABELS[p.outcome.status] + (p.outcome.error ? `：${p.outcome.error.message}` : p.outcome.chunks ? `（${p.outcome.chunks} 段）` : '');
        row.state.className = p.outcome.error ? 'error' : 'ok';
      }
    }
    if (p.phase === 'done') {
      if (e.error) message.textContent = `后台任务失败：${e.error.message}`;
      else if (e.kind === 'reindex') message.textContent = `重建索引完成（${p.filesDone} 份文档）。`;
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
      uploads.prepend(h('li', {}, h('span', { class: 'file-name' }, f.name), bar, state));
      rows.push({ bar, state });
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
        if (row) {
          row.bar.value = 1;
          row.state.textContent = `已拒绝：${r.error.message}`;
          row.state.className = 'error';
        }
      }
    } catch (e) {
      for (const r of rows) {
        r.bar.value = 1;
        r.state.textContent = `失败：${e instanceof ApiError ? e.message : '上传失败'}`;
        r.state.className = 'error';
      }
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
    const q = filter.value.trim();
    docs = docs.filter((d) => !q || d.title.includes(q) || d.source.includes(q)).sort((a, b) => b.ingestedAt.localeCompare(a.ingestedAt));
    clear(tbody);
    for (const d of docs) tbody.append(docRow(d));
    if (!docs.length) tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, '没有文档')));
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
    const status = h('td', { class: `status-${d.status}` }, STATUS_LABELS[d.status], d.error ? h('div', { class: 'small' }, d.error.message) : null);
    const row = h('tr', { 'data-doc': d.id },
      h('td', {}, d.status === 'indexed' ? h('a', { href: `#/browse/${encodeURIComponent(d.id)}` }, d.title) : d.title, h('div', { class: 'muted small' }, d.source)),
      h('td', {}, d.docType),
      h('td', {}, formatDate(d.issuedDate ?? d.ingestedAt)),
      h('td', {}, String(d.chunkCount)),
      status,
      h('td', {}, h('div', { class: 'row-actions' },
        h('button', { type: 'button', onclick: () => row.after(editRow(d)) }, '编辑'),
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
      h('td', { colspan: 6 },
        h('form', { class: 'edit-form', onsubmit: save },
          h('label', {}, '标题', title), h('label', {}, '类型', docType), h('label', {}, '发布', issued), h('label', {}, '施行', effective), h('label', {}, '机关', issuer),
          h('button', { type: 'submit', class: 'primary' }, '保存'),
          h('button', { type: 'button', onclick: () => tr.remove() }, '取消'),
        ),
      ),
    );
    return tr;
  }

  async function startReindex(): Promise<void> {
    if (!confirm('重新解析并索引全部文档？期间问答照常可用。')) return;
    try {
      const res = await api<{ jobId: string; documents: number }>('/api/reindex', { method: 'POST' });
      message.textContent = `正在重建索引（${res.documents} 份文档）…`;
    } catch (e) {
      message.textContent = e instanceof ApiError ? e.message : '重建失败';
    }
  }

  return {
    destroy() {
      session.socket.off('ingest:progress', onProgress);
    },
  };
}

function renderUsersPanel(): HTMLElement {
  const tbody = h('tbody');
  const msg = h('p', { class: 'muted small', role: 'status' });
  const name = h('input', { placeholder: '用户名', required: true, 'aria-label': '用户名' });
  const role = h('select', { 'aria-label': '角色' });
  for (const r of ROLES) role.append(h('option', { value: r }, ROLE_LABELS[r]));
  const password = h('input', { type: 'password', placeholder: '密码（至少 8 位）', required: true, 'aria-label': '密码', autocomplete: 'new-password' });
  const load = async () => {
    const users = await api<UserInfo[]>('/api/users');
    clear(tbody);
    for (const u of users) {
      tbody.append(h('tr', {}, h('td', {}, u.username), h('td', {}, ROLE_LABELS[u.role]), h('td', {}, formatDate(u.createdAt)),
        h('td', {}, h('button', {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            if (!confirm(`删除账号 ${u.username}？`)) return;
            try {
              await api(`/api/users/${encodeURIComponent(u.username)}`, { method: 'DELETE' });
              await load();
            } catch (e) {
              msg.textContent = e instanceof ApiError ? e.message : '删除失败';
            }
          },
        }, '删除'))));
    }
  };
  const form = h('form', {
    class: 'inline-form',
    onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await api('/api/users', { method: 'POST', json: { username: name.value.trim(), role: role.value as Role, password: password.value } });
        msg.textContent = `已新增 ${name.value}`;
        name.value = '';
        password.value = '';
        await load();
      } catch (err) {
        msg.textContent = err instanceof ApiError ? err.message : '新增失败';
      }
    },
  }, name, role, password, h('button', { type: 'submit' }, '新增账号'));
  void load();
  return h('details', { class: 'panel' }, h('summary', {}, h('h2', {}, '账号')), form, msg, h('table', { class: 'docs-table' }, h('thead', {}, h('tr', {}, h('th', {}, '用户名'), h('th', {}, '角色'), h('th', {}, '创建'), h('th', {}, ''))), tbody));
}

function renderAuditPanel(): HTMLElement {
  const tbody = h('tbody');
  const details = h('details', { class: 'panel' }, h('summary', {}, h('h2', {}, '审计日志')),
    h('p', {}, h('a', { href: '/api/audit?format=jsonl', download: '' }, '导出全部（JSONL）')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'docs-table' }, h('thead', {}, h('tr', {}, h('th', {}, '时间'), h('th', {}, '用户'), h('th', {}, '操作'), h('th', {}, '内容'))), tbody)),
  );
  details.addEventListener('toggle', async () => {
    if (!details.open) return;
    const entries = await api<{ at: string; user: string; action: string; [k: string]: unknown }[]>('/api/audit?limit=200');
    clear(tbody);
    for (const { at, user, action, ...rest } of entries) {
      tbody.append(h('tr', {}, h('td', {}, formatDateTime(at)), h('td', {}, user), h('td', {}, action), h('td', { class: 'small mono' }, JSON.stringify(rest))));
    }
  });
  return details;
}
