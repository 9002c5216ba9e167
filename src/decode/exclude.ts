// A Constraint that is another constraint minus a per-user set of items (items already emitted, or the
// user's history): the proof that decoders depend on the Constraint seam, not on the trie. A branch is
// closed as soon as every item below it is excluded, so decoders never spend a beam on a dead end.
import type { BatchChildren, Constraint } from './constraint.js';

/**
 * `base` minus `excluded[u]` for user u. `base` must be shared by all users (its `rootOf` the same for every user,
 * as PrefixTrie's). Node ids encode the user: u · base.numNodes + base node, so U · base.numNodes must fit an int32.
 * Costs O(items · depth) to build (items below each base node) plus O(|excluded| · depth) per user.
 */
export class ExcludeItems implements Constraint {
  readonly numItems: number;
  /** Per user (cost reports describe one user's search space). */
  readonly numNodes: number;
  readonly internalNodes: number;
  private readonly stride: number;
  /** Per base node: items whose identifier passes through it. */
  private readonly itemsBelow: Int32Array;
  /** Per user: base node → excluded items below it (only nodes with some). */
  private readonly excludedBelow: Map<number, number>[];
  private readonly excludedItems: Set<number>[];

  constructor(
    private readonly base: Constraint,
    excluded: ReadonlyArray<ArrayLike<number>>,
  ) {
    this.numItems = base.numItems;
    this.numNodes = base.numNodes;
    this.internalNodes = base.internalNodes;
    this.stride = base.numNodes;
    if (excluded.length * this.stride > 0x7fffffff) {
      throw new Error(`ExcludeItems: ${excluded.length} users × ${this.stride} nodes do not fit int32 node ids`);
    }
    this.itemsBelow = new Int32Array(base.numNodes);
    for (let i = 0; i < base.numItems; i++) for (const v of base.pathOf(i, 0)) this.itemsBelow[v]++;
    this.excludedItems = excluded.map((items) => new Set(Array.from(items)));
    this.excludedBelow = this.excludedItems.map((items) => {
      const m = new Map<number, number>();
      for (const i of items) {
        if (!Number.isInteger(i) || i < 0 || i >= base.numItems) throw new Error(`ExcludeItems: no item ${i}`);
        for (const v of base.pathOf(i, 0)) m.set(v, (m.get(v) ?? 0) + 1);
      }
      return m;
    });
  }

  private userOf(node: number): number {
    return Math.floor(node / this.stride);
  }

  rootOf(user: number): number {
    if (!Number.isInteger(user) || user < 0 || user >= this.excludedBelow.length) {
      throw new Error(`ExcludeItems: user ${user} outside [0, ${this.excludedBelow.length})`);
    }
    return user * this.stride + this.base.rootOf(user);
  }

  batchChildren(nodes: Int32Array): BatchChildren {
    const n = nodes.length;
    const baseNodes = Int32Array.from(nodes, (v) => (v === -1 ? -1 : v % this.stride));
    const b = this.base.batchChildren(baseNodes);
    // keep the children with some item left below, left-aligned, in the base's (increasing token) order
    const keep = new Int32Array(n);
    let width = 0;
    for (let r = 0; r < n; r++) {
      if (nodes[r] === -1) continue;
      const ex = this.excludedBelow[this.userOf(nodes[r])];
      for (let c = 0; c < b.width; c++) {
        const child = b.next[r * b.width + c];
        if (child >= 0 && this.itemsBelow[child] > (ex.get(child) ?? 0)) keep[r]++;
      }
      if (keep[r] > width) width = keep[r];
    }
    const tokens = new Int32Array(n * width).fill(-1);
    const next = new Int32Array(n * width).fill(-1);
    for (let r = 0; r < n; r++) {
      if (nodes[r] === -1) continue;
      const u = this.userOf(nodes[r]);
      const ex = this.excludedBelow[u];
      let j = r * width;
      for (let c = 0; c < b.width; c++) {
        const e = r * b.width + c;
        const child = b.next[e];
        if (child < 0 || this.itemsBelow[child] <= (ex.get(child) ?? 0)) continue;
        tokens[j] = b.tokens[e];
        next[j++] = u * this.stride + child;
      }
    }
    return { width, tokens, next };
  }

  itemAt(node: number): number {
    return node === -1 ? -1 : this.base.itemAt(node % this.stride);
  }

  spell(node: number): Int32Array {
    return this.base.spell(node % this.stride);
  }

  pathOf(item: number, user: number): Int32Array {
    if (this.excludedItems[user]?.has(item)) throw new Error(`ExcludeItems: item ${item} is excluded for user ${user}`);
    const off = user * this.stride;
    return this.base.pathOf(item, 0).map((v) => off + v);
  }
}
