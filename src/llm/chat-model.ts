/** One message of a chat conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Raw streamed pieces from a chat model; `thinking` is reasoning the server already separated. */
export interface ChatChunk {
  content?: string;
  thinking?: string;
}

export interface ChatOptions {
  signal?: AbortSignal;
  numCtx?: number;
  maxTokens?: number;
  temperature?: number;
}

export interface ModelHealth {
  reachable: boolean;
  chatModelPresent: boolean;
  embedModelPresent: boolean;
  models: string[];
  /** Chinese explanation when something is missing, e.g. 未检测到 Ollama 服务（http://127.0.0.1:11434）. */
  reason?: string;
}

/** One Ollama server of a pool, as health and `yingji doctor` show it. */
export interface ModelServerInfo {
  url: string;
  /** unknown: not checked yet; down: unreachable, model missing, or failed an answer (re-checked with back-off). */
  state: 'unknown' | 'up' | 'down';
  models: string[];
  /** Answers in flight on this server now. */
  outstanding: number;
  /** Answers started here since the start. */
  served: number;
  reason?: string;
  checkedAt: string | null;
}

/** A chat model that streams. */
export interface ChatModel {
  readonly id: string;
  /** With several servers (a pool): each server's state. */
  servers?(): ModelServerInfo[];
  /**
   * @throws AppError LLM_UNAVAILABLE (not running), MODEL_NOT_FOUND (404), ANSWER_ABORTED (signal).
   */
  stream(messages: ChatMessage[], options?: ChatOptions): AsyncIterable<ChatChunk>;
  health(): Promise<ModelHealth>;
}
