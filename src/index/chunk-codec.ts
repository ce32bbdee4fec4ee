/**
 * The chunk codec: chunks.jsonl lines, one `{"label":n,"id":chunkId,"doc":docId,"chunk":Chunk}` per chunk,
 * grouped by document. label/id/doc lead the line so a load reads them without parsing the chunk; a
 * document's chunks are parsed when first asked for, and its lines are written back unchanged by later
 * commits. (Lines of the older `{"label":n,"chunk":Chunk}` form load too.)
 */
import type { Chunk, SourceDoc } from '../core/types.js';
import { corruptError } from './corrupt-error.js';

export const CHUNKS_FILE = 'chunks.jsonl';

/** One document with its chunks, as the in-memory state and the codec share it. */
export interface DocEntry {
  doc: SourceDoc;
  labels: number[];
  chunkIds: string[];
  /** Parsed chunks; undefined for a loaded document until one of its chunks is asked for. */
  chunks?: Chunk[];
  /** chunks.jsonl lines of this document: the loaded bytes, or built at the first commit that needs them. */
  encoded?: Buffer;
}

/** The chunks.jsonl lines of a document (built once; an entry is immutable once made). */
export function encodeEntry(entry: DocEntry): Buffer {
  if (!entry.encoded) {
    let text = '';
    const id = JSON.stringify(entry.doc.id);
    entryChunks(entry).forEach((chunk, i) => {
      text += `{"label":${entry.labels[i]},"id":${JSON.stringify(chunk.id)},"doc":${id},"chunk":${JSON.stringify(chunk)}}\n`;
    });
    entry.encoded = Buffer.from(text, 'utf8');
  }
  return entry.encoded;
}

/** A document's chunks, parsed from its stored lines on first use. @throws AppError INDEX_CORRUPT */
export function entryChunks(entry: DocEntry): Chunk[] {
  if (entry.chunks) return entry.chunks;
  const chunks: Chunk[] = [];
  const bytes = entry.encoded ?? Buffer.alloc(0);
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      const chunk = (JSON.parse(bytes.toString('utf8', start, end)) as { chunk: Chunk }).chunk;
      if (chunk?.id !== entry.chunkIds[chunks.length]) throw corruptError(`${CHUNKS_FILE} 中文档 ${entry.doc.id} 的段落与索引不符`);
      chunks.push(chunk);
    }
    start = end + 1;
  }
  if (chunks.length !== entry.labels.length) throw corruptError(`${CHUNKS_FILE} 中文档 ${entry.doc.id} 的段落数不符`);
  entry.chunks = chunks;
  return chunks;
}

/**
 * Splits chunks.jsonl into documents without parsing chunk bodies: each line's label, chunk id and document id
 * are read from its head (legacy lines without that head are parsed whole). Each document keeps a view of its
 * lines, parsed on first use (entryChunks) and written back unchanged by later commits.
 */
