/**
 * Value-guided efficient decoding, VED (V-STAR §4.2, /work/shared/papers/vstar.md): a candidate set built under a
 * fixed budget of model-evaluated tokens on the identifier's prefix tree, spent on the prefixes whose value and
 * policy uncertainty are high.
 *
 *   ① warm start: probability-guided beam search of width `warmWidth` (< |C|) builds the first tree;
 *   ② selection: from the root, repeatedly the child with the largest U(s) = G(s) + β·sqrt(ln(N_root + 1) / (N(s) + 1))
 *      (eq. 13) down to a node without children left to visit;
 *   ③ gated expansion: every node of that path that still has unexpanded valid children and whose priority
 *      G(s) = V(s) + λ·H(s) (eq. 11; V alone at a leaf) is at least the mean priority of the tree's nodes at its depth
 *      (eq. 14) gets one new child, drawn from its unexpanded valid children by their renormalised policy probability;
 *   ④ backpropagation: visit counts along the path, the new nodes' V, H, G and the depth means.
 *   ②–④ repeat until the next evaluation would exceed the budget (or the tree holds every item); then extraction.
 *
 * Conventions (the paper leaves them open; each is a choice made here):
 * - Cost = model-evaluated tokens without the prompt prefill: the root counts 1 (its first-token distribution) and
 *   every node added to the tree counts 1 (the forward of its last token, which gives its next-token distribution
 *   and its hidden state for V). Beam search of width B over codes of L tokens + end token costs 1 + L·B on the
 *   same count (the paper's 1 + 2B counts codes of 3 tokens without an end token). The budget is never exceeded.
 * - A LEAF is a node whose only valid continuation is the end token: it stands for exactly one item, whose
 *   log-probability is the prefix's plus the end token's (read from the leaf's own distribution, no extra call).
 *   Where an end token is one of several children (a code that is a prefix of another), the end token is a child
 *   like any other and the node it leads to, once added, is the item's leaf.
 * - H(s) is the entropy of the next-token distribution over the node's valid children, renormalised (`scoring`
 *   only decides what log-probabilities rank items; H is over the valid children in both).
 * - Stall rule: when no node of a selected path passes the gate (eq. 14 can block every node of a path), the path's
 *   node with the largest G that can still expand is expanded, so that the search always progresses and an unlimited
 *   budget ends with the whole tree (then the extraction below is exact).
 * - Ablation rules (Table 3): 'G' = V + λH (the paper's), 'V' = V alone, 'H' = H alone below the leaves. A leaf's
 *   priority is V under every rule (eq. 11 at ℓ = L).
 * - Extraction: the tree's leaves ranked by V (value-aware), ties by log-probability; if fewer than |C| distinct
 *   items, the remainder is filled from the cached distributions of evaluated nodes ("completing high-value
 *   prefixes"): the evaluated non-leaf prefixes by V, each contributing its most likely unexpanded valid child in
 *   turn (round-robin), completed to the items below it in the trie's order (no model call), so |C| is
 *   min(topK, catalogue). Filled items are flagged.
 *
 * The value is a plug-in (PrefixValue): the trained value head (src/model/value-head.ts), or in tests the true best
 * reward below a prefix, or the prefix log-probability (which makes an unlimited-budget VED exact top-K search).
 */
import { noGrad, tidy } from '../engine/index.js';
import { Rng } from '../util/rng.js';
import {
  advanceModel,
  checkInt,
  checkScoring,
  checkUsers,
  childScores,
  concatModel,
  disposeOutputs,
  startModel,
  type StepOutput,
} from './common.js';
import type { DecoderEntry } from './entry.js';
import type { DecoderInput, Hypothesis, PrefixNode, PrefixValue, StepModel, TokenScoring } from './types.js';

export type { PrefixNode, PrefixValue };

/** The prefix priority rule of eq. 11 and its ablations (Table 3). */
export type VedRule = 'G' | 'V' | 'H';

export interface VedSettings {
  /** Model-evaluated tokens per user (root = 1, every added node = 1; see the module comment). */
  budget: number;
  /** Width of the warm-start beam search (paper: 8). */
  warmWidth: number;
  /** λ: weight of the entropy in G (paper: 0.1). */
  lambda: number;
  /** β: UCB exploration weight of eq. 13 (not stated in the paper). */
  beta: number;
  /** |C|: distinct items returned per user. */
  topK: number;
  /** What the returned items' log-probabilities (and the warm start's beam) rank by. */
  scoring: TokenScoring;
  /** Priority rule (default 'G'). */
  rule: VedRule;
  /** Seed of the expansion sampler (per user: seed, firstUser + u). */
  seed: number;
  /** Index of the call's first user among all users decoded (callers decode in chunks). */
  firstUser: number;
}

