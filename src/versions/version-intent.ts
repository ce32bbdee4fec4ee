/**
 * Which versions a question may be answered from. By default only versions in force; a question that asks for
 * an older text (2007年的…, 2007年版…, 修订前, 旧版, 原…) or names a date reaches the version that stood then.
 */
import type { SourceDoc } from '../core/types.js';
import { versionDateOf, type VersionTable } from './families.js';

export interface VersionSelection {
  /** Whether a document may answer this question. */
  allows(docId: string): boolean;
  /** True when the question asked for a version other than the one in force. */
  asksOlder: boolean;
}

const YEAR_RE = /((?:19|20)\d{2})\s*年(?:版|的|修订|修正|颁布|通过|公布|施行|制定)?/;
const DATE_RE = /((?:19|20)\d{2})\s*[年\-.]\s*(\d{1,2})\s*[月\-.]\s*(\d{1,2})\s*日?/;
const PREVIOUS_RE = /修订前|修正前|修改前|旧版|老版|原版|上一版|以前的版本|原来的版本|此前版本|原(?:条例|法|办法|规定|预案)/;

/** @param namedDocIds documents the question names (by 《》 title or article reference) */
export function selectVersions(query: string, table: VersionTable, docs: SourceDoc[], namedDocIds: string[] = []): VersionSelection {
  const inForce = (id: string) => table.get(id)?.status === 'in_force';
  const q = query.replace(/\s+/g, '').replace(/中华人民共和国/g, '');
  const date = DATE_RE.exec(q);
  const year = YEAR_RE.exec(q);
  const previous = PREVIOUS_RE.test(q);
  if (!date && !year && !previous) return { allows: inForce, asksOlder: false };

  // Families the question names: their key appears in it, or a named document belongs to them.
  const named = new Set<string>();
  for (const id of namedDocIds) {
    const info = table.get(id);
    if (info) named.add(info.familyId);
  }
  for (const key of table.families().keys()) if (key.length >= 3 && q.includes(key)) named.add(key);
  // A year or "旧版" without a text it applies to (2023年发生的事故…) changes nothing.
  if (!named.size) return { allows: inForce, asksOlder: false };
  const chosenByFamily = new Map<string, string>();
  for (const key of named) {
    const versions = table.family(key).filter((d) => d.status === 'indexed');
    const pick = date
      ? standingOn(versions, isoOf(date[1]!, date[2]!, date[3]!))
      : year
        ? ofYear(versions, year[1]!)
        : previousOf(versions, table);
    if (pick) chosenByFamily.set(key, pick.id);
  }
  return {
    allows: (id) => {
      const info = table.get(id);
      if (!info) return false;
      const chosen = chosenByFamily.get(info.familyId);
      return chosen ? chosen === id : info.status === 'in_force';
    },
    asksOlder: [...chosenByFamily.values()].some((id) => !inForce(id)),
  };
}

/** The version whose text dates from that year (adopted, revised or taking effect then), else the one standing at its end. */
function ofYear(versions: SourceDoc[], year: string): SourceDoc | undefined {
  const exact = versions.filter((d) => [d.issuedDate, d.effectiveDate, versionDateOf(d)].some((x) => x?.startsWith(year)));
  if (exact.length) return exact.at(-1);
  return standingOn(versions, `${year}-12-31`);
}

/** The latest version that had taken effect by `date`. */
function standingOn(versions: SourceDoc[], date: string): SourceDoc | undefined {
  let pick: SourceDoc | undefined;
  for (const d of versions) {
    const v = versionDateOf(d);
    if (v === null || v <= date) pick = d;
  }
  return pick ?? versions[0];
}

/** The version just before the one in force. */
function previousOf(versions: SourceDoc[], table: VersionTable): SourceDoc | undefined {
  const i = versions.findIndex((d) => table.get(d.id)?.status === 'in_force');
  return i > 0 ? versions[i - 1] : undefined;
}

function isoOf(y: string, m: string, d: string): string {
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}
