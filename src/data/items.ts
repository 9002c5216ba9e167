/**
 * Dense item indexing shared by all loaders.
 *
 * Rule: the catalogue is the union of the ids in the title source and the ids seen in the interactions. Indices are
 * assigned in sorted raw-id order: ids made only of digits first, in numeric order, then all other ids in code-unit
 * order. An id seen in the data but absent from the title source gets the title `item <id>`, and the count is logged.
 */
import crypto from 'node:crypto';
import type { Example, Item, ListExample } from './types.js';

export interface ItemMeta {
  title: string;
  genres?: string[];
}

const DIGITS = /^\d+$/;

/** Comparator for raw ids (see the module doc). */
export function compareRawIds(a: string, b: string): number {
  const da = DIGITS.test(a);
  const db = DIGITS.test(b);
  if (da && db) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (da !== db) return da ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ItemIndex {
  items: Item[];
  indexOf: Map<string, number>;
}

/**
 * Builds the dense catalogue over `meta`'s ids and `seen` ids. Appends log lines for ids with no title and for
 * titled ids never seen in the data (they still get an index: a model may generate them).
 */
export function buildItemIndex(meta: Map<string, ItemMeta>, seen: Iterable<string>, log: string[]): ItemIndex {
  const all = new Set<string>(meta.keys());
  let untitled = 0;
  const seenSet = new Set<string>();
  for (const id of seen) {
    seenSet.add(id);
    if (!all.has(id)) {
      all.add(id);
      untitled++;
    }
  }
  const ids = [...all].sort(compareRawIds);
  const indexOf = new Map<string, number>();
  const items: Item[] = ids.map((rawId, index) => {
    indexOf.set(rawId, index);
    const m = meta.get(rawId);
    const item: Item = { index, rawId, title: m ? m.title : `item ${rawId}` };
    if (m?.genres) item.genres = m.genres;
    return item;
  });
  if (untitled > 0) log.push(`${untitled} item ids seen in the data have no title: titled "item <id>"`);
  const unseen = ids.length - seenSet.size;
  if (unseen > 0) log.push(`${unseen} titled items never occur in the data: kept in the catalogue`);
  return { items, indexOf };
}

/** sha256 (hex, first 16 chars) over the canonical content: items, then train/valid/test rows in order. */
export function fingerprintOf(
  items: readonly Item[],
  splits: readonly (readonly Example[])[] | readonly (readonly ListExample[])[],
): string {
  const h = crypto.createHash('sha256');
  h.update('items\n');
  for (const it of items) h.update(JSON.stringify([it.index, it.rawId, it.title, it.genres ?? null]) + '\n');
  splits.forEach((rows, s) => {
    h.update(`split ${s}\n`);
    for (const r of rows) {
      const target = 'targets' in r ? r.targets : r.target;
      h.update(JSON.stringify([r.user, r.history, target, r.timestamp]) + '\n');
    }
  });
  return h.digest('hex').slice(0, 16);
}