/** One returned candidate. */
export interface VedHypothesis extends Hypothesis {
  /** V of its leaf (NaN for a filled item). */
  value: number;
  /** true: completed from a cached distribution at extraction, not a leaf of the tree. */
  filled: boolean;
}

export interface VedResult {
  /** Per user, at most topK distinct items (fewer only when the catalogue has fewer). */
  hypotheses: VedHypothesis[][];
  /** Per user, the tokens evaluated (≤ budget). */
  cost: Int32Array;
  /** Per user, nodes in the final tree (root excluded) and leaves among them. */
  treeNodes: Int32Array;
  leaves: Int32Array;
  /** Model calls (start + advances). */
  modelCalls: number;
}

interface Node {
  user: number;
  parent: number;
  depth: number;
  tokens: number[];
  trie: number;
  logProb: number;
  /** Where its state row lives: states[stateIdx] row `row` (-1 before evaluation). */
  stateIdx: number;
  row: number;
  hidden: Float32Array | null;
  /** Valid children (tokens, trie nodes) and their log-probs under `scoring`; renormalised probabilities. */
  childTokens: Int32Array;
  childTries: Int32Array;
  childLogp: Float64Array;
  childProb: Float64Array;
  expanded: Set<number>;
  children: number[];
  item: number;
  entropy: number;
  value: number;
  g: number;
  visits: number;
  exhausted: boolean;
}

function checkVedSettings(s: VedSettings): void {
  const w = 'ved';
  checkInt(w, 'budget', s.budget, 1);
  checkInt(w, 'warmWidth', s.warmWidth, 1);
  checkInt(w, 'topK', s.topK, 1);
  for (const k of ['lambda', 'beta'] as const)
    if (!(Number.isFinite(s[k]) && s[k] >= 0)) throw new Error(`${w}: '${k}' must be a finite number ≥ 0, got ${s[k]}`);
  if (!['G', 'V', 'H'].includes(s.rule)) throw new Error(`${w}: 'rule' must be G, V or H, got ${String(s.rule)}`);
  checkScoring(w, s.scoring);
}

/** VED for every user of `input` (see the module comment). Runs under noGrad; owns no tensor afterwards. */
export function vedDecode<S>(input: DecoderInput<S>, value: PrefixValue, settings: VedSettings): VedResult {
  checkUsers('ved', input.numUsers);
  checkVedSettings(settings);
  const U = input.numUsers;
  const res: VedResult = {
    hypotheses: [],
    cost: new Int32Array(U),
    treeNodes: new Int32Array(U),
    leaves: new Int32Array(U),
    modelCalls: 0,
  };
  if (U === 0) return res;
  return noGrad(() => new VedSearch(input, value, settings, res).run());
}

class VedSearch<S> {
  private readonly nodes: Node[] = [];
  private readonly states: S[] = [];
  private readonly roots: number[] = [];
  private readonly depthSum: Map<number, number>[] = [];
  private readonly depthCount: Map<number, number>[] = [];
  private readonly rngs: Rng[] = [];
  private readonly model: StepModel<S>;
  private readonly U: number;

  constructor(
    private readonly input: DecoderInput<S>,
    private readonly value: PrefixValue,
    private readonly s: VedSettings,
    private readonly res: VedResult,
  ) {
    this.model = input.model;
    this.U = input.numUsers;
    for (let u = 0; u < this.U; u++) {
      this.depthSum.push(new Map());
      this.depthCount.push(new Map());
      this.rngs.push(new Rng(s.seed, [0x7ed, s.firstUser + u]));
    }
  }

  run(): VedResult {
    try {
      this.start();
      this.warmStart();
      this.search();
      this.extract();
    } finally {
      for (const st of this.states) this.model.dispose(st);
    }
    return this.res;
  }

