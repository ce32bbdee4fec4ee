/**
 * 法规浏览: documents grouped by type (same titles side by side with their dates), a table of contents per
 * document, previous/next, and jumping to 第X条 or a plan's 三、 / （二） / 4.3.1. The address follows the
 * article (#/browse/<doc>/<ordinal>) so it can be shared and bookmarked.
 */
import type { Chunk, DocumentDetail, SourceDoc } from '../../src/server/events.js';
import { DOC_TYPES } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { articleLabelOf } from './article-label.js';
import { outlineKeyOf, outlineMatches } from './outline-key.js';
import { clear, formatDate, h } from './dom.js';
import { addToListButton } from './training-add.js';
import type { MountView } from './view.js';

/** The title filter outlives the page: opening a document, going back or reloading keeps it. */
const FILTER_KEY = 'yingji.browse.filter';
const ARTICLE_RE = /^第[零〇一二三四五六七八九十百千\d]+条/;

type Timers = Set<ReturnType<typeof setTimeout>>;

/** One heading where it first appears: the table of contents and the outline jump both use these. */
interface Heading {
  title: string;
  depth: number;
  el: HTMLElement;
}

/** Mounts the document list and, for #/browse/<docId>/<target>, that document at `target` (an ordinal, a locator or 第X条). */
interface BrowseState {
  alive: boolean;
  /** 加入清单 is for those who build 应知应会 lists (trainers, admins); every role may read. */
  canCurate: boolean;
}

