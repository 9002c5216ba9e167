// The list decoders' own audit: invalid, repeated and history items of decoded responses, recounted from the tokens
// with the base constraint alone (not the list constraint that produced them), so a bug there shows up as a count.
import type { Constraint } from '../constraint.js';

/** One response as decoded: its user, tokens, and items with the token offset after each one's end token. */
export interface DecodedList {
  user: number;
  tokens: ArrayLike<number>;
  items: ArrayLike<number>;
  itemEnds: ArrayLike<number>;
}

export interface ListCounts {
  /** Items whose tokens do not spell exactly that item's identifier from the base's root (tokens after the last item count as one). */
  invalid: number;
  /** Items already earlier in the response. */
  repeated: number;
  /** Items in the user's history. */
  history: number;
}

/** The counts of one response; `histories` null: history items are not counted. */
export function countListItems(
  base: Constraint,
  list: DecodedList,
  histories: ReadonlyArray<ArrayLike<number>> | null,
): ListCounts {
  const counts: ListCounts = { invalid: 0, repeated: 0, history: 0 };
  const hist = histories === null ? null : new Set(Array.from(histories[list.user]));
  const seen = new Set<number>();
  let start = 0;
  for (let i = 0; i < list.items.length; i++) {
    const item = list.items[i];
    const end = list.itemEnds[i];
    if (spelled(base, list.user, list.tokens, start, end) !== item) counts.invalid++;
    if (seen.has(item)) counts.repeated++;
    if (hist?.has(item)) counts.history++;
    seen.add(item);
    start = end;
  }
  if (start < list.tokens.length) counts.invalid++; // an unfinished item
  return counts;
}

/** The item `tokens[from, to)` spells from `user`'s root in `base`, -1 if none (an invalid token, or an item ending early / not at all). */
function spelled(base: Constraint, user: number, tokens: ArrayLike<number>, from: number, to: number): number {
  let node = base.rootOf(user);
  for (let t = from; t < to; t++) {
    if (t > from && base.itemAt(node) >= 0) return -1; // an item ended before the segment did
    const ch = base.batchChildren(Int32Array.of(node));
    let next = -1;
    for (let c = 0; c < ch.width; c++) if (ch.tokens[c] === tokens[t]) next = ch.next[c];
    if (next === -1) return -1;
    node = next;
  }
  return to > from ? base.itemAt(node) : -1;
}