  private newNode(user: number, parent: number, token: number, trie: number, logProb: number): number {
    const p = parent >= 0 ? this.nodes[parent] : null;
    const n: Node = {
      user,
      parent,
      depth: p ? p.depth + 1 : 0,
      tokens: p ? [...p.tokens, token] : [],
      trie,
      logProb,
      stateIdx: -1,
      row: -1,
      hidden: null,
      childTokens: new Int32Array(0),
      childTries: new Int32Array(0),
      childLogp: new Float64Array(0),
      childProb: new Float64Array(0),
      expanded: new Set(),
      children: [],
      item: -1,
      entropy: 0,
      value: 0,
      g: 0,
      visits: 1,
      exhausted: false,
    };
    this.nodes.push(n);
    if (p) {
      p.children.push(this.nodes.length - 1);
      p.expanded.add(token);
    }
    return this.nodes.length - 1;
  }

  /** Reads one step output into the nodes `ids` (row i of `out` = node ids[i]). */
  private absorb(out: StepOutput<S>, ids: readonly number[]): void {
    const si = this.states.length;
    this.states.push(out.state);
    const tries = Int32Array.from(ids, (i) => this.nodes[i].trie);
    const ch = this.input.constraint.batchChildren(tries);
    const W = ch.width;
    const scoresUnder = (scoring: TokenScoring): Float64Array | null =>
      W > 0 ? tidy(() => childScores(out.logProbs, ch, null, scoring).toFloat64()) : null;
    const scores = scoresUnder(this.s.scoring);
    const valid = this.s.scoring === 'valid' ? scores : scoresUnder('valid'); // H and sampling read the valid softmax
    const hid = out.hidden !== undefined ? out.hidden.toFloat32() : null;
    const d = out.hidden !== undefined ? out.hidden.shape[1] : 0;
    ids.forEach((id, r) => {
      const n = this.nodes[id];
      n.stateIdx = si;
      n.row = r;
      if (hid !== null) n.hidden = hid.slice(r * d, (r + 1) * d);
      const toks: number[] = [];
      const tr: number[] = [];
      const lp: number[] = [];
      const pr: number[] = [];
      for (let c = 0; c < W; c++) {
        const t = ch.tokens[r * W + c];
        if (t < 0) continue;
        toks.push(t);
        tr.push(ch.next[r * W + c]);
        lp.push(scores![r * W + c]);
        pr.push(Math.exp(valid![r * W + c]));
      }
      n.childTokens = Int32Array.from(toks);
      n.childTries = Int32Array.from(tr);
      n.childLogp = Float64Array.from(lp);
      n.childProb = Float64Array.from(pr);
      let h = 0;
      for (const p of pr) if (p > 0) h -= p * Math.log(p);
      n.entropy = h;
      const c = this.input.constraint;
      if (c.itemAt(n.trie) >= 0) {
        n.item = c.itemAt(n.trie); // an end token was just taken (a code that is a prefix of another's)
      } else if (toks.length === 1 && c.itemAt(tr[0]) >= 0) {
        n.item = c.itemAt(tr[0]);
        n.logProb += lp[0];
      } else if (toks.length === 0) n.exhausted = true; // dead node (not a trie prefix of any item)
    });
  }

  private pathHiddens(id: number): Float32Array[] | null {
    const out: Float32Array[] = [];
    for (let i = id; i >= 0; i = this.nodes[i].parent) {
      const h = this.nodes[i].hidden;
      if (h === null) return null;
      out.push(h);
    }
    return out.reverse();
  }

  /** V, G and the depth means of newly evaluated nodes. */
  private score(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const view: PrefixNode[] = ids.map((i) => {
      const n = this.nodes[i];
      return {
        user: n.user,
        tokens: n.tokens,
        logProb: n.logProb,
        item: n.item,
        hiddens: this.value.needsHidden ? this.pathHiddens(i) : null,
      };
    });
    const v = this.value.values(view);
    if (v.length !== ids.length) throw new Error(`ved: the value function gave ${v.length} values for ${ids.length}`);
    ids.forEach((id, i) => {
      const n = this.nodes[id];
      if (!Number.isFinite(v[i])) throw new Error(`ved: the value function gave ${v[i]} for a prefix`);
      n.value = v[i];
      const leaf = n.item >= 0;
      n.g =
        leaf || this.s.rule === 'V' ? n.value : this.s.rule === 'H' ? n.entropy : n.value + this.s.lambda * n.entropy;
      if (leaf) n.exhausted = true;
      const ds = this.depthSum[n.user];
      const dc = this.depthCount[n.user];
      ds.set(n.depth, (ds.get(n.depth) ?? 0) + n.g);
      dc.set(n.depth, (dc.get(n.depth) ?? 0) + 1);
    });
  }

