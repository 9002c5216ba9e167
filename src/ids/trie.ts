/**
 * Prefix trie over all item identifiers, stored as flat typed arrays (CSR).
 *
 * Node 0 is the root. The outgoing edges of node i are [edgeStart[i], edgeStart[i+1]); within that range `edgeToken`
 * is strictly increasing and `edgeChild` holds the child node. Every identifier ends with EOS, EOS appears nowhere
 * else, so leaves are exactly the nodes reached by an EOS edge and they store the item index (`itemAt`). Because each
 * identifier is terminated by EOS, an identifier that is a token-prefix of another (a title that is a prefix of another
 * title) is still a distinct root-to-leaf path, and no proper prefix of a path ends at a leaf.
 *
 * Node ids are assigned in depth-first (lexicographic) order. Memory: about 7 int32 per node, so 200k nodes ≈ 6 MB.
 *
 * Batched helpers take `-1` as a "dead" node (what `next` returns for an invalid token): it has no children and every
 * transition from it is -1. Any other out-of-range node id throws.
 */

export interface ChildrenView {
  /** Valid next tokens, strictly increasing (a subarray view, do not mutate). */
  tokens: Int32Array;
  /** Child node for each token (a subarray view, do not mutate). */
  nodes: Int32Array;
}

export interface BatchChildren {
  /** Max child count over the batch (0 if every node is a leaf or dead). */
  width: number;
  /** N × width, row r = valid tokens of nodes[r] in increasing order, padded with -1. */
  tokens: Int32Array;
  /** N × width, the child node for each token, padded with -1. */
  next: Int32Array;
}

export interface TargetPaths {
  /** Row width: the longest code among the requested items. */
  width: number;
  /** B × width: prefixNodes[b, t] is the node reached after the first t tokens of item b's code (root at t = 0);
   * the valid-token set for step t is children(prefixNodes[b, t]). Padded with -1 beyond the code length. */
  prefixNodes: Int32Array;
  /** B × width: the target token at step t (the code itself), padded with -1. */
  targetTokens: Int32Array;
  /** B: code length (including EOS). */
  lengths: Int32Array;
}

/** Implements the decoders' Constraint (src/decode/constraint.ts) structurally: every user starts at the root. */
export class PrefixTrie {
  readonly root = 0;
  readonly eos: number;
  readonly numNodes: number;
  readonly numItems: number;
  /** Number of nodes +1: CSR offsets into the edge arrays. */
  readonly edgeStart: Int32Array;
  readonly edgeToken: Int32Array;
  readonly edgeChild: Int32Array;
  /** Per node: parent node (-1 for the root). */
  readonly parent: Int32Array;
  /** Per node: token on the edge from its parent (-1 for the root). */
  readonly inToken: Int32Array;
  /** Per node: number of tokens from the root. */
  readonly depth: Int32Array;
  /** Per node: item index for leaves, -1 otherwise. */
  readonly leafItem: Int32Array;
  /** Per item: its leaf node. */
  readonly itemLeaf: Int32Array;
  /** Greatest node depth = longest code length. */
  readonly maxDepth: number;

