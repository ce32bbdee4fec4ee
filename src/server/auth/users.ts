/**
 * Accounts in `<dataDir>/users.json`: bcrypt hashes, roles, written atomically (tmp + rename).
 * Used by the server (login) and by `yingji user`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { AppError } from '../../core/errors.js';
import type { Role, UserInfo } from '../events.js';
import { ROLES } from '../events.js';
import { replaceFileAtomically } from '../../core/durable-files.js';
import { SerialQueue } from '../fs-util.js';

/** bcrypt cost: about 70 ms per hash in pure JS on this class of machine — slow for guessing, fine for logins. */
const BCRYPT_COST = 10;
const MIN_PASSWORD_CHARS = 8;
const USERNAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]{0,31}$/u;

export interface UserRecord extends UserInfo {
  passwordHash: string;
  /** Sessions issued before this instant are void (password change, account disabled). */
  passwordChangedAt: string;
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}

/** A hash that never matches, compared against when the user is unknown so timing does not reveal names. */
const DUMMY_HASH = bcrypt.hashSync('yingji-dummy-password', BCRYPT_COST);

export class UserStore {
  private users = new Map<string, UserRecord>();
  /** mtime of users.json when last read or written, to pick up `yingji user` edits while serving. */
  private loadedMtimeMs = 0;
  private readonly writes = new SerialQueue();

  private constructor(readonly file: string) {}

  /** Opens (or starts empty) `<dataDir>/users.json`. @throws AppError INTERNAL when the file is unreadable JSON. */
  static async open(dataDir: string): Promise<UserStore> {
    const store = new UserStore(path.join(dataDir, 'users.json'));
    await store.reload();
    return store;
  }

  /** Rereads users.json when another process (the `yingji user` command) changed it. @returns true when reread. */
  async reloadIfChanged(): Promise<boolean> {
    await this.writes.idle();
    let mtimeMs = 0;
    try {
      mtimeMs = (await stat(this.file)).mtimeMs;
    } catch {
      return false;
    }
    if (mtimeMs === this.loadedMtimeMs) return false;
    await this.reload();
    return true;
  }

