/** ChatModel over Ollama's /api/chat (streamed NDJSON), with health from /api/tags. */
import type { Config } from '../../config.js';
import type { ChatChunk, ChatMessage, ChatModel, ChatOptions, ModelHealth } from '../chat-model.js';
import { createOllamaClient, isSameModel, timeoutSignal } from './ollama-client.js';
import { mapOllamaError, modelMissingMessage, unavailableMessage } from './ollama-errors.js';

/** /api/tags answers in about a millisecond when Ollama runs; anything slower is treated as down. */
const HEALTH_TIMEOUT_MS = 3000;

/**
 * Streams chat completions from Ollama. Aborting `options.signal` (or abandoning the iteration) closes the
 * upstream HTTP request, so Ollama stops generating.
 */
export function createOllamaChatModel(cfg: Config['ollama']): ChatModel {
  const ctx = { baseUrl: cfg.baseUrl, model: cfg.chatModel };

  async function* stream(messages: ChatMessage[], options: ChatOptions = {}): AsyncIterable<ChatChunk> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const client = createOllamaClient(cfg.baseUrl, controller.signal);
    try {
      const parts = await client.chat({
        model: cfg.chatModel,
        messages,
        stream: true,
        options: {
          num_ctx: options.numCtx ?? cfg.numCtx,
          num_predict: options.maxTokens ?? cfg.maxAnswerTokens,
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        },
      });
      for await (const part of parts) {
        const chunk: ChatChunk = {};
        if (part.message?.content) chunk.content = part.message.content;
        if (part.message?.thinking) chunk.thinking = part.message.thinking;
        if (chunk.content !== undefined || chunk.thinking !== undefined) yield chunk;
      }
    } catch (e) {
      throw mapOllamaError(e, { ...ctx, signal: options.signal });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // Ends the HTTP request when the consumer stops early (break / return / error).
      controller.abort();
    }
  }

  async function health(): Promise<ModelHealth> {
    const client = createOllamaClient(cfg.baseUrl, timeoutSignal(Math.min(HEALTH_TIMEOUT_MS, cfg.timeoutMs)));
    try {
      const list = await client.list();
      const models = list.models.map((m) => m.name);
      const chatModelPresent = models.some((m) => isSameModel(m, cfg.chatModel));
      const embedModelPresent = models.some((m) => isSameModel(m, cfg.embedModel));
      return {
        reachable: true,
        chatModelPresent,
        embedModelPresent,
        models,
        ...(chatModelPresent ? {} : { reason: modelMissingMessage(cfg.chatModel) }),
      };
    } catch (e) {
      const mapped = mapOllamaError(e, ctx);
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      const reason = mapped.code === 'LLM_UNAVAILABLE' || timedOut
        ? unavailableMessage(cfg.baseUrl)
        : mapped.message;
      return { reachable: false, chatModelPresent: false, embedModelPresent: false, models: [], reason };
    }
  }

  return { id: `ollama:${cfg.chatModel}`, stream, health };
}
