// The decoders' view of "which tokens may come next": a deterministic automaton over int32 node ids.
// PrefixTrie (src/ids/trie.ts) is the main implementation; the decoders depend on this interface only,
// so another constraint (the trie minus items already emitted, see ./exclude.ts; the list-wise trie that
// restarts after each item's end token, ./list/list-constraint.ts) plugs in without touching any decoder.
import type { BatchChildren } from '../ids/trie.js';

export type { BatchChildren };

/**
 * Exactly what the decoders read from the trie, nothing more, batched and CSR-shaped so that it stays fast
 * (one call per decoding step for all rows, typed arrays out).
 *
 * Node ids are opaque int32s chosen by the constraint: a decoder only gets them from `rootOf` and
 * `batchChildren(...).next` and hands them back. A node identifies a prefix (the tokens from its user's root).
 * Ids must be ≥ 0; -1 means "dead" (no children), as in PrefixTrie.
 *
 * Implementations:
 *  - PrefixTrie: one trie for every user (`rootOf(u)` = 0).
 *  - ExcludeItems (./exclude.ts): the trie minus a per-user set of items (already emitted / in the history);
 *    its node ids encode the user.
 *  - ListConstraint (./list/list-constraint.ts): K identifiers in a row, restarting at the root after each end
 *    token minus the items the row already emitted (and optionally the history); its node ids encode the list state.
 */
export interface Constraint {
  /** Items are ids in [0, numItems) (for input validation). */
  readonly numItems: number;
  /** The node of the empty prefix of user `user` (one per decode call's user index). */
  rootOf(user: number): number;
  /**
   * Valid next tokens of every node and the node each leads to, padded to the batch's widest node
   * (tokens increasing within a row, padding -1, left-aligned). The decoders' only per-step query.
   */
  batchChildren(nodes: Int32Array): BatchChildren;
  /** The item whose identifier ends at `node` (an end token was just taken), or -1. */
  itemAt(node: number): number;
  /** The tokens from the user's root to `node` (exact search re-runs evicted prefixes from the root). */
  spell(node: number): Int32Array;
  /**
   * The nodes along item `item`'s identifier for user `user`: its root, then the node after each token (the last one
   * ends the item). Beam search's pruning diagnostics follow a target with it. Throws if the item is not reachable.
   */
  pathOf(item: number, user: number): Int32Array;
  /** Cost reports only (exact search): node count, and nodes with children (rows an exhaustive scoring needs per user). */
  readonly numNodes: number;
  readonly internalNodes: number;
}
