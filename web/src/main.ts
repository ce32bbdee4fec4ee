/** App shell: login, navigation by role, status bar, hash routes (#/chat, #/browse/<doc>/<chunk>, #/docs). */
import { io } from 'socket.io-client';
import type { SessionUser } from '../../src/server/events.js';
import { ROLE_LABELS } from '../../src/server/events.js';
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { mountBrowse } from './browse.js';
import { mountChat } from './chat.js';
import { mountDocs } from './docs.js';
import { clear, h } from './dom.js';
import { createStatusBar } from './status-bar.js';
import type { AppSocket, Session, View, ViewContext } from './view.js';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
let session: Session | undefined;
/** The mounted page and the route it was mounted for; chat stays mounted while the route stays #/chat. */
let current: { key: string; view: View } | undefined;

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
  const links: [string, string][] = [['#/chat', '对话']];
  if (user.role !== 'officer') links.push(['#/browse', '法规浏览']);
  if (user.role === 'admin') links.push(['#/docs', '文档管理']);
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
      h('header', { class: 'top' }, h('span', { class: 'brand' }, '应急知识助手'), nav, h('span', { class: 'who' }, `${user.username}（${ROLE_LABELS[user.role]}）`), logout),
      main,
      statusBar.element,
    ),
  );
  statusBar.start();
}

function unmount(): void {
  current?.view.destroy();
  current = undefined;
  clear(main);
}

function route(): void {
  if (!session) return;
  const hash = location.hash || '#/chat';
  const [, page, ...rest] = hash.split('/');
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('data-route') === `#/${page}`);
  const ctx: ViewContext = { session, refreshHealth: () => void statusBar.refresh() };
  const { role } = session.user;
  if (page === 'browse' && role !== 'officer') {
    unmount();
    const docId = rest[0] ? decodeURIComponent(rest[0]) : undefined;
    const target = rest[1] ? decodeURIComponent(rest[1]) : undefined;
    current = { key: hash, view: mountBrowse(main, docId, target) };
    return;
  }
  if (page === 'docs' && role === 'admin') {
    unmount();
    current = { key: 'docs', view: mountDocs(main, ctx) };
    return;
  }
  if (current?.key === 'chat') return;
  unmount();
  current = { key: 'chat', view: mountChat(main, ctx) };
}

void start();
