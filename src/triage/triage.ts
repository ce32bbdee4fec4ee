/**
 * 事件速判: a first report → grade, response levels, deciders, reporting deadlines, contacts and a report draft,
 * every line resting on a quoted passage of an ingested document. Rule-based and synchronous: no model.
 */
import { DEFAULT_TIME_ZONE, formatLocalTime } from '../core/local-time.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { DEFAULT_RANGE_RULE, evaluateAny, GRADE_NAMES, type Alternative, type RangeRule } from './conditions.js';
import { readDocumentCriteria, type DocumentCriteria, type LevelCriterion } from './criteria.js';
import { describesIncident, extractFacts } from './facts.js';
import { draftReport } from './report.js';
import type {
  TriageCard,
  TriageContact,
  TriageCriteriaReport,
  TriageFacts,
  TriageNotification,
  TriageResponse,
} from './types.js';

/** Parsed criteria per document, keyed by content hash, so a card costs no re-parsing until a document changes. */
export interface CriteriaCache {
  get(docId: string, key: string): DocumentCriteria | undefined;
  set(docId: string, key: string, criteria: DocumentCriteria): void;
}

export function createCriteriaCache(): CriteriaCache {
  const entries = new Map<string, { key: string; criteria: DocumentCriteria }>();
  return {
    get: (docId, key) => {
      const e = entries.get(docId);
      return e && e.key === key ? e.criteria : undefined;
    },
    set: (docId, key, criteria) => void entries.set(docId, { key, criteria }),
  };
}

export interface TriageDeps {
  kb: Pick<KnowledgeBase, 'listDocuments' | 'getDocument' | 'getChunks'>;
  cache?: CriteriaCache;
  /** Zone the report draft shows times in (Config.timeZone). */
  timeZone?: string;
}

export interface TriageInput {
  text: string;
  /** Incident time, ISO 8601; wins over a time in the text. */
  time?: string;
  /** Corrections from the editable form; they override what the text says. */
  facts?: Partial<TriageFacts>;
  /** The time of the triage (deadlines count from it when the incident time is unknown). */
  now?: Date;
}

const ruleKey = (r: RangeRule) => `${r.aboveInclusive ? 1 : 0}${r.belowInclusive ? 1 : 0}`;

/** Criteria of every indexed document; the 以上/以下 rule of the grading regulation is the default for the rest. */
export function loadCriteria(deps: TriageDeps): DocumentCriteria[] {
  const cache = deps.cache ?? createCriteriaCache();
  const docs = deps.kb.listDocuments().filter((d) => d.status === 'indexed');
  const read = (fallback: RangeRule) =>
    docs.map((doc) => {
      const key = `${doc.contentHash}:${ruleKey(fallback)}`;
      const hit = cache.get(doc.id, key);
      if (hit) return hit;
      const criteria = readDocumentCriteria(doc, deps.kb.getChunks(doc.id), fallback);
      cache.set(doc.id, key, criteria);
      return criteria;
    });
  const first = read(DEFAULT_RANGE_RULE);
  const regulation = first
    .filter((c) => c.grades.length && c.rule.source && c.authority >= 3)
    .sort((a, b) => b.authority - a.authority)[0];
  if (!regulation || ruleKey(regulation.rule) === ruleKey(DEFAULT_RANGE_RULE)) return first;
  const own = new Set(first.filter((c) => c.rule.source).map((c) => c.docId));
  const second = read({ ...regulation.rule, source: undefined });
  return first.map((c, i) => (own.has(c.docId) ? c : second[i]!));
}

/** What the admin must look at: criteria the parser could not read, per document. */
export function reportCriteria(deps: TriageDeps): TriageCriteriaReport {
  const all = loadCriteria(deps);
  const relevant = all.filter((c) => c.grades.length || c.levels.length || c.notifications.length || c.contacts.length);
  return {
    documents: relevant.map((c) => ({
      docId: c.docId,
      title: c.title,
      grades: c.grades.length,
      levels: c.levels.map((l) => l.label),
      notifications: c.notifications.length,
      contacts: c.contacts.length,
    })),
    unparsed: relevant.flatMap((c) => c.unparsed),
  };
}

/** Hazard kinds that make a report a production-safety accident in the sense of the grading regulations. */
const ACCIDENT_KINDS = new Set(['生产安全事故', '危险化学品', '有限空间', '火灾']);

