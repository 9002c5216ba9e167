// The list-wise constraint of BLADE-style list generation: a response is K item identifiers in a row, each ending in
// the identifier's end token. It is a Constraint (../constraint.ts) like the trie, so its nodes are what the list
// decoders walk; what the trie cannot say, it keeps as per-row state: after an item's end token the row restarts at
// the root, minus every item the row already emitted (and, with the switch on, minus the user's history).
import type { BatchChildren, Constraint } from '../constraint.js';

export interface ListConstraintOptions {
  /** Users of the decode call (rootOf takes 0 … numUsers-1). */
  numUsers: number;
  /** K: items per response; after the K-th end token a row has no valid continuation. */
  listLength: number;
  /** Per user, items masked out of every list (the user's history), or null for none. */
  exclude: ReadonlyArray<ArrayLike<number>> | null;
}

/** What the constraint precomputes once per base (a WeakMap cache: decode calls in chunks reuse it). */
interface BaseIndex {
  /** Per base node: items whose identifier passes through it. */
  itemsBelow: Int32Array;
  /** Per base node: tokens from the root. */
  depth: Int32Array;
  /** Per item: its base path (root, then the node after each token; its leaf last). */
  paths: Int32Array[];
}

const INDEX = new WeakMap<Constraint, BaseIndex>();

function baseIndex(base: Constraint): BaseIndex {
  let ix = INDEX.get(base);
  if (ix !== undefined) return ix;
  const itemsBelow = new Int32Array(base.numNodes);
  const depth = new Int32Array(base.numNodes);
  const paths: Int32Array[] = [];
  for (let i = 0; i < base.numItems; i++) {
    const p = base.pathOf(i, 0);
    for (let d = 0; d < p.length; d++) {
      if (p[d] < 0 || p[d] >= base.numNodes) {
        throw new Error(`ListConstraint: base node ${p[d]} outside [0, ${base.numNodes}) (the base must be shared)`);
      }
      itemsBelow[p[d]]++;
      depth[p[d]] = d;
    }
    paths.push(p);
  }
  ix = { itemsBelow, depth, paths };
  INDEX.set(base, ix);
  return ix;
}

/**
 * `base` (a constraint shared by every user, as PrefixTrie: `rootOf` the same for all and node ids in
 * [0, base.numNodes)) spelled K times in a row with no item twice.
 *
 * State: a list state is (user, the items emitted so far, in order); states are interned (the same parent state and
 * item give the same state), so the G samples of a user share them while they agree. A node is
 * `state · base.numNodes + base node`: a prefix of the current item within a list state. Taking an item's end token
 * leads to the root of the state with that item appended, and `itemAt` of that node is the item just completed (so a
 * next-item decoder run on this constraint stops after the first item). A child is valid iff some item below it is
 * neither emitted in the row's list nor excluded for its user (a branch closes as soon as every item below it is
 * used up, as in ExcludeItems); the root of a state holding K items, or with every item used up, has no children.
 *
 * Costs: O(items · depth) once per base (cached); per query O(children · K) (each child is checked against the row's
 * emitted items by depth, no per-row tables). Node ids must fit an int32: (number of states) · base.numNodes < 2^31,
 * states ≤ users + responses · K (fewer when samples agree): decode in chunks beyond that (the constructor and the
 * state that would overflow throw).
 */
export class ListConstraint implements Constraint {
  readonly numItems: number;
  /** The base's (cost reports describe the base trie). */
  readonly numNodes: number;
  readonly internalNodes: number;
  readonly listLength: number;
  readonly numUsers: number;
  private readonly stride: number;
  private readonly root: number;
  private readonly ix: BaseIndex;
  /** Per user: base node → excluded items below it (only nodes with some). */
  private readonly excludedBelow: Map<number, number>[];
  private readonly excludedItems: Set<number>[];
  // List states (0 … numUsers-1: the users' empty lists): user, parent state, last item, items emitted.
  private readonly stUser: number[] = [];
  private readonly stParent: number[] = [];
  private readonly stItem: number[] = [];
  private readonly stCount: number[] = [];
  /** parent · numItems + item → state. */
  private readonly interned = new Map<number, number>();

  constructor(
    readonly base: Constraint,
    opts: ListConstraintOptions,
  ) {
    const { numUsers, listLength, exclude } = opts;
    if (!Number.isInteger(numUsers) || numUsers < 0) throw new Error(`ListConstraint: numUsers ${numUsers} < 0`);
    if (!Number.isInteger(listLength) || listLength < 1) {
      throw new Error(`ListConstraint: listLength must be an integer ≥ 1, got ${listLength}`);
    }
    if (exclude !== null && exclude.length !== numUsers) {
      throw new Error(`ListConstraint: ${exclude.length} exclusion lists for ${numUsers} users`);
    }
    this.numItems = base.numItems;
    this.numNodes = base.numNodes;
    this.internalNodes = base.internalNodes;
    this.listLength = listLength;
    this.numUsers = numUsers;
    this.stride = base.numNodes;
    this.root = base.rootOf(0);
    for (let u = 1; u < numUsers; u++) {
      if (base.rootOf(u) !== this.root) throw new Error('ListConstraint: the base must be shared by every user');
    }
    this.ix = baseIndex(base);
    this.excludedItems = [];
    this.excludedBelow = [];
    for (let u = 0; u < numUsers; u++) {
      const items = new Set(exclude === null ? [] : Array.from(exclude[u]));
      const m = new Map<number, number>();
      for (const i of items) {
        if (!Number.isInteger(i) || i < 0 || i >= this.numItems) throw new Error(`ListConstraint: no item ${i}`);
        for (const v of this.ix.paths[i]) m.set(v, (m.get(v) ?? 0) + 1);
      }
      this.excludedItems.push(items);
      this.excludedBelow.push(m);
      this.newState(u, -1, -1, 0);
    }
  }

