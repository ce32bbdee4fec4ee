/**
 * Composition root: the only place concrete implementations are chosen.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnswerDeps } from './answer/answer-question.js';
import { createLlmStatusMonitor, type LlmStatusMonitor } from './answer/llm-status.js';
import type { Config } from './config.js';
import type { KnowledgeBase } from './index/knowledge-base.js';
import { openKnowledgeBase } from './index/open.js';
import { CHUNKER_SETTINGS } from './ingest/chunker.js';
import { cleanStaleOcrFolders } from './ingest/parsers/index.js';
import { collectInputs, ingestInputs } from './ingest/pipeline.js';
import { createBuiltinEmbedder } from './llm/builtin/builtin-embedder.js';
import type { ChatModel } from './llm/chat-model.js';
import type { Embedder } from './llm/embedder.js';
import { QuestionStore } from './index/question-store.js';
import { createOllamaChatModels, createOllamaEmbedders } from './llm/ollama/ollama-pool.js';
import type { AnswerType } from './retrieval/basis.js';
import { DEFAULT_TUNING, createRetriever } from './retrieval/retriever.js';
import type { Retriever } from './retrieval/types.js';
import { toActionPoints } from './triage/action-points.js';
import { createCriteriaCache, triageIfIncident } from './triage/triage.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SEEDS_DIR = path.join(PROJECT_ROOT, 'seeds');
/** Default abbreviation/synonym table; admins extend it with `<dataDir>/synonyms.txt`. */
export const DEFAULT_SYNONYMS_FILE = path.join(PROJECT_ROOT, 'data', 'synonyms.txt');
/** A semantic embedder (bge-m3) is worth as much as the words; not measured here, where no model exists (VECTOR_WEIGHT overrides). */
const OLLAMA_VECTOR_WEIGHT = 1;

export interface Services {
  config: Readonly<Config>;
  kb: KnowledgeBase;
  embedder: Embedder;
  retriever: Retriever;
  /** Questions attached to passages (👍, admin confirmation, generated at ingest), searched by the retriever. */
  questions: QuestionStore;
  chatModel: ChatModel;
  /** Which answer mode is live (model or 离线检索模式) and why. */
  llmStatus: LlmStatusMonitor;
  /** Everything answerQuestion needs. */
  answerDeps: AnswerDeps;
  close(): Promise<void>;
}

export interface OpenServicesOptions {
  /** Ingest seeds/ when the knowledge base holds no document (first start). */
  seedIfEmpty?: boolean;
  log?: (line: string) => void;
}

/**
 * Chooses the embedder the configuration asks for.
 * @throws AppError LLM_UNAVAILABLE / MODEL_NOT_FOUND when an Ollama model of unknown dimension cannot be asked.
 */
export async function createEmbedder(config: Readonly<Config>): Promise<Embedder> {
  if (config.embedder !== 'ollama') return createBuiltinEmbedder();
  const embedder = createOllamaEmbedders(config.ollama);
  if (embedder.dimensions === 0) await embedder.discoverDimensions();
  return embedder;
}

/**
 * Opens the knowledge base and builds everything that answers questions.
 * @throws AppError EMBEDDER_MISMATCH / INDEX_CORRUPT / INDEX_FORMAT_UNSUPPORTED from the index.
 */
export async function openServices(config: Readonly<Config>, options: OpenServicesOptions = {}): Promise<Services> {
  // pdftoppm/tesseract orphaned by a SIGKILL keep writing into /tmp; stop them and reclaim the space.
  const stale = await cleanStaleOcrFolders();
  if (stale.length > 0) options.log?.(`已清理上次异常退出留下的 ${stale.length} 个 OCR 临时目录。`);
  const embedder = await createEmbedder(config);
  const kb = await openKnowledgeBase({ dir: config.dataDir, embedder, create: true, chunker: CHUNKER_SETTINGS });
  if (options.seedIfEmpty && kb.listDocuments().length === 0) {
    options.log?.(`知识库为空，正在导入示例文档（${SEEDS_DIR}）…`);
    const report = await ingestInputs({ kb, ocr: config.ocr, limits: config.ingest }, await collectInputs([SEEDS_DIR]));
    options.log?.(`已导入 ${report.outcomes.filter((o) => o.status === 'added').length} 份示例文档。`);
  }
  const questions = await QuestionStore.open(config.dataDir);
  const retriever = createRetriever({
    kb,
    questions,
    synonymFiles: [DEFAULT_SYNONYMS_FILE, path.join(config.dataDir, 'synonyms.txt')],
    tuning: { vectorWeight: config.vectorWeight ?? (config.embedder === 'ollama' ? OLLAMA_VECTOR_WEIGHT : DEFAULT_TUNING.vectorWeight) },
  });
  const chatModel = createOllamaChatModels(config.ollama);
  const llmStatus = createLlmStatusMonitor(chatModel);
  const triageCache = createCriteriaCache();
  return {
    config,
    kb,
    embedder,
    retriever,
    questions,
    chatModel,
    llmStatus,
    answerDeps: {
      retriever,
      chatModel,
      config: { ...config.ollama, retrievalK: config.retrievalK, queryRewriteMs: config.queryRewriteMs },
      status: llmStatus,
      incidentActions: (question, asks) => {
        const card = triageIfIncident(question, { kb, cache: triageCache, timeZone: config.timeZone });
        if (!card || (!card.grade && !card.responses.length)) return undefined;
        const states: AnswerType[] = card.notifications.length ? ['period', 'party'] : [];
        const reportsFirst = asks.some((t) => t === 'period' || t === 'party');
        return { text: toActionPoints(card, { timeZone: config.timeZone, reportsFirst }), states };
      },
    },
    close: () => {
      chatModel.close?.();
      return kb.close();
    },
  };
}
