/**
 * Answers a question as a stream of typed events: follow-up rewriting → retrieval → (no basis | model answer
 * with checked citations | extractive answer when no model answers in time).
 *
 * Stream cut mid-answer: the partial model answer is kept (its citations checked), followed by a note that the
 * model connection broke and the extractive answer, so the user always ends with something usable. The mode is
 * then `extractive` and a second `sources` event announces it.
 */
import type { Config } from '../config.js';
import { AppError, toAppError } from '../core/errors.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { RetrievalResult, Retriever } from '../retrieval/types.js';
import { createCitationFilter, createCitationRenumberer, citedNumbers, renumberSources } from './citations.js';
import { buildExtractiveAnswer } from './extractive.js';
import { rewriteFollowUp } from './follow-up.js';
import type { LlmStatusMonitor } from './llm-status.js';
import { rewriteInLegalTerms } from './legal-rewrite.js';
import type { AnswerType } from '../retrieval/basis.js';
import { buildNoBasisAnswer, nearestDocuments } from './no-basis.js';
import { buildAnswerPrompt, type PromptSource } from './prompt.js';
import { createThinkSplitter, isReasoningModel } from './think-splitter.js';
import type { AnswerEvent, AnswerMode, AnswerResult, Citation, ConversationTurn } from './types.js';

export interface AnswerDeps {
  retriever: Retriever;
  chatModel: ChatModel;
  config: Config['ollama'] & { retrievalK: number; queryRewriteMs?: number };
  /** Told the outcome of every model attempt, so health reporting follows reality. */
  status?: LlmStatusMonitor;
  /**
   * For a question that describes an incident: the 事件速判 card as cited 行动要点 lines (rule-based from the plans'
   * criteria), which the answer opens with; undefined for any other question. `asks`: the kinds of value the
   * question asks for (retrieval found them), which decide what the card lists first.
   */
  incidentActions?: (question: string, asks: AnswerType[]) => IncidentActions | undefined;
}

/** The 事件速判 card as 行动要点 text, and the kinds of value it states from the plans (deadlines, parties). */
export interface IncidentActions {
  text: string;
  states: AnswerType[];
}

export interface AnswerRequest {
  question: string;
  history?: ConversationTurn[];
  signal?: AbortSignal;
}

/** A source with the number the prompt or the extractive answer gave it, before renumbering by first citation. */
type NumberedSource = PromptSource & { original?: number };

function toCitation(s: NumberedSource, cited: Set<number>, highlights?: Map<number, string[]>): Citation {
  const h = s.hit;
  const hl = highlights?.get(s.original ?? s.n);
  return {
    n: s.n,
    docId: h.doc.id,
    chunkId: h.chunk.id,
    source: h.doc.source,
    title: h.doc.title,
    locator: h.locator,
    page: h.chunk.pageStart ?? null,
    text: h.chunk.text,
    cited: cited.has(s.n),
    ...(hl ? { highlights: hl } : {}),
    ...(h.version ? { version: h.version } : {}),
  };
}

const aborted = (): AppError => new AppError('ANSWER_ABORTED', '已停止生成。');

/**
 * Streams one answer, ending with exactly one `done` event.
 * @throws AppError ANSWER_ABORTED when `signal` fires (the upstream Ollama request is closed), INVALID_REQUEST for
 * an empty question, and whatever retrieval fails with (e.g. INDEX_CORRUPT).
 */