function applies(doc: DocumentCriteria, facts: TriageFacts): boolean {
  if (doc.kinds.length === 0) return false;
  return doc.kinds.every((k) => facts.kinds.includes(k) || (k === '生产安全事故' && facts.kinds.some((f) => ACCIDENT_KINDS.has(f))));
}

/** General documents (duty handbooks) whose reporting rules and contacts hold for any incident. */
function isGeneral(doc: DocumentCriteria): boolean {
  return doc.kinds.length === 0 && doc.levels.length === 0 && doc.grades.length === 0 && doc.authority <= 2;
}

function chooseGrading(all: DocumentCriteria[], plans: DocumentCriteria[]): DocumentCriteria | undefined {
  const cited = new Set(plans.flatMap((p) => p.cites));
  const score = (c: DocumentCriteria) =>
    (cited.has(c.title) ? 100 : 0) + c.authority * 10 + (/生产安全事故/.test(c.title) ? 5 : 0) + (c.kinds.includes('生产安全事故') ? 1 : 0);
  return all.filter((c) => c.grades.length).sort((a, b) => score(b) - score(a))[0];
}

function countsKnown(facts: TriageFacts): boolean {
  return [facts.deaths, facts.missing, facts.seriousInjuries, facts.injuries, facts.economicLossYuan].some(
    (n) => n !== null && n > 0,
  );
}

/** "若「3人以上10人以下重伤」，则…" for the alternatives the facts do not yet decide. */
function openAlternatives(alts: Alternative[], facts: TriageFacts, gradeRank: number | undefined): Alternative[] {
  return alts.filter((a) => a.type !== 'flags' && evaluateAny([a], facts, gradeRank) === 'unknown');
}

function measuresWithBase(level: LevelCriterion, levels: LevelCriterion[]): string[] {
  const out = [...level.measures];
  let base = level.buildsOn;
  const seen = new Set<number>([level.rank]);
  while (base !== undefined && !seen.has(base)) {
    seen.add(base);
    const lower = levels.find((l) => l.rank === base);
    if (!lower) break;
    out.push(...lower.measures.map((m) => `（${lower.label}响应措施）${m}`));
    base = lower.buildsOn;
  }
  return out;
}

const FACT_GAPS: [keyof TriageFacts, string][] = [
  ['deaths', '死亡人数未报'],
  ['seriousInjuries', '重伤人数未报'],
  ['trapped', '被困人数未报'],
  ['missing', '失踪人数未报'],
];

