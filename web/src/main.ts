/** App shell: login, navigation by role, status bar, hash routes (#/chat, #/browse/<doc>/<chunk>, #/docs). */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, HealthInfo, ServerToClientEvents, SessionUser } from '../../src/server/events.js';
import { ROLE_LABELS } from '../../src/server/events.js';
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { renderBrowse } from './browse.js';
import { createChatView, type ChatView } from './chat.js';
import { renderDocs } from './docs.js';
import { clear, h } from './dom.js';
import './styles.css';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Session {
  user: SessionUser;
  socket: AppSocket;
}

const root = document.getElementById('app') as HTMLElement;
const HEALTH_POLL_MS = 30_000;
let session: Session | undefined;
let chat: ChatView | undefined;
let healthTimer: number | undefined;

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
  chat?.destroy();
  chat = undefined;
  window.removeEventListener('hashchange', route);
  if (healthTimer) window.clearInterval(healthTimer);
  showLogin(message);
}

const main = h('main', { class: 'main' });
const statusBar = h('div', { class: 'status', role: 'status' });
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
      statusBar,
    ),
  );
  void refreshHealth();
  healthTimer = window.setInterval(() => void refreshHealth(), HEALTH_POLL_MS);
}

export async function refreshHealth(): Promise<void> {
  try {
    const health = await api<HealthInfo>('/api/health');
    clear(statusBar);
    const online = health.llm.mode === 'llm';
    statusBar.append(
      h('span', { class: online ? 'dot on' : 'dot off' }),
      h('span', { title: health.llm.reason ?? '' }, online ? `模型在线：${health.llm.model}` : '离线检索模式'),
      h('span', { class: 'sep' }, '·'),
      h('span', {}, `索引：${health.index.documents} 份文档，${health.index.chunks} 个段落`),
    );
  } catch {
    statusBar.textContent = '无法获取服务状态';
  }
}

function route(): void {
  if (!session) return;
  const hash = location.hash || '#/chat';
  const [, page, ...rest] = hash.split('/');
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('data-route') === `#/${page}`);
  if (page === 'browse' && session.user.role !== 'officer') {
    chat?.destroy();
    chat = undefined;
    clear(main);
    void renderBrowse(main, rest[0] ? decodeURIComponent(rest[0]) : undefined, rest[1] ? decodeURIComponent(rest[1]) : undefined);
    return;
  }
  if (page === 'docs' && session.user.role === 'admin') {
    chat?.destroy();
    chat = undefined;
    clear(main);
    void renderDocs(main, session);
    return;
  }
  if (!chat) {
    clear(main);
    chat = createChatView(main, session);
  }
}

void start();
