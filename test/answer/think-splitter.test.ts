import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../../src/llm/chat-model.js';
import { createThinkSplitter, isReasoningModel, splitThinking } from '../../src/answer/think-splitter.js';

function run(chunks: ChatChunk[], expectReasoning = true) {
  const s = createThinkSplitter({ expectReasoning });
  let reasoning = '';
  let answer = '';
  const answerDeltas: string[] = [];
  for (const c of chunks) {
    const d = s.push(c);
    reasoning += d.reasoning;
    answer += d.answer;
    if (d.answer) answerDeltas.push(d.answer);
  }
  const end = s.end();
  reasoning = reasoning.slice(0, reasoning.length - end.retractedReasoning.length) + end.reasoning;
  answer += end.answer;
  if (end.answer) answerDeltas.push(end.answer);
  return { reasoning, answer, answerDeltas };
}

/** Every way of cutting `text` into three chunks (two cut points, possibly equal). */
function* allSplits(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j++) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}

const REASONING = '用户问事故上报时限，资料[1]第九条有规定。';
const ANSWER = '单位负责人应当于1小时内报告[1]。';

describe('think splitter', () => {
  it('separates <think>…</think> under every split of the stream into three chunks', () => {
    const text = `<think>${REASONING}</think>\n\n${ANSWER}`;
    let cases = 0;
    for (const parts of allSplits(text)) {
      for (const expectReasoning of [true, false]) {
        const r = run(parts.map((content) => ({ content })), expectReasoning);
        expect(r.reasoning, JSON.stringify(parts)).toBe(REASONING);
        expect(r.answer, JSON.stringify(parts)).toBe(ANSWER);
        for (const d of r.answerDeltas) expect(d).not.toMatch(/<\/?t|think>/);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('streams one character at a time without leaking a tag fragment into the answer', () => {
    const text = `  <think>\n${REASONING}\n</think>\n\n${ANSWER}`;
    const r = run([...text].map((content) => ({ content })));
    expect(r.reasoning.trim()).toBe(REASONING);
    expect(r.answer).toBe(ANSWER);
    expect(r.answerDeltas.join('')).not.toContain('<');
  });

  it('treats text before a lone </think> as reasoning when the opening tag is missing, under every split', () => {
    const text = `${REASONING}\n</think>\n\n${ANSWER}`;
    for (const parts of allSplits(text)) {
      const r = run(parts.map((content) => ({ content })), true);
      expect(r.reasoning.trim(), JSON.stringify(parts)).toBe(REASONING);
      expect(r.answer, JSON.stringify(parts)).toBe(ANSWER);
    }
  });

  it('keeps the lone-</think> reasoning out of the answer even for a model not known to reason', () => {
    const r = run([{ content: `${REASONING}</thi` }, { content: `nk>${ANSWER}` }], false);
    expect(r.answer).not.toContain('think');
    expect(r.answer).toContain(ANSWER);
  });

  it('takes reasoning from message.thinking and the answer from content', () => {
    const r = run([{ thinking: '用户问' }, { thinking: '时限。' }, { content: '单位负责人' }, { content: '应当于1小时内报告[1]。' }]);
    expect(r.reasoning).toBe('用户问时限。');
    expect(r.answer).toBe(ANSWER);
    // streamed as it came, not held to the end
    expect(r.answerDeltas.length).toBeGreaterThanOrEqual(2);
  });

  it('turns provisional reasoning back into answer when a reasoning model never closes a think block', () => {
    const r = run([{ content: '单位负责人' }, { content: '应当于1小时内报告[1]。' }], true);
    expect(r.reasoning).toBe('');
    expect(r.answer).toBe(ANSWER);
  });

  it('streams plain answers from non-reasoning models immediately', () => {
    const r = run([{ content: '单位负责人' }, { content: '应当于1小时内报告[1]。' }], false);
    expect(r.answerDeltas).toEqual(['单位负责人', '应当于1小时内报告[1]。']);
  });

  it('leaves an unclosed <think> entirely as reasoning (answer cut off during reasoning)', () => {
    const r = run([{ content: '<think>我需要先' }, { content: '看资料' }]);
    expect(r.reasoning).toBe('我需要先看资料');
    expect(r.answer).toBe('');
  });

  it('splitThinking strips reasoning from a complete reply', () => {
    expect(splitThinking('<think>想一想</think>\n较大事故应当在多长时间内上报？')).toEqual({
      reasoning: '想一想',
      answer: '较大事故应当在多长时间内上报？',
    });
    expect(splitThinking('想一想</think>较大事故？', { expectReasoning: true }).answer).toBe('较大事故？');
  });

  it('recognises reasoning models by name', () => {
    expect(isReasoningModel('ollama:deepseek-r1:7b')).toBe(true);
    expect(isReasoningModel('qwen3:8b')).toBe(true);
    expect(isReasoningModel('qwen2.5:7b')).toBe(false);
    expect(isReasoningModel('llama3.1:8b')).toBe(false);
  });
});
