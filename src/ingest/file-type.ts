/**
 * Content sniffing: what a file really is, whatever its name says.
 * The server reuses this to check uploads by content, not only by extension.
 */

export type SniffedType = 'pdf' | 'zip' | 'ole' | 'text' | 'binary';

/** Text encodings the TXT parser can decode. */
export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gb18030';

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ZIP_EMPTY_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
/** Compound File Binary (OLE2): legacy .doc/.xls and password-protected OOXML. */
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** PDF readers accept the header anywhere in the first 1 KiB (some writers prepend junk). */
const PDF_HEADER_WINDOW_BYTES = 1024;
/** How much of a file the text/binary decision looks at. */
const SNIFF_WINDOW_BYTES = 64 * 1024;
/** Share of control bytes above which a non-UTF-8 buffer is judged binary. */
const MAX_CONTROL_BYTE_RATIO = 0.02;

/** Classifies bytes by content (magic numbers, then a text/binary heuristic). */
export function sniffFileType(bytes: Buffer): SniffedType {
  if (bytes.subarray(0, PDF_HEADER_WINDOW_BYTES).includes(PDF_MAGIC)) return 'pdf';
  if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, ZIP_EMPTY_MAGIC)) return 'zip';
  if (startsWith(bytes, OLE_MAGIC)) return 'ole';
  return detectTextEncoding(bytes) === undefined ? 'binary' : 'text';
}

/** True for an OLE container holding an encrypted OOXML package (a password-protected .docx/.xlsx). */
export function isEncryptedOoxml(bytes: Buffer): boolean {
  if (!startsWith(bytes, OLE_MAGIC)) return false;
  // Directory entry names are UTF-16LE; MS-OFFCRYPTO puts the ciphertext in a stream named EncryptedPackage.
  return bytes.includes(Buffer.from('EncryptedPackage', 'utf16le'));
}

/**
 * Works out how text bytes are encoded, or undefined when they are not text.
 * Order: BOMs, UTF-16 without BOM (NUL in every other byte), valid UTF-8, then GB18030/GBK.
 */
export function detectTextEncoding(bytes: Buffer): TextEncoding | undefined {
  if (bytes.length === 0) return 'utf-8';
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8-bom';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const window = bytes.subarray(0, SNIFF_WINDOW_BYTES);
  const utf16 = guessBomlessUtf16(window);
  if (utf16) return utf16;
  if (window.includes(0)) return undefined;
  if (isValidUtf8(window)) return 'utf-8';
  if (controlByteRatio(window) > MAX_CONTROL_BYTE_RATIO) return undefined;
  return isPlausibleGb18030(window) ? 'gb18030' : undefined;
}

function startsWith(bytes: Buffer, magic: Buffer): boolean {
  return bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
}

/**
 * UTF-16 text without BOM: the code units must read as ordinary Chinese/ASCII text. With NULs (ASCII, newlines,
 * 一) the parity with more NULs gives the byte order to try first; without any, exactly one order must read well.
 */
function guessBomlessUtf16(window: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(window.length / 2);
  if (pairs < 2) return undefined;
  const even = window.subarray(0, pairs * 2);
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i + 1 < even.length; i += 2) {
    if (even[i] === 0) evenNul++;
    if (even[i + 1] === 0) oddNul++;
  }
  if (evenNul + oddNul > 0) {
    // ASCII puts NULs at one parity; CJK such as 一 (U+4E00) puts a few at the other, so compare, then read.
    const first = oddNul >= evenNul ? 'utf-16le' : 'utf-16be';
    const second = first === 'utf-16le' ? 'utf-16be' : 'utf-16le';
    for (const encoding of [first, second] as const) {
      if (plausibleTextRatio(decodeUtf16(even, encoding)) >= MIN_PLAUSIBLE_UTF16_RATIO) return encoding;
    }
    return undefined;
  }
  if (isValidUtf8(window)) return undefined;
  const le = plausibleTextRatio(decodeUtf16(even, 'utf-16le'));
  const be = plausibleTextRatio(decodeUtf16(even, 'utf-16be'));
  if (le >= MIN_PLAUSIBLE_UTF16_RATIO && be < MAX_OTHER_ORDER_RATIO) return 'utf-16le';
  if (be >= MIN_PLAUSIBLE_UTF16_RATIO && le < MAX_OTHER_ORDER_RATIO) return 'utf-16be';
  return undefined;
}

/** Share of code units that must be ordinary text for a UTF-16 guess; GBK or UTF-8 read as UTF-16 is Hangul/PUA. */
const MIN_PLAUSIBLE_UTF16_RATIO = 0.9;
const MAX_OTHER_ORDER_RATIO = 0.5;

/** Share of UTF-16 code units in ranges Chinese documents use: ASCII, CJK, CJK/fullwidth punctuation, symbols. */
function plausibleTextRatio(text: string): number {
  if (text.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 0x09 || c === 0x0a || c === 0x0d ||
      (c >= 0x20 && c <= 0x7e) ||
      (c >= 0xa0 && c <= 0xff) ||
      (c >= 0x2000 && c <= 0x27bf) ||
      (c >= 0x3000 && c <= 0x30ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xffef)
    ) {
      ok++;
    }
  }
  return ok / text.length;
}

function decodeUtf16(bytes: Buffer, encoding: 'utf-16le' | 'utf-16be'): string {
  if (encoding === 'utf-16le') return bytes.toString('utf16le');
  const swapped = Buffer.from(bytes);
  swapped.swap16();
  return swapped.toString('utf16le');
}

function controlByteRatio(window: Buffer): number {
  if (window.length === 0) return 0;
  let control = 0;
  for (const b of window) if (isControl(b)) control++;
  return control / window.length;
}

/** C0 controls other than tab, LF, VT, FF, CR and ESC, plus DEL. */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f;
}

/** Strict UTF-8 validation; a sequence cut off at the end of the window is allowed. */
function isValidUtf8(b: Buffer): boolean {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return false;
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return true;
      if ((b[i + k] & 0xc0) !== 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

/** Checks the GB18030 byte structure: lead 0x81–0xFE, then a 0x40–0xFE trail or a four-byte 0x30–0x39 form. */
function isPlausibleGb18030(b: Buffer): boolean {
  let i = 0;
  let multi = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c === 0x80 || c === 0xff) return false;
    if (i + 1 >= b.length) return true;
    const t = b[i + 1];
    if (t >= 0x40 && t <= 0xfe && t !== 0x7f) {
      i += 2;
      multi++;
      continue;
    }
    if (t >= 0x30 && t <= 0x39) {
      if (i + 3 >= b.length) return true;
      const t2 = b[i + 2];
      const t3 = b[i + 3];
      if (t2 < 0x81 || t2 > 0xfe || t3 < 0x30 || t3 > 0x39) return false;
      i += 4;
      multi++;
      continue;
    }
    return false;
  }
  return multi > 0 || b.length > 0;
}
