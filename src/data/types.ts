/**
 * Shared data-layer types. Item references inside examples are dense item indices (0..n-1) into `items`.
 */

/** One catalogue item. `index` is dense (0..n-1); `rawId` is the id as written in the source files. */
export interface Item {
  index: number;
  rawId: string;
  title: string;
  genres?: string[];
}

/** One next-item example: `history` (item indices, oldest first, at most 10) predicts `target`. */
export interface Example {
  user: string;
  history: number[];
  target: number;
  /** Timestamp of the target interaction (seconds, as in the source). */
  timestamp: number;
}

/** A named, recorded evaluation setting (see protocols.ts). */
export interface ProtocolInfo {
  name: string;
  params: Record<string, number | string | boolean>;
}

/** A next-item data set with its three splits. */
export interface NextItemDataset {
  name: string;
  items: Item[];
  train: Example[];
  valid: Example[];
  test: Example[];
  protocol: ProtocolInfo;
  /** sha256 (hex, first 16 chars) over the canonical content: items + splits. */
  fingerprint: string;
  /** Human-readable counts of everything dropped, repaired or defaulted while loading. */
  log: string[];
}

/** One user's interactions in time order, as dense item indices. */
export interface UserSequence {
  user: string;
  items: number[];
  timestamps: number[];
}

/** Sequences plus their item catalogue (e.g. the MovieLens JSONL format). */
export interface SequenceData {
  name: string;
  items: Item[];
  sequences: UserSequence[];
  log: string[];
}

/**
 * One list-wise example (the BLADE list task, see lists.ts): `history` (the H items before the window's first target,
 * oldest first) predicts the ordered list `targets` (the K items that followed, in time order).
 */
export interface ListExample {
  user: string;
  history: number[];
  targets: number[];
  /** Timestamp of the FIRST target interaction: the time the list is recommended at; the splits are cut by it. */
  timestamp: number;
}

/** A list-wise data set (BLADE-style) with its three chronological splits. */
export interface ListDataset {
  name: string;
  /** The catalogue: titles always, genres where the item source gives them. */
  items: Item[];
  /**
   * Whether genres are available: some item of the catalogue carries a `genres` list. Items without one (38 of
   * MovieLens-1M's) then count as having no genre; false when the source has none or `genres: false` dropped them.
   */
  hasGenres: boolean;
  train: ListExample[];
  valid: ListExample[];
  test: ListExample[];
  protocol: ProtocolInfo;
  /** sha256 (hex, first 16 chars) over the canonical content: items (genres included) + splits. */
  fingerprint: string;
  log: string[];
}
