/** 用户 (admin): add accounts, change a role, reset a password, disable; 修改密码 (everyone): one's own password. */
import type { PasswordChangeRequest, Role, UserInfo } from '../../src/server/events.js';
import { ROLE_LABELS, ROLES } from '../../src/server/events.js';
import { api, ApiError } from './api.js';
import { clear, formatDate, h } from './dom.js';
import type { MountView } from './view.js';

const errorText = (e: unknown, fallback: string) => (e instanceof ApiError ? e.message : fallback);

/** A role selector that starts on 请选择角色, so nothing is submitted that the admin did not choose. */
function roleSelect(label: string, selected?: Role): HTMLSelectElement {
  const select = h('select', { 'aria-label': label, required: true });
  if (!selected) select.append(h('option', { value: '', selected: true, disabled: true }, '请选择角色'));
  for (const r of ROLES) select.append(h('option', { value: r, selected: r === selected }, ROLE_LABELS[r]));
  return select;
}

export const mountUsers: MountView = (container, { session }) => {
  const me = session.user.username;
  const list = h('div', { class: 'user-list' });
  const msg = h('p', { class: 'muted', role: 'status' });
  const say = (text: string, error = false) => {
    msg.textContent = text;
    msg.className = error ? 'error' : 'muted';
  };

  const name = h('input', { placeholder: '用户名', required: true, 'aria-label': '新用户名', autocomplete: 'off' });
  let role = roleSelect('新用户角色');
  const password = h('input', { type: 'password', placeholder: '初始密码（至少 8 位）', required: true, 'aria-label': '初始密码', autocomplete: 'new-password', minlength: 8 });
  const addForm = h('form', {
    class: 'inline-form',
    onsubmit: async (e: Event) => {
      e.preventDefault();
      const username = name.value.trim();
      try {
        await api('/api/users', { method: 'POST', json: { username, role: role.value as Role, password: password.value } });
        say(`已新增 ${username}（${ROLE_LABELS[role.value as Role]}）。`);
        name.value = '';
        password.value = '';
        // A fresh selector: the next account's role is chosen again, never inherited from this one.
        const fresh = roleSelect('新用户角色');
        role.replaceWith(fresh);
        role = fresh;
        await load();
      } catch (err) {
        say(errorText(err, '新增失败'), true);
      }
    },
  }, name, role, password, h('button', { type: 'submit', class: 'primary' }, '新增用户'));

  container.append(
    h('div', { class: 'docs-page' },
      h('section', { class: 'panel' }, h('h2', {}, '新增用户'), addForm),
      h('section', { class: 'panel' }, h('h2', {}, '用户'), msg, list),
    ),
  );

  async function load(): Promise<void> {
    let users: UserInfo[];
    try {
      users = await api<UserInfo[]>('/api/users');
    } catch (e) {
      say(errorText(e, '加载失败'), true);
      return;
    }
    users.sort((a, b) => a.username.localeCompare(b.username, 'zh-CN'));
    clear(list);
    for (const u of users) list.append(userCard(u));
  }

  async function change(u: UserInfo, body: { role?: Role; password?: string; disabled?: boolean }, done: string): Promise<boolean> {
    try {
      await api(`/api/users/${encodeURIComponent(u.username)}`, { method: 'PUT', json: body });
      say(done);
      await load();
      return true;
    } catch (e) {
      say(errorText(e, '修改失败'), true);
      return false;
    }
  }

  function userCard(u: UserInfo): HTMLElement {
    const self = u.username === me;
    const roleSel = roleSelect(`${u.username} 的角色`, u.role);
    roleSel.disabled = self;
    roleSel.addEventListener('change', async () => {
      const next = roleSel.value as Role;
      if (!confirm(`把 ${u.username} 的角色从「${ROLE_LABELS[u.role]}」改为「${ROLE_LABELS[next]}」？其已打开的页面会重新连接。`)) {
        roleSel.value = u.role;
        return;
      }
      if (!(await change(u, { role: next }, `${u.username} 现在是${ROLE_LABELS[next]}。`))) roleSel.value = u.role;
    });
    const resetPw = h('input', { type: 'password', placeholder: '新密码（至少 8 位）', 'aria-label': `${u.username} 的新密码`, autocomplete: 'new-password', minlength: 8, required: true });
    const resetForm = h('form', {
      class: 'inline-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (await change(u, { password: resetPw.value }, `已重置 ${u.username} 的密码；其已登录的会话已失效，请把新密码当面告知本人。`)) resetPw.value = '';
      },
    }, resetPw, h('button', { type: 'submit' }, '重置密码'));
    const toggle = h('button', {
      type: 'button',
      class: u.disabled ? '' : 'danger',
      disabled: self,
      onclick: async () => {
        if (u.disabled) {
          await change(u, { disabled: false }, `已启用 ${u.username}。`);
          return;
        }
        if (!confirm(`停用 ${u.username}？停用后无法登录，已打开的页面立即退出。可随时重新启用。`)) return;
        await change(u, { disabled: true }, `已停用 ${u.username}。`);
      },
    }, u.disabled ? '启用' : '停用');
    const remove = h('button', {
      type: 'button',
      class: 'danger',
      disabled: self,
      onclick: async () => {
        if (!confirm(`删除账号 ${u.username}？此操作不可撤销（只想暂停使用请选「停用」）。`)) return;
        try {
          await api(`/api/users/${encodeURIComponent(u.username)}`, { method: 'DELETE' });
          say(`已删除 ${u.username}。`);
          await load();
        } catch (e) {
          say(errorText(e, '删除失败'), true);
        }
      },
    }, '删除');
    return h('article', { class: `user-card${u.disabled ? ' disabled' : ''}`, 'data-user': u.username },
      h('div', { class: 'user-head' },
        h('strong', {}, u.username),
        self ? h('span', { class: 'tag' }, '当前账号') : null,
        u.disabled ? h('span', { class: 'tag tag-off' }, '已停用') : null,
        h('span', { class: 'muted small' }, `创建于 ${formatDate(u.createdAt)}`),
      ),
      h('div', { class: 'user-actions' }, h('label', {}, '角色 ', roleSel), resetForm, toggle, remove),
    );
  }

  void load();
  return { destroy() {} };
};

