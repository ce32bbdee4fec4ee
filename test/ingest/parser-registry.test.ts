import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { detectTextEncoding, isEncryptedOoxml, sniffFileType } from '../../src/ingest/file-type.js';
import { SUPPORTED_EXTENSIONS, parseFile, parserFor } from '../../src/ingest/parsers/registry.js';
import { REPO_ROOT, buildChinesePdf, buildDocx, expectAppError, seedPlanBlocks } from './parser-helpers.js';
import { SEEDS_DIR } from '../support/paths.js';

/** A text PDF made from the project's own text (several pages, a few KB). */
const textPdf = () => buildChinesePdf(Array.from({ length: 8 }, (_, i) => [`第${i + 1}条 应急预案示例文字，用于测试。`, '区防汛指挥部负责统一指挥。']));

/**
 * A minimal Compound File Binary container (one 512-byte header, one FAT sector, one directory sector)
 * with the stream names MS-OFFCRYPTO uses for a password-protected .docx: EncryptionInfo, EncryptedPackage.
 */
function buildEncryptedDocxContainer(): Buffer {
  const sector = 512;
  const buf = Buffer.alloc(sector * 3);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(buf, 0);
  buf.writeUInt16LE(0x003e, 0x18); // minor version
  buf.writeUInt16LE(0x0003, 0x1a); // major version 3
  buf.writeUInt16LE(0xfffe, 0x1c); // little-endian
  buf.writeUInt16LE(9, 0x1e); // 512-byte sectors
  buf.writeUInt16LE(6, 0x20); // 64-byte mini sectors
  buf.writeUInt32LE(1, 0x2c); // one FAT sector
  buf.writeUInt32LE(1, 0x30); // directory starts at sector 1
  buf.writeUInt32LE(0x1000, 0x38); // mini stream cutoff
  buf.writeUInt32LE(0xfffffffe, 0x3c); // no mini FAT
  buf.writeUInt32LE(0xfffffffe, 0x44); // no DIFAT sectors
  buf.writeUInt32LE(0, 0x4c); // DIFAT[0] = FAT at sector 0
  for (let i = 1; i < 109; i++) buf.writeUInt32LE(0xffffffff, 0x4c + i * 4);
  const fat = sector; // sector 0
  buf.fill(0xff, fat, fat + sector);
  buf.writeUInt32LE(0xfffffffd, fat); // sector 0 is a FAT sector
  buf.writeUInt32LE(0xfffffffe, fat + 4); // sector 1 (directory) ends its chain
  const dir = sector * 2; // sector 1
  const entry = (i: number, name: string, type: number): void => {
    const at = dir + i * 128;
    const n = Buffer.from(`${name}\0`, 'utf16le');
    n.copy(buf, at);
    buf.writeUInt16LE(n.length, at + 0x40);
    buf.writeUInt8(type, at + 0x42);
    buf.writeUInt32LE(0xffffffff, at + 0x44);
    buf.writeUInt32LE(0xffffffff, at + 0x48);
    buf.writeUInt32LE(0xffffffff, at + 0x4c);
  };
  entry(0, 'Root Entry', 5);
  entry(1, 'EncryptionInfo', 2);
  entry(2, 'EncryptedPackage', 2);
  buf.writeUInt32LE(1, dir + 0x4c); // root's child: EncryptionInfo
  buf.writeUInt32LE(2, dir + 128 + 0x48); // EncryptionInfo's right sibling: EncryptedPackage
  return buf;
}

describe('parserFor', () => {
  it('covers PDF, DOCX, Markdown, TXT and HTML extensions', () => {
    for (const ext of ['pdf', 'docx', 'md', 'markdown', 'txt', 'html', 'htm']) expect(SUPPORTED_EXTENSIONS).toContain(ext);
    expect(parserFor('某预案.PDF').extensions).toContain('pdf');
    expect(parserFor('notes.Md').extensions).toContain('md');
  });

  it('rejects an unknown extension with a Chinese message listing the supported types', () => {
    for (const name of ['photo.jpg', 'table.xlsx', 'no-extension']) {
      let error: unknown;
      try {
        parserFor(name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('UNSUPPORTED_FILE_TYPE');
      expect((error as AppError).message).toMatch(/不支持的文件类型/u);
      for (const label of ['PDF', 'DOCX', 'Markdown', 'TXT', 'HTML']) expect((error as AppError).message).toContain(label);
    }
  });

  it('advises saving a legacy .doc as .docx', () => {
    expect(() => parserFor('旧制度.doc')).toThrow(/另存为 \.docx/u);
  });
});

describe('sniffFileType', () => {
  it('recognises real PDF, DOCX (zip) and Markdown (text) files by content', async () => {
    expect(sniffFileType(textPdf())).toBe('pdf');
    expect(sniffFileType(await buildDocx(await seedPlanBlocks(), '示例'))).toBe('zip');
    expect(sniffFileType(await readFile(path.join(SEEDS_DIR, 'flood-typhoon-plan-sample.md')))).toBe('text');
    expect(sniffFileType(await readFile(path.join(SEEDS_DIR, 'duty-handbook-sample.docx')))).toBe('zip');
  });

  it('calls random bytes binary and a CFB container ole', () => {
    expect(sniffFileType(randomBytes(4096))).toBe('binary');
    expect(sniffFileType(buildEncryptedDocxContainer())).toBe('ole');
    expect(isEncryptedOoxml(buildEncryptedDocxContainer())).toBe(true);
  });

  it('does not mistake the PNG header or an ELF executable for text', async () => {
    expect(sniffFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toBe('binary');
    expect(sniffFileType(await readFile(process.execPath).then((b) => b.subarray(0, 65536)))).toBe('binary');
  });

  it('detects the encoding of UTF-8 text with and without BOM', () => {
    expect(detectTextEncoding(Buffer.from('第一条 为了加强安全生产工作', 'utf8'))).toBe('utf-8');
    expect(detectTextEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('应急', 'utf8')]))).toBe('utf-8-bom');
  });
});

