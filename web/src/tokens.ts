/** API 令牌 (admin): create a token (shown once, with the base URL to paste into a desktop client), list, revoke. */
import type { ApiTokenCreated, ApiTokenInfo, Role } from '../../src/server/events.js';
import { ROLE_LABELS, ROLES } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDateTime, h } from './dom.js';
import type { View } from './view.js';

function stateOf(t: ApiTokenInfo): string {
  if (t.revokedAt) return `已吊销（${formatDateTime(t.revokedAt)}）`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return '已过期';
  return '有效';
}

export function mountTokens(container: HTMLElement): View {
  const tbody = h('tbody');
  const msg = h('p', { class: 'muted small', role: 'status' });
  const shown = h('div', { class: 'token-once', hidden: true });
  const name = h('input', { placeholder: '名称，如 指挥平台', required: true, 'aria-label': '令牌名称', maxlength: 32 });
  const role = h('select', { 'aria-label': '角色' });
  for (const r of ROLES) role.append(h('option', { value: r }, ROLE_LABELS[r]));
  const expires = h('input', { type: 'date', 'aria-label': '有效期至（可不填）', title: '有效期至（可不填）' });
  const baseUrl = `${location.origin}/v1`;
  let disposed = false;

  const load = async () => {
    let tokens: ApiTokenInfo[];
    try {
      tokens = await api<ApiTokenInfo[]>('/api/tokens');
    } catch (e) {
      msg.textContent = e instanceof ApiError ? e.message : '读取令牌失败';
      return;
    }
    if (disposed) return;
    clear(tbody);
    if (!tokens.length) tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, '还没有令牌。')));
    for (const t of [...tokens].reverse()) {
      const revoke = h('button', {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!confirm(`吊销令牌 ${t.name}？使用它的客户端将立即无法访问。`)) return;
          try {
            await api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
            msg.textContent = `已吊销 ${t.name}`;
            await load();
          } catch (e) {
            msg.textContent = e instanceof ApiError ? e.message : '吊销失败';
          }
        },
      }, '吊销');
      tbody.append(
        h('tr', { class: t.revokedAt ? 'muted' : '' },
          h('td', {}, t.name),
          h('td', {}, ROLE_LABELS[t.role]),
          h('td', {}, stateOf(t)),
          h('td', { class: 'token-created' }, formatDateTime(t.createdAt)),
          h('td', {}, t.expiresAt ? formatDateTime(t.expiresAt) : '长期'),
          h('td', {}, t.revokedAt ? '' : revoke),
        ),
      );
    }
  };

  const form = h('form', {
    class: 'inline-form',
    onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        const created = await api<ApiTokenCreated>('/api/tokens', {
          method: 'POST',
          json: { name: name.value.trim(), role: role.value as Role, expiresAt: expires.value || null },
        });
        const value = h('input', { class: 'mono', readonly: true, value: created.token, 'aria-label': '新令牌', onfocus: (ev: Event) => (ev.target as HTMLInputElement).select() });
        const copy = h('button', {
          type: 'button',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(created.token);
              copy.textContent = '已复制';
            } catch {
              value.select();
            }
          },
        }, '复制');
        clear(shown);
        shown.append(
          h('strong', {}, `令牌 ${created.info.name} 已创建。它只显示这一次，请立即复制保存：`),
          h('div', { class: 'token-row' }, value, copy),
          h('p', { class: 'small' }, `在桌面客户端（Cherry Studio、Chatbox 等）中选 “OpenAI 兼容”，API 地址填 ${baseUrl}，API 密钥填此令牌，模型选 yingji。`),
        );
        shown.hidden = false;
        name.value = '';
        expires.value = '';
        msg.textContent = '';
        await load();
      } catch (err) {
        msg.textContent = err instanceof ApiError ? err.message : '创建失败';
      }
    },
  }, name, role, h('label', { class: 'small token-expiry' }, '有效期至（可不填）', expires), h('button', { type: 'submit', class: 'primary' }, '新建令牌'));

  container.append(
    h('div', { class: 'docs-page' },
      h('section', { class: 'panel' },
        h('h2', {}, 'API 令牌'),
        h('p', { class: 'muted small' }, `供应急指挥平台、桌面 AI 客户端与脚本调用 OpenAI 兼容接口 ${baseUrl}（请求头 Authorization: Bearer 令牌）。令牌带角色，所有使用记入审计日志。`),
        form,
        shown,
        msg,
        h('div', { class: 'table-wrap' },
          h('table', { class: 'docs-table tokens-table' },
            h('thead', {}, h('tr', {}, h('th', {}, '名称'), h('th', {}, '角色'), h('th', {}, '状态'), h('th', { class: 'token-created' }, '创建'), h('th', {}, '到期'), h('th', {}, ''))),
            tbody,
          ),
        ),
      ),
    ),
  );
  void load();
  return {
    destroy() {
      disposed = true;
    },
  };
}
