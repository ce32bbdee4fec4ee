/**
 * 事件速判 wire types: the facts read from a first report and the card built from the criteria the ingested
 * plans and regulations state. Type-only, so web/ can import them through src/server/events.ts.
 */

/** The passage a card line rests on. */
export interface TriageBasis {
  docId: string;
  title: string;
  /** Heading path › article label, as search results show it. */
  locator: string;
  /** The sentence or table row quoted. */
  text: string;
}

export type WarningColour = '蓝色' | '黄色' | '橙色' | '红色';

/** What the report says. Every count the report does not state is null (unknown), never 0. */
export interface TriageFacts {
  deaths: number | null;
  missing: number | null;
  seriousInjuries: number | null;
  /** Injured people the report does not call seriously injured. */
  injuries: number | null;
  trapped: number | null;
  evacuated: number | null;
  economicLossYuan: number | null;
  /** True when the report names a hazardous chemical or a leak; null when it does not say. */
  hazmat: boolean | null;
  warning: { kind: string | null; colour: WarningColour } | null;
  /** Incident time, ISO 8601; null when neither the report nor the caller gives it. */
  time: string | null;
  /** Beyond the issue's list, for the plans' direct-start conditions and the report draft. */
  place: string | null;
  /** Hazard kinds recognised in the report: 生产安全事故, 防汛防台, 危险化学品, 有限空间 … */
  kinds: string[];
  rainfall1hMm: number | null;
  rainfall3hMm: number | null;
  /** Roads with standing water (道路积水 N 处). */
  waterloggedRoads: number | null;
  /** Homes with water inside (住宅进水 N 户). */
  floodedHomes: number | null;
  underpassClosed: boolean | null;
  /** People must be (or were) evacuated, with or without a count. */
  evacuation: boolean | null;
  /** 出现扩大趋势 / 可能升级. */
  escalating: boolean | null;
  /** 超出本区处置能力. */
  beyondCapacity: boolean | null;
  /** 防汛墙决口、漫溢. */
  leveeBreach: boolean | null;
  /** 人员密集场所 (学校、医院、商场 …). */
  crowdedPlace: boolean | null;
}

export interface TriageResponse {
  docId: string;
  title: string;
  /** e.g. "Ⅲ级" */
  level: string;
  /** Locator of the level's own section. */
  section: string;
  decidedBy: string | null;
  commander: string | null;
  /** Measures of this level, then (marked with the level) those of the lower levels it builds on. */
  measures: string[];
  /** The start condition that matched. */
  basis: TriageBasis;
}

export interface TriageNotification {
  who: string | null;
  to: string | null;
  /** For a recurring report (续报每2小时) the interval. */
  withinMinutes: number;
  /** Incident time (or, when unknown, the time of the triage) + withinMinutes, ISO 8601. */
  dueAt: string;
  basis: TriageBasis;
}

export interface TriageContact {
  unit: string;
  phone: string;
  basis: TriageBasis;
}

/** A criterion sentence the parser could not turn into data (shown to admins instead of guessing). */
export interface UnparsedCriterion {
  docId: string;
  title: string;
  locator: string;
  sentence: string;
}

/** The card: `yingji triage --json` and POST /api/triage return exactly this. */
export interface TriageCard {
  facts: TriageFacts;
  grade: { label: string; basis: TriageBasis } | null;
  responses: TriageResponse[];
  notifications: TriageNotification[];
  contacts: TriageContact[];
  undecided: string[];
  report: string;
}

/** POST /api/triage body. `facts` are corrections from the editable form; they override what the text says. */
export interface TriageRequest {
  text: string;
  /** Incident time, ISO 8601. */
  time?: string;
  facts?: Partial<TriageFacts>;
}

/** GET /api/triage/criteria (admins): what the parser read, and the sentences it could not read. */
export interface TriageCriteriaReport {
  documents: { docId: string; title: string; grades: number; levels: string[]; notifications: number; contacts: number }[];
  unparsed: UnparsedCriterion[];
}
