/** Upload checks: safe names, type by content (not only by name), admin metadata. */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { DOC_TYPES, type DocMetadata, type DocType } from '../core/types.js';
import { sniffFileType, type SniffedType } from '../ingest/file-type.js';

/** Extensions the pipeline parses, and what their bytes must look like. */
const EXPECTED_CONTENT: Record<string, SniffedType[]> = {
  pdf: ['pdf'],
  docx: ['zip', 'ole'], // ole: a password-protected docx, which the parser reports as ENCRYPTED_FILE
  md: ['text'],
  markdown: ['text'],
  txt: ['text'],
  html: ['text'],
  htm: ['text'],
};
export const ACCEPTED_EXTENSIONS = Object.keys(EXPECTED_CONTENT);

/** Bytes sniffFileType looks at. */
const SNIFF_BYTES = 64 * 1024;
const MAX_NAME_CHARS = 120;

/**
 * A file name safe to store and show: no directories, no control or reserved characters, no leading dots,
 * at most 120 characters with the extension kept.
 */
export function safeFileName(original: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  if (!name || name === '.' || name === '..') name = 'upload';
  const chars = [...name];
  if (chars.length > MAX_NAME_CHARS) {
    const ext = path.extname(name).slice(0, 16);
    name = chars.slice(0, MAX_NAME_CHARS - [...ext].length).join('') + ext;
  }
  return name;
}

/**
 * Checks the extension is one we parse and the content matches it.
 * @throws AppError UNSUPPORTED_FILE_TYPE or EMPTY_FILE
 */
export async function checkUploadType(fileName: string, tmpPath: string, sizeBytes: number): Promise<void> {
  const ext = path.extname(fileName).slice(1).toLowerCase();
  const expected = EXPECTED_CONTENT[ext];
  if (!expected) {
    throw new AppError('UNSUPPORTED_FILE_TYPE', `不支持的文件类型：${fileName}。支持 ${ACCEPTED_EXTENSIONS.map((e) => '.' + e).join(' ')}。`);
  }
  if (sizeBytes === 0) throw new AppError('EMPTY_FILE', `文件 ${fileName} 是空的。`);
  const head = Buffer.alloc(Math.min(SNIFF_BYTES, sizeBytes));
  const handle = await open(tmpPath, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const actual = sniffFileType(head);
  if (!expected.includes(actual)) {
    throw new AppError('UNSUPPORTED_FILE_TYPE', `文件 ${fileName} 的内容与扩展名 .${ext} 不符（实际内容像是 ${describe(actual)}），已拒绝。`);
  }
}

function describe(t: SniffedType): string {
  return { pdf: 'PDF', zip: 'ZIP/Office 文档', ole: '旧版 Office 文档', text: '纯文本', binary: '二进制文件' }[t];
}

/** Validates admin-supplied metadata (JSON text or object); unknown fields are rejected. @throws INVALID_REQUEST */
export function parseMetadata(raw: unknown): Partial<DocMetadata> | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AppError('INVALID_REQUEST', 'metadata 须为 JSON 对象，例如 {"title":"…","docType":"行政法规"}。');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('INVALID_REQUEST', 'metadata 须为 JSON 对象。');
  }
  const out: Partial<DocMetadata> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null || v === '') continue;
    switch (key) {
      case 'title':
      case 'issuer':
        if (typeof v !== 'string' || v.length > 200) throw new AppError('INVALID_REQUEST', `${key} 须为 200 字以内的文字。`);
        out[key] = v.trim();
        break;
      case 'docType':
        if (!DOC_TYPES.includes(v as DocType)) throw new AppError('INVALID_REQUEST', `docType 只能是 ${DOC_TYPES.join('、')}。`);
        out.docType = v as DocType;
        break;
      case 'issuedDate':
      case 'effectiveDate':
      case 'repealedDate':
        if (typeof v !== 'string' || !isCalendarDate(v)) {
          throw new AppError('INVALID_REQUEST', `${key} 须为真实存在的日期，格式 YYYY-MM-DD（例如 2024-06-01），收到 ${String(v).slice(0, 40)}。`);
        }
        out[key] = v;
        break;
      default:
        throw new AppError('INVALID_REQUEST', `metadata 中有未知字段 ${key}。`);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** True for a YYYY-MM-DD string naming a real day (2024-02-29 yes, 2025-02-29 and 2025-13-99 no). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
