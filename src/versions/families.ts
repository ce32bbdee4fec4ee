/**
 * Families and status: documents with the same normalised title are versions of one text; each version's status
 * is computed at read time from its dates and today's date, so removing the newer version makes the older one
 * current again without anything stored to undo.
 */
import type { HitVersion, SourceDoc, VersionStatus } from '../core/types.js';

/** One document's place among the versions of its family. */
export interface VersionInfo {
  docId: string;
  /** Normalised title shared by the versions: 突发事件应对法. */
  family: string;
  /** Grouping key (the family, or the family plus the document id for a text with no date). */
  familyId: string;
  /** ISO date the version took effect; null when the text states no date at all. */
  version: string | null;
  status: VersionStatus;
  /** The next version that took effect after this one (superseded only). */
  supersededBy: string | null;
  /** Since when it is superseded (the successor's version date). */
  supersededSince: string | null;
  /** The family's version in force, if any. */
  currentDocId: string | null;
}

export interface VersionTable {
  get(docId: string): VersionInfo | undefined;
  /** Documents of a family (by familyId), oldest first. */
  family(familyId: string): SourceDoc[];
  families(): Map<string, SourceDoc[]>;
}

// Dates, edition notes and the state prefix do not make a different text: （2024年修订）, （2020年版）, （试行）.
// Other parentheses do: 解释（二） is a second interpretation, 中国（上海）自由贸易试验区条例 another region's.
const TITLE_PREFIX_RE = /^(?:中华人民共和国|中华人民共和国国务院)/;
const EDITION_PARENS_RE = /[（(][^（）()]*(?:(?:19|20)\d{2}|修订|修正|版|试行|暂行|示例|草案)[^（）()]*[)）]/g;
const YEAR_EDITION_RE = /(?:19|20)\d{2}\s*年?(?:版|修订|修正|修订版|修正本)?/g;
/** Amendments (修正案（1988年）) are separate texts that each amend the law, not versions of each other. */
const AMENDMENT_RE = /修正案/;

/** The key documents of one family share: 《中华人民共和国突发事件应对法（2024年修订）》 → 突发事件应对法. */
export function familyKey(title: string): string {
  const compact = title.replace(/[《》〈〉\s\u3000]/g, '');
  if (AMENDMENT_RE.test(compact)) return compact.replace(TITLE_PREFIX_RE, '');
  const t = compact.replace(EDITION_PARENS_RE, '').replace(TITLE_PREFIX_RE, '').replace(YEAR_EDITION_RE, '');
  return t || title.trim();
}

/** `@v<ms>` that 替换 appends to a source key: one suffix, however often a text is replaced. */
const VERSION_KEY_SUFFIX = /@v\d+$/;

/** The source key of a new version made by 替换 (the old document keeps its key, so both stay). */
export function nextVersionSourceKey(sourceKey: string, now = Date.now()): string {
  return `${baseSourceKey(sourceKey)}@v${now}`;
}

function baseSourceKey(sourceKey: string): string {
  return sourceKey.replace(VERSION_KEY_SUFFIX, '');
}

/**
 * The date a version took effect: its 施行 date, unless the text was amended after that date (a 修正 keeps the
 * original 本法自…起施行 article), in which case the amendment's date.
 */
export function versionDateOf(doc: Pick<SourceDoc, 'issuedDate' | 'effectiveDate'>): string | null {
  const { issuedDate: issued, effectiveDate: effective } = doc;
  if (effective && (!issued || effective >= issued)) return effective;
  return issued ?? effective ?? null;
}