export const mountBrowse: MountView = (container, ctx, [docId, target]) => {
  const timers: Timers = new Set();
  const state: BrowseState = { alive: true, canCurate: ctx.session.user.role !== 'officer' };
  void loadBrowse(container, timers, state, docId, target);
  return {
    destroy() {
      state.alive = false;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
};

function readFilter(): string {
  try {
    return sessionStorage.getItem(FILTER_KEY) ?? '';
  } catch {
    return '';
  }
}

function saveFilter(value: string): void {
  try {
    sessionStorage.setItem(FILTER_KEY, value);
  } catch {
    // Private mode without storage: the filter then lasts only as long as the page.
  }
}

const browseHash = (docId: string, ordinal?: number) => `#/browse/${encodeURIComponent(docId)}${ordinal === undefined ? '' : `/${ordinal}`}`;

function datesOf(d: SourceDoc): string {
  return [d.issuedDate && `发布 ${formatDate(d.issuedDate)}`, d.effectiveDate && `施行 ${formatDate(d.effectiveDate)}`].filter(Boolean).join(' · ');
}

async function loadBrowse(container: HTMLElement, timers: Timers, state: BrowseState, docId?: string, target?: string): Promise<void> {
  const filter = h('input', { type: 'search', placeholder: '按标题筛选', 'aria-label': '按标题筛选', value: readFilter() });
  const list = h('div', { class: 'doc-groups' });
  const reader = h('section', { class: 'reader' }, h('p', { class: 'muted' }, '从左侧选择一份文档阅读。'));
  container.append(h('div', { class: 'browse-layout' }, h('aside', { class: 'sidebar' }, filter, list), reader));

  let docs: SourceDoc[] = [];
  try {
    docs = (await api<SourceDoc[]>('/api/documents')).filter((d) => d.status === 'indexed');
  } catch (e) {
    reader.textContent = e instanceof ApiError ? e.message : '加载失败';
    return;
  }
  let openId = docId;
  const titleCount = new Map<string, number>();
  for (const d of docs) titleCount.set(d.title, (titleCount.get(d.title) ?? 0) + 1);
  // Same titles sit together, newest first, so a duplicate or an older version is seen at once.
  docs.sort((a, b) => a.title.localeCompare(b.title, 'zh-CN') || (b.issuedDate ?? b.ingestedAt).localeCompare(a.issuedDate ?? a.ingestedAt));

  const open = (d: SourceDoc) => (e: Event) => {
    e.preventDefault();
    openId = d.id;
    history.pushState(null, '', browseHash(d.id));
    renderList();
    void openDocument(reader, timers, state, d.id);
  };

  const renderList = () => {
    clear(list);
    const q = filter.value.trim();
    const shown = docs.filter((x) => !q || x.title.includes(q) || x.source.includes(q));
    const types = [...DOC_TYPES, ...new Set(shown.map((d) => d.docType).filter((t) => !(DOC_TYPES as readonly string[]).includes(t)))];
    for (const type of types) {
      const group = shown.filter((d) => d.docType === type);
      if (!group.length) continue;
      const ul = h('ul', { class: 'doc-list' });
      for (const d of group) {
        const dup = (titleCount.get(d.title) ?? 0) > 1;
        ul.append(
          h('li', { class: `${d.id === openId ? 'active' : ''}${dup ? ' dup' : ''}`, 'data-doc': d.id },
            h('a', { href: browseHash(d.id), onclick: open(d) },
              h('span', { class: 'doc-title' }, d.title),
              dup ? h('span', { class: 'tag', title: '知识库中有同名文档' }, '同名') : null,
              h('span', { class: 'doc-meta muted small' }, [datesOf(d), d.format.toUpperCase()].filter(Boolean).join(' · ')),
            ),
          ),
        );
      }
      list.append(h('section', { class: 'doc-group' }, h('h2', {}, `${type}（${group.length}）`), ul));
    }
    if (!list.firstChild) list.append(h('p', { class: 'muted small' }, q ? `没有标题含“${q}”的文档` : '还没有已索引的文档'));
  };
  filter.addEventListener('input', () => {
    saveFilter(filter.value);
    renderList();
  });
  renderList();
  if (docId) await openDocument(reader, timers, state, docId, target);
}

async function openDocument(reader: HTMLElement, timers: Timers, state: BrowseState, docId: string, target?: string): Promise<void> {
  clear(reader);
  let detail: DocumentDetail;
  try {
    detail = await api<DocumentDetail>(`/api/documents/${encodeURIComponent(docId)}`);
  } catch (e) {
    reader.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : '加载失败'));
    return;
  }
  if (!state.alive) return;
  const { doc, chunks } = detail;
  const body = h('div', { class: 'articles' });
  const headings: Heading[] = [];
  const sections: HTMLElement[] = [];
  let current = -1;

  // Headings once, at the level where they change; a page number only where the page changes.
  let prevPath: string[] = [];
  let lastPage: number | undefined;
  for (const c of chunks) {
    const path = c.headingPath.filter((p) => p !== c.articleLabel || !ARTICLE_RE.test(p));
    const section = h('section', {
      class: 'article',
      id: `chunk-${c.ordinal}`,
      'data-ordinal': String(c.ordinal),
      'data-locator': locatorOf(c),
    });
    let same = 0;
    while (same < path.length && path[same] === prevPath[same]) same++;
    for (let depth = same; depth < path.length; depth++) {
      const title = path[depth];
      const el = h(depth === 0 ? 'h3' : 'h4', { class: `chapter depth-${Math.min(depth, 3)}` }, title);
      body.append(el);
      headings.push({ title, depth, el: section });
    }
    prevPath = path;
    if (c.pageStart !== undefined && c.pageStart !== lastPage && (doc.pageCount ?? 2) > 1) {
      body.append(h('div', { class: 'page-mark muted small' }, `第 ${c.pageStart} 页`));
    }
    if (c.pageStart !== undefined) lastPage = c.pageEnd ?? c.pageStart;
    const labels = c.articleLabels?.length ? c.articleLabels : c.articleLabel ? [c.articleLabel] : [];
    const first = labels.find((l) => ARTICLE_RE.test(l) && !body.querySelector(`[data-article="${CSS.escape(l)}"]`));
    if (first) section.dataset.article = first;
    if (labels.length > 1) section.dataset.articles = labels.join(' ');
    section.append(h('p', {}, withoutHeadingLines(c)));
    if (state.canCurate && (first || !labels.length)) section.append(addToListButton({ chunkId: c.id, docId: c.docId }));
    section.addEventListener('click', () => select(sections.indexOf(section), false));
    body.append(section);
    sections.push(section);
  }

  const jumpInput = h('input', { placeholder: '如 21、第二十一条、三、（二）、4.3.1', 'aria-label': '跳转到条或章节', size: 22 });
  const jumpMsg = h('span', { class: 'muted small', role: 'status' });
  const prev = h('button', { type: 'button', onclick: () => select(current - 1, true), 'aria-label': '上一条' }, '‹ 上一条');
  const next = h('button', { type: 'button', onclick: () => select(current + 1, true), 'aria-label': '下一条' }, '下一条 ›');
  const where = h('span', { class: 'muted small where' });
  let lastJump = { key: '', index: -1 };

  function select(index: number, scroll: boolean): void {
    if (index < 0 || index >= sections.length) return;
    sections[current]?.classList.remove('current');
    current = index;
    const el = sections[index];
    el.classList.add('current');
    if (scroll) focusArticle(el, timers);
    prev.disabled = index === 0;
    next.disabled = index === sections.length - 1;
    const c = chunks[index];
    where.textContent = c ? locatorOf(c) || `第 ${index + 1} 段` : '';
    // The address follows the article without remounting the page (replaceState fires no hashchange).
    history.replaceState(null, '', browseHash(doc.id, c?.ordinal));
  }

  const jump = (e?: Event) => {
    e?.preventDefault();
    const raw = jumpInput.value.trim();
    if (!raw) {
      jumpMsg.textContent = '请输入条号或章节号';
      return;
    }
    const label = articleLabelOf(raw);
    const byArticle = label ? body.querySelector<HTMLElement>(`[data-article="${CSS.escape(label)}"]`) ?? body.querySelector<HTMLElement>(`[data-articles~="${CSS.escape(label)}"]`) : null;
    if (byArticle) {
      jumpMsg.textContent = '';
      select(sections.indexOf(byArticle), true);
      return;
    }
    const key = outlineKeyOf(raw);
    const found = key ? headings.filter((hd) => outlineMatches(hd.title, key)) : [];
    if (!found.length) {
      jumpMsg.textContent = label && !key ? `本文没有${label}` : `本文没有“${raw}”`;
      return;
    }
    // The same （二） recurs under every chapter: jumping again goes on to the next one.
    const k = lastJump.key === key ? (lastJump.index + 1) % found.length : 0;
    lastJump = { key: key as string, index: k };
    jumpMsg.textContent = found.length > 1 ? `第 ${k + 1} / ${found.length} 处（再按跳转到下一处）` : '';
    select(sections.indexOf(found[k].el), true);
  };

  const toc = h('ol', { class: 'toc' });
  for (const hd of headings) {
    const idx = sections.indexOf(hd.el);
    toc.append(h('li', { class: `toc-depth-${Math.min(hd.depth, 3)}` },
      h('a', { href: browseHash(doc.id, chunks[idx]?.ordinal), onclick: (e: Event) => { e.preventDefault(); select(idx, true); } }, hd.title)));
  }

  const meta = [doc.docType, doc.issuer, datesOf(doc), doc.format.toUpperCase(), doc.pageCount ? `${doc.pageCount} 页` : '', `${doc.chunkCount} 段`].filter(Boolean).join(' · ');
  reader.append(
    h('header', { class: 'reader-head' },
      h('h2', {}, doc.title),
      h('p', { class: 'muted small' }, meta, detail.fileUrl ? ' · ' : '', detail.fileUrl ? h('a', { href: detail.fileUrl, target: '_blank', rel: 'noopener' }, '下载原件') : null),
      h('form', { class: 'jump', onsubmit: jump }, h('label', {}, '跳转到 ', jumpInput), h('button', { type: 'submit' }, '跳转'), jumpMsg),
      h('div', { class: 'pager' }, prev, where, next),
    ),
    h('div', { class: 'reader-body' },
      headings.length ? h('details', { class: 'toc-box', open: window.innerWidth > 760 }, h('summary', {}, `目录（${headings.length}）`), toc) : null,
      body,
    ),
  );

  const initial = target === undefined ? -1 : findTarget(chunks, sections, target);
  if (initial >= 0) select(initial, true);
  else {
    prev.disabled = true;
    next.disabled = sections.length === 0;
  }
}

/** An ordinal (#/browse/<doc>/12), a source card's locator (章 › 条) or a bare 第X条. */
function findTarget(chunks: Chunk[], sections: HTMLElement[], target: string): number {
  if (/^\d+$/.test(target)) {
    const i = chunks.findIndex((c) => c.ordinal === Number(target));
    if (i >= 0) return i;
  }
  const byLocator = chunks.findIndex((c) => locatorOf(c) === target);
  if (byLocator >= 0) return byLocator;
  const label = target.split(' › ').pop() ?? '';
  return sections.findIndex((s) => s.dataset.article === label || (s.dataset.articles ?? '').split(' ').includes(label));
}

/** A chunk's text repeats its headings on its first lines; they are shown once above it already. */
function withoutHeadingLines(c: Chunk): string {
  const headings = new Set(c.headingPath.map((p) => p.trim()));
  const lines = c.text.split('\n');
  let i = 0;
  while (i < lines.length - 1 && headings.has(lines[i].trim())) i++;
  return lines.slice(i).join('\n');
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
