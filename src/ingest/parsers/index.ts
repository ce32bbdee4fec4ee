/** Public surface of the parsers: the registry, content sniffing re-exported for the server, and OCR checks. */
export { SUPPORTED_EXTENSIONS, extensionOf, parseFile, parserFor } from './registry.js';
export { ocrAvailable, findMissingOcrPrograms, cleanStaleOcrFolders, OCR_INSTALL_HINT } from './ocr.js';
export type { ParseContext, Parser } from './parser.js';
