/**
 * Integer labels (the keys of the vector and lexical indexes) ↔ chunks. Labels are allocated monotonically and
 * never reused, so a stale label can never point at a new chunk; the arrays are dense because of that.
 */
import type { DocEntry } from './chunk-codec.js';

export interface LabelTarget {
  entry: DocEntry;
  position: number;
}

export class LabelMap {
  private entryByLabel: (DocEntry | undefined)[] = [];
  private positionByLabel: number[] = [];
  /**
   * Chunk id → label for ids that do not follow the `${docId}#${ordinal}` convention; built on the first such
   * lookup and dropped on every change (a 150k-entry map cost 0.2 s at every open otherwise).
   */
  private fallback: Map<string, number> | undefined;

  set(label: number, entry: DocEntry, position: number): void {
    this.entryByLabel[label] = entry;
    this.positionByLabel[label] = position;
    this.fallback = undefined;
  }

  clear(label: number): void {
    this.entryByLabel[label] = undefined;
    this.fallback = undefined;
  }

  at(label: number): LabelTarget | undefined {
    const entry = this.entryByLabel[label];
    return entry ? { entry, position: this.positionByLabel[label] } : undefined;
  }

  /** Where the chunk `chunkId` lives: O(1) for ids of the `${docId}#${ordinal}` form the pipeline makes. */
  find(chunkId: string, docs: ReadonlyMap<string, DocEntry>): LabelTarget | undefined {
    const hash = chunkId.lastIndexOf('#');
    const entry = hash > 0 ? docs.get(chunkId.slice(0, hash)) : undefined;
    if (entry) {
      const ordinal = Number(chunkId.slice(hash + 1));
      if (Number.isInteger(ordinal) && entry.chunkIds[ordinal] === chunkId) return { entry, position: ordinal };
    }
    if (!this.fallback) {
      this.fallback = new Map();
      for (const e of docs.values()) e.chunkIds.forEach((id, i) => this.fallback?.set(id, e.labels[i]));
    }
    const label = this.fallback.get(chunkId);
    return label === undefined ? undefined : this.at(label);
  }
}