export async function* answerQuestion(deps: AnswerDeps, request: AnswerRequest): AsyncIterable<AnswerEvent> {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const { config, chatModel, retriever } = deps;
  const signal = request.signal;
  const question = request.question.trim();
  if (!question) throw new AppError('INVALID_REQUEST', '问题不能为空。');

  try {
    // 1. Follow-up → standalone query.
    const rewrite = await rewriteFollowUp({
      question,
      history: request.history,
      chatModel,
      timeoutMs: config.timeoutMs,
      numCtx: config.numCtx,
      signal,
    });
    // A model that failed the rewrite for want of a server or model will not answer either.
    let modelDown: AppError | null =
      rewrite.error && rewrite.error.code !== 'LLM_TIMEOUT' ? rewrite.error : null;
    if (signal?.aborted) throw aborted();

    // 2. Retrieval. When the passages found are weak and a model is known to be up, the question is rewritten in
    // legal terms and searched again with those terms added (a strong first retrieval costs no model call).
    const retrievalStarted = performance.now();
    let retrieval: RetrievalResult = await retriever.retrieve(rewrite.query, { k: config.retrievalK });
    let legalRewrite: string | undefined;
    const rewriteBudgetMs = config.queryRewriteMs ?? 0;
    if (!modelDown && rewriteBudgetMs > 0 && isWeak(retrieval) && deps.status?.getLlmStatus().mode === 'llm') {
      legalRewrite = await rewriteInLegalTerms({ question: rewrite.query, chatModel, timeoutMs: rewriteBudgetMs, numCtx: config.numCtx, signal });
      if (signal?.aborted) throw aborted();
      if (legalRewrite) retrieval = await retriever.retrieve(rewrite.query, { k: config.retrievalK, alternativeQueries: [legalRewrite] });
    }
    const retrievalMs = Math.round(performance.now() - retrievalStarted);
    if (signal?.aborted) throw aborted();

    const base = {
      query: rewrite.query,
      ...(rewrite.method !== 'none' ? { rewrittenBy: rewrite.method } : {}),
      ...(legalRewrite ? { legalRewrite } : {}),
    };
    // A partial basis is said in one plain sentence before anything else, in every mode.
    const incident = deps.incidentActions?.(question, retrieval.answerTypes);
    // The card's deadlines and parties come from the plans held: a question asking only for those is answered.
    const cardAnswers = incident !== undefined && retrieval.answerTypes.every((t) => incident.states.includes(t));
    const partialNote = retrieval.basis === 'partial' && retrieval.basisNote && !cardAnswers ? retrieval.basisNote : undefined;
    const basisLead = (incident ? `**行动要点（事件速判）**\n${incident.text}\n\n` : '') + (partialNote ? `${partialNote}\n\n` : '');
    const partialBasis = partialNote ? { basis: 'partial' as const, basisNote: partialNote } : { basis: 'solid' as const };

    // 3. No sufficient basis: no model call.
    if (retrieval.basis === 'none' || retrieval.hits.length === 0) {
      const nearest = nearestDocuments(retrieval.hits);
      const citations = nearest.map((hit, i) => toCitation({ n: i + 1, hit, text: hit.chunk.text, truncated: false }, new Set()));
      const answer = buildNoBasisAnswer(nearest);
      yield { type: 'sources', citations, mode: 'no-basis', query: rewrite.query };
      const firstTokenMs = since();
      yield { type: 'answer', delta: answer };
      const result: AnswerResult = {
        mode: 'no-basis',
        basis: 'none',
        answer,
        reasoning: '',
        citations,
        timings: { retrievalMs, firstTokenMs, totalMs: since() },
        modeReason: '检索结果的相关度低于阈值',
        droppedCitations: 0,
        ...base,
      };
      yield { type: 'done', result };
      return;
    }

    // 4. Prompt within num_ctx.
    const promptStarted = performance.now();
    const prompt = buildAnswerPrompt({
      question: rewrite.query,
      originalQuestion: question,
      hits: retrieval.hits,
      numCtx: config.numCtx,
      maxAnswerTokens: config.maxAnswerTokens,
    });
    const promptMs = Math.round(performance.now() - promptStarted);
    const sources = prompt.sources.length
      ? prompt.sources
      : retrieval.hits.slice(0, 3).map((hit, i) => ({ n: i + 1, hit, text: hit.chunk.text, truncated: false }));
    const common = { ...base, droppedSources: prompt.droppedSources, promptTokens: prompt.estimatedTokens };
    if (!prompt.sources.length && !modelDown) {
      modelDown = new AppError('LLM_UNAVAILABLE', `模型上下文长度（num_ctx=${config.numCtx}）放不下任何资料，请调大 OLLAMA_NUM_CTX`);
    }

    // 5. Model answer, unless we already know there is no model.
    let reasoning = '';
    let answer = '';
    let firstTokenMs: number | null = null;
    let failure: AppError | null = modelDown;
    const filter = createCitationFilter(sources.length);
    // Citations are renumbered as they stream, in order of first appearance; each new number re-sends the sources.
    const renumber = createCitationRenumberer();
    const tagged: NumberedSource[] = sources.map((s) => ({ ...s, original: s.n }));
    const numberedSources = () => renumberSources(tagged, renumber.mapping);
    let announcedCitations = 0;
    const release = (text: string): { text: string; resend: boolean } => {
      const out = renumber.push(text);
      const resend = renumber.mapping.size > announcedCitations;
      announcedCitations = renumber.mapping.size;
      return { text: out, resend };
    };
    if (!failure) {
      const attempt = new AbortController();
      const upstream = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, config.timeoutMs);
      const splitter = createThinkSplitter({ expectReasoning: isReasoningModel(chatModel.id) });
      try {
        for await (const chunk of chatModel.stream(prompt.messages, {
          signal: upstream,
          numCtx: config.numCtx,
          maxTokens: config.maxAnswerTokens,
        })) {
          if (firstTokenMs === null) {
            clearTimeout(timer);
            firstTokenMs = since();
            yield { type: 'sources', citations: numberedSources().map((s) => toCitation(s, new Set())), mode: 'llm', query: rewrite.query };
            if (basisLead) {
              answer += basisLead;
              yield { type: 'answer', delta: basisLead };
            }
          }
          const d = splitter.push(chunk);
          if (d.reasoning) {
            reasoning += d.reasoning;
            yield { type: 'reasoning', delta: d.reasoning };
          }
          const safe = release(d.answer ? filter.push(d.answer) : '');
          if (safe.resend) {
            const now = citedNumbers(answer + safe.text);
            yield { type: 'sources', citations: numberedSources().map((s) => toCitation(s, now)), mode: 'llm', query: rewrite.query };
          }
          if (safe.text) {
            answer += safe.text;
            yield { type: 'answer', delta: safe.text };
          }
        }
        const tail = splitter.end();
        if (tail.retractedReasoning) reasoning = reasoning.slice(0, reasoning.length - tail.retractedReasoning.length);
        reasoning += tail.reasoning;
        if (tail.reasoning) yield { type: 'reasoning', delta: tail.reasoning };
        const rest = release(filter.push(tail.answer) + filter.end());
        if (rest.resend) {
          const now = citedNumbers(answer + rest.text);
          yield { type: 'sources', citations: numberedSources().map((s) => toCitation(s, now)), mode: 'llm', query: rewrite.query };
        }
        if (rest.text) {
          answer += rest.text;
          yield { type: 'answer', delta: rest.text };
        }
        if (!answer.trim()) {
          failure = new AppError('LLM_UNAVAILABLE', '模型只输出了推理过程、没有给出回答（可能超出 ANSWER_MAX_TOKENS 长度上限）');
        }
      } catch (e) {
        if (signal?.aborted) {
          deps.status?.report({ ok: true });
          throw aborted();
        }
        failure = timedOut
          ? new AppError('LLM_TIMEOUT', `模型在 ${Math.round(config.timeoutMs / 1000)} 秒内没有开始回答`, { cause: e })
          : toAppError(e);
        // Keep what was safely streamed; anything still held back (a half citation) is dropped.
      } finally {
        clearTimeout(timer);
      }
    }

    if (!failure) {
      deps.status?.report({ ok: true });
      const cited = citedNumbers(answer);
      const result: AnswerResult = {
        mode: 'llm',
        ...modelBasis(answer, partialBasis),
        answer,
        reasoning,
        citations: numberedSources().map((s) => toCitation(s, cited)),
        timings: { retrievalMs, firstTokenMs, totalMs: since(), promptMs },
        modeReason: `模型 ${chatModel.id.replace(/^ollama:/, '')} 已回答`,
        droppedCitations: filter.dropped,
        ...common,
      };
      yield { type: 'done', result };
      return;
    }

    // 6. Extractive fallback.
    deps.status?.report({ ok: false, reason: failure.message });
    const partial = answer.trim().length > 0;
    const extractive = buildExtractiveAnswer({
      question: rewrite.query,
      analysis: retrieval.analysis,
      sources,
      afterIncidentActions: !partial && incident !== undefined,
    });
    // Why the model failed is the badge's tooltip (modeReason), never the answer's text.
    const prefix = partial ? '\n\n——（模型回答中断，以上为已生成的部分，可能不完整；以下为知识库原文摘录。）\n\n' : basisLead;
    const text = release(prefix + extractive.text).text;
    const finalSources = numberedSources();
    yield {
      type: 'sources',
      citations: finalSources.map((s) => toCitation(s, citedNumbers(answer + text), extractive.highlights)),
      mode: 'extractive',
      query: rewrite.query,
    };
    if (firstTokenMs === null) firstTokenMs = since();
    yield { type: 'answer', delta: text };
    answer += text;
    const cited = citedNumbers(answer);
    const mode: AnswerMode = 'extractive';
    const result: AnswerResult = {
      mode,
      ...partialBasis,
      answer,
      reasoning,
      citations: finalSources.map((s) => toCitation(s, cited, extractive.highlights)),
      timings: { retrievalMs, firstTokenMs, totalMs: since(), promptMs },
      modeReason: failure.message,
      modeErrorCode: failure.code,
      droppedCitations: filter.dropped,
      ...common,
    };
    yield { type: 'done', result };
  } catch (e) {
    if (signal?.aborted) throw aborted();
    throw toAppError(e);
  }
}

