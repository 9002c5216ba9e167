// A run's items as clients name them: raw ids, or exact titles, resolved to item indices (the CLI's recommend and the
// server resolve histories the same way), and a title search.
import type { Item } from '../data/types.js';

/** How a history names its items: by raw id (the data set's item id) or by exact title. */
export type ItemRef = 'id' | 'title';

/** A history resolved to item indices, or what kept it from resolving. */
export interface ResolvedHistory {
  /** Item indices, in the history's order (empty unless every reference resolved). */
  items: number[];
  /** References that name no item. */
  unknown: string[];
  /** Titles shared by several items (by title only): each with the ids it could mean. */
  ambiguous: { title: string; ids: string[] }[];
}

export class Catalogue {
  private readonly byRaw = new Map<string, number>();
  private readonly byTitle = new Map<string, number[]>();
  private readonly lowerTitles: string[];

  constructor(readonly items: readonly Item[]) {
    for (const it of items) {
      this.byRaw.set(it.rawId, it.index);
      const same = this.byTitle.get(it.title);
      if (same) same.push(it.index);
      else this.byTitle.set(it.title, [it.index]);
    }
    this.lowerTitles = items.map((it) => it.title.toLowerCase());
  }

  get size(): number {
    return this.items.length;
  }

  /** The item with raw id `rawId`, if any. */
  byId(rawId: string): Item | undefined {
    const i = this.byRaw.get(rawId);
    return i === undefined ? undefined : this.items[i];
  }

  /** Resolves every reference (ids exactly; titles exactly, and only when one item has that title). */
  resolve(refs: readonly string[], by: ItemRef): ResolvedHistory {
    const items: number[] = [];
    const unknown: string[] = [];
    const ambiguous: { title: string; ids: string[] }[] = [];
    for (const ref of refs) {
      if (by === 'id') {
        const i = this.byRaw.get(ref);
        if (i === undefined) unknown.push(ref);
        else items.push(i);
        continue;
      }
      const same = this.byTitle.get(ref);
      if (same === undefined) unknown.push(ref);
      else if (same.length > 1) ambiguous.push({ title: ref, ids: same.map((i) => this.items[i].rawId) });
      else items.push(same[0]);
    }
    return unknown.length || ambiguous.length ? { items: [], unknown, ambiguous } : { items, unknown, ambiguous };
  }

  /** Up to `limit` items whose title contains `query` (case-insensitive), in catalogue order. */
  search(query: string, limit: number): Item[] {
    const q = query.toLowerCase();
    const out: Item[] = [];
    for (let i = 0; i < this.items.length && out.length < limit; i++) {
      if (this.lowerTitles[i].includes(q)) out.push(this.items[i]);
    }
    return out;
  }
}

/** One line naming what kept a history from resolving (for errors). */
export function describeUnresolved(r: ResolvedHistory, by: ItemRef): string {
  const parts: string[] = [];
  if (r.unknown.length) parts.push(`unknown item ${by === 'id' ? 'ids' : 'titles'}: ${r.unknown.join(', ')}`);
  for (const a of r.ambiguous) parts.push(`title '${a.title}' names several items (ids ${a.ids.join(', ')})`);
  return parts.join('; ');
}
