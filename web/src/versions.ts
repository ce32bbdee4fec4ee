/**
 * 修订对照: two versions of a text side by side, article by article, with the characters that changed marked;
 * 只看变化 hides unchanged articles, 打印修订对照表 prints the table (print stylesheet in styles.css).
 * Route: #/diff (pick a text with several versions) or #/diff/<newer id>/<older id>.
 */
import type { ChangeKind, DiffPart, DocumentDiff, FamilyVersions, HitVersion } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, h } from './dom.js';
import type { MountView } from './view.js';

export const KIND_LABELS: Record<ChangeKind, string> = { added: '新增', removed: '删除', modified: '修改', moved: '移动', unchanged: '未变' };
export const STATUS_LABELS: Record<string, string> = { in_force: '现行有效', superseded: '已被修订', not_yet_in_force: '尚未施行', repealed: '已废止' };

export const mountVersionDiff: MountView = (container, _ctx, params) => {
  let alive = true;
  const root = h('section', { class: 'versions-page' });
  container.append(root);
  const [docId, againstId] = params;
  if (docId && againstId) void showDiff(root, docId, againstId, () => alive);
  else void showPicker(root, () => alive);
  return {
    destroy() {
      alive = false;
    },
  };
};

async function showPicker(root: HTMLElement, alive: () => boolean): Promise<void> {
  root.append(h('h2', {}, '修订对照'), h('p', { class: 'muted' }, '选择一份有多个版本的文件，对照相邻两个版本的条文变化。'));
  try {
    const families = await api<FamilyVersions[]>('/api/families');
    if (!alive()) return;
    if (!families.length) {
      root.append(h('p', { class: 'note' }, '知识库中暂无多版本的文件。导入同一法规的新版本后，这里会列出修订对照。'));
      return;
    }
    const list = h('ul', { class: 'family-list' });
    for (const f of families) {
      const li = h('li', {}, h('strong', {}, f.family));
      for (let i = 1; i < f.versions.length; i++) {
        const older = f.versions[i - 1]!;
        const newer = f.versions[i]!;
        li.append(
          h('a', { href: `#/diff/${encodeURIComponent(newer.docId)}/${encodeURIComponent(older.docId)}`, class: 'family-pair' }, `${older.version ?? '日期不详'} → ${newer.version ?? '日期不详'}`),
        );
      }
      list.append(li);
    }
    root.append(list);
  } catch (e) {
    root.append(h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : '加载失败。'));
  }
}

async function showDiff(root: HTMLElement, docId: string, againstId: string, alive: () => boolean): Promise<void> {
  const status = h('p', { class: 'muted' }, '正在比较…');
  root.append(status);
  let diff: DocumentDiff;
  let family: FamilyVersions | undefined;
  try {
    [diff, family] = await Promise.all([
      api<DocumentDiff>(`/api/documents/${encodeURIComponent(docId)}/diff?against=${encodeURIComponent(againstId)}`),
      api<FamilyVersions>(`/api/documents/${encodeURIComponent(docId)}/versions`).catch(() => undefined),
    ]);
  } catch (e) {
    status.className = 'error';
    status.textContent = e instanceof ApiError ? e.message : '比较失败。';
    return;
  }
  if (!alive()) return;
  clear(root);
  const statusOf = (id: string) => family?.versions.find((v) => v.docId === id)?.status;
  const sideHead = (label: string, side: DocumentDiff['old']) => {
    const st = statusOf(side.docId);
    return h(
      'div',
      { class: 'diff-side-head' },
      h('span', { class: 'muted' }, label),
      h('strong', {}, side.title),
      h('span', {}, `${side.version ?? '日期不详'} 施行 · ${side.articles.length} 条`),
      st ? h('span', { class: `version-badge status-${st}` }, STATUS_LABELS[st] ?? st) : null,
    );
  };
  const onlyChanges = h('input', { type: 'checkbox', id: 'only-changes', checked: true });
  const table = h('table', { class: 'diff-table' });
  const c = diff.counts;
  root.append(
    h('h2', {}, `修订对照表：${diff.new.title}`),
    h('div', { class: 'diff-heads' }, sideHead('旧版', diff.old), sideHead('新版', diff.new)),
    h(
      'p',
      { class: 'diff-summary' },
      ...(['added', 'removed', 'modified', 'moved', 'unchanged'] as ChangeKind[]).map((k) => h('span', { class: `kind kind-${k}` }, `${KIND_LABELS[k]} ${c[k]}`)),
    ),
    h(
      'div',
      { class: 'diff-tools no-print' },
      h('label', { for: 'only-changes' }, onlyChanges, ' 只看变化'),
      h('button', { type: 'button', onclick: () => window.print() }, '打印修订对照表'),
      h('a', { href: '#/diff' }, '其他文件'),
    ),
    table,
  );
  table.append(h('thead', {}, h('tr', {}, h('th', { class: 'col-kind' }, '变化'), h('th', {}, `旧版（${diff.old.version ?? ''}）`), h('th', {}, `新版（${diff.new.version ?? ''}）`))));
  const body = h('tbody');
  for (const change of diff.changes) {
    const row = h(
      'tr',
      { class: `diff-row kind-${change.kind}` },
      h('td', { class: 'col-kind' }, h('span', { class: `kind kind-${change.kind}` }, KIND_LABELS[change.kind])),
      h('td', { class: 'diff-old' }, ...cell(change.old, change.oldText, change.diff, 'old')),
      h('td', { class: 'diff-new' }, ...cell(change.new, change.newText, change.diff, 'new')),
    );
    body.append(row);
  }
  table.append(body);
  const apply = () => table.classList.toggle('only-changes', onlyChanges.checked);
  onlyChanges.addEventListener('change', apply);
  apply();
}

function cell(label: string | null, text: string | undefined, diff: DiffPart[] | undefined, side: 'old' | 'new'): (Node | string)[] {
  if (!label) return [h('span', { class: 'muted' }, '—')];
  const out: (Node | string)[] = [h('strong', { class: 'art-label' }, label), ' '];
  if (!diff) {
    out.push(text ?? '');
    return out;
  }
  for (const part of diff) {
    if (part.kind === 'equal') out.push(part.text);
    else if (part.kind === 'removed' && side === 'old') out.push(h('del', {}, part.text));
    else if (part.kind === 'added' && side === 'new') out.push(h('ins', {}, part.text));
  }
  return out;
}

/** What a source card shows of a version: 原第X条 beside the locator; a flag when the text is not in force. */
export function versionBadge(v: HitVersion | undefined): HTMLElement | null {
  if (!v) return null;
  if (v.status !== 'in_force') return h('span', { class: `version-badge status-${v.status}` }, `⚠ ${STATUS_LABELS[v.status] ?? v.status}`);
  return v.formerLabel ? h('span', { class: 'src-former muted' }, `（${v.formerLabel}）`) : null;
}

/** The warning inside a card citing a text not in force, with a link to the version in force (修订对照). */
export function versionWarning(docId: string, v: HitVersion | undefined): HTMLElement | null {
  if (!v?.warning) return null;
  return h(
    'p',
    { class: 'version-warning', role: 'note' },
    `⚠ ${v.warning}`,
    v.currentDocId && v.currentDocId !== docId ? h('a', { href: `#/diff/${encodeURIComponent(v.currentDocId)}/${encodeURIComponent(docId)}` }, ' 对照现行版本 →') : null,
  );
}
