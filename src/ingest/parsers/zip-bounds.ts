/**
 * Reads a zip's central directory and inflates the parts a DOCX parser will read, counting bytes, so that a
 * zip bomb is refused before JSZip/mammoth allocate the expanded text. JSZip offers neither the declared sizes
 * (they are private) nor a bound on inflation.
 */
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { AppError } from '../../core/errors.js';
import { checkLimit, limitExceeded, type IngestLimits } from '../limits.js';

const inflateRawAsync = promisify(inflateRaw);

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** EOCD record (22 bytes) plus the longest comment (65535). */
const EOCD_SEARCH_BYTES = 22 + 0xffff;
const ZIP64_MARKER = 0xffffffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** As declared by the central directory; may lie, so inflation is counted as well. */
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Parts that Word-document readers inflate: XML and relationships. Media are read lazily or not at all. */
export function isReadPart(name: string): boolean {
  return /\.(xml|rels)$/iu.test(name);
}

/**
 * Lists the central directory.
 * @throws AppError PARSE_FAILED when the bytes are not a readable zip.
 */
export function readCentralDirectory(bytes: Buffer, fileName: string): ZipEntry[] {
  const eocd = findEocd(bytes);
  if (eocd < 0) throw notZip(fileName);
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw notZip(fileName);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    entries.push({
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      uncompressedSize: bytes.readUInt32LE(at + 24),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Checks the declared sizes of the parts that will be read against `maxExpandedBytes`, then inflates them
 * with the remaining budget as a hard output cap (headers can lie). Returns the inflated parts by name.
 * @throws AppError LIMIT_EXCEEDED past the bound, PARSE_FAILED for a damaged zip.
 */
export async function inflateReadParts(bytes: Buffer, fileName: string, limits: IngestLimits): Promise<Map<string, Buffer>> {
  const entries = readCentralDirectory(bytes, fileName).filter((e) => isReadPart(e.name));
  let declared = 0;
  for (const e of entries) {
    // A zip64 size marker means > 4 GiB, far past any bound.
    declared += e.uncompressedSize === ZIP64_MARKER ? Number.POSITIVE_INFINITY : e.uncompressedSize;
  }
  if (declared > limits.maxExpandedBytes) throw limitExceeded(fileName, 'maxExpandedBytes', limits, Number.isFinite(declared) ? declared : undefined);

  const parts = new Map<string, Buffer>();
  let inflated = 0;
  for (const e of entries) {
    const data = entryData(bytes, e, fileName);
    const budget = limits.maxExpandedBytes - inflated;
    let out: Buffer;
    if (e.method === METHOD_STORED) {
      out = data;
    } else if (e.method === METHOD_DEFLATE) {
      try {
        out = await inflateRawAsync(data, { maxOutputLength: Math.max(1, budget + 1) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw limitExceeded(fileName, 'maxExpandedBytes', limits, inflated + budget + 1);
        throw new AppError('PARSE_FAILED', `文件“${fileName}”中的 ${e.name} 已损坏，无法解压。`, { cause: err });
      }
    } else {
      throw new AppError('PARSE_FAILED', `文件“${fileName}”使用了不支持的压缩方式（${e.method}），请用 Word 另存为 .docx 后再上传。`);
    }
    inflated += out.length;
    checkLimit(fileName, 'maxExpandedBytes', limits, inflated);
    parts.set(e.name, out);
  }
  return parts;
}

function entryData(bytes: Buffer, e: ZipEntry, fileName: string): Buffer {
  const at = e.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) throw notZip(fileName);
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (e.compressedSize === ZIP64_MARKER || start + e.compressedSize > bytes.length) throw notZip(fileName);
  return bytes.subarray(start, start + e.compressedSize);
}

function findEocd(bytes: Buffer): number {
  const stop = Math.max(0, bytes.length - EOCD_SEARCH_BYTES);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  return -1;
}

function notZip(fileName: string): AppError {
  return new AppError('PARSE_FAILED', `文件“${fileName}”不是有效的 Word（.docx）文档或已损坏，无法解析。请用 Word 打开确认后另存为 .docx 再上传。`);
}
