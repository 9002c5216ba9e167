// What rewards know about the catalogue besides item indices: each item's genre set and, optionally, an item
// embedding matrix. Built once per data set (itemSideInfo) and shared by every reward of a run; a reward that needs
// genres or embeddings the data set lacks is refused by name (./registry.ts, missingNeed).
//
// Genres: a data set "has genres" when at least one catalogue item has a non-empty genre list. An item whose list
// is missing or empty then has `null`: the genre metrics leave it out (./mgu.ts, ./ild.ts). The genre set C of
// BLADE eq. 16 is every genre of the catalogue (genreCount = |C|).

/** One embedding per item, row-major (row i = item with dense index i); `ItemEmbeddings` of src/sid fits. */
export interface EmbeddingMatrix {
  readonly numItems: number;
  readonly dim: number;
  readonly data: Float32Array | Float64Array;
}

/** What a reward may ask of the data set besides the lists. */
export type Need = 'genres' | 'embeddings';

export interface ItemSideInfo {
  /** Data set name, for messages. */
  readonly dataset: string;
  readonly numItems: number;
  /** Genre set of each item (`null`: the item has none); absent when no item of the data set has genres. */
  readonly genres?: readonly (ReadonlySet<string> | null)[];
  /** |C|: distinct genres over the catalogue (0 without genres). */
  readonly genreCount: number;
  readonly embeddings?: EmbeddingMatrix;
}

/** Side information of a catalogue (`items[i]` is item i, e.g. a data set's `items`) and optional embeddings. */
export function itemSideInfo(
  dataset: string,
  items: readonly { readonly genres?: readonly string[] }[],
  embeddings?: EmbeddingMatrix,
): ItemSideInfo {
  const sets = items.map((it) => (it.genres !== undefined && it.genres.length > 0 ? new Set(it.genres) : null));
  const all = new Set<string>();
  for (const s of sets) if (s !== null) for (const g of s) all.add(g);
  if (embeddings !== undefined) {
    const { numItems, dim, data } = embeddings;
    if (numItems !== items.length)
      throw new Error(`data set ${dataset}: embeddings have ${numItems} rows for ${items.length} items`);
    if (!Number.isSafeInteger(dim) || dim < 1 || data.length !== numItems * dim)
      throw new Error(`data set ${dataset}: embeddings hold ${data.length} values, not ${numItems} × ${dim}`);
  }
  return Object.freeze({
    dataset,
    numItems: items.length,
    ...(all.size > 0 ? { genres: Object.freeze(sets) } : {}),
    genreCount: all.size,
    ...(embeddings !== undefined ? { embeddings } : {}),
  });
}

/** Why `side` cannot serve a reward that needs `need`, or undefined when it can. */
export function lacks(side: ItemSideInfo, need: Need): string | undefined {
  if (need === 'genres' && side.genres === undefined) return `item genres; data set ${side.dataset} has none`;
  if (need === 'embeddings' && side.embeddings === undefined)
    return `item embeddings; data set ${side.dataset} has none`;
  return undefined;
}

/** Throws unless `item` is a catalogue index of `side`. */
export function checkItem(side: ItemSideInfo, item: number): void {
  if (!Number.isSafeInteger(item) || item < 0 || item >= side.numItems)
    throw new Error(`item ${item} is not in the catalogue of data set ${side.dataset} (${side.numItems} items)`);
}

/** Genre set of `item` (null: none); the caller has checked that `side` has genres. */
export function genresOf(side: ItemSideInfo, item: number): ReadonlySet<string> | null {
  checkItem(side, item);
  return side.genres?.[item] ?? null;
}
