/** Model output → safe HTML: marked, then DOMPurify, then [n] markers turned into buttons. */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

marked.setOptions({ gfm: true, breaks: true });
// No bare-URL autolinks: in Chinese text GFM swallows the full-width punctuation after a URL into the link.
marked.use({ tokenizer: { url: () => undefined } });

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'b', 'i', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'del', 'a'];

/** Renders Markdown into `target`; `[n]` becomes a button with data-cite="n" when n is a known source. */
export function renderMarkdown(target: HTMLElement, markdown: string, knownSources: Set<number>): void {
  const html = marked.parse(markdown, { async: false });
  const clean = DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: ['href', 'title'], ALLOW_DATA_ATTR: false });
  target.innerHTML = clean;
  for (const a of target.querySelectorAll('a')) {
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  }
  linkCitations(target, knownSources);
}

function linkCitations(root: HTMLElement, known: Set<number>): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  while (walker.nextNode()) {
    const node = walker.currentNode as Text;
    if (/\[\d+\]/.test(node.data) && !node.parentElement?.closest('code, pre')) nodes.push(node);
  }
  for (const node of nodes) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of node.data.matchAll(/\[(\d+)\]/g)) {
      const n = Number(m[1]);
      if (!known.has(n)) continue;
      frag.append(node.data.slice(last, m.index));
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'cite';
      btn.dataset.cite = String(n);
      btn.textContent = `[${n}]`;
      btn.title = `查看来源 ${n}`;
      frag.append(btn);
      last = (m.index ?? 0) + m[0].length;
    }
    frag.append(node.data.slice(last));
    node.replaceWith(frag);
  }
}

/** Appends `text` to `target` with the given sentences wrapped in <mark> (text nodes only, no HTML parsing). */
export function appendHighlighted(target: HTMLElement, text: string, highlights: string[] | undefined): void {
  const ranges: [number, number][] = [];
  for (const s of highlights ?? []) {
    const needle = s.trim();
    if (!needle) continue;
    const at = text.indexOf(needle);
    if (at >= 0) ranges.push([at, at + needle.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let pos = 0;
  for (const [start, end] of ranges) {
    if (start < pos) continue;
    target.append(text.slice(pos, start));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(start, end);
    target.append(mark);
    pos = end;
  }
  target.append(text.slice(pos));
}
