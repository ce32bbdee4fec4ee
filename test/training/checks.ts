/**
 * The mechanical checks every generated question must pass (used over the 示例 fixtures and over the corpus):
 * the key occurs in its source article; no choice distractor occurs in that article in the same role; a false
 * judge item differs from an article sentence in exactly one fact; no two questions of a quiz share an article.
 */
import type { Article } from '../../src/training/articles.js';
import { extractFacts, normalizeFactValue } from '../../src/training/facts.js';
import { BLANK, CHOICE_GAP } from '../../src/training/generate.js';
import type { QuizQuestion } from '../../src/training/types.js';

/** Problems found in one question; [] when it passes. */
export function checkQuestion(q: Omit<QuizQuestion, 'id'>, article: Article): string[] {
  const problems: string[] = [];
  const text = article.text;
  if (q.source.text !== text) problems.push('source text is not the article');
  const body = q.prompt.replace(/^《[^》]+》[^：]*?(?:规定)?：/u, '');
  if (q.kind === 'blank' || q.kind === 'choice') {
    if (typeof q.answer !== 'string' || !text.includes(q.answer)) problems.push(`key ${String(q.answer)} not in article`);
    const gap = q.kind === 'blank' ? BLANK : CHOICE_GAP;
    if (body.split(gap).length !== 2) problems.push('prompt has not exactly one gap');
    else if (!text.includes(body.replace(gap, String(q.answer)))) problems.push('prompt with the key filled in is not the article sentence');
  }
  if (q.kind === 'choice') {
    const options = q.options ?? [];
    if (!options.includes(q.answer as string)) problems.push('answer not among options');
    if (new Set(options.map(normalizeFactValue)).size !== options.length) problems.push('duplicate options');
    const sameRole = new Set(extractFacts(text).filter((f) => f.kind === q.fact?.kind).map((f) => f.value));
    for (const d of options.filter((o) => o !== q.answer)) {
      if (text.includes(d)) problems.push(`distractor ${d} occurs in the article`);
      if (sameRole.has(normalizeFactValue(d))) problems.push(`distractor ${d} is a ${q.fact?.kind} of the article`);
    }
  }
  if (q.kind === 'judge') {
    if (typeof q.answer !== 'boolean') problems.push('judge answer is not boolean');
    if (q.answer === true) {
      if (!text.includes(body)) problems.push('true statement is not the article sentence');
    } else {
      if (!q.change) problems.push('false statement without its change');
      else problems.push(...checkOneChange(body, q.change, text));
    }
  }
  return problems;
}

/** A false statement: not in the article, and replacing the one changed fact back gives an article sentence. */
function checkOneChange(statement: string, change: { from: string; to: string }, text: string): string[] {
  if (text.includes(statement)) return ['false statement occurs in the article'];
  if (change.from === change.to || normalizeFactValue(change.from) === normalizeFactValue(change.to)) return ['change is no change'];
  for (let at = statement.indexOf(change.to); at >= 0; at = statement.indexOf(change.to, at + 1)) {
    const restored = statement.slice(0, at) + change.from + statement.slice(at + change.to.length);
    if (text.includes(restored)) return [];
  }
  return ['statement is not one fact away from an article sentence'];
}

/** Articles used by more than one question of a quiz. */
export function sharedArticles(questions: QuizQuestion[]): string[] {
  const seen = new Map<string, number>();
  for (const q of questions) {
    const key = `${q.source.docId}|${q.source.locator}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