  private start(): void {
    const out = startModel(this.model, this.U);
    this.res.modelCalls++;
    const ids: number[] = [];
    for (let u = 0; u < this.U; u++) {
      const id = this.newNode(u, -1, -1, this.input.constraint.rootOf(u), 0);
      this.roots.push(id);
      ids.push(id);
      this.res.cost[u] = 1;
    }
    try {
      this.absorb(out, ids);
    } finally {
      disposeOutputs(out);
    }
    // the root is never ranked against others: its G only has to pass its own depth's mean
    for (const id of ids) {
      const n = this.nodes[id];
      n.g = 0;
      this.depthSum[n.user].set(0, 0);
      this.depthCount[n.user].set(0, 1);
    }
  }

  /**
   * Evaluates pending nodes (children not yet forwarded): one advance per depth, gathering parents of different
   * states with the model's concat when it has one (else one advance per parent state).
   */
  private evaluate(pending: readonly number[]): void {
    const byDepth = new Map<number, number[]>();
    for (const id of pending) {
      const d = this.nodes[id].depth;
      let l = byDepth.get(d);
      if (!l) byDepth.set(d, (l = []));
      l.push(id);
    }
    const fresh: number[] = [];
    for (const ids of byDepth.values()) {
      const byState = new Map<number, number[]>();
      for (const id of ids) {
        const p = this.nodes[this.nodes[id].parent];
        let l = byState.get(p.stateIdx);
        if (!l) byState.set(p.stateIdx, (l = []));
        l.push(id);
      }
      const parentRow = (id: number): number => this.nodes[this.nodes[id].parent].row;
      if (byState.size === 1 || this.model.concat === undefined) {
        for (const [si, l] of byState) this.advanceGroup(this.states[si], l, parentRow, fresh);
        continue;
      }
      // one state holding every parent once (rows in first-seen order); only this advance reads it
      const rowOf = new Map<number, number>(); // parent node → row in the concatenated state
      const parts = [...byState].map(([si, l]) => {
        const parents: number[] = [];
        for (const id of l) {
          const pid = this.nodes[id].parent;
          if (!rowOf.has(pid)) {
            rowOf.set(pid, rowOf.size);
            parents.push(pid);
          }
        }
        return { state: this.states[si], rows: Int32Array.from(parents, (q) => this.nodes[q].row) };
      });
      const merged = concatModel(this.model, parts);
      try {
        this.advanceGroup(merged, [...byState.values()].flat(), (id) => rowOf.get(this.nodes[id].parent)!, fresh);
      } finally {
        this.model.dispose(merged);
      }
    }
    this.score(fresh);
  }

  private advanceGroup(state: S, ids: number[], rowOf: (id: number) => number, fresh: number[]): void {
    const rows = Int32Array.from(ids, rowOf);
    const tokens = Int32Array.from(ids, (id) => this.nodes[id].tokens[this.nodes[id].tokens.length - 1]);
    const out = advanceModel(this.model, state, rows, tokens);
    this.res.modelCalls++;
    try {
      this.absorb(out, ids);
    } finally {
      disposeOutputs(out);
    }
    fresh.push(...ids);
  }

  /** Adds child `c` (index into the parent's valid children) of node `pid` as a pending node; charges its user. */
  private addChild(pid: number, c: number): number {
    const p = this.nodes[pid];
    this.res.cost[p.user]++;
    return this.newNode(p.user, pid, p.childTokens[c], p.childTries[c], p.logProb + p.childLogp[c]);
  }

  private warmStart(): void {
    let live = this.roots.map((r) => [r]);
    while (live.some((l) => l.length > 0)) {
      const pending: number[] = [];
      const next: number[][] = [];
      for (let u = 0; u < this.U; u++) {
        const cands: { pid: number; c: number; score: number }[] = [];
        for (const pid of live[u]) {
          const p = this.nodes[pid];
          if (p.item >= 0) continue;
          for (let c = 0; c < p.childTokens.length; c++) cands.push({ pid, c, score: p.logProb + p.childLogp[c] });
        }
        cands.sort((a, b) => b.score - a.score || a.pid - b.pid || a.c - b.c);
        const room = this.s.budget - this.res.cost[u];
        const take = cands.slice(0, Math.min(this.s.warmWidth, Math.max(room, 0)));
        const mine: number[] = [];
        for (const t of take) {
          const id = this.addChild(t.pid, t.c);
          pending.push(id);
          mine.push(id);
        }
        next.push(mine);
      }
      if (pending.length === 0) break;
      this.evaluate(pending);
      live = next.map((l) => l.filter((id) => this.nodes[id].item < 0 && !this.nodes[id].exhausted));
    }
    for (let u = 0; u < this.U; u++) this.refreshExhausted(this.roots[u]);
  }