/** Below this top score (or without a solid basis) a retrieval is worth a second try with the legal rewrite. */
const STRONG_TOP_SCORE = 0.5;

function isWeak(r: RetrievalResult): boolean {
  return r.basis !== 'solid' || (r.hits[0]?.score ?? 0) < STRONG_TOP_SCORE;
}

/** The model saying its sources do not state what was asked (资料中未载明…), or are unrelated to the question. */
const MODEL_NOT_STATED = /(?:资料|参考资料|所给资料|知识库|上述规定|现有规定)[^。\n]{0,12}(?:未|没有|并未|均未)(?:载明|明确|规定|提及|涉及|给出|说明)/;
const MODEL_UNRELATED = /(?:资料|参考资料|所给资料)[^。\n]{0,8}(?:与(?:本)?问题无关|不涉及(?:该|此|这个)问题)|无法根据(?:所给|上述)?资料回答/;

/** Maps what a model answer says about its own sources onto the basis levels; never raises the retrieval's level. */
function modelBasis(answer: string, retrieval: { basis: 'solid' | 'partial'; basisNote?: string }): Pick<AnswerResult, 'basis' | 'basisNote'> {
  if (MODEL_UNRELATED.test(answer)) return { basis: 'none' };
  if (retrieval.basis === 'solid' && MODEL_NOT_STATED.test(answer)) return { basis: 'partial', basisNote: '模型指出资料中未载明所问的具体内容，请核实。' };
  return retrieval;
}

/**
 * Runs answerQuestion to the end.
 * @throws AppError as answerQuestion does (ANSWER_ABORTED, INVALID_REQUEST, retrieval failures).
 */
export async function collectAnswer(deps: AnswerDeps, request: AnswerRequest): Promise<AnswerResult> {
  for await (const ev of answerQuestion(deps, request)) {
    if (ev.type === 'done') return ev.result;
  }
  throw new AppError('INTERNAL', '回答意外结束。');
}