/** Today as YYYY-MM-DD in local time (the date a duty officer reads on the wall). */
export function todayIso(now = new Date()): string {
  const y = now.getFullYear();
  return `${y}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** Groups documents into families and computes every version's status as of `today` (YYYY-MM-DD). */
export function computeVersions(docs: SourceDoc[], today: string = todayIso()): VersionTable {
  const families = new Map<string, SourceDoc[]>();
  for (const d of docs) {
    // A text with no date at all cannot be ordered against others of its title (the books of 民法典 share one):
    // it stands alone rather than be declared superseded — except against what 替换 made of it (same source key).
    const key = versionDateOf(d) === null ? `${familyKey(d.title)}#${baseSourceKey(d.sourceKey)}` : familyKey(d.title);
    let list = families.get(key);
    if (!list) families.set(key, (list = []));
    list.push(d);
  }
  const repeals = repealDecisions(docs);
  const byDoc = new Map<string, VersionInfo>();
  for (const [key, list] of families) {
    const repealedOn = repeals.get(familyKey(list[0]!.title));
    const isRepealed = (d: SourceDoc, day: string) => isRepealedByAdmin(d, day) || (repealedOn !== undefined && repealedOn <= day && (versionDateOf(d) ?? '') <= repealedOn);
    list.sort(compareVersions);
    // Only readable versions replace others: a failed import of a new text must not hide the old one.
    const effectiveSoFar = list.filter((d) => d.status === 'indexed' && !isFuture(d, today));
    const newest = effectiveSoFar.at(-1);
    // A repealed newest version leaves the family without a text in force; older versions do not revive.
    const current = newest && !isRepealed(newest, today) ? newest : null;
    for (const d of list) {
      const version = versionDateOf(d);
      let status: VersionStatus;
      let successor: SourceDoc | undefined;
      if (isRepealed(d, today)) status = 'repealed';
      else if (isFuture(d, today)) status = 'not_yet_in_force';
      else {
        const i = effectiveSoFar.indexOf(d);
        successor = i >= 0 ? effectiveSoFar[i + 1] : newest !== d ? newest : undefined;
        status = successor ? 'superseded' : 'in_force';
      }
      byDoc.set(d.id, {
        docId: d.id,
        family: familyKey(d.title),
        familyId: key,
        version,
        status,
        supersededBy: successor?.id ?? null,
        supersededSince: successor ? versionDateOf(successor) : null,
        currentDocId: current?.id ?? null,
      });
    }
  }
  return {
    get: (id) => byDoc.get(id),
    family: (key) => families.get(key) ?? [],
    families: () => families,
  };
}

function compareVersions(a: SourceDoc, b: SourceDoc): number {
  const va = versionDateOf(a) ?? '';
  const vb = versionDateOf(b) ?? '';
  if (va !== vb) return va < vb ? -1 : 1;
  const ia = a.issuedDate ?? '';
  const ib = b.issuedDate ?? '';
  if (ia !== ib) return ia < ib ? -1 : 1;
  return a.ingestedAt < b.ingestedAt ? -1 : a.ingestedAt > b.ingestedAt ? 1 : 0;
}

function isFuture(d: SourceDoc, today: string): boolean {
  const v = versionDateOf(d);
  return v !== null && v > today;
}

function isRepealedByAdmin(d: SourceDoc, today: string): boolean {
  return d.repealedDate !== undefined && d.repealedDate <= today;
}

// 国务院关于废止《某某条例》的决定, 关于废止《甲》和《乙》的决定: the texts it names are repealed from its date.
const REPEAL_TITLE_RE = /关于废止.*《[^《》]+》.*的决定/;

/** Family key → date from which an ingested repeal decision repeals it. */
function repealDecisions(docs: SourceDoc[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of docs) {
    if (d.status !== 'indexed' || !REPEAL_TITLE_RE.test(d.title)) continue;
    const date = versionDateOf(d);
    if (!date) continue;
    for (const m of d.title.matchAll(/《([^《》]+)》/g)) {
      const key = familyKey(m[1]!);
      const known = out.get(key);
      if (!known || date < known) out.set(key, date);
    }
  }
  return out;
}

export const STATUS_LABEL: Record<VersionStatus, string> = {
  in_force: '现行有效',
  superseded: '已被修订',
  not_yet_in_force: '尚未施行',
  repealed: '已废止',
};

/** The version facts a hit carries, with the warning shown beside a citation of a text not in force. */
export function hitVersionOf(table: VersionTable, doc: SourceDoc, getDoc: (id: string) => SourceDoc | undefined): HitVersion | undefined {
  const info = table.get(doc.id);
  if (!info) return undefined;
  const current = info.currentDocId && info.currentDocId !== doc.id ? getDoc(info.currentDocId) : undefined;
  const out: HitVersion = { family: info.family, version: info.version, status: info.status, currentDocId: info.status === 'in_force' ? doc.id : info.currentDocId };
  if (current) out.currentTitle = current.title;
  if (info.status !== 'in_force') out.warning = warningOf(info, current);
  return out;
}

function warningOf(info: VersionInfo, current: SourceDoc | undefined): string {
  const since = info.version ? `（${info.version} 施行）` : '';
  const now = current ? `现行版本：${current.title}（${versionDateOf(current) ?? '日期不详'} 施行）。` : '本知识库中没有现行版本。';
  switch (info.status) {
    case 'superseded':
      return `此为旧版${since}，已于 ${info.supersededSince ?? '日期不详'} 被新版本修订，不再有效；${now}`;
    case 'not_yet_in_force':
      return `此版本尚未施行（${info.version} 起施行）；${now}`;
    case 'repealed':
      return `此文件已废止，不再有效；${now}`;
    default:
      return '';
  }
}