/** Builds the card for a report. */
export function buildTriageCard(deps: TriageDeps, input: TriageInput): TriageCard {
  const now = input.now ?? new Date();
  const facts: TriageFacts = { ...extractFacts(input.text, { time: input.time, now }), ...(input.facts ?? {}) };
  if (!describesIncident(facts)) {
    return {
      facts,
      grade: null,
      responses: [],
      notifications: [],
      contacts: [],
      undecided: ['未从报告中识别出突发事件（没有伤亡、事故、险情或预警的描述），请补充事件类型、地点和伤亡情况。'],
      report: '',
    };
  }
  const undecided: string[] = [];
  if (facts.kinds.length === 0 && countsKnown(facts)) {
    // Casualties with no hazard named: the common case on a duty line is a work accident; say so rather than hide it.
    facts.kinds = ['生产安全事故'];
    undecided.push('报告未说明事件类型：按生产安全事故初判，请核实');
  }
  const all = loadCriteria(deps);
  const plans = all.filter((c) => c.levels.length && applies(c, facts));

  // Grade (production-safety accidents only).
  let grade: TriageCard['grade'] = null;
  let gradeRank: number | undefined;
  const isAccident = facts.kinds.some((k) => ACCIDENT_KINDS.has(k));
  const grading = isAccident ? chooseGrading(all, plans) : undefined;
  if (grading) {
    const ordered = [...grading.grades].sort((a, b) => GRADE_NAMES.indexOf(b.grade) - GRADE_NAMES.indexOf(a.grade));
    const hit = ordered.find((g) => evaluateAny(g.alternatives, facts, undefined) === 'yes');
    const lowest = ordered[ordered.length - 1]!;
    const chosen = hit ?? (countsKnown(facts) ? lowest : undefined);
    if (chosen) {
      gradeRank = GRADE_NAMES.indexOf(chosen.grade);
      grade = { label: `${chosen.grade}事故`, basis: chosen.basis };
      // Only the next grade up: what would change the grade now, not every far-off threshold.
      for (const g of ordered.filter((o) => GRADE_NAMES.indexOf(o.grade) === gradeRank! + 1)) {
        for (const a of openAlternatives(g.alternatives, facts, undefined)) {
          undecided.push(`若${a.text}，则为${g.grade}事故（《${grading.title}》${g.basis.locator}）`);
        }
      }
    } else {
      undecided.push(`事故等级未定：未报人员伤亡或直接经济损失（《${grading.title}》${lowest.basis.locator}）`);
    }
  } else if (isAccident) {
    undecided.push('事故等级未定：知识库中没有事故分级标准，请管理员导入《生产安全事故报告和调查处理条例》（第三条）后再速判');
  }

  // Response level per applicable plan.
  const responses: TriageResponse[] = [];
  for (const plan of plans) {
    const chosen = plan.levels.find((l) => evaluateAny(l.alternatives, facts, gradeRank) === 'yes');
    const higher = plan.levels.filter((l) => !chosen || l.rank < chosen.rank).slice(-2);
    for (const l of higher.reverse()) {
      for (const a of openAlternatives(l.alternatives, facts, gradeRank)) {
        undecided.push(`若${a.text}，则《${plan.title}》启动${l.label}响应（${l.basis.locator}）`);
      }
    }
    if (!chosen) {
      undecided.push(`《${plan.title}》：按已报情况未达到任何级别的响应启动条件`);
      continue;
    }
    responses.push({
      docId: plan.docId,
      title: plan.title,
      level: chosen.label,
      section: chosen.section,
      decidedBy: chosen.decidedBy,
      commander: chosen.commander,
      measures: measuresWithBase(chosen, plan.levels),
      basis: chosen.basis,
    });
  }

  // Reporting deadlines from the applicable plans, general duty rules and the grading regulation.
  const sources = [...plans, ...all.filter((c) => !c.levels.length && applies(c, facts)), ...all.filter(isGeneral)];
  if (grading && !sources.includes(grading)) sources.push(grading);
  const base = facts.time ? new Date(facts.time) : now;
  const notifications: TriageNotification[] = [];
  const seen = new Set<string>();
  for (const doc of sources) {
    for (const rule of doc.notifications) {
      const truth = rule.condition ? evaluateAny(rule.condition, facts, gradeRank) : 'yes';
      const who = rule.urgentOnly ? `${rule.who ?? '报告单位'}（情况紧急时）` : rule.who;
      if (truth !== 'yes') {
        if (truth === 'unknown' || rule.conditionPartial) {
          undecided.push(`若${rule.conditionText}：${rule.who ?? ''}须在${rule.withinMinutes}分钟内报告${rule.to ?? ''}（《${doc.title}》${rule.basis.locator}）`);
        }
        continue;
      }
      const key = `${who}|${rule.to}|${rule.withinMinutes}|${rule.basis.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      notifications.push({
        who,
        to: rule.to,
        withinMinutes: rule.withinMinutes,
        dueAt: new Date(base.getTime() + rule.withinMinutes * 60_000).toISOString(),
        basis: rule.basis,
      });
    }
  }
  notifications.sort((a, b) => a.withinMinutes - b.withinMinutes);

  const contactDocs = [...plans, ...all.filter((c) => !c.levels.length && applies(c, facts)), ...all.filter(isGeneral)];
  const contacts: TriageContact[] = contactDocs.flatMap((d) => d.contacts);

  for (const [key, label] of FACT_GAPS) if (facts[key] === null && (isAccident || key === 'deaths')) undecided.push(label);
  if (!facts.time) undecided.push(`事发时间未报：时限暂按速判时间 ${formatLocalTime(now.toISOString(), deps.timeZone ?? DEFAULT_TIME_ZONE)} 起算`);
  const reportDoc = [...plans, ...sources].find((d) => d.reportItems);
  return {
    facts,
    grade,
    responses,
    notifications,
    contacts,
    undecided: [...new Set(undecided)],
    report: draftReport(input.text, facts, grade, responses, reportDoc?.reportItems ?? null, deps.timeZone),
  };
}

/**
 * For the chat: the card when the text describes an incident (casualties, an accident, a flood situation or a
 * warning), otherwise undefined.
 */
export function triageIfIncident(text: string, deps: TriageDeps): TriageCard | undefined {
  const card = buildTriageCard(deps, { text });
  return describesIncident(card.facts) ? card : undefined;
}
