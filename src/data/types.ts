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

/** One list-wise example: `history` (oldest first) predicts the ordered list `targets`. */
export interface ListExample {
  user: string;
  history: number[];
  targets: number[];
  /** Timestamp of the last target interaction. */
  timestamp: number;
}

/** A list-wise data set (BLADE-style) with its three splits. */
export interface ListDataset {
  name: string;
  items: Item[];
  train: ListExample[];
  valid: ListExample[];
  test: ListExample[];
  protocol: ProtocolInfo;
  fingerprint: string;
  log: string[];
}