  private constructor(eos: number, numItems: number, parent: Int32Array, inToken: Int32Array, leafItem: Int32Array) {
    this.eos = eos;
    this.numItems = numItems;
    const n = parent.length;
    this.numNodes = n;
    this.parent = parent;
    this.inToken = inToken;
    this.leafItem = leafItem;
    // Node ids are in DFS order over sorted codes, so the children of a node appear in increasing node id with
    // increasing token: a stable counting sort of nodes by parent gives sorted CSR rows.
    const start = new Int32Array(n + 1);
    for (let v = 1; v < n; v++) start[parent[v] + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const fill = start.slice(0, n);
    this.edgeToken = new Int32Array(n - 1);
    this.edgeChild = new Int32Array(n - 1);
    for (let v = 1; v < n; v++) {
      const e = fill[parent[v]]++;
      this.edgeToken[e] = inToken[v];
      this.edgeChild[e] = v;
    }
    this.edgeStart = start;
    this.depth = new Int32Array(n);
    let maxDepth = 0;
    for (let v = 1; v < n; v++) {
      this.depth[v] = this.depth[parent[v]] + 1; // parent[v] < v (DFS order)
      if (this.depth[v] > maxDepth) maxDepth = this.depth[v];
    }
    this.maxDepth = maxDepth;
    this.itemLeaf = new Int32Array(numItems).fill(-1);
    for (let v = 0; v < n; v++) if (leafItem[v] >= 0) this.itemLeaf[leafItem[v]] = v;
  }

  /**
   * Builds the trie from one code per item (`codes[i]` is item i's identifier). Every code must be non-empty, end
   * with `eos`, contain `eos` nowhere else, hold non-negative integer tokens, and be distinct from every other code.
   */
  static build(codes: ReadonlyArray<ArrayLike<number>>, eos: number): PrefixTrie {
    const m = codes.length;
    for (let i = 0; i < m; i++) {
      const c = codes[i];
      if (c.length === 0 || c[c.length - 1] !== eos) throw new Error(`trie: code of item ${i} must end with EOS`);
      for (let t = 0; t < c.length; t++) {
        const tok = c[t];
        if (!Number.isInteger(tok) || tok < 0) throw new Error(`trie: code of item ${i} has invalid token ${tok}`);
        if (tok === eos && t !== c.length - 1) throw new Error(`trie: code of item ${i} has EOS before its end`);
      }
    }
    const order = Array.from({ length: m }, (_, i) => i);
    const cmp = (x: number, y: number): number => {
      const a = codes[x];
      const b = codes[y];
      const l = Math.min(a.length, b.length);
      for (let t = 0; t < l; t++) if (a[t] !== b[t]) return a[t] - b[t];
      return a.length - b.length || x - y;
    };
    order.sort(cmp);
    const parent: number[] = [-1];
    const inToken: number[] = [-1];
    const leafItem: number[] = [-1];
    const path: number[] = [0]; // path[d] = node at depth d of the previous code
    let prev: ArrayLike<number> | null = null;
    let prevItem = -1;
    for (const item of order) {
      const c = codes[item];
      let lcp = 0;
      if (prev !== null) {
        const l = Math.min(prev.length, c.length);
        while (lcp < l && prev[lcp] === c[lcp]) lcp++;
        if (lcp === c.length && lcp === prev.length) {
          throw new Error(`trie: items ${prevItem} and ${item} have the same code`);
        }
      }
      path.length = lcp + 1;
      for (let t = lcp; t < c.length; t++) {
        const v = parent.length;
        parent.push(path[t]);
        inToken.push(c[t]);
        leafItem.push(t === c.length - 1 ? item : -1);
        path.push(v);
      }
      prev = c;
      prevItem = item;
    }
    return new PrefixTrie(eos, m, Int32Array.from(parent), Int32Array.from(inToken), Int32Array.from(leafItem));
  }

  /** The root, for every user (Constraint: one trie shared by all users). */
  rootOf(_user: number): number {
    return 0;
  }

  /** Nodes along item `item`'s code: the root, then the node after each token (its leaf last). */
  pathOf(item: number, _user = 0): Int32Array {
    if (!Number.isInteger(item) || item < 0 || item >= this.numItems) {
      throw new Error(`trie: item ${item} outside [0, ${this.numItems})`);
    }
    const leaf = this.itemLeaf[item];
    const p = new Int32Array(this.depth[leaf] + 1);
    for (let v = leaf; v !== -1; v = this.parent[v]) p[this.depth[v]] = v;
    return p;
  }

  private internalCount = -1;
  /** Nodes with children: the model rows per user to score every item exhaustively. */
  get internalNodes(): number {
    if (this.internalCount < 0) {
      let n = 0;
      for (let v = 0; v < this.numNodes; v++) if (this.edgeStart[v + 1] > this.edgeStart[v]) n++;
      this.internalCount = n;
    }
    return this.internalCount;
  }

  private checkNode(node: number): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.numNodes) {
      throw new Error(`trie: node ${node} outside [0, ${this.numNodes})`);
    }
  }

  /** Number of valid next tokens at `node`. */
  childCount(node: number): number {
    this.checkNode(node);
    return this.edgeStart[node + 1] - this.edgeStart[node];
  }

  /** Child reached from `node` by `token`, or -1 if the token is not valid there (binary search). */
  next(node: number, token: number): number {
    if (node === -1) return -1;
    this.checkNode(node);
    let lo = this.edgeStart[node];
    let hi = this.edgeStart[node + 1] - 1;
    const et = this.edgeToken;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = et[mid];
      if (t === token) return this.edgeChild[mid];
      if (t < token) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The valid next tokens at `node` and their children, as views into the trie's arrays. */
  children(node: number): ChildrenView {
    this.checkNode(node);
    const s = this.edgeStart[node];
    const e = this.edgeStart[node + 1];
    return { tokens: this.edgeToken.subarray(s, e), nodes: this.edgeChild.subarray(s, e) };
  }

  /** The item whose identifier ends at `node` (a leaf), or -1. */
  itemAt(node: number): number {
    if (node === -1) return -1;
    this.checkNode(node);
    return this.leafItem[node];
  }

  /** Follows `tokens` from `from` (default root); -1 as soon as a token is invalid. */
  walk(tokens: ArrayLike<number>, from = 0): number {
    let node = from;
    for (let i = 0; i < tokens.length && node !== -1; i++) node = this.next(node, tokens[i]);
    return node;
  }

  /** The identifier ending at leaf `node` (or the prefix spelled by any node). */
  spell(node: number): Int32Array {
    this.checkNode(node);
    const out = new Int32Array(this.depth[node]);
    for (let v = node, d = out.length - 1; v !== 0; v = this.parent[v], d--) out[d] = this.inToken[v];
    return out;
  }

  /** Item i's code, read back from the trie. */
  codeOf(item: number): Int32Array {
    if (!Number.isInteger(item) || item < 0 || item >= this.numItems) {
      throw new Error(`trie: item ${item} outside [0, ${this.numItems})`);
    }
    return this.spell(this.itemLeaf[item]);
  }

  /** Children of every node in the batch, padded to the batch's max child count. */
  batchChildren(nodes: Int32Array): BatchChildren {
    const n = nodes.length;
    let width = 0;
    for (let r = 0; r < n; r++) {
      const v = nodes[r];
      if (v === -1) continue;
      this.checkNode(v);
      const c = this.edgeStart[v + 1] - this.edgeStart[v];
      if (c > width) width = c;
    }
    const tokens = new Int32Array(n * width).fill(-1);
    const next = new Int32Array(n * width).fill(-1);
    for (let r = 0; r < n; r++) {
      const v = nodes[r];
      if (v === -1) continue;
      const s = this.edgeStart[v];
      const e = this.edgeStart[v + 1];
      tokens.set(this.edgeToken.subarray(s, e), r * width);
      next.set(this.edgeChild.subarray(s, e), r * width);
    }
    return { width, tokens, next };
  }

  /** next(nodes[r], tokens[r]) for every r. */
  batchNext(nodes: Int32Array, tokens: Int32Array): Int32Array {
    if (nodes.length !== tokens.length) {
      throw new Error(`trie: batchNext got ${nodes.length} nodes but ${tokens.length} tokens`);
    }
    const out = new Int32Array(nodes.length);
    for (let r = 0; r < nodes.length; r++) out[r] = this.next(nodes[r], tokens[r]);
    return out;
  }

  /** N × vocab mask, 1 where the token is a valid next token of nodes[r]. Throws if a valid token is ≥ vocab. */
  validMask(nodes: Int32Array, vocab: number): Uint8Array {
    if (!Number.isInteger(vocab) || vocab <= 0) throw new Error(`trie: validMask vocab must be a positive integer`);
    const mask = new Uint8Array(nodes.length * vocab);
    for (let r = 0; r < nodes.length; r++) {
      const v = nodes[r];
      if (v === -1) continue;
      this.checkNode(v);
      const base = r * vocab;
      for (let e = this.edgeStart[v]; e < this.edgeStart[v + 1]; e++) {
        const t = this.edgeToken[e];
        if (t >= vocab) throw new Error(`trie: token ${t} at node ${v} does not fit vocab ${vocab}`);
        mask[base + t] = 1;
      }
    }
    return mask;
  }

  /** For each item, the nodes before every step of its code and the code's tokens (see {@link TargetPaths}). */
  targetPaths(items: Int32Array): TargetPaths {
    const b = items.length;
    const lengths = new Int32Array(b);
    let width = 0;
    for (let r = 0; r < b; r++) {
      const it = items[r];
      if (!Number.isInteger(it) || it < 0 || it >= this.numItems) {
        throw new Error(`trie: targetPaths item ${it} (row ${r}) outside [0, ${this.numItems})`);
      }
      lengths[r] = this.depth[this.itemLeaf[it]];
      if (lengths[r] > width) width = lengths[r];
    }
    const prefixNodes = new Int32Array(b * width).fill(-1);
    const targetTokens = new Int32Array(b * width).fill(-1);
    for (let r = 0; r < b; r++) {
      let v = this.itemLeaf[items[r]];
      for (let t = lengths[r] - 1; t >= 0; t--) {
        targetTokens[r * width + t] = this.inToken[v];
        v = this.parent[v];
        prefixNodes[r * width + t] = v;
      }
    }
    return { width, prefixNodes, targetTokens, lengths };
  }

  /** Mean number of children over internal (non-leaf) nodes. */
  branching(): number {
    let internal = 0;
    for (let v = 0; v < this.numNodes; v++) if (this.edgeStart[v + 1] > this.edgeStart[v]) internal++;
    return internal === 0 ? 0 : (this.numNodes - 1) / internal;
  }
}
