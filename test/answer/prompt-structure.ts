/**
 * Reads an answer prompt back into its parts the way a model sees them: the fence token is taken from the first
 * line of the user message (never from our code), and every line outside a fence is reported, so a test can
 * prove that no document text escaped its fence.
 */
export interface ParsedSource {
  n: number;
  title: string;
  locator: string;
  text: string;
}

export interface ParsedPrompt {
  token: string;
  system: string;
  sources: ParsedSource[];
  questions: string[];
  /** Non-blank lines of the user message that are in no fence. */
  outside: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @throws Error when the messages are not one system message followed by one user message of fenced blocks. */
export function parsePrompt(messages: { role: string; content: string }[]): ParsedPrompt {
  if (messages.length !== 2 || messages[0].role !== 'system' || messages[1].role !== 'user') {
    throw new Error(`expected [system, user], got [${messages.map((m) => m.role).join(', ')}]`);
  }
  const lines = messages[1].content.split('\n');
  const first = /^<<<(?:资料 1 开始|问题开始) ([0-9a-f]{12})>>>$/.exec(lines[0]);
  if (!first) throw new Error(`user message does not open with a fence line: ${lines[0]}`);
  const token = first[1];
  const t = escape(token);
  const sourceOpen = new RegExp(`^<<<资料 (\\d+) 开始 ${t}>>>$`);
  const questionOpen = `<<<问题开始 ${token}>>>`;
  const questionClose = `<<<问题结束 ${token}>>>`;
  const parsed: ParsedPrompt = { token, system: messages[0].content, sources: [], questions: [], outside: [] };
  for (let i = 0; i < lines.length; i++) {
    const open = sourceOpen.exec(lines[i]);
    if (open) {
      const n = Number(open[1]);
      const close = `<<<资料 ${n} 结束 ${token}>>>`;
      const end = lines.indexOf(close, i + 1);
      if (end < 0) throw new Error(`source ${n} is never closed`);
      const body = lines.slice(i + 1, end);
      if (!body[0]?.startsWith('标题：') || !body[1]?.startsWith('位置：') || body[2] !== '正文：') {
        throw new Error(`source ${n} has no 标题/位置/正文 header: ${body.slice(0, 3).join(' | ')}`);
      }
      parsed.sources.push({ n, title: body[0].slice(3), locator: body[1].slice(3), text: body.slice(3).join('\n') });
      i = end;
    } else if (lines[i] === questionOpen) {
      const end = lines.indexOf(questionClose, i + 1);
      if (end < 0) throw new Error('the question is never closed');
      parsed.questions.push(lines.slice(i + 1, end).join('\n'));
      i = end;
    } else if (lines[i].trim()) {
      parsed.outside.push(lines[i]);
    }
  }
  return parsed;
}
