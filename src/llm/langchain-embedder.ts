/**
 * Any LangChain embeddings object (`EmbeddingsInterface` from @langchain/core: OllamaEmbeddings, OpenAI-compatible
 * servers, HuggingFace …) as a yingji Embedder: an id for the index manifest, a fixed dimension, L2-normalised
 * vectors, and failures as AppError.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { AppError } from '../core/errors.js';
import type { Embedder } from './embedder.js';

export interface LangChainEmbedderOptions {
  /** Identity recorded in the index manifest, e.g. `langchain-ollama:bge-m3`; change it when the model changes. */
  id: string;
  /** Vector length; when left out, one query is embedded to learn it. */
  dimensions?: number;
}

function normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/**
 * Wraps `embeddings`. The index compares vectors by cosine, and yingji's own embedders normalise, so these do too.
 * @throws AppError LLM_UNAVAILABLE when the embeddings object fails (its error is the cause), EMBEDDER_MISMATCH
 * when it returns vectors of another length or count than asked for.
 */
export async function createLangChainEmbedder(embeddings: EmbeddingsInterface, options: LangChainEmbedderOptions): Promise<Embedder> {
  const { id } = options;
  const call = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await what();
    } catch (e) {
      if (e instanceof AppError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new AppError('LLM_UNAVAILABLE', `向量模型 ${id} 调用失败：${reason}`, { cause: e });
    }
  };
  const dimensions = options.dimensions ?? (await call(() => embeddings.embedQuery('维度探测'))).length;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new AppError('EMBEDDER_MISMATCH', `向量模型 ${id} 返回了空向量，无法用于索引`);
  }
  const checked = (v: number[]): number[] => {
    if (v.length !== dimensions) {
      throw new AppError('EMBEDDER_MISMATCH', `向量模型 ${id} 返回 ${v.length} 维向量，与预期的 ${dimensions} 维不符；请检查模型设置或重建索引（yingji reindex）`);
    }
    return normalise(v);
  };
  return {
    id,
    dimensions,
    async embedDocuments(texts: string[]): Promise<number[][]> {
      if (!texts.length) return [];
      const vectors = await call(() => embeddings.embedDocuments(texts));
      if (vectors.length !== texts.length) {
        throw new AppError('EMBEDDER_MISMATCH', `向量模型 ${id} 返回的向量数（${vectors.length}）与请求（${texts.length}）不符`);
      }
      return vectors.map(checked);
    },
    async embedQuery(text: string): Promise<number[]> {
      return checked(await call(() => embeddings.embedQuery(text)));
    },
  };
}
