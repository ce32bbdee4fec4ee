/**
 * Printable paper versions as self-contained HTML (the browser's print dialog makes the PDF): a quiz with an
 * answer sheet (答题卡) and, for trainers, the key with the deciding articles; a list as a booklet.
 */
import type { ItemCurrency, Quiz, StudyList } from './types.js';
import { QUESTION_KIND_LABELS, QUESTION_KINDS } from './types.js';

const OPTION_LETTERS = 'ABCDEFGH';
const STYLE = `
body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun",serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.7}
h1{text-align:center;font-size:1.5em}h2{font-size:1.15em;margin-top:1.5em}
.meta{text-align:center;color:#555}.q{margin:.6em 0;break-inside:avoid}.opts{margin:.2em 0 0 2em}
.sheet td,.sheet th{border:1px solid #333;padding:.2em .6em;min-width:3em;text-align:center}.sheet{border-collapse:collapse}
.key{break-before:page}.src{color:#444;font-size:.92em;margin:.2em 0 .8em 2em;white-space:pre-wrap}
.note{background:#f5f5f0;padding:.3em .6em;margin:.3em 0}.flag{color:#b00;font-weight:bold}
@media print{.noprint{display:none}a{color:inherit;text-decoration:none}}`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The quiz paper; `withKey` appends the 参考答案 with each question's source article. */
export function renderQuizPaper(quiz: Quiz, options: { withKey: boolean }): string {
  const parts: string[] = [`<h1>${escapeHtml(quiz.title)}</h1>`, `<p class="meta">共 ${quiz.questions.length} 题　姓名：________　得分：________</p>`];
  let n = 0;
  const numbers = new Map<string, number>();
  for (const kind of QUESTION_KINDS) {
    const qs = quiz.questions.filter((q) => q.kind === kind);
    if (!qs.length) continue;
    parts.push(`<h2>${QUESTION_KIND_LABELS[kind]}</h2>`);
    for (const q of qs) {
      numbers.set(q.id, ++n);
      const hint = kind === 'judge' ? '（　　）' : '';
      let html = `<div class="q">${n}. ${escapeHtml(q.prompt)}${hint}`;
      if (q.options) {
        html += `<div class="opts">${q.options.map((o, i) => `${OPTION_LETTERS[i]}. ${escapeHtml(o)}`).join('<br>')}</div>`;
      }
      parts.push(`${html}</div>`);
    }
  }
  const ordered = [...numbers.entries()];
  parts.push('<h2>答题卡</h2><table class="sheet"><tr><th>题号</th><th>答案</th></tr>');
  parts.push(ordered.map(([, num]) => `<tr><td>${num}</td><td style="min-width:16em"></td></tr>`).join(''));
  parts.push('</table>');
  if (options.withKey) {
    parts.push('<div class="key"><h2>参考答案与依据</h2>');
    for (const [id, num] of ordered) {
      const q = quiz.questions.find((x) => x.id === id)!;
      parts.push(`<div class="q">${num}. <b>${escapeHtml(keyText(q))}</b><div class="src">《${escapeHtml(q.source.title)}》${escapeHtml(q.source.locator)}\n${escapeHtml(q.source.text)}</div></div>`);
    }
    parts.push('</div>');
  }
  return page(quiz.title, parts.join('\n'));
}

function keyText(q: Quiz['questions'][number]): string {
  if (q.kind === 'judge') return q.answer === true ? '正确（√）' : `错误（×）${q.change ? `：原文为“${q.change.from}”` : ''}`;
  if (q.kind === 'choice' && q.options) {
    const i = q.options.indexOf(String(q.answer));
    return `${OPTION_LETTERS[i] ?? ''}. ${String(q.answer)}`;
  }
  return String(q.answer);
}

/** The list as a booklet: title, article text, the trainer's note; changed articles flagged. */
export function renderListBooklet(list: StudyList, currency: Map<string, ItemCurrency>): string {
  const parts = [`<h1>${escapeHtml(list.name)}</h1>`];
  if (list.description) parts.push(`<p class="meta">${escapeHtml(list.description)}</p>`);
  list.items.forEach((item, i) => {
    const c = currency.get(item.id);
    const flag =
      c?.status === 'changed' ? '<span class="flag">【新版本已修改本条】</span>' : c?.status === 'missing' ? '<span class="flag">【现行文本中未找到本条】</span>' : '';
    parts.push(
      `<h2>${i + 1}. 《${escapeHtml(item.title)}》${escapeHtml(item.label)} ${flag}</h2><div class="src">${escapeHtml(item.text)}</div>` +
        (item.note ? `<div class="note">说明：${escapeHtml(item.note)}</div>` : '') +
        (c?.status === 'changed' ? `<div class="src">现行文本：\n${escapeHtml(c.currentText)}</div>` : ''),
    );
  });
  return page(list.name, parts.join('\n'));
}