  private fullyExpanded(n: Node): boolean {
    return n.expanded.size >= n.childTokens.length;
  }

  /** Recomputes `exhausted` bottom-up in the subtree of `id` (leaves and fully expanded, exhausted subtrees). */
  private refreshExhausted(id: number): boolean {
    const n = this.nodes[id];
    if (n.item >= 0 || n.childTokens.length === 0) return (n.exhausted = true);
    let all = this.fullyExpanded(n);
    for (const c of n.children) if (!this.refreshExhausted(c)) all = false;
    return (n.exhausted = all);
  }

  private markUp(id: number): void {
    for (let i = id; i >= 0; i = this.nodes[i].parent) {
      const n = this.nodes[i];
      const ex = n.item >= 0 || (this.fullyExpanded(n) && n.children.every((c) => this.nodes[c].exhausted));
      if (ex === n.exhausted && i !== id) break;
      n.exhausted = ex;
    }
  }

  private depthMean(u: number, d: number): number {
    return (this.depthSum[u].get(d) ?? 0) / Math.max(this.depthCount[u].get(d) ?? 1, 1);
  }

  private sampleChild(n: Node, rng: Rng): number {
    let z = 0;
    for (let c = 0; c < n.childTokens.length; c++) if (!n.expanded.has(n.childTokens[c])) z += n.childProb[c];
    let x = rng.next() * z;
    let last = -1;
    for (let c = 0; c < n.childTokens.length; c++) {
      if (n.expanded.has(n.childTokens[c])) continue;
      last = c;
      x -= n.childProb[c];
      if (x < 0) return c;
    }
    return last; // rounding, or every remaining child with probability 0
  }

  private search(): void {
    const active = new Set<number>();
    for (let u = 0; u < this.U; u++)
      if (this.res.cost[u] < this.s.budget && !this.nodes[this.roots[u]].exhausted) active.add(u);
    while (active.size > 0) {
      const pending: number[] = [];
      for (const u of [...active]) {
        const root = this.nodes[this.roots[u]];
        if (this.res.cost[u] >= this.s.budget || root.exhausted) {
          active.delete(u);
          continue;
        }
        // ② selection by UCB over children that can still lead to an expansion
        const path = [this.roots[u]];
        let cur = root;
        const lnRoot = Math.log(root.visits + 1);
        for (;;) {
          let best = -1;
          let bestU = -Infinity;
          for (const c of cur.children) {
            const ch = this.nodes[c];
            if (ch.exhausted) continue;
            const ucb = ch.g + this.s.beta * Math.sqrt(lnRoot / (ch.visits + 1));
            if (ucb > bestU) {
              bestU = ucb;
              best = c;
            }
          }
          if (best < 0) break;
          path.push(best);
          cur = this.nodes[best];
        }
        for (const id of path) this.nodes[id].visits++;
        // ③ gated expansion along the path
        const open = path.filter((id) => !this.fullyExpanded(this.nodes[id]) && this.nodes[id].item < 0);
        let gated = open.filter((id) => this.nodes[id].g >= this.depthMean(u, this.nodes[id].depth));
        if (gated.length === 0 && open.length > 0)
          gated = [open.reduce((a, b) => (this.nodes[b].g > this.nodes[a].g ? b : a))];
        for (const id of gated) {
          if (this.res.cost[u] >= this.s.budget) break;
          const c = this.sampleChild(this.nodes[id], this.rngs[u]);
          pending.push(this.addChild(id, c));
        }
        if (gated.length === 0) {
          // nothing on this path can expand: mark it so that selection stops visiting it
          for (let i = path.length - 1; i >= 0; i--) this.markUp(path[i]);
        }
      }
      if (pending.length > 0) {
        this.evaluate(pending);
        // ④ backpropagation: the new node's visit (set at creation) and its ancestors' exhaustion
        for (const id of pending) this.markUp(id);
      }
    }
  }

