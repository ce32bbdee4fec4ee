/** Embedder over Ollama's batched /api/embed; vectors are L2-normalised so cosine = dot product. */
import type { Config } from '../../config.js';
import { AppError } from '../../core/errors.js';
import type { Embedder } from '../embedder.js';
import { createOllamaClient, timeoutSignal } from './ollama-client.js';
import { mapOllamaError } from './ollama-errors.js';

/** Texts per /api/embed request: large enough to amortise HTTP, small enough to keep one request short. */
const EMBED_BATCH_SIZE = 32;
/** Dimensions of common embedding models, so the index can be opened before the first request. */
const KNOWN_DIMENSIONS: Record<string, number> = {
  'bge-m3': 1024,
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'snowflake-arctic-embed': 1024,
  'bge-large': 1024,
};

export interface OllamaEmbedder extends Embedder {
  /**
   * Asks Ollama for one embedding to learn the real dimension (needed for models not in the known table).
   * @throws AppError LLM_UNAVAILABLE / MODEL_NOT_FOUND.
   */
  discoverDimensions(): Promise<number>;
}

function knownDimensions(model: string): number {
  return KNOWN_DIMENSIONS[model.split(':')[0].toLowerCase()] ?? 0;
}

function normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/**
 * Creates the Ollama embedder. No retries (LangChain's OllamaEmbeddings retries six times and takes 80 s to
 * fail when Ollama is down); each request is bounded by `cfg.timeoutMs` per batch.
 * `dimensions` is known up front for common models and otherwise after the first call / discoverDimensions().
 */
export function createOllamaEmbedder(cfg: Config['ollama']): OllamaEmbedder {
  let dimensions = knownDimensions(cfg.embedModel);
  // The table is a guess until Ollama has answered once; after that the dimension is fixed.
  let confirmed = false;
  const ctx = { baseUrl: cfg.baseUrl, model: cfg.embedModel };

  async function embedBatch(input: string[]): Promise<number[][]> {
    const client = createOllamaClient(cfg.baseUrl, timeoutSignal(Math.max(cfg.timeoutMs, 1000) * 3));
    let embeddings: number[][];
    try {
      ({ embeddings } = await client.embed({ model: cfg.embedModel, input, truncate: true }));
    } catch (e) {
      throw mapOllamaError(e, ctx);
    }
    if (embeddings.length !== input.length) {
      throw new AppError('LLM_UNAVAILABLE', `Ollama 返回的向量数（${embeddings.length}）与请求（${input.length}）不符`);
    }
    const out = embeddings.map(normalise);
    const dim = out[0]?.length ?? 0;
    if (confirmed && dim !== dimensions) {
      throw new AppError(
        'EMBEDDER_MISMATCH',
        `向量模型 ${cfg.embedModel} 返回 ${dim} 维向量，与预期的 ${dimensions} 维不符；请重建索引（yingji reindex）`,
      );
    }
    dimensions = dim;
    confirmed = true;
    return out;
  }

  async function embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH_SIZE) {
      out.push(...(await embedBatch(texts.slice(i, i + EMBED_BATCH_SIZE))));
    }
    return out;
  }

  return {
    id: `ollama:${cfg.embedModel}`,
    get dimensions() {
      return dimensions;
    },
    embedDocuments,
    async embedQuery(text: string) {
      return (await embedBatch([text]))[0];
    },
    async discoverDimensions() {
      if (!confirmed) await embedBatch(['维度探测']);
      return dimensions;
    },
  };
}
