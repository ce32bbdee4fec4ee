/**
 * Citation checking: every [n] in an answer must name a source that was given; others are removed and counted.
 * Accepts the forms models write — [1][2], [1,2], [1、2], [1-3], ［1］, 【1】, [来源1] — and rewrites each to
 * canonical [n] markers.
 */

const SEP = String.raw`\s*[,，、;；]\s*`;
const NUM = String.raw`(?:来源|资料|参考资料|参考)?\s*\d{1,3}(?:\s*[-–—~～至]\s*\d{1,3})?`;
const CITATION_RE = new RegExp(String.raw`[\[［【]\s*(${NUM}(?:${SEP}${NUM})*)\s*[\]］】]`, 'g');
/** A tail that could still become a citation once more text arrives. */
const PARTIAL_RE = /[\[［【][\s\d,，、;；\-–—~～至来源资料参考]{0,30}$/;
/** Longest range expansion accepted in [a-b]; a longer range is not a citation a model means. */
const MAX_RANGE = 10;

export interface CitationCheck {
  text: string;
  /** Source numbers the text cites (valid ones only). */
  cited: Set<number>;
  /** Citations that named no existing source and were removed. */
  dropped: number;
}

function expand(body: string): number[] {
  const out: number[] = [];
  for (const part of body.split(/[,，、;；]/)) {
    const nums = part.replace(/来源|资料|参考资料|参考/g, '').split(/[-–—~～至]/).map((x) => Number(x.trim()));
    if (nums.length === 2 && nums[1] >= nums[0] && nums[1] - nums[0] < MAX_RANGE) {
      for (let n = nums[0]; n <= nums[1]; n++) out.push(n);
    } else {
      out.push(...nums);
    }
  }
  return out;
}

/** Rewrites citations in `text` to canonical [n], dropping those outside 1..sourceCount. */
export function checkCitations(text: string, sourceCount: number): CitationCheck {
  const cited = new Set<number>();
  let dropped = 0;
  const out = text.replace(CITATION_RE, (_m, body: string) => {
    const seen = new Set<number>();
    let kept = '';
    for (const n of expand(body)) {
      if (!Number.isInteger(n) || n < 1 || n > sourceCount) {
        dropped++;
        continue;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      cited.add(n);
      kept += `[${n}]`;
    }
    return kept;
  });
  return { text: out, cited, dropped };
}

/** Source numbers cited in already-canonical text. */
export function citedNumbers(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(/\[(\d{1,3})\]/g)) out.add(Number(m[1]));
  return out;
}

export interface CitationFilter {
  /** Returns the part of the stream that is safe to show, citations checked. */
  push(delta: string): string;
  end(): string;
  readonly cited: Set<number>;
  readonly dropped: number;
}

/**
 * Streaming form of checkCitations: holds back a possible citation until its closing bracket arrives, so a
 * citation split across chunks ("[1", "2]") is checked whole and an invalid one never reaches the user.
 */
export function createCitationFilter(sourceCount: number): CitationFilter {
  let pending = '';
  const cited = new Set<number>();
  let dropped = 0;
  const release = (s: string) => {
    const r = checkCitations(s, sourceCount);
    for (const n of r.cited) cited.add(n);
    dropped += r.dropped;
    return r.text;
  };
  return {
    push(delta) {
      pending += delta;
      const m = PARTIAL_RE.exec(pending);
      const cut = m ? m.index : pending.length;
      const out = pending.slice(0, cut);
      pending = pending.slice(cut);
      return release(out);
    },
    end() {
      // A stream cut inside a citation ("…报告[3"): the fragment is not shown.
      const out = pending.replace(/[\[［【]\s*\d[\s\d,，、;；\-–—~～至]*$/, '');
      pending = '';
      return release(out);
    },
    get cited() {
      return cited;
    },
    get dropped() {
      return dropped;
    },
  };
}

export interface CitationRenumberer {
  /** Rewrites the canonical [n] markers of released text to their order of first appearance. */
  push(text: string): string;
  /** Old source number → new one, in order of first appearance. */
  readonly mapping: ReadonlyMap<number, number>;
}

/**
 * Numbers citations 1, 2, 3 … in the order they first appear, with no gaps, however the answer or the model
 * numbered its sources. Works on streamed text: each push must hold whole markers only (the CitationFilter's output).
 */
export function createCitationRenumberer(): CitationRenumberer {
  const mapping = new Map<number, number>();
  return {
    push(text) {
      return text.replace(/\[(\d{1,3})\]/g, (_m, raw: string) => {
        const old = Number(raw);
        let next = mapping.get(old);
        if (next === undefined) {
          next = mapping.size + 1;
          mapping.set(old, next);
        }
        return `[${next}]`;
      });
    },
    get mapping() {
      return mapping;
    },
  };
}

/** Renumbers a finished text's citations in order of first appearance. */
export function renumberCitations(text: string): { text: string; mapping: ReadonlyMap<number, number> } {
  const r = createCitationRenumberer();
  return { text: r.push(text), mapping: r.mapping };
}

/**
 * Sources renumbered to match `mapping`: the cited ones first, in order of first citation, then the rest in their
 * original order, so the list reads [1] [2] [3] … like the answer.
 */
export function renumberSources<T extends { n: number }>(sources: readonly T[], mapping: ReadonlyMap<number, number>): T[] {
  const cited = sources.filter((s) => mapping.has(s.n)).sort((a, b) => (mapping.get(a.n) ?? 0) - (mapping.get(b.n) ?? 0));
  const rest = sources.filter((s) => !mapping.has(s.n));
  return [...cited, ...rest].map((s, i) => ({ ...s, n: i + 1 }));
}
