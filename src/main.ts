/**
 * Composition root: the only place concrete implementations are chosen.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { KnowledgeBase } from './index/knowledge-base.js';
import { openKnowledgeBase } from './index/open.js';
import { CHUNKER_SETTINGS } from './ingest/chunker.js';
import { collectInputs, ingestInputs } from './ingest/pipeline.js';
import { createBuiltinEmbedder } from './llm/builtin/builtin-embedder.js';
import type { ChatModel } from './llm/chat-model.js';
import type { Embedder } from './llm/embedder.js';
import { createOllamaChatModel } from './llm/ollama/ollama-chat-model.js';
import { createOllamaEmbedder } from './llm/ollama/ollama-embedder.js';
import { createRetriever } from './retrieval/retriever.js';
import type { Retriever } from './retrieval/types.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SEEDS_DIR = path.join(PROJECT_ROOT, 'seeds');
/** Default abbreviation/synonym table; admins extend it with `<dataDir>/synonyms.txt`. */
export const DEFAULT_SYNONYMS_FILE = path.join(PROJECT_ROOT, 'data', 'synonyms.txt');

export interface Services {
  config: Readonly<Config>;
  kb: KnowledgeBase;
  embedder: Embedder;
  retriever: Retriever;
  chatModel: ChatModel;
  close(): Promise<void>;
}

export interface OpenServicesOptions {
  /** Ingest seeds/ when the knowledge base holds no document (first start). */
  seedIfEmpty?: boolean;
  log?: (line: string) => void;
}

/** Chooses the embedder the configuration asks for. */
export function createEmbedder(config: Readonly<Config>): Embedder {
  return config.embedder === 'ollama' ? createOllamaEmbedder(config.ollama) : createBuiltinEmbedder();
}

/**
 * Opens the knowledge base and builds everything that answers questions.
 * @throws AppError EMBEDDER_MISMATCH / INDEX_CORRUPT / INDEX_FORMAT_UNSUPPORTED from the index.
 */
export async function openServices(config: Readonly<Config>, options: OpenServicesOptions = {}): Promise<Services> {
  const embedder = createEmbedder(config);
  const kb = await openKnowledgeBase({ dir: config.dataDir, embedder, create: true, chunker: CHUNKER_SETTINGS });
  if (options.seedIfEmpty && kb.listDocuments().length === 0) {
    options.log?.(`知识库为空，正在导入示例文档（${SEEDS_DIR}）…`);
    const report = await ingestInputs({ kb, ocr: config.ocr }, await collectInputs([SEEDS_DIR]));
    options.log?.(`已导入 ${report.outcomes.filter((o) => o.status === 'added').length} 份示例文档。`);
  }
  const retriever = createRetriever({
    kb,
    synonymFiles: [DEFAULT_SYNONYMS_FILE, path.join(config.dataDir, 'synonyms.txt')],
  });
  const chatModel = createOllamaChatModel(config.ollama);
  return {
    config,
    kb,
    embedder,
    retriever,
    chatModel,
    close: () => kb.close(),
  };
}
