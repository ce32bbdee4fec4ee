import { readFileSync } from 'node:fs';

/** Query expansion rules: when `from` occurs in a query, `to` terms are searched too. */
export interface SynonymTable {
  rules: { from: string; to: string[] }[];
}

/**
 * Reads `A => B C` (one-way) and `A = B = C` (equivalent) lines; missing files are skipped,
 * so an admin's optional `<dataDir>/synonyms.txt` needs no setup.
 */
export function loadSynonyms(files: string[]): SynonymTable {
  const rules: SynonymTable['rules'] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    rules.push(...parseSynonyms(text));
  }
  return { rules };
}

export function parseSynonyms(text: string): SynonymTable['rules'] {
  const rules: SynonymTable['rules'] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    if (line.includes('=>')) {
      const [from, to] = line.split('=>').map((s) => s.trim());
      const targets = to.split(/[\s,，、]+/).filter(Boolean);
      if (from && targets.length) rules.push({ from, to: targets });
    } else if (line.includes('=')) {
      const group = line.split('=').map((s) => s.trim()).filter(Boolean);
      for (const from of group) rules.push({ from, to: group.filter((g) => g !== from) });
    }
  }
  return rules;
}

/** The rules whose `from` occurs in the query. */
export function firedRules(query: string, table: SynonymTable): SynonymTable['rules'] {
  return table.rules.filter((rule) => query.includes(rule.from));
}

/** Terms to add for a query (each rule applies once; targets already in the query are skipped). */
export function expandQuery(query: string, table: SynonymTable, fired = firedRules(query, table)): string[] {
  const added = new Set<string>();
  for (const rule of fired) for (const t of rule.to) if (!query.includes(t)) added.add(t);
  return [...added];
}
