/**
 * The status line under every page: connection to the server first (a dropped socket shows at once, with the
 * reconnect attempts), then model online or extractive mode (the reason in the tooltip), index size; polled while
 * signed in.
 */
import type { HealthInfo } from '../../src/server/events.js';
import { api } from './api.js';
import { clear, h } from './dom.js';
import type { AppSocket } from './view.js';

const HEALTH_POLL_MS = 30_000;

export interface StatusBar {
  element: HTMLElement;
  refresh(): Promise<void>;
  /** Refreshes now and every HEALTH_POLL_MS until stop(). */
  start(): void;
  stop(): void;
  /** Follows the socket: disconnected/reconnecting at once, a fresh health check on reconnect. */
  watch(socket: AppSocket): void;
}

export function createStatusBar(): StatusBar {
  const element = h('div', { class: 'status', role: 'status' });
  let timer: number | undefined;
  let disconnected = false;
  let attempt = 0;
  let unwatch: (() => void) | undefined;

  const showDisconnected = () => {
    clear(element);
    element.classList.add('status-down');
    element.append(
      h('span', { class: 'dot down' }),
      h('strong', {}, '与服务器的连接已断开'),
      h('span', {}, attempt > 0 ? `正在重连（第 ${attempt} 次）…` : '正在重连…'),
      h('span', { class: 'muted' }, '提问会保留，连接恢复后自动发送'),
    );
  };

  const refresh = async (): Promise<void> => {
    if (disconnected) return showDisconnected();
    try {
      const health = await api<HealthInfo>('/api/health');
      if (disconnected) return showDisconnected();
      clear(element);
      element.classList.remove('status-down');
      const online = health.llm.mode === 'llm';
      element.append(
        h('span', { class: online ? 'dot on' : 'dot off' }),
        h(
          'span',
          { class: 'mode', title: health.llm.reason ?? '' },
          online ? `模型在线：${health.llm.model}` : '离线检索模式（原文摘录）',
        ),
        h('span', { class: 'sep' }, '·'),
        h('span', {}, `索引：${health.index.documents} 份文档，${health.index.chunks} 个段落`),
      );
      const q = health.questions;
      if (online && q.state !== 'off' && q.remaining > 0) {
        element.append(
          h('span', { class: 'sep' }, '·'),
          h('span', { class: 'muted', title: q.lastError ?? '模型空闲时为段落生成口语问题，用于检索；有人提问时自动让出模型' }, `后台生成检索问题：剩余 ${q.remaining} 段`),
        );
      }
    } catch {
      clear(element);
      element.append(h('span', { class: 'dot down' }), h('span', {}, '无法获取服务状态，请检查服务器是否在运行'));
    }
  };
  return {
    element,
    refresh,
    start() {
      this.stop();
      void refresh();
      timer = window.setInterval(() => void refresh(), HEALTH_POLL_MS);
    },
    stop() {
      if (timer !== undefined) window.clearInterval(timer);
      timer = undefined;
      unwatch?.();
      unwatch = undefined;
      disconnected = false;
    },
    watch(socket) {
      unwatch?.();
      const onDisconnect = () => {
        disconnected = true;
        attempt = 0;
        showDisconnected();
      };
      const onAttempt = (n: number) => {
        attempt = n;
        if (disconnected) showDisconnected();
      };
      const onConnect = () => {
        disconnected = false;
        void refresh();
      };
      socket.on('disconnect', onDisconnect);
      socket.on('connect', onConnect);
      socket.io.on('reconnect_attempt', onAttempt);
      unwatch = () => {
        socket.off('disconnect', onDisconnect);
        socket.off('connect', onConnect);
        socket.io.off('reconnect_attempt', onAttempt);
      };
    },
  };
}