export function parseEntries(docsBytes: Buffer, chunksBytes: Buffer, nextLabel: number): DocEntry[] {
  const docs = JSON.parse(docsBytes.toString('utf8')) as SourceDoc[];
  if (!Array.isArray(docs)) throw new Error('docs.json is not an array');
  const entries = new Map<string, DocEntry>();
  const pieces = new Map<DocEntry, { start: number; end: number }[]>();
  /** Entries with lines of the older form: parsed now and re-encoded (in the new form) at the next commit. */
  const legacy = new Set<DocEntry>();
  for (const doc of docs) {
    if (typeof doc?.id !== 'string' || typeof doc.sourceKey !== 'string') throw new Error('document without id');
    const entry: DocEntry = { doc, labels: [], chunkIds: [] };
    entries.set(doc.id, entry);
    pieces.set(entry, []);
  }
  const seen = new Uint8Array(Math.max(0, nextLabel));
  const length = chunksBytes.length;
  // Consecutive lines belong to the same document: reuse its entry when the doc field's bytes repeat.
  let previous: { start: number; end: number; entry: DocEntry | undefined } = { start: 0, end: 0, entry: undefined };
  let start = 0;
  while (start < length) {
    let end = chunksBytes.indexOf(0x0a, start);
    if (end < 0) end = length;
    if (end > start) {
      const head = readLineHead(chunksBytes, start, end);
      let label: number;
      let id: string;
      let entry: DocEntry | undefined;
      if (head) {
        ({ label, id } = head);
        if (previous.entry && sameBytes(chunksBytes, previous.start, previous.end, head.docStart, head.docEnd)) entry = previous.entry;
        else {
          entry = entries.get(decodeJsonString(chunksBytes, head.docStart, head.docEnd));
          previous = { start: head.docStart, end: head.docEnd, entry };
        }
      } else {
        const record = JSON.parse(chunksBytes.toString('utf8', start, end)) as { label: number; chunk: Chunk };
        label = record.label;
        id = record.chunk?.id;
        entry = entries.get(record.chunk?.docId);
        if (entry) legacy.add(entry);
      }
      if (!entry || typeof id !== 'string' || !Number.isInteger(label) || label < 0 || label >= nextLabel || seen[label]) {
        throw new Error(`bad chunk record ${JSON.stringify(chunksBytes.toString('utf8', start, Math.min(end, start + 80)))}`);
      }
      seen[label] = 1;
      entry.labels.push(label);
      entry.chunkIds.push(id);
      const list = pieces.get(entry) as { start: number; end: number }[];
      const last = list.at(-1);
      if (last && last.end === start) last.end = Math.min(end + 1, length);
      else list.push({ start, end: Math.min(end + 1, length) });
    }
    start = end + 1;
  }
  for (const entry of entries.values()) {
    if (entry.labels.length !== entry.doc.chunkCount) {
      throw new Error(`document ${entry.doc.id} lists ${entry.doc.chunkCount} chunks, found ${entry.labels.length}`);
    }
    const list = pieces.get(entry) as { start: number; end: number }[];
    if (list.length === 0) entry.chunks = [];
    else if (list.length === 1) entry.encoded = chunksBytes.subarray(list[0].start, list[0].end);
    else entry.encoded = Buffer.concat(list.map((p) => chunksBytes.subarray(p.start, p.end)));
    // A last line without its newline would glue onto the next document's lines at the next commit.
    if (entry.encoded && entry.encoded[entry.encoded.length - 1] !== 0x0a) entry.encoded = Buffer.concat([entry.encoded, Buffer.from('\n')]);
    if (legacy.has(entry)) {
      entryChunks(entry);
      entry.encoded = undefined;
    }
  }
  return [...entries.values()];
}

const HEAD_LABEL = Buffer.from('{"label":');
const HEAD_ID = Buffer.from(',"id":');
const HEAD_DOC = Buffer.from(',"doc":');
const HEAD_CHUNK = Buffer.from(',"chunk":');

/**
 * `{"label":N,"id":"…","doc":"…","chunk":` at the start of a line, or undefined (then the line is parsed
 * whole). The doc field comes back as a byte range (a quoted JSON string) so repeats need no decoding.
 */
function readLineHead(buf: Buffer, start: number, end: number): { label: number; id: string; docStart: number; docEnd: number } | undefined {
  if (!bytesAt(buf, start, end, HEAD_LABEL)) return undefined;
  let p = start + HEAD_LABEL.length;
  let label = 0;
  const digitsStart = p;
  while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39 && p - digitsStart < 10) label = label * 10 + (buf[p++] - 0x30);
  if (p === digitsStart || !bytesAt(buf, p, end, HEAD_ID)) return undefined;
  const idStart = p + HEAD_ID.length;
  const idEnd = jsonStringEnd(buf, idStart, end);
  if (idEnd < 0 || !bytesAt(buf, idEnd, end, HEAD_DOC)) return undefined;
  const docStart = idEnd + HEAD_DOC.length;
  const docEnd = jsonStringEnd(buf, docStart, end);
  if (docEnd < 0 || !bytesAt(buf, docEnd, end, HEAD_CHUNK)) return undefined;
  return { label, id: decodeJsonString(buf, idStart, idEnd), docStart, docEnd };
}

/** In-JS byte comparison: these patterns are a few bytes, where a native call costs more than the loop. */
function bytesAt(buf: Buffer, at: number, end: number, pattern: Buffer): boolean {
  if (at + pattern.length > end) return false;
  for (let i = 0; i < pattern.length; i++) if (buf[at + i] !== pattern[i]) return false;
  return true;
}

function sameBytes(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}

/** End (exclusive, after the closing quote) of the JSON string starting at `p`, or -1. */
function jsonStringEnd(buf: Buffer, p: number, end: number): number {
  if (buf[p] !== 0x22) return -1;
  let q = p + 1;
  while (q < end && buf[q] !== 0x22) q += buf[q] === 0x5c ? 2 : 1;
  return q < end ? q + 1 : -1;
}

/** Decodes the quoted JSON string in [start, end): plain ASCII in JS (cheap for short ids), the rest via JSON. */
function decodeJsonString(buf: Buffer, start: number, end: number): string {
  let value = '';
  for (let i = start + 1; i < end - 1; i++) {
    const c = buf[i];
    if (c >= 0x80 || c === 0x5c) return JSON.parse(buf.toString('utf8', start, end)) as string;
    value += String.fromCharCode(c);
  }
  return value;
}
