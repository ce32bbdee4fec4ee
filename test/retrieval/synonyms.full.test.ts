/**
 * The shipped thesaurus against the public corpus: a target the laws and plans never use can match nothing and
 * only adds noise, so every target must occur in them (whitespace ignored, full-width digits as stored).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHalfWidth } from '../../src/core/chinese-text.js';
import { parseSynonyms } from '../../src/retrieval/synonyms.js';
import { corpusPath } from '../support/knowledge.js';
import { REPO_ROOT } from '../support/paths.js';

async function corpusText(): Promise<string> {
  const parts: string[] = [];
  for (const folder of ['regulations', 'plans']) {
    const dir = corpusPath(folder);
    for (const name of await readdir(dir)) {
      if (/\.(md|txt)$/.test(name) && name !== 'README.md') parts.push(await readFile(path.join(dir, name), 'utf8'));
    }
  }
  return toHalfWidth(parts.join('\n')).replace(/\s+/g, '').toLowerCase();
}

describe('the shipped thesaurus', () => {
  it('maps only to words the 60 laws and 5 plans really use', async () => {
    const text = await corpusText();
    // One-way rules only: in an equivalence group (有限空间 = 密闭空间) a member may be the lay word itself.
    const oneWay = (await readFile(path.join(REPO_ROOT, 'data/synonyms.txt'), 'utf8')).split('\n').filter((l) => l.includes('=>'));
    const rules = parseSynonyms(oneWay.join('\n'));
    expect(rules.length).toBeGreaterThan(3000);
    const unused = [...new Set(rules.flatMap((r) => r.to).filter((t) => !text.includes(toHalfWidth(t).toLowerCase())))];
    expect(unused).toEqual([]);
  });
});