describe('parseFile refuses bad input with a precise code', () => {
  const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

  it('a zero-byte file is EMPTY_FILE', async () => {
    const e = await expectAppError(parseFile(Buffer.alloc(0), ctx('空白.txt')), 'EMPTY_FILE');
    expect(e.message).toContain('空白.txt');
  });

  it('random binary named .txt is BINARY_NOT_TEXT', async () => {
    const e = await expectAppError(parseFile(randomBytes(8192), ctx('看起来是文本.txt')), 'BINARY_NOT_TEXT');
    expect(e.message).toMatch(/不是文本/u);
  });

  it('a real PDF renamed to .md is BINARY_NOT_TEXT', async () => {
    await expectAppError(parseFile(textPdf(), ctx('renamed.md')), 'BINARY_NOT_TEXT');
  });

  it('text named .pdf is PARSE_FAILED', async () => {
    const e = await expectAppError(parseFile(Buffer.from('这不是 PDF 文件', 'utf8'), ctx('假的.pdf')), 'PARSE_FAILED');
    expect(e.message).toMatch(/不是 PDF/u);
  });

  it('a truncated PDF is PARSE_FAILED with a Chinese message', async () => {
    const real = textPdf();
    const e = await expectAppError(parseFile(real.subarray(0, Math.floor(real.length / 3)), ctx('截断.pdf')), 'PARSE_FAILED');
    expect(e.message).toMatch(/损坏/u);
  });

  it('a PDF header followed by garbage is PARSE_FAILED', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(4096)]);
    await expectAppError(parseFile(garbage, ctx('garbage.pdf')), 'PARSE_FAILED');
  });

  it('a password-protected PDF is ENCRYPTED_FILE', async () => {
    const bytes = await readFile(path.join(REPO_ROOT, 'test/fixtures/encrypted-aes256.pdf'));
    const e = await expectAppError(parseFile(bytes, ctx('加密.pdf')), 'ENCRYPTED_FILE');
    expect(e.message).toMatch(/密码/u);
  });

  it('a password-protected DOCX (OLE container with EncryptedPackage) is ENCRYPTED_FILE', async () => {
    const e = await expectAppError(parseFile(buildEncryptedDocxContainer(), ctx('加密预案.docx')), 'ENCRYPTED_FILE');
    expect(e.message).toMatch(/密码/u);
  });

  it('a legacy OLE document named .docx is PARSE_FAILED suggesting .docx', async () => {
    const ole = buildEncryptedDocxContainer();
    ole.fill(0, 1024 + 128, 1024 + 384); // wipe the two encryption streams' directory entries
    const e = await expectAppError(parseFile(ole, ctx('旧文档.docx')), 'PARSE_FAILED');
    expect(e.message).toMatch(/\.doc/u);
  });

  it('a zip that is not a Word document is PARSE_FAILED', async () => {
    const JSZip = (await import('jszip')).default;
    const zip = new JSZip();
    zip.file('readme.txt', 'hello');
    const bytes = await zip.generateAsync({ type: 'nodebuffer' });
    await expectAppError(parseFile(bytes, ctx('压缩包.docx')), 'PARSE_FAILED');
  });

  it('an unknown extension is UNSUPPORTED_FILE_TYPE even before the content is read', async () => {
    await expectAppError(parseFile(Buffer.alloc(0), ctx('图片.png')), 'UNSUPPORTED_FILE_TYPE');
  });

  it('a whitespace-only text file is NO_EXTRACTABLE_TEXT', async () => {
    await expectAppError(parseFile(Buffer.from(' \n\n\t\n', 'utf8'), ctx('空格.txt')), 'NO_EXTRACTABLE_TEXT');
  });
});
