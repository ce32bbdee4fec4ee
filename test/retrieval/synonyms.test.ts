import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandQuery, loadSynonyms, parseSynonyms } from '../../src/retrieval/synonyms.js';
import { REPO_ROOT } from '../support/paths.js';

describe('synonym table', () => {
  it('parses one-way and equivalence rules and ignores comments', () => {
    const rules = parseSynonyms('# c\n危化品 => 危险化学品\n有限空间 = 受限空间\n');
    expect(rules).toEqual([
      { from: '危化品', to: ['危险化学品'] },
      { from: '有限空间', to: ['受限空间'] },
      { from: '受限空间', to: ['有限空间'] },
    ]);
  });
  it('expands the domain abbreviations the bureau uses', () => {
    const table = loadSynonyms([path.join(REPO_ROOT, 'data/synonyms.txt'), '/nonexistent/synonyms.txt']);
    expect(expandQuery('危化品仓库着火了', table)).toEqual(expect.arrayContaining(['危险化学品', '火灾']));
    expect(expandQuery('一把手的职责', table)).toContain('主要负责人');
    expect(expandQuery('安委会多久开一次会', table)).toContain('安全生产委员会');
    expect(expandQuery('受限空间作业', table)).toContain('有限空间');
  });
});