/** 修改密码: the signed-in user's own password (current + new twice). */
export const mountAccount: MountView = (container, { session }) => {
  const current = h('input', { type: 'password', required: true, autocomplete: 'current-password', 'aria-label': '当前密码' });
  const next = h('input', { type: 'password', required: true, autocomplete: 'new-password', minlength: 8, 'aria-label': '新密码' });
  const again = h('input', { type: 'password', required: true, autocomplete: 'new-password', minlength: 8, 'aria-label': '再次输入新密码' });
  const msg = h('p', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, '修改密码');
  const form = h('form', {
    class: 'account-form',
    onsubmit: async (e: Event) => {
      e.preventDefault();
      if (next.value !== again.value) {
        msg.textContent = '两次输入的新密码不一致。';
        msg.className = 'error';
        return;
      }
      button.disabled = true;
      try {
        const body: PasswordChangeRequest = { currentPassword: current.value, newPassword: next.value };
        await api('/api/me/password', { method: 'POST', json: body });
        // The server closed this user's sockets with the old session; reconnect with the renewed cookie.
        session.socket.disconnect().connect();
        current.value = next.value = again.value = '';
        msg.textContent = '密码已修改。其他设备上的登录已退出，下次登录请用新密码。';
        msg.className = 'ok';
      } catch (err) {
        msg.textContent = errorText(err, '修改失败');
        msg.className = 'error';
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h2', {}, '修改密码'),
  h('p', { class: 'muted small' }, `账号：${session.user.username}（${ROLE_LABELS[session.user.role]}）`),
  h('label', {}, '当前密码', current),
  h('label', {}, '新密码（至少 8 位）', next),
  h('label', {}, '再次输入新密码', again),
  msg,
  button);
  container.append(h('div', { class: 'docs-page' }, h('section', { class: 'panel' }, form)));
  return { destroy() {} };
};
