import type { PrefixTrie } from './trie.js';

/** Minimal item shape needed to build identifiers: dense index 0..n-1 and a display title. */
export interface IdItem {
  readonly index: number;
  readonly title: string;
}

export interface IdentifierSpecials {
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly sep: number;
}

/**
 * How items are spelled as token sequences for generation. Implemented by title identifiers (title tokens + EOS) and,
 * later, semantic IDs (`<a_12><b_7><c_200>` + EOS). Every code ends with EOS and EOS occurs nowhere else, codes are
 * unique, and `trie` contains exactly the codes of items 0..numItems-1.
 */
export interface ItemIdentifier {
  readonly kind: 'title' | 'sid';
  /** Number of token ids (embedding / output layer size). */
  readonly vocabSize: number;
  readonly numItems: number;
  readonly specials: IdentifierSpecials;
  /** Longest identifier, including EOS. */
  readonly maxCodeLength: number;
  /** The tokens to generate for `item`, ending in EOS. */
  code(item: number): Int32Array;
  /** The item whose full code (including EOS) is `tokens`, or -1. */
  itemOf(tokens: ArrayLike<number>): number;
  readonly trie: PrefixTrie;
  /** Display text of one token. */
  tokenText(token: number): string;
  /** Human-readable item description (title). */
  describe(item: number): string;
  /**
   * Content tokens for feeding `item` as history: its code without EOS and without disambiguators (title mode: the
   * title tokens), truncated to `maxLen` and right-padded with `pad`. Length is exactly `maxLen`.
   */
  historyTokens(item: number, maxLen: number): Int32Array;
  /** Enough to rebuild (see the implementation's static `fromJSON`). */
  toJSON(): unknown;
}

/** historyTokens for a batch: items.length × maxLen, row-major. */
export function historyTokenBatch(id: ItemIdentifier, items: ArrayLike<number>, maxLen: number): Int32Array {
  const out = new Int32Array(items.length * maxLen);
  for (let r = 0; r < items.length; r++) out.set(id.historyTokens(items[r], maxLen), r * maxLen);
  return out;
}

// Helpers shared by the identifier implementations (title codes, semantic IDs).

/** Throws unless `item` is an integer in [0, numItems); `who` prefixes the message. */
export function checkItemIndex(who: string, item: number, numItems: number): void {
  if (!Number.isInteger(item) || item < 0 || item >= numItems) {
    throw new Error(`${who}: item ${item} outside [0, ${numItems})`);
  }
}

/** The item whose full code (including EOS) is `tokens`, or -1. */
export function itemOfCode(trie: PrefixTrie, tokens: ArrayLike<number>): number {
  const node = trie.walk(tokens);
  return node === -1 ? -1 : trie.itemAt(node);
}

/** `tokens` truncated to `maxLen` and right-padded with `pad` (history-token rows). */
export function padTokens(who: string, tokens: Int32Array, maxLen: number, pad: number): Int32Array {
  if (!Number.isInteger(maxLen) || maxLen < 1)
    throw new Error(`${who}: historyTokens maxLen must be ≥ 1, got ${maxLen}`);
  const out = new Int32Array(maxLen).fill(pad);
  out.set(tokens.length > maxLen ? tokens.subarray(0, maxLen) : tokens);
  return out;
}
