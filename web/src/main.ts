/** App shell: login, navigation by role, status bar, hash routes (#/chat, #/browse/<doc>/<chunk>, #/docs). */
import { io } from 'socket.io-client';
import type { SessionUser } from '../../src/server/events.js';
import { ROLE_LABELS } from '../../src/server/events.js';
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { mountBrowse } from './browse.js';
import { mountChat } from './chat.js';
import { mountDocs } from './docs.js';
import { mountAudit } from './audit-log.js';
import { mountAccount, mountUsers } from './users.js';
import { mountFeedback } from './feedback.js';
import { mountTraining } from './training.js';
import { mountTriage } from './triage.js';
import { clear, h } from './dom.js';
import { createStatusBar } from './status-bar.js';
import { mountTokens } from './tokens.js';
import type { AppSocket, MountView, Session, View, ViewContext } from './view.js';
import { mountVersionDiff } from './versions.js';
import { mountChangesFeed } from './versions-feed.js';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
let session: Session | undefined;
/** The mounted page and the route it was mounted for; chat stays mounted while the route stays #/chat. */
let current: { key: string; view: View } | undefined;

interface Route {
  mount: MountView;
  allowed(role: SessionUser['role']): boolean;
  /** Kept mounted across hash changes within the page (the conversation survives). */
  keep: boolean;
}
const ROUTES: Record<string, Route> = {
  chat: { mount: mountChat, allowed: () => true, keep: true },
  // Reading is for every role (an officer follows a source card to the article); changing is for admins.
  browse: { mount: mountBrowse, allowed: () => true, keep: false },
  docs: { mount: mountDocs, allowed: (role) => role === 'admin', keep: false },
  triage: { mount: mountTriage, allowed: () => true, keep: true },
  training: { mount: mountTraining, allowed: () => true, keep: false },
  feedback: { mount: mountFeedback, allowed: (role) => role === 'admin', keep: false },
  users: { mount: mountUsers, allowed: (role) => role === 'admin', keep: false },
  audit: { mount: mountAudit, allowed: (role) => role === 'admin', keep: false },
  account: { mount: mountAccount, allowed: () => true, keep: false },
  tokens: { mount: mountTokens, allowed: (role) => role === 'admin', keep: false },
  changes: { mount: mountChangesFeed, allowed: () => true, keep: false },
  diff: { mount: mountVersionDiff, allowed: () => true, keep: false },
};

setUnauthorizedHandler(() => {
  if (session) logoutLocally();
});

async function start(): Promise<void> {
  try {
    const user = await api<SessionUser>('/api/me');
    enter(user);
  } catch {
    showLogin();
  }
}

function showLogin(message?: string): void {
  clear(root);
  const error = h('p', { class: 'login-error', role: 'alert' }, message ?? '');
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, placeholder: '用户名' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, placeholder: '密码' });
  const button = h('button', { type: 'submit', class: 'primary' }, '登录');
  const form = h(
    'form',
    {
      class: 'login-card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        button.disabled = true;
        error.textContent = '';
        try {
          const user = await api<SessionUser>('/api/login', { method: 'POST', json: { username: username.value.trim(), password: password.value } });
          enter(user);
        } catch (err) {
          error.textContent = err instanceof ApiError ? err.message : '登录失败';
          button.disabled = false;
        }
      },
    },
    h('h1', {}, '应急知识助手'),
    h('p', { class: 'muted' }, '预案与法规问答 · 请登录'),
    h('label', {}, '用户名', username),
    h('label', {}, '密码', password),
    error,
    button,
  );
  root.append(h('div', { class: 'login-page' }, form));
  username.focus();
}

function enter(user: SessionUser): void {
  const socket: AppSocket = io({ transports: ['websocket', 'polling'] });
  socket.on('connect_error', (err) => {
    const data = (err as Error & { data?: { code?: string } }).data;
    if (data?.code === 'UNAUTHORIZED') logoutLocally('登录已过期，请重新登录。');
  });
  session = { user, socket };
  renderShell();
  window.addEventListener('hashchange', route);
  route();
}

function logoutLocally(message?: string): void {
  session?.socket.disconnect();
  session = undefined;
  unmount();
  window.removeEventListener('hashchange', route);
  statusBar.stop();
  showLogin(message);
}

const main = h('main', { class: 'main' });
const statusBar = createStatusBar();
const nav = h('nav', { class: 'nav' });

function renderShell(): void {
  if (!session) return;
  const { user } = session;
  clear(root);
  clear(nav);
  const links: [string, string][] = [['#/chat', '对话'], ['#/triage', '事件速判'], ['#/browse', '法规浏览']];
  if (user.role === 'admin') links.push(['#/docs', '文档管理']);
  if (user.role === 'admin') links.push(['#/feedback', '反馈'], ['#/users', '用户'], ['#/audit', '审计'], ['#/tokens', 'API 令牌']);
  links.push(['#/training', '培训']);
  links.push(['#/changes', '新规速递'], ['#/diff', '修订对照']);
  for (const [href, label] of links) nav.append(h('a', { href, 'data-route': href }, label));
  const logout = h(
    'button',
    {
      class: 'link',
      onclick: async () => {
        try {
          await api('/api/logout', { method: 'POST' });
        } finally {
          logoutLocally();
        }
      },
    },
    '退出',
  );
  root.append(
    h(
      'div',
      { class: 'shell' },
      h('header', { class: 'top' }, h('span', { class: 'brand' }, '应急知识助手'), nav, h('a', { class: 'who', href: '#/account', title: '修改密码' }, `${user.username}（${ROLE_LABELS[user.role]}）`), logout),
      main,
      statusBar.element,
    ),
  );
  statusBar.start();
  statusBar.watch(session.socket);
}

function unmount(): void {
  current?.view.destroy();
  current = undefined;
  clear(main);
}

/** A hand-typed #/browse/%ZZ must not break routing: an undecodable segment is taken as it stands. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function route(): void {
  if (!session) return;
  const [, asked = 'chat', ...rest] = (location.hash || '#/chat').split('/');
  const page = ROUTES[asked]?.allowed(session.user.role) ? asked : 'chat';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('data-route') === `#/${page}`);
  const { mount, keep } = ROUTES[page];
  const params = rest.map(decodeSegment);
  const key = keep ? page : [page, ...params].join('/');
  if (keep && current?.key === key) return;
  unmount();
  const ctx: ViewContext = { session, refreshHealth: () => void statusBar.refresh() };
  current = { key, view: mount(main, ctx, params) };
}

void start();
