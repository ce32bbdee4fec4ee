/**
 * The Chinese RAG prompt: numbered sources (title, locator, text) and instructions, budgeted so it never
 * silently overflows num_ctx. Everything goes in one user message: DeepSeek-R1's authors advise against system
 * prompts.
 */
import type { Hit } from '../core/types.js';
import type { ChatMessage } from '../llm/chat-model.js';

/** Tokens reserved beyond the answer: chat template, special tokens, estimation error. */
const TEMPLATE_RESERVE_TOKENS = 64;
/** A source cut below this many tokens says too little to be worth its number. */
const MIN_SOURCE_TOKENS = 80;

/**
 * Conservative token estimate: one per CJK / full-width character (DeepSeek's tokenizer averages below that
 * for Chinese), one per two ASCII characters, one per four whitespace characters.
 */
export function estimateTokens(text: string): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x7f) units += 4;
    else if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') units += 1;
    else units += 2;
  }
  return Math.ceil(units / 4);
}

/** Cuts `text` to about `maxTokens`, preferring a sentence end, and marks the cut. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const marker = '……（节选）';
  const budget = maxTokens - estimateTokens(marker);
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateTokens(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  let cut = text.slice(0, lo);
  const lastStop = Math.max(cut.lastIndexOf('。'), cut.lastIndexOf('；'), cut.lastIndexOf('\n'));
  if (lastStop > cut.length * 0.5) cut = cut.slice(0, lastStop + 1);
  return cut + marker;
}

export interface PromptSource {
  /** Number the prompt gives the source: [n]. */
  n: number;
  hit: Hit;
  /** Text as given to the model (possibly truncated). */
  text: string;
  truncated: boolean;
}

export interface AnswerPrompt {
  messages: ChatMessage[];
  sources: PromptSource[];
  /** Lowest-ranked hits left out because they did not fit in num_ctx. */
  droppedSources: number;
  estimatedTokens: number;
  /** Tokens available to the prompt: num_ctx − answer length − reserve. */
  budgetTokens: number;
}

const INSTRUCTIONS = `你是应急管理知识助手，服务对象是区应急管理局的值班人员和培训人员。请只依据下面编号的【参考资料】回答【问题】。

回答要求：
1. 只使用参考资料中的内容，不要使用资料以外的知识，不要编造法规条款、时限、电话号码、单位名称或数字。
2. 每一项事实陈述后面都要用方括号标注所依据资料的编号，例如“应当于1小时内报告[2]”；依据多份资料时写作[1][3]。只能使用下面给出的编号。
3. 如果问题是“怎么办、怎么处置、要做什么”之类的流程问题：先用一两句话给出最关键的结论（最紧迫的时限和责任主体），再用编号步骤 1. 2. 3. 逐条列出，每一步写明由谁负责、在什么时限内完成（资料中有的话）。
4. 如果参考资料没有涉及这个问题，直接回答“参考资料中没有相关规定”，不要猜测；如果只能回答一部分，要说明哪一部分资料中没有依据。
5. 资料标注为“虚构示例”的，引用时要说明它是示例文件。
6. 使用简体中文，简洁、准确，不要复述这些要求。`;

function sourceHeader(n: number, hit: Hit): string {
  const page = hit.chunk.pageStart ? `｜第${hit.chunk.pageStart}页` : '';
  const locator = hit.locator ? `｜${hit.locator}` : '';
  return `[${n}] 《${hit.doc.title}》${locator}${page}`;
}

/**
 * Builds the answer prompt from ranked hits: includes them best first, truncates the one that no longer fits
 * and drops the rest, and says in the prompt how many were left out.
 */
export function buildAnswerPrompt(input: {
  question: string;
  /** The user's words when the question was rewritten from a follow-up. */
  originalQuestion?: string;
  hits: Hit[];
  numCtx: number;
  maxAnswerTokens: number;
}): AnswerPrompt {
  const budgetTokens = input.numCtx - input.maxAnswerTokens - TEMPLATE_RESERVE_TOKENS;
  const asked =
    input.originalQuestion && input.originalQuestion !== input.question
      ? `${input.question}\n（用户原话：“${input.originalQuestion}”，已结合上文补全。）`
      : input.question;
  const head = `${INSTRUCTIONS}\n\n【参考资料】\n`;
  const tail = (dropped: number) =>
    `${dropped > 0 ? `（另有 ${dropped} 条检索结果因模型上下文长度限制未列出。）\n` : ''}\n【问题】\n${asked}`;
  // Reserve room for the "N dropped" note so adding it later cannot overflow.
  let remaining = budgetTokens - estimateTokens(head) - estimateTokens(tail(input.hits.length));
  const sources: PromptSource[] = [];
  const blocks: string[] = [];
  for (const hit of input.hits) {
    const header = `${sourceHeader(sources.length + 1, hit)}\n`;
    const sep = 2;
    const room = remaining - estimateTokens(header) - sep;
    if (room < MIN_SOURCE_TOKENS) break;
    const full = hit.chunk.text.trim();
    const text = truncateToTokens(full, room);
    sources.push({ n: sources.length + 1, hit, text, truncated: text !== full });
    blocks.push(header + text);
    remaining -= estimateTokens(header + text) + sep;
  }
  const droppedSources = input.hits.length - sources.length;
  const content = head + blocks.join('\n\n') + '\n' + tail(droppedSources);
  return {
    messages: [{ role: 'user', content }],
    sources,
    droppedSources,
    estimatedTokens: estimateTokens(content),
    budgetTokens,
  };
}
