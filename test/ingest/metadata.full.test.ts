import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block, DocType } from '../../src/core/types.js';
import { extractMetadata } from '../../src/ingest/metadata.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseMarkdownBlocks } from '../../src/ingest/parsers/markdown-parser.js';

import { corpusPath } from '../support/paths.js';

/** Reads the public corpus (YINGJI_CORPUS_DIR): `npm run test:full`. */
const CORPUS = corpusPath();

function blocksOf(file: string): Block[] {
  return normalizeBlocks(parseMarkdownBlocks(readFileSync(file, 'utf8')));
}

/** MANIFEST.tsv rows as objects keyed by the header row. */
function manifest(dir: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path.join(CORPUS, dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const keys = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [keys[i], v])));
}

const MANIFEST_TYPE: Record<string, DocType> = {
  law: '法律',
  'administrative-regulation': '行政法规',
  'departmental-rule': '部门规章',
  'local-regulation': '地方性法规',
  // DocType has no 司法解释; interpretations are 其他.
  'judicial-interpretation': '其他',
};

describe('extractMetadata on the regulation corpus', () => {
  it('matches MANIFEST.tsv title, type and stated date for all 60 regulations', () => {
    const rows = manifest('regulations');
    expect(rows).toHaveLength(60);
    for (const row of rows) {
      const file = row.file!;
      const meta = extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'regulations', file)) });
      expect(meta.title, file).toBe(row.title);
      expect(meta.docType, file).toBe(MANIFEST_TYPE[row.type!]);
      const [date, event] = row.date!.split(' ');
      // The manifest gives the latest stated date with its event; 施行 is the effective date, the rest issue dates.
      if (event === '施行') expect(meta.effectiveDate, file).toBe(date);
      else expect(meta.issuedDate, file).toBe(date);
    }
  });

  it('reads the issuer and the effective date where the text states them', () => {
    const read = (file: string) => extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'regulations', file)) });
    expect(read('work-safety-law.md')).toEqual({
      title: '中华人民共和国安全生产法',
      docType: '法律',
      issuedDate: '2021-06-10',
      effectiveDate: '2002-11-01',
      issuer: '全国人民代表大会常务委员会',
    });
    expect(read('hazardous-chemicals-reg.md').issuer).toBe('国务院');
    expect(read('military-disaster-relief-reg.md').issuer).toBe('国务院、中央军事委员会');
    expect(read('sh-fire-protection-reg.md').issuer).toBe('上海市人民代表大会常务委员会');
    expect(read('special-equipment-inspection-rule.md')).toMatchObject({
      issuer: '国家市场监督管理总局',
      issuedDate: '2022-05-26',
      effectiveDate: '2022-07-01',
    });
    expect(read('work-safety-crime-interpretation-2.md')).toMatchObject({
      issuedDate: '2022-10-25',
      effectiveDate: '2022-12-19',
      issuer: '最高人民法院、最高人民检察院',
    });
    // No header lines: the effective date comes from 本条例自…起施行 in the body.
    expect(read('sh-gas-reg.md').effectiveDate).toBe('2008-03-01');
  });
});

describe('extractMetadata on plans', () => {
  it('skips the 虚构示例 notice and reads titles and types of the sample plans', () => {
    const expected: Record<string, DocType> = {
      'putuo-flood-typhoon-plan.md': '应急预案',
      'putuo-work-accident-plan.md': '应急预案',
      'confined-space-onsite-procedure.md': '应急预案',
      'duty-officer-handbook.md': '工作制度',
    };
    const titles = new Map(manifest('plans').map((r) => [r.file!, r.title!]));
    for (const [file, docType] of Object.entries(expected)) {
      const meta = extractMetadata({ fileName: file, blocks: blocksOf(path.join(CORPUS, 'plans', file)) });
      expect(meta.title, file).toBe(titles.get(file));
      expect(meta.docType, file).toBe(docType);
      expect(meta.issuedDate, file).toBeUndefined();
    }
  });

  it('reads a plain-text work plan: title line, 工作制度, the signature date as issue date', () => {
    const lines = readFileSync(path.join(CORPUS, 'plans', 'putuo-2025-work-priorities.txt'), 'utf8').split('\n');
    const blocks: Block[] = lines.map((t) => ({ kind: 'paragraph' as const, text: t.trim() })).filter((b) => b.text);
    expect(extractMetadata({ fileName: 'putuo-2025-work-priorities.txt', blocks })).toEqual({
      title: '上海市普陀区应急管理局2025年工作要点',
      docType: '工作制度',
      issuedDate: '2025-03-28',
      issuer: '上海市普陀区应急管理局',
    });
  });
});