  async reload(): Promise<void> {
    let text: string;
    try {
      this.loadedMtimeMs = (await stat(this.file)).mtimeMs;
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.users = new Map();
        return;
      }
      throw e;
    }
    let parsed: UsersFile;
    try {
      parsed = JSON.parse(text) as UsersFile;
    } catch (e) {
      throw new AppError('INTERNAL', `用户文件 ${this.file} 已损坏，无法解析。`, { cause: e });
    }
    this.users = new Map(parsed.users.map((u) => [u.username, u]));
  }

  list(): UserInfo[] {
    return [...this.users.values()].map(({ username, role, createdAt, disabled }) => ({ username, role, createdAt, ...(disabled ? { disabled } : {}) }));
  }

  get(username: string): UserRecord | undefined {
    return this.users.get(username);
  }

  count(): number {
    return this.users.size;
  }

  /** @throws AppError INVALID_REQUEST for a bad name, role, short password or an existing user. */
  async add(username: string, role: Role, password: string): Promise<UserInfo> {
    validateUsername(username);
    if (!ROLES.includes(role)) throw new AppError('INVALID_REQUEST', `角色只能是 ${ROLES.join(' / ')}。`);
    validatePassword(password);
    if (this.users.has(username)) throw new AppError('INVALID_REQUEST', `用户 ${username} 已存在。`);
    const now = new Date().toISOString();
    const record: UserRecord = {
      username,
      role,
      createdAt: now,
      passwordChangedAt: now,
      passwordHash: await bcrypt.hash(password, BCRYPT_COST),
    };
    this.users.set(username, record);
    await this.save();
    return { username, role, createdAt: now };
  }

  /** @throws AppError INVALID_REQUEST when unknown or when it is the last admin. */
  async remove(username: string): Promise<void> {
    const user = this.requireUser(username);
    if (user.role === 'admin' && this.adminCount() === 1) {
      throw new AppError('INVALID_REQUEST', '不能删除最后一个管理员账号。');
    }
    this.users.delete(username);
    await this.save();
  }

  async setPassword(username: string, password: string): Promise<void> {
    const user = this.requireUser(username);
    validatePassword(password);
    user.passwordHash = await bcrypt.hash(password, BCRYPT_COST);
    user.passwordChangedAt = new Date().toISOString();
    await this.save();
  }

  async setRole(username: string, role: Role): Promise<void> {
    const user = this.requireUser(username);
    if (!ROLES.includes(role)) throw new AppError('INVALID_REQUEST', `角色只能是 ${ROLES.join(' / ')}。`);
    if (user.role === 'admin' && role !== 'admin' && this.adminCount() === 1) {
      throw new AppError('INVALID_REQUEST', '不能取消最后一个管理员的管理员角色。');
    }
    user.role = role;
    await this.save();
  }

  /**
   * Disables or re-enables an account. Disabling voids its sessions at once (the same instant a password change
   * uses), so open sockets close and cookies stop working; re-enabling needs a new login.
   * @throws AppError INVALID_REQUEST when unknown or when it would leave no enabled admin.
   */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const user = this.requireUser(username);
    if (disabled && user.role === 'admin' && !user.disabled && this.adminCount() === 1) {
      throw new AppError('INVALID_REQUEST', '不能停用最后一个管理员账号。');
    }
    if (disabled) {
      user.disabled = true;
      user.passwordChangedAt = new Date().toISOString();
    } else {
      delete user.disabled;
    }
    await this.save();
  }

  /** The user when the password matches, otherwise undefined (constant work either way). */
  async verify(username: string, password: string): Promise<UserRecord | undefined> {
    const user = this.users.get(username);
    const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return ok && user ? user : undefined;
  }

  /**
   * Creates the admin account `admin` when no admin exists (even if other accounts were added before the
   * first start), with `password` or a generated one. Never changes an existing account.
   * @returns the generated password (to print once), and `notice`: what to tell the operator at start-up
   *   when YINGJI_ADMIN_PASSWORD was not used or no admin could be created.
   */
  async ensureAdmin(password: string): Promise<{ created: boolean; generatedPassword: string | null; notice?: string }> {
    if (this.adminCount() > 0) {
      const notice = password
        ? 'YINGJI_ADMIN_PASSWORD 已忽略：已有管理员账号，此设置只在还没有管理员时用于创建 admin；修改密码请用 yingji user passwd <用户名>。'
        : undefined;
      return { created: false, generatedPassword: null, notice };
    }
    if (this.users.has('admin')) {
      return {
        created: false,
        generatedPassword: null,
        notice: '没有任何管理员账号，且用户名 admin 已被非管理员账号占用，未自动创建管理员；请运行 yingji user add <新用户名> --role admin。',
      };
    }
    const generated = password ? null : randomBytes(9).toString('base64url');
    await this.add('admin', 'admin', password || (generated as string));
    const notice = this.users.size > 1 ? '已有其他账号但没有管理员，已创建管理员账号 admin。' : undefined;
    return { created: true, generatedPassword: generated, notice };
  }

  /** Enabled admins: a disabled one cannot log in to repair anything. */
  private adminCount(): number {
    return [...this.users.values()].filter((u) => u.role === 'admin' && !u.disabled).length;
  }

  private requireUser(username: string): UserRecord {
    const user = this.users.get(username);
    if (!user) throw new AppError('INVALID_REQUEST', `用户 ${username} 不存在。`);
    return user;
  }

  private save(): Promise<void> {
    const body: UsersFile = { version: 1, users: [...this.users.values()] };
    return this.writes.run(async () => {
      await replaceFileAtomically(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
      this.loadedMtimeMs = (await stat(this.file)).mtimeMs;
    });
  }
}

export function validateUsername(username: string): void {
  if (!USERNAME_RE.test(username)) {
    throw new AppError('INVALID_REQUEST', '用户名须为 1–32 个字母、数字、汉字、下划线、点或连字符，且不能以点或连字符开头。');
  }
}

function validatePassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_CHARS) {
    throw new AppError('INVALID_REQUEST', `密码至少 ${MIN_PASSWORD_CHARS} 个字符。`);
  }
}
