/**
 * 事件速判 over the shared corpus: every regulation and the fictional sample plans ingested, 38 reports in varied
 * spoken wording with the grade, levels, deciders and first deadline a duty officer would read from the documents.
 * Also the CLI end to end.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTriageCard, createCriteriaCache, reportCriteria } from '../../src/triage/triage.js';
import { corpusPath, createTestKnowledgeBase, REPO_ROOT } from '../support/knowledge.js';
import { CASES } from './reports.js';

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

const ACCIDENT = '普陀区生产安全事故应急预案（虚构示例）';
const FLOOD = '普陀区防汛防台专项应急预案（虚构示例）';
const REG = '生产安全事故报告和调查处理条例';
const TIME = '2026-12-01T14:00:00+08:00';

describe('事件速判 over the regulations and the sample plans', () => {
  let kb: TestKb;
  const cache = createCriteriaCache();
  const card = (text: string) => buildTriageCard({ kb: kb.services.kb, cache }, { text, time: TIME });

  beforeAll(async () => {
    kb = await createTestKnowledgeBase([corpusPath('regulations'), corpusPath('plans')]);
  }, 120_000);
  afterAll(async () => {
    await kb.cleanup();
  });

  it('has at least 30 reports', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$text', (c) => {
    const result = card(c.text);
    expect(result.grade?.label ?? null).toBe(c.grade);
    if (c.grade) expect(result.grade!.basis).toMatchObject({ title: REG, locator: expect.stringContaining('第三条') });
    const level = (title: string) => result.responses.find((r) => r.title === title);
    if (c.accident !== undefined) expect(level(ACCIDENT)?.level ?? null).toBe(c.accident);
    if (c.flood !== undefined) expect(level(FLOOD)?.level ?? null).toBe(c.flood);
    if (c.decidedBy) expect(result.responses.map((r) => r.decidedBy)).toContain(c.decidedBy);
    if (c.first !== undefined) expect(result.notifications[0]?.withinMinutes).toBe(c.first);
    for (const line of [...result.responses, ...result.notifications, ...result.contacts]) {
      expect(line.basis.docId).toBeTruthy();
      expect(line.basis.text.length).toBeGreaterThan(0);
    }
  });

  it('the accident plan 4.1.2 deadline runs from the incident time: 区应急管理局 → 区委、区政府总值班室和市应急管理局 in 30 minutes', () => {
    const result = card('桃浦一家物流仓库货架倒塌，砸中一名搬运工，已经没有生命体征，另有两人受伤');
    const n = result.notifications.find((x) => x.who === '区应急管理局' && x.withinMinutes === 30)!;
    expect(n.to).toBe('区委、区政府总值班室和市应急管理局');
    expect(n.dueAt).toBe('2026-12-01T06:30:00.000Z');
    expect(n.basis.locator).toContain('4.1.2');
    expect(result.notifications.some((x) => x.withinMinutes === 120 && x.basis.locator.includes('4.1.3'))).toBe(true);
    expect(result.undecided.some((u) => u.includes('3人以上10人以下重伤') && u.includes('Ⅲ级'))).toBe(true);
  });

  it('flood cards list the plan contact table', () => {
    const result = card('台风黄色预警');
    expect(result.contacts).toContainEqual(expect.objectContaining({ unit: '区防汛指挥部办公室（24小时防汛值班）' }));
  });

  it('leaves no criterion of the sample plans and the 条例 unread', () => {
    const report = reportCriteria({ kb: kb.services.kb, cache });
    const ours = report.unparsed.filter((u) => [ACCIDENT, FLOOD, REG].includes(u.title));
    expect(ours).toEqual([]);
    expect(report.documents.find((d) => d.title === ACCIDENT)?.levels).toEqual(['Ⅰ级', 'Ⅱ级', 'Ⅲ级', 'Ⅳ级']);
  });

  it('yingji triage --json prints the card', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/yingji.js'), 'triage', '桃浦一家物流仓库货架倒塌，砸中一名搬运工，已经没有生命体征，另有两人受伤', '--data', kb.dir, '--json'],
      { env: { ...process.env, OLLAMA_BASE_URL: 'http://127.0.0.1:9' } },
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['contacts', 'facts', 'grade', 'notifications', 'report', 'responses', 'undecided']);
    expect(out.grade).toMatchObject({ label: '一般事故' });
  });
});
