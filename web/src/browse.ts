/** 法规浏览: pick a document, read it article by article, jump straight to 第X条. */
import type { Chunk, DocumentDetail, SourceDoc } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { articleLabelOf } from './article-label.js';
import { clear, formatDate, h } from './dom.js';
import { addToListButton } from './training-add.js';
import type { MountView } from './view.js';

/** Mounts the document list and, for #/browse/<docId>/<target>, that document scrolled to `target` (a locator or 第X条). */
export const mountBrowse: MountView = (container, _ctx, [docId, target]) => {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  void loadBrowse(container, timers, docId, target);
  return {
    destroy() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
};

type Timers = Set<ReturnType<typeof setTimeout>>;

async function loadBrowse(container: HTMLElement, timers: Timers, docId?: string, target?: string): Promise<void> {
  const filter = h('input', { type: 'search', placeholder: '按标题筛选', 'aria-label': '按标题筛选' });
  const list = h('ul', { class: 'doc-list' });
  const reader = h('section', { class: 'reader' }, h('p', { class: 'muted' }, '从左侧选择一份文档阅读。'));
  container.append(h('div', { class: 'browse-layout' }, h('aside', { class: 'sidebar' }, filter, list), reader));

  let docs: SourceDoc[] = [];
  try {
    docs = (await api<SourceDoc[]>('/api/documents')).filter((d) => d.status === 'indexed');
  } catch (e) {
    reader.textContent = e instanceof ApiError ? e.message : '加载失败';
    return;
  }
  docs.sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'));
  const renderList = () => {
    clear(list);
    const q = filter.value.trim();
    for (const d of docs.filter((x) => !q || x.title.includes(q))) {
      list.append(h('li', { class: d.id === docId ? 'active' : '' }, h('a', { href: `#/browse/${encodeURIComponent(d.id)}` }, d.title)));
    }
  };
  filter.addEventListener('input', renderList);
  renderList();
  if (docId) await openDocument(reader, timers, docId, target);
}

async function openDocument(reader: HTMLElement, timers: Timers, docId: string, target?: string): Promise<void> {
  clear(reader);
  let detail: DocumentDetail;
  try {
    detail = await api<DocumentDetail>(`/api/documents/${encodeURIComponent(docId)}`);
  } catch (e) {
    reader.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : '加载失败'));
    return;
  }
  const { doc, chunks } = detail;
  const jumpInput = h('input', { placeholder: '条号，如 21 或 二十一', 'aria-label': '跳转到第几条', size: 14 });
  const jumpMsg = h('span', { class: 'muted small' });
  const body = h('div', { class: 'articles' });
  const jump = (e?: Event) => {
    e?.preventDefault();
    const label = articleLabelOf(jumpInput.value);
    const el = label ? body.querySelector<HTMLElement>(`[data-article="${CSS.escape(label)}"]`) : null;
    jumpMsg.textContent = el ? '' : label ? `本文没有${label}` : '请输入条号';
    if (el) focusArticle(el, timers);
  };
  reader.append(
    h('header', { class: 'reader-head' },
      h('h2', {}, doc.title),
      h('p', { class: 'muted small' }, [doc.docType, doc.issuer, doc.issuedDate && `发布 ${formatDate(doc.issuedDate)}`, doc.effectiveDate && `施行 ${formatDate(doc.effectiveDate)}`, `${doc.chunkCount} 段`].filter(Boolean).join(' · ')),
      h('form', { class: 'jump', onsubmit: jump }, h('label', {}, '跳转到 第', jumpInput, '条'), h('button', { type: 'submit' }, '跳转'), jumpMsg),
      detail.fileUrl ? h('a', { href: detail.fileUrl, target: '_blank', rel: 'noopener' }, '下载原件') : null,
    ),
    body,
  );

  let lastHeading = '';
  const seen = new Set<string>();
  for (const c of chunks) {
    const heading = c.headingPath.filter((p) => p !== c.articleLabel).join(' › ');
    if (heading && heading !== lastHeading) body.append(h('h3', { class: 'chapter' }, heading));
    lastHeading = heading;
    const first = c.articleLabel !== undefined && !seen.has(c.articleLabel);
    if (c.articleLabel) seen.add(c.articleLabel);
    body.append(
      h('section', { class: 'article', id: `chunk-${c.ordinal}`, 'data-article': first ? c.articleLabel : undefined, 'data-locator': locatorOf(c) },
        c.pageStart ? h('span', { class: 'page muted small' }, `第 ${c.pageStart} 页`) : null,
        h('p', {}, c.text),
        // 法规浏览 is for trainers and admins only, so every reader here may build 应知应会 lists.
        first ? addToListButton({ chunkId: c.id, docId: c.docId }) : null,
      ),
    );
  }
  if (target) {
    const byLocator = [...body.querySelectorAll<HTMLElement>('section.article')].find((s) => s.dataset.locator === target);
    const label = target.split(' › ').pop() ?? '';
    const el = byLocator ?? body.querySelector<HTMLElement>(`[data-article="${CSS.escape(label)}"]`);
    if (el) focusArticle(el, timers);
  }
}

function locatorOf(c: Chunk): string {
  const path = [...c.headingPath];
  if (c.articleLabel && path[path.length - 1] !== c.articleLabel) path.push(c.articleLabel);
  return path.join(' › ');
}

function focusArticle(el: HTMLElement, timers: Timers): void {
  el.scrollIntoView({ block: 'start' });
  el.classList.add('flash');
  const t = setTimeout(() => {
    timers.delete(t);
    el.classList.remove('flash');
  }, 1500);
  timers.add(t);
}
