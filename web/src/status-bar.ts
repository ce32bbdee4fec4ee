/** The status line under every page: model online or extractive mode, index size; polled while signed in. */
import type { HealthInfo } from '../../src/server/events.js';
import { api } from './api.js';
import { clear, h } from './dom.js';

const HEALTH_POLL_MS = 30_000;

export interface StatusBar {
  element: HTMLElement;
  refresh(): Promise<void>;
  /** Refreshes now and every HEALTH_POLL_MS until stop(). */
  start(): void;
  stop(): void;
}

export function createStatusBar(): StatusBar {
  const element = h('div', { class: 'status', role: 'status' });
  let timer: number | undefined;
  const refresh = async (): Promise<void> => {
    try {
      const health = await api<HealthInfo>('/api/health');
      clear(element);
      const online = health.llm.mode === 'llm';
      element.append(
        h('span', { class: online ? 'dot on' : 'dot off' }),
        h('span', { title: health.llm.reason ?? '' }, online ? `模型在线：${health.llm.model}` : '离线检索模式'),
        h('span', { class: 'sep' }, '·'),
        h('span', {}, `索引：${health.index.documents} 份文档，${health.index.chunks} 个段落`),
      );
    } catch {
      element.textContent = '无法获取服务状态';
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
    },
  };
}
