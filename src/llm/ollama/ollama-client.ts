/** One place that builds `ollama` clients whose every HTTP request (not only streams) honours an AbortSignal. */
import { Ollama } from 'ollama';

/**
 * The package only wires abort into streamed requests, and only once the response headers arrived; a server
 * that never answers would hang `chat()` forever. Merging our signal into every fetch makes a hang abortable
 * and makes the server see the connection close.
 */
export function createOllamaClient(baseUrl: string, signal?: AbortSignal): Ollama {
  const fetchWithSignal: typeof fetch = (input, init) => {
    const signals = [init?.signal, signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    const merged = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return fetch(input, { ...init, signal: merged });
  };
  return new Ollama({ host: baseUrl, fetch: fetchWithSignal });
}

/** True when `name` (as Ollama lists it, e.g. `bge-m3:latest`) is the configured `wanted` model. */
export function isSameModel(name: string, wanted: string): boolean {
  const norm = (m: string) => (m.includes(':') ? m : `${m}:latest`).toLowerCase();
  return norm(name) === norm(wanted);
}

/** An AbortSignal that fires after `ms` or when `parent` aborts, whichever comes first. */
export function timeoutSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(ms);
  return parent ? AbortSignal.any([t, parent]) : t;
}
