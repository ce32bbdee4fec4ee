/**
 * Turns text into vectors. Structurally compatible with LangChain's EmbeddingsInterface
 * (embedDocuments / embedQuery), so any LangChain embeddings object plus an id and dimension plugs in.
 */
export interface Embedder {
  /** Stable identity recorded in the index manifest, e.g. `builtin-hash-v1` or `ollama:bge-m3`. */
  readonly id: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}
