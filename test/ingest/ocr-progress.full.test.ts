import { describe, expect, it } from 'vitest';
import { ingestInputs } from '../../src/ingest/pipeline.js';
import type { IngestProgress } from '../../src/ingest/types.js';
import { createTestKnowledgeBase } from '../support/knowledge.js';
import { corpusPath } from '../support/paths.js';

describe('OCR progress', () => {
  it('a one-page scan reports OCR pages 0/1 then 1/1 before its outcome (it used to sit at half for 27 s with no news)', async () => {
    const knowledge = await createTestKnowledgeBase([]);
    try {
      const seen: IngestProgress[] = [];
      const file = corpusPath('fixtures', 'sh-flood-prevention-reg-p1-scanned.pdf');
      const report = await ingestInputs(
        { kb: knowledge.services.kb, ocr: 'auto' },
        [{ sourceKey: file, fileName: 'scan.pdf', path: file }],
        { onProgress: (p) => seen.push(p) },
      );
      expect(report.outcomes[0].status).toBe('added');
      const pages = seen.filter((p) => p.ocrPages).map((p) => [p.phase, p.file, p.ocrPages?.done, p.ocrPages?.total]);
      expect(pages).toEqual([
        ['start', 'scan.pdf', 0, 1],
        ['start', 'scan.pdf', 1, 1],
      ]);
      expect(seen.findIndex((p) => p.ocrPages?.done === 1)).toBeLessThan(seen.findIndex((p) => p.phase === 'file-done'));
    } finally {
      await knowledge.cleanup();
    }
  }, 300_000);
});
