/**
 * Which answer mode is live, with which model, and why. Never caches "down" for long: a refresh re-probes
 * /api/tags (through ChatModel.health, short timeout) at most every `minProbeIntervalMs`, and every answer
 * reports its outcome, so the status follows Ollama coming and going.
 */
import type { ChatModel } from '../llm/chat-model.js';

export interface ModelStatus {
  mode: 'llm' | 'extractive';
  /** Configured chat model, e.g. deepseek-r1:7b. */
  model: string;
  /** Chinese explanation, e.g. 已连接 Ollama，模型 deepseek-r1:7b 可用 / 未检测到 Ollama 服务（…）. */
  reason: string;
  /** When this was last established (ms since epoch). */
  checkedAt: number;
}

export interface LlmStatusMonitor {
  /** Last known status; cheap and synchronous. */
  getLlmStatus(): ModelStatus;
  /** Re-probes Ollama unless a probe or an answer established the status within `minProbeIntervalMs`. */
  refresh(options?: { force?: boolean }): Promise<ModelStatus>;
  /** Records what an answer attempt found out. */
  report(outcome: { ok: true } | { ok: false; reason: string }): void;
}

/** Probing more often than this gains nothing: a user cannot start Ollama faster. */
const DEFAULT_MIN_PROBE_INTERVAL_MS = 3000;

export function modelNameOf(chatModel: ChatModel): string {
  return chatModel.id.replace(/^ollama:/, '');
}

export function createLlmStatusMonitor(
  chatModel: ChatModel,
  options: { minProbeIntervalMs?: number } = {},
): LlmStatusMonitor {
  const model = modelNameOf(chatModel);
  const minInterval = options.minProbeIntervalMs ?? DEFAULT_MIN_PROBE_INTERVAL_MS;
  let status: ModelStatus = { mode: 'extractive', model, reason: '尚未检测 Ollama 服务', checkedAt: 0 };
  let inflight: Promise<ModelStatus> | null = null;

  const okReason = () => `已连接 Ollama，模型 ${model} 可用`;

  async function probe(): Promise<ModelStatus> {
    const h = await chatModel.health();
    status =
      h.reachable && h.chatModelPresent
        ? { mode: 'llm', model, reason: okReason(), checkedAt: Date.now() }
        : { mode: 'extractive', model, reason: h.reason ?? '模型不可用', checkedAt: Date.now() };
    return status;
  }

  return {
    getLlmStatus: () => status,
    refresh(opts = {}) {
      if (!opts.force && Date.now() - status.checkedAt < minInterval) return Promise.resolve(status);
      inflight ??= probe().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    report(outcome) {
      status = outcome.ok
        ? { mode: 'llm', model, reason: okReason(), checkedAt: Date.now() }
        : { mode: 'extractive', model, reason: outcome.reason, checkedAt: Date.now() };
    },
  };
}
