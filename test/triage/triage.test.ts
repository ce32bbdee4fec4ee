/**
 * 事件速判 over the 示例 fixtures in test/triage/fixtures (own text, not the shared corpus): the criteria come from
 * the ingested documents, so changing a document changes the card.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, ingestInputs } from '../../src/ingest/pipeline.js';
import { toActionPoints } from '../../src/triage/action-points.js';
import { extractFacts } from '../../src/triage/facts.js';
import { buildTriageCard, createCriteriaCache, reportCriteria, triageIfIncident } from '../../src/triage/triage.js';
import { createTestKnowledgeBase, makeTempDir } from '../support/knowledge.js';
import { SEEDS_DIR } from '../support/paths.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TIME = '2026-12-01T14:00:00+08:00';

type TestKb = Awaited<ReturnType<typeof createTestKnowledgeBase>>;

describe('facts from a spoken report', () => {
  it.each([
    ['桃浦一家物流仓库货架倒塌，砸中一名搬运工，已经没有生命体征，另有两人受伤', { deaths: 1, injuries: 2, seriousInjuries: null }],
    ['车间爆炸，3名工人遇难，十余人受伤', { deaths: 3, injuries: 10 }],
    ['脚手架坍塌，两人重伤，一人被埋压', { seriousInjuries: 2, trapped: 1 }],
    ['1死2伤', { deaths: 1, injuries: 2 }],
    ['仓库起火，直接经济损失约500万元，无人员伤亡', { deaths: 0, economicLossYuan: 5_000_000 }],
    ['化工厂槽罐车泄漏，已疏散周边群众300人', { hazmat: true, evacuated: 300, evacuation: true }],
    ['5人受伤，其中2人重伤', { injuries: 3, seriousInjuries: 2 }],
    ['工地有人失联，下落不明', { missing: 1 }],
    ['一人死亡两人重伤', { deaths: 1, seriousInjuries: 2 }],
    ['死亡1人受伤3人', { deaths: 1, injuries: 3 }],
    ['现场约有十来个人受伤', { injuries: 10 }],
    ['一人当场死亡，一人送医后不治', { deaths: 2 }],
    ['死了两个工人', { deaths: 2 }],
    ['工地上死了人，多长时间内要报告？', { deaths: 1 }],
    ['矿上井下冒顶压了人', { trapped: 1 }],
  ])('%s', (text, expected) => {
    expect(extractFacts(text)).toMatchObject(expected);
  });

  it('leaves every count the report does not state null, never 0', () => {
    const f = extractFacts('仓库货架倒塌，一人死亡');
    expect(f.deaths).toBe(1);
    expect([f.missing, f.seriousInjuries, f.injuries, f.trapped, f.evacuated, f.economicLossYuan, f.hazmat, f.warning]).toEqual(
      [null, null, null, null, null, null, null, null],
    );
  });

  it('reads warning colours and kinds, rainfall and a closed underpass', () => {
    expect(extractFacts('台风黄色预警信号已发布').warning).toEqual({ kind: '台风', colour: '黄色' });
    expect(extractFacts('暴雨橙色，多处积水').warning).toEqual({ kind: '暴雨', colour: '橙色' });
    const f = extractFacts('1小时降雨量达到65毫米，下立交因积水封闭');
    expect(f.rainfall1hMm).toBe(65);
    expect(f.underpassClosed).toBe(true);
  });

  it('takes the incident time from --time, else from the text', () => {
    expect(extractFacts('一人死亡', { time: TIME }).time).toBe('2026-12-01T06:00:00.000Z');
    const t = extractFacts('下午3点20分仓库起火', { now: new Date('2026-12-01T09:00:00') }).time!;
    expect(new Date(t).getHours()).toBe(15);
    expect(new Date(t).getMinutes()).toBe(20);
  });
});

describe('triage over the 示例 plans and 示例 grading rule', () => {
  let kb: TestKb;
  const card = (text: string) => buildTriageCard({ kb: kb.services.kb }, { text, time: TIME });
  const levelOf = (text: string, titlePart: string) => card(text).responses.find((r) => r.title.includes(titlePart))?.level;

  beforeAll(async () => {
    kb = await createTestKnowledgeBase([FIXTURES]);
  });
  afterAll(async () => {
    await kb.cleanup();
  });

  it('grades with the regulation and cites its article; exactly 3 deaths is 较大 (以上 includes the number)', () => {
    const c = card('厂房坍塌，3人死亡');
    expect(c.grade?.label).toBe('较大事故');
    expect(c.grade?.basis).toMatchObject({ title: '示例生产安全事故分级规定' });
    expect(c.grade?.basis.locator).toContain('第三条');
    expect(c.grade?.basis.text).toContain('3人以上10人以下死亡');
    expect(card('厂房坍塌，2人死亡').grade?.label).toBe('一般事故');
  });

  it('exactly 10 serious injuries is 较大, 9 is 一般 (以下 excludes the number)', () => {
    expect(card('爆炸事故，10人重伤').grade?.label).toBe('较大事故');
    expect(card('爆炸事故，9人重伤').grade?.label).toBe('一般事故');
  });

  it('starts the plan level whose 启动条件 matches, with decider, commander and measures', () => {
    const c = card('车间机械伤人，两人重伤');
    const r = c.responses.find((x) => x.title.includes('工贸'))!;
    expect(r.level).toBe('Ⅳ级');
    expect(r.decidedBy).toBe('示例区应急局局长');
    expect(r.basis.text).toContain('1至3人重伤');
    expect(r.measures[0]).toContain('赶赴现场');
    // 1至3人 is inclusive at both ends; 4人以上 starts 三级.
    expect(levelOf('车间机械伤人，3人重伤', '工贸')).toBe('Ⅳ级');
    expect(levelOf('车间机械伤人，4人重伤', '工贸')).toBe('Ⅲ级');
  });

  it('reads a named grade in a start condition: a 较大 accident by loss starts 二级', () => {
    const c = card('仓库起火，直接经济损失约1500万元，无人员伤亡');
    expect(c.grade?.label).toBe('较大事故');
    const r = c.responses.find((x) => x.title.includes('工贸'))!;
    expect(r.level).toBe('Ⅱ级');
    expect(r.decidedBy).toBe('示例区副区长');
    expect(r.commander).toBe('示例区副区长');
  });

  it('a hazmat leak needing evacuation starts 三级', () => {
    expect(levelOf('化工企业储罐泄漏，需要疏散周边群众', '工贸')).toBe('Ⅲ级');
  });

  it('reads the flood table: warning colours, direct-start conditions and 以上 as the plan defines it (not including)', () => {
    expect(levelOf('台风蓝色预警', '防汛')).toBe('Ⅳ级');
    expect(levelOf('台风黄色预警', '防汛')).toBe('Ⅲ级');
    expect(levelOf('暴雨橙色预警', '防汛')).toBe('Ⅱ级');
    expect(levelOf('暴雨红色预警', '防汛')).toBe('Ⅰ级');
    expect(levelOf('暴雨，某路下立交因积水封闭', '防汛')).toBe('Ⅲ级');
    // This plan's 以上 excludes the number: 60 mm is not "60毫米以上", 61 is.
    expect(levelOf('暴雨，1小时降雨量60毫米', '防汛')).toBe('Ⅳ级');
    expect(levelOf('暴雨，1小时降雨量61毫米', '防汛')).toBe('Ⅲ级');
    expect(levelOf('暴雨造成3人死亡', '防汛')).not.toBe('Ⅰ级');
    expect(levelOf('暴雨造成4人死亡', '防汛')).toBe('Ⅰ级');
  });

  it('shows the lower level measures a level builds on (在Ⅳ级响应措施的基础上)', () => {
    const r = card('台风黄色预警').responses[0]!;
    expect(r.decidedBy).toBe('示例防指副总指挥');
    expect(r.measures).toContain('下立交专人值守');
    expect(r.measures.some((m) => m.startsWith('（Ⅳ级响应措施）'))).toBe(true);
  });

  it('a flood with a death is not graded as a production accident and starts the flood plan 二级', () => {
    const c = card('暴雨导致下立交积水，一名司机被困车内溺亡');
    expect(c.grade).toBeNull();
    expect(c.responses.map((r) => r.level)).toEqual(['Ⅱ级']);
    expect(c.notifications.some((n) => n.withinMinutes === 10)).toBe(true);
  });

  it('counts the reporting deadlines from the incident time, each cited', () => {
    const c = card('车间机械伤人，一人死亡');
    const first = c.notifications.find((n) => n.withinMinutes === 45)!;
    expect(first).toMatchObject({ who: '事故单位负责人', to: '示例区应急局', dueAt: '2026-12-01T06:45:00.000Z' });
    expect(first.basis.locator).toContain('2.1 报告时限');
    const district = c.notifications.find((n) => n.withinMinutes === 25)!;
    expect(district).toMatchObject({ who: '示例区应急局', to: '示例区政府总值班室' });
    expect(c.notifications.some((n) => n.withinMinutes === 180)).toBe(true);
    expect(c.notifications.every((n) => n.basis.docId && n.basis.text)).toBe(true);
  });

  it('a conditional deadline the facts do not meet is left out (no death, 2 serious injuries)', () => {
    const c = card('车间机械伤人，两人重伤，无人死亡');
    expect(c.notifications.some((n) => n.withinMinutes === 25)).toBe(false);
  });

  it('says what the facts do not yet decide', () => {
    const c = card('车间机械伤人，一人死亡');
    expect(c.undecided).toContain('重伤人数未报');
    expect(c.undecided.some((u) => u.includes('若4人以上10人以下重伤') && u.includes('启动Ⅲ级响应'))).toBe(true);
  });

  it('lists contacts from the plan table and drafts the report in the plan order', () => {
    const c = card('车间机械伤人，一人死亡，两人受伤');
    expect(c.contacts).toContainEqual(expect.objectContaining({ unit: '示例区应急局', phone: '000-0000-0001（示例）' }));
    expect(c.report).toContain('事故单位名称：【待补充】');
    expect(c.report).toContain('死亡1人');
    expect(c.report).toContain('受伤2人');
  });

  it('too few facts: no grade, no level, and it says what is missing', () => {
    const c = card('工厂发生爆炸');
    expect(c.grade).toBeNull();
    expect(c.responses).toEqual([]);
    expect(c.undecided).toContain('死亡人数未报');
  });

  it('a text that is no incident gets an empty card, and triageIfIncident returns undefined', () => {
    const c = card('请问下周的值班表什么时候发？');
    expect(c.grade).toBeNull();
    expect(c.responses).toEqual([]);
    expect(c.notifications).toEqual([]);
    expect(triageIfIncident('请问下周的值班表什么时候发？', { kb: kb.services.kb })).toBeUndefined();
    expect(triageIfIncident('仓库货架倒了砸死一个人，区里要启动几级响应？', { kb: kb.services.kb })?.responses[0]?.level).toBe('Ⅳ级');
  });

  it('lists an unparseable start condition for the admin with its sentence', () => {
    const report = reportCriteria({ kb: kb.services.kb });
    const u = report.unparsed.find((x) => x.sentence.includes('社会影响恶劣'));
    expect(u).toBeDefined();
    expect(u!.locator).toContain('二级响应');
    expect(report.documents.find((d) => d.title.includes('工贸'))?.levels).toEqual(['Ⅰ级', 'Ⅱ级', 'Ⅲ级', 'Ⅳ级']);
  });
});

describe('a new version of a plan changes the result, with no code change', () => {
  it('ingests an edited copy with changed thresholds as a new version and gets the new levels', async () => {
    const dir = await makeTempDir('yingji-triage-');
    const kb = await createTestKnowledgeBase([]);
    try {
      await mkdir(path.join(dir, 'docs'));
      const plan = path.join(dir, 'docs', 'works-plan.md');
      await copyFile(path.join(FIXTURES, 'sample-works-plan.md'), plan);
      await copyFile(path.join(FIXTURES, 'sample-grading-rule.md'), path.join(dir, 'docs', 'grading.md'));
      const deps = { kb: kb.services.kb, cache: createCriteriaCache() };
      await ingestInputs({ kb: kb.services.kb, ocr: kb.config.ocr }, await collectInputs([path.join(dir, 'docs')]));
      const text = '车间机械伤人，两人重伤';
      expect(buildTriageCard(deps, { text }).responses[0]?.level).toBe('Ⅳ级');

      const edited = (await readFile(plan, 'utf8'))
        .replace('1至3人重伤', '1人重伤')
        .replace('4人以上10人以下重伤', '2人以上10人以下重伤');
      await writeFile(plan, edited);
      const report = await ingestInputs({ kb: kb.services.kb, ocr: kb.config.ocr }, await collectInputs([plan]));
      expect(report.outcomes.map((o) => o.status)).toContain('replaced');
      const after = buildTriageCard(deps, { text });
      expect(after.responses[0]?.level).toBe('Ⅲ级');
      expect(after.responses[0]?.basis.text).toContain('2人以上10人以下重伤');
    } finally {
      await kb.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('plans written another way', () => {
  let kb: TestKb;
  beforeAll(async () => {
    kb = await createTestKnowledgeBase([FIXTURES]);
  });
  afterAll(async () => {
    await kb.cleanup();
  });
  const find = (text: string) =>
    buildTriageCard({ kb: kb.services.kb }, { text, time: TIME }).responses.find((r) => r.title.includes('危险化学品'));

  it('reads "出现下列情形之一的" lists under "一般（Ⅳ级）响应" headings, and "批准启动"', () => {
    const r = find('化工厂液氯泄漏，2人中毒')!;
    expect(r.level).toBe('Ⅳ级');
    expect(r.decidedBy).toBe('示例区应急局局长');
    expect(r.basis.text).toContain('下列情形之一');
    const r3 = find('化工厂液氯泄漏，3人中毒')!;
    expect(r3.level).toBe('Ⅲ级');
    expect(r3.decidedBy).toBe('示例区副区长');
    expect(r3.measures).toContain('疏散周边群众');
    expect(r3.measures.some((m) => m.includes('环境监测'))).toBe(true);
  });

  it('applies a hazmat plan only when the report involves hazardous chemicals', () => {
    expect(find('车间机械伤人，一人死亡')).toBeUndefined();
  });
});

describe('action points for the chat', () => {
  it('gives the card as cited 行动要点 lines', async () => {
    const kb = await createTestKnowledgeBase([FIXTURES]);
    try {
      const card = triageIfIncident('仓库货架倒了砸死一个人，区里要启动几级响应？', { kb: kb.services.kb })!;
      const text = toActionPoints(card);
      expect(text).toContain('**Ⅳ级响应**');
      expect(text).toContain('由示例区应急局局长决定启动');
      expect(text).toMatch(/45分钟内.*《示例区工贸企业事故应急预案（示例）》2 信息报告 › 2.1 报告时限/);
      expect(text.indexOf('响应')).toBeLessThan(text.indexOf('分钟内'));
      // Asked when to report: the deadlines lead.
      const reportsFirst = toActionPoints(card, { reportsFirst: true });
      expect(reportsFirst.split('\n')[0]).toMatch(/^- \d+分钟内/);
      expect(reportsFirst.split('\n').sort()).toEqual(text.split('\n').sort());
    } finally {
      await kb.cleanup();
    }
  });
});

describe('triage on a fresh machine (the seed documents only, no grading regulation)', () => {
  it('says the grade is undecided and which regulation the admin must import', async () => {
    const kb = await createTestKnowledgeBase([SEEDS_DIR]);
    try {
      const c = buildTriageCard({ kb: kb.services.kb }, { text: '仓库货架倒塌，砸死一名工人，另有两人受伤', time: TIME });
      expect(c.grade).toBeNull();
      expect(c.undecided.some((u) => u.includes('没有事故分级标准') && u.includes('生产安全事故报告和调查处理条例'))).toBe(true);
    } finally {
      await kb.cleanup();
    }
  });
});
