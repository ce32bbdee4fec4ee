/**
 * 指定正确条文: for a 👎 question, the passages the answer cited and those a search finds, each with its title,
 * article, an excerpt and a link to it in 法规浏览; the admin picks one and attaches the question to it.
 */
import type { DocumentDetail, FeedbackEntry, SearchResponse, StoredQuestion } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, h } from './dom.js';

/** Enough to recognise a passage without opening it. */
const EXCERPT_CHARS = 90;
const SEARCH_K = 8;

interface Candidate {
  chunkId: string;
  docId: string;
  title: string;
  /** 第二十一条, or a plan's heading; the locator's last part when the passage has no label. */
  label: string;
  /** The locator's parts (章, 节, 条), which the text starts with. */
  headings: string[];
  text: string;
  cited: boolean;
}

type Citation = FeedbackEntry['citations'][number];

/** What the card shows once a question is attached: 《title》第X条. */
export interface Attached {
  stored: StoredQuestion;
  title: string;
  label: string;
}

/** A chunk's ordinal is the part of its id after '#' (`${docId}#${ordinal}`), which is what 法规浏览 addresses. */
export function chunkOrdinal(chunkId: string): string {
  return chunkId.slice(chunkId.lastIndexOf('#') + 1);
}

export function passageHref(docId: string, chunkId: string): string {
  return `#/browse/${encodeURIComponent(docId)}/${encodeURIComponent(chunkOrdinal(chunkId))}`;
}

/** The passage's own words: its text repeats its headings and label first, and those are shown above it already. */
function excerptOf(text: string, headings: string[]): string {
  let body = text.replace(/\s+/g, ' ').trim();
  for (const heading of headings) {
    const t = heading.trim();
    if (t && body.startsWith(t)) body = body.slice(t.length).trim();
  }
  return body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS)}…` : body;
}

/** The cited passages, from their documents (a citation carries the chunk id, not the text). */
async function citedCandidates(citations: Citation[]): Promise<Candidate[]> {
  const cited = citations.filter((c) => c.cited && c.chunkId);
  const docs = new Map<string, Promise<DocumentDetail | undefined>>();
  for (const c of cited) {
    if (!docs.has(c.docId)) docs.set(c.docId, api<DocumentDetail>(`/api/documents/${encodeURIComponent(c.docId)}`).catch(() => undefined));
  }
  const out: Candidate[] = [];
  for (const c of cited) {
    const chunk = (await docs.get(c.docId))?.chunks.find((k) => k.id === c.chunkId);
    if (!chunk) continue;
    const label = chunk.articleLabel ?? c.locator.split(' › ').pop() ?? '';
    out.push({ chunkId: chunk.id, docId: c.docId, title: c.title, label, headings: [...chunk.headingPath, label], text: chunk.text, cited: true });
  }
  return out;
}

async function searchCandidates(q: string): Promise<Candidate[]> {
  const res = await api<SearchResponse>(`/api/search?q=${encodeURIComponent(q)}&k=${SEARCH_K}`);
  return res.hits.map((hit) => ({
    chunkId: hit.chunkId,
    docId: hit.docId,
    title: hit.title,
    label: hit.locator.split(' › ').pop() ?? '',
    headings: hit.locator.split(' › '),
    text: hit.text,
    cited: false,
  }));
}

/**
 * Mounts the picker for one feedback entry. `onAttached` runs after POST /api/questions succeeded.
 */
export function passagePicker(entry: FeedbackEntry, onAttached: (a: Attached) => void): HTMLElement {
  const radioName = `pick-${entry.id}`;
  const question = h('textarea', { class: 'picker-question', rows: 2, 'aria-label': '要关联的问题' });
  question.value = entry.question;
  const search = h('input', { type: 'search', placeholder: '搜索其他条文，如 安全生产法第二十一条', 'aria-label': '搜索条文' });
  const citedList = h('ul', { class: 'picker-list' });
  const foundList = h('ul', { class: 'picker-list', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted small', role: 'status' }, '正在查找候选条文…');
  const attach = h('button', { type: 'button', class: 'primary', disabled: true }, '关联此条文');
  const citedIds = new Set<string>();
  let chosen: Candidate | undefined;

  const item = (c: Candidate): HTMLLIElement => {
    const radio = h('input', { type: 'radio', name: radioName, value: c.chunkId });
    radio.addEventListener('change', () => {
      chosen = c;
      attach.disabled = false;
    });
    return h(
      'li',
      { class: 'picker-item', 'data-chunk': c.chunkId },
      h(
        'label',
        {},
        radio,
        h(
          'span',
          { class: 'picker-text' },
          h('strong', {}, `《${c.title}》${c.label}`),
          c.cited ? h('span', { class: 'badge' }, '回答引用') : null,
          h('span', { class: 'picker-excerpt' }, excerptOf(c.text, c.headings)),
        ),
      ),
      h('a', { href: passageHref(c.docId, c.chunkId), target: '_blank', rel: 'noopener', class: 'small' }, '查看原文'),
    );
  };

  const showFound = (found: Candidate[]) => {
    clear(foundList);
    const fresh = found.filter((c) => !citedIds.has(c.chunkId));
    for (const c of fresh) foundList.append(item(c));
    // A choice among the previous results is gone with them.
    if (chosen && !citedIds.has(chosen.chunkId) && !fresh.some((c) => c.chunkId === chosen?.chunkId)) {
      chosen = undefined;
      attach.disabled = true;
    }
    return fresh.length;
  };

  const runSearch = async (q: string, initial: boolean) => {
    status.textContent = '正在搜索…';
    status.className = 'muted small';
    try {
      const n = showFound(await searchCandidates(q));
      status.textContent = n ? (initial ? '以下为回答引用的条文和按问题检索到的条文，选择正确的一条。' : `找到 ${n} 条，选择正确的一条。`) : '没有找到其他条文，请换个说法或直接输入“法规名称第X条”。';
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.message : '搜索失败';
    }
  };

  const form = h(
    'form',
    { class: 'picker-search', role: 'search' },
    search,
    h('button', { type: 'submit' }, '搜索'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = search.value.trim();
    if (q) void runSearch(q, false);
  });

  attach.addEventListener('click', async () => {
    if (!chosen) return;
    const target = chosen;
    attach.disabled = true;
    try {
      const stored = await api<StoredQuestion>('/api/questions', { method: 'POST', json: { chunkId: target.chunkId, question: question.value } });
      onAttached({ stored, title: target.title, label: target.label });
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.message : '关联失败，请重试。';
      status.className = 'error small';
      attach.disabled = false;
    }
  });

  void (async () => {
    for (const c of await citedCandidates(entry.citations)) {
      if (citedIds.has(c.chunkId)) continue;
      citedIds.add(c.chunkId);
      citedList.append(item(c));
    }
    await runSearch(entry.question, true);
  })();

  return h(
    'div',
    { class: 'passage-picker' },
    h('label', { class: 'picker-field' }, h('span', { class: 'label' }, '要关联的问题'), question),
    form,
    status,
    citedList,
    foundList,
    h('div', { class: 'actions' }, attach),
  );
}