  private newState(user: number, parent: number, item: number, count: number): number {
    const s = this.stUser.length;
    if ((s + 1) * this.stride > 0x7fffffff) {
      throw new Error(
        `ListConstraint: ${s + 1} list states × ${this.stride} nodes do not fit int32 node ids (decode fewer responses per call)`,
      );
    }
    this.stUser.push(user);
    this.stParent.push(parent);
    this.stItem.push(item);
    this.stCount.push(count);
    return s;
  }

  /** The state after `s` emits `item` (interned). */
  private after(s: number, item: number): number {
    const key = s * this.numItems + item;
    let t = this.interned.get(key);
    if (t === undefined) {
      t = this.newState(this.stUser[s], s, item, this.stCount[s] + 1);
      this.interned.set(key, t);
    }
    return t;
  }

  /** Items of state `s` that sit below base node `v` (emitted items only; history is excludedBelow). */
  private emittedBelow(s: number, v: number): number {
    const d = this.ix.depth[v];
    let n = 0;
    for (let t = s; this.stItem[t] >= 0; t = this.stParent[t]) {
      const p = this.ix.paths[this.stItem[t]];
      if (d < p.length && p[d] === v) n++;
    }
    return n;
  }

  private checkNode(node: number): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.stUser.length * this.stride) {
      throw new Error(`ListConstraint: node ${node} is not a node of this constraint`);
    }
  }

  rootOf(user: number): number {
    if (!Number.isInteger(user) || user < 0 || user >= this.numUsers) {
      throw new Error(`ListConstraint: user ${user} outside [0, ${this.numUsers})`);
    }
    return user * this.stride + this.root;
  }

  batchChildren(nodes: Int32Array): BatchChildren {
    const n = nodes.length;
    const K = this.listLength;
    const baseNodes = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const v = nodes[r];
      if (v === -1) {
        baseNodes[r] = -1;
        continue;
      }
      this.checkNode(v);
      baseNodes[r] = this.stCount[Math.floor(v / this.stride)] >= K ? -1 : v % this.stride; // a full list is dead
    }
    const b = this.base.batchChildren(baseNodes);
    const keep = new Uint8Array(n * b.width);
    let width = 0;
    for (let r = 0; r < n; r++) {
      if (baseNodes[r] === -1) continue;
      const s = Math.floor(nodes[r] / this.stride);
      const ex = this.excludedBelow[this.stUser[s]];
      let k = 0;
      for (let c = 0; c < b.width; c++) {
        const e = r * b.width + c;
        const child = b.next[e];
        if (child < 0) continue;
        if (this.ix.itemsBelow[child] - (ex.get(child) ?? 0) - this.emittedBelow(s, child) > 0) {
          keep[e] = 1;
          k++;
        }
      }
      if (k > width) width = k;
    }
    const tokens = new Int32Array(n * width).fill(-1);
    const next = new Int32Array(n * width).fill(-1);
    for (let r = 0; r < n; r++) {
      if (baseNodes[r] === -1) continue;
      const s = Math.floor(nodes[r] / this.stride);
      let j = r * width;
      for (let c = 0; c < b.width; c++) {
        const e = r * b.width + c;
        if (keep[e] === 0) continue;
        const child = b.next[e];
        const item = this.base.itemAt(child);
        tokens[j] = b.tokens[e];
        next[j++] = item >= 0 ? this.after(s, item) * this.stride + this.root : s * this.stride + child;
      }
    }
    return { width, tokens, next };
  }

  /** The item completed by the end token that led to `node` (the root of a non-empty list state), or -1. */
  itemAt(node: number): number {
    if (node === -1) return -1;
    this.checkNode(node);
    return node % this.stride === this.root ? this.stItem[Math.floor(node / this.stride)] : -1;
  }

  /** The items of `node`'s list so far, in order. */
  itemsOf(node: number): number[] {
    this.checkNode(node);
    const out: number[] = [];
    for (let t = Math.floor(node / this.stride); this.stItem[t] >= 0; t = this.stParent[t]) out.push(this.stItem[t]);
    return out.reverse();
  }

  /** The whole response up to `node`: the codes of the items emitted, then the current item's prefix. */
  spell(node: number): Int32Array {
    const parts = this.itemsOf(node).map((i) => {
      const p = this.ix.paths[i];
      return this.base.spell(p[p.length - 1]);
    });
    parts.push(this.base.spell(node % this.stride));
    const out = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** The nodes along `item` as the first item of `user`'s list (its last node: the root after the item's end token). */
  pathOf(item: number, user: number): Int32Array {
    const s = Math.floor(this.rootOf(user) / this.stride);
    if (!Number.isInteger(item) || item < 0 || item >= this.numItems)
      throw new Error(`ListConstraint: no item ${item}`);
    if (this.excludedItems[user].has(item))
      throw new Error(`ListConstraint: item ${item} is excluded for user ${user}`);
    const p = this.ix.paths[item];
    const out = p.map((v) => s * this.stride + v);
    out[p.length - 1] = this.after(s, item) * this.stride + this.root;
    return out;
  }
}
