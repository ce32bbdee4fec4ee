/**
 * Separates DeepSeek-R1 reasoning from the answer in a chat stream. Reasoning may arrive as `thinking` (Ollama
 * separated it), or inside `<think>…</think>` in the content with the tags split anywhere across chunks, or with
 * the opening tag missing (R1 templates often put `<think>` in the prompt, so only `</think>` is streamed).
 * The answer never contains either tag.
 */
import type { ChatChunk } from '../llm/chat-model.js';

const OPEN = '<think>';
const CLOSE = '</think>';

export interface SplitDelta {
  reasoning: string;
  answer: string;
}

export interface SplitEnd extends SplitDelta {
  /**
   * Text earlier streamed as (provisional) reasoning that turned out to be answer, because a reasoning model
   * never closed a think block it had not opened. It is included in `answer` here; consumers that display
   * reasoning should drop it from there.
   */
  retractedReasoning: string;
}

export interface ThinkSplitter {
  push(chunk: ChatChunk): SplitDelta;
  end(): SplitEnd;
}

/** Length of the longest suffix of `s` that is a proper prefix of one of `tags` (held back until more arrives). */
function partialTagSuffix(s: string, tags: string[]): number {
  let best = 0;
  for (const tag of tags) {
    for (let k = Math.min(tag.length - 1, s.length); k > best; k--) {
      if (s.endsWith(tag.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** Models whose content may start with reasoning and no opening tag. */
export function isReasoningModel(model: string): boolean {
  return /(^|[^a-z])(r1|qwq|qwen3|think|thinking|reason|reasoning|magistral|gpt-oss)([^a-z]|$)/i.test(model);
}

/**
 * @param options.expectReasoning — a reasoning model: content before any tag is treated as reasoning until the
 *   stream shows otherwise (the missing-`<think>` case). Off: content is answer unless it opens with `<think>`.
 */
export function createThinkSplitter(options: { expectReasoning?: boolean } = {}): ThinkSplitter {
  type State = 'start' | 'think' | 'maybe-think' | 'answer';
  let state: State = 'start';
  let pending = '';
  let serverThinking = false;
  let provisional = '';
  let answerStarted = false;

  function emitAnswer(text: string): string {
    if (!answerStarted) {
      text = text.replace(/^\s+/, '');
      if (text) answerStarted = true;
    }
    return text;
  }

  function step(out: SplitDelta, final: boolean): void {
    for (;;) {
      if (state === 'start') {
        const lead = pending.replace(/^\s+/, '');
        if (lead.startsWith(OPEN)) {
          state = 'think';
          pending = lead.slice(OPEN.length);
          continue;
        }
        if (!final && OPEN.startsWith(lead)) return; // only whitespace or a partial `<think` so far
        state = options.expectReasoning && !serverThinking ? 'maybe-think' : 'answer';
        continue;
      }
      if (state === 'think' || state === 'maybe-think') {
        const i = pending.indexOf(CLOSE);
        if (i >= 0) {
          const before = pending.slice(0, i);
          out.reasoning += before;
          provisional = '';
          pending = pending.slice(i + CLOSE.length);
          state = 'answer';
          continue;
        }
        const hold = final ? 0 : partialTagSuffix(pending, [CLOSE]);
        const text = pending.slice(0, pending.length - hold);
        pending = pending.slice(pending.length - hold);
        if (state === 'maybe-think') provisional += text;
        out.reasoning += text;
        return;
      }
      // answer: strip stray tags, hold back a partial one
      let text = pending.split(OPEN).join('').split(CLOSE).join('');
      const hold = final ? 0 : partialTagSuffix(text, [OPEN, CLOSE]);
      pending = text.slice(text.length - hold);
      text = text.slice(0, text.length - hold);
      out.answer += emitAnswer(text);
      return;
    }
  }

  return {
    push(chunk) {
      const out: SplitDelta = { reasoning: '', answer: '' };
      if (chunk.thinking) {
        serverThinking = true;
        out.reasoning += chunk.thinking;
      }
      if (chunk.content) {
        pending += chunk.content;
        step(out, false);
      }
      return out;
    },
    end() {
      const out: SplitDelta = { reasoning: '', answer: '' };
      const alreadyStreamed = provisional;
      step(out, true);
      if (state === 'maybe-think') {
        // A reasoning model that never closed a think block: it was all answer.
        const answer = emitAnswer(provisional);
        provisional = '';
        return { reasoning: '', answer, retractedReasoning: alreadyStreamed };
      }
      return { ...out, retractedReasoning: '' };
    },
  };
}

/** Splits a complete (non-streamed) reply; used for internal calls whose reasoning must never leak. */
export function splitThinking(text: string, options: { expectReasoning?: boolean } = {}): { reasoning: string; answer: string } {
  const s = createThinkSplitter(options);
  const a = s.push({ content: text });
  const b = s.end();
  const reasoning = b.retractedReasoning ? '' : a.reasoning + b.reasoning;
  return { reasoning: reasoning.trim(), answer: (a.answer + b.answer).trim() };
}