  private extract(): void {
    const K = this.s.topK;
    const byUser: number[][] = Array.from({ length: this.U }, () => []);
    for (let i = 0; i < this.nodes.length; i++) byUser[this.nodes[i].user].push(i);
    const c = this.input.constraint;
    for (let u = 0; u < this.U; u++) {
      const ids = byUser[u];
      this.res.treeNodes[u] = ids.length - 1;
      const leaves = ids.filter((i) => this.nodes[i].item >= 0);
      this.res.leaves[u] = leaves.length;
      leaves.sort(
        (a, b) => this.nodes[b].value - this.nodes[a].value || this.nodes[b].logProb - this.nodes[a].logProb || a - b,
      );
      const out: VedHypothesis[] = [];
      const seen = new Set<number>();
      for (const i of leaves) {
        if (out.length >= K) break;
        const n = this.nodes[i];
        if (seen.has(n.item)) continue;
        seen.add(n.item);
        out.push({ item: n.item, logProb: n.logProb, value: n.value, filled: false });
      }
      if (out.length < K) {
        // fill from cached distributions: the evaluated non-leaf nodes by value (high-value prefixes first), each
        // giving its most likely unexpanded valid child in turn (round-robin: the best child of every prefix, then
        // the second best, …), completed to the items below it in the trie's order
        const sources = ids
          .filter((i) => this.nodes[i].item < 0 && this.nodes[i].stateIdx >= 0)
          .sort(
            (a, b) =>
              this.nodes[b].value - this.nodes[a].value || this.nodes[b].logProb - this.nodes[a].logProb || a - b,
          )
          .map((i) => {
            const n = this.nodes[i];
            const kids: number[] = [];
            for (let k = 0; k < n.childTokens.length; k++) if (!n.expanded.has(n.childTokens[k])) kids.push(k);
            kids.sort((a, b) => n.childLogp[b] - n.childLogp[a] || a - b);
            return { n, kids };
          });
        for (let round = 0; out.length < K; round++) {
          let any = false;
          for (const { n, kids } of sources) {
            if (out.length >= K) break;
            if (round >= kids.length) continue;
            any = true;
            const k = kids[round];
            for (const item of itemsBelow(c, n.childTries[k], K - out.length, seen)) {
              seen.add(item);
              out.push({ item, logProb: n.logProb + n.childLogp[k], value: Number.NaN, filled: true });
            }
          }
          if (!any) break;
        }
      }
      this.res.hypotheses.push(out);
    }
  }
}

/** Up to `limit` items below `node` not in `skip`, in the trie's order (first child first; no model call). */
function itemsBelow(
  c: DecoderInput<unknown>['constraint'],
  node: number,
  limit: number,
  skip: ReadonlySet<number>,
): number[] {
  const out: number[] = [];
  const stack = [node];
  while (stack.length > 0 && out.length < limit) {
    const cur = stack.pop()!;
    const it = c.itemAt(cur);
    if (it >= 0) {
      if (!skip.has(it)) out.push(it);
      continue;
    }
    const ch = c.batchChildren(Int32Array.of(cur));
    for (let k = ch.width - 1; k >= 0; k--) if (ch.next[k] >= 0) stack.push(ch.next[k]);
  }
  return out;
}

/**
 * VED's budget equal to beam search of width `beamWidth` on the same count: the root once, then B rows per token of
 * the longest identifier but its end token (an upper bound of beam search's own count on shorter identifiers).
 */
export function beamEquivalentBudget(maxCodeLength: number, beamWidth: number): number {
  return 1 + (maxCodeLength - 1) * beamWidth;
}

/** The value function V(s) = the prefix's log-probability (makes unlimited-budget VED exact top-K search). */
export const logProbValue: PrefixValue = {
  needsHidden: false,
  values: (nodes) => Float64Array.from(nodes, (n) => n.logProb),
};

/**
 * VED as a registered decoder (`eval.decoder ved`): the value is the input's (a run's value head, loaded by the
 * caller) or, without one, the prefix log-probability; the search settings come from `input.ved` (eval.ved*).
 */
export const vedDecoder: DecoderEntry = {
  name: 'ved',
  doc: "'ved' = V-STAR's value-guided budgeted search (eval.vedBudget tokens per user; the run's value head, else the prefix log-probability, as value)",
  settings: ['topK', 'scoring', 'seed'],
  run(input, s) {
    if (input.ved === undefined)
      throw new Error(
        "decoder 'ved' needs its search settings (eval.vedBudget, vedLambda, vedBeta, vedWarmWidth, vedRule)",
      );
    const r = vedDecode(input, input.value ?? logProbValue, {
      ...input.ved,
      topK: s.topK,
      scoring: s.scoring,
      seed: s.seed,
      firstUser: s.firstUser,
    });
    return r.hypotheses.map((h) => h.map(({ item, logProb }) => ({ item, logProb })));
  },
};
