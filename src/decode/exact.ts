/**
 * Exact top-K decoding: best-first search over the constraint's prefix tree (the trie).
 *
 * Per user, a max-heap holds the frontier: children of expanded prefixes, keyed by their prefix
 * log-prob (the sum of the model's log-probs along the prefix). Log-probs are ≤ 0, so a prefix's score
 * bounds the score of every item below it; hence when a finished item (a leaf, reached by EOS) is on
 * top of the heap, no other item of that user can beat it, and the first K leaves popped are the exact
 * top-K items by overall probability (ties in arbitrary order).
 *
 * Batching. Each round, a user first emits the leaves on top of its heap; then up to `maxPopsPerUser`
 * non-leaf prefixes are popped per user (round-robin over users, stopping for a user at a leaf, at
 * most `maxRowsPerRound` in total) and expanded with batched model calls. Correctness does not depend
 * on the batching: a leaf is only emitted at the start of a round, when every popped prefix of the
 * previous round has been expanded and its children pushed, so it is ≥ every remaining frontier
 * prefix of its user. Popping several prefixes per user only risks expanding a prefix best-first
 * search would never reach (more work, same result).
 *
 * States. `advance(state, rows, tokens)` extends rows of ONE previous state, and expanding a prefix
 * needs its parent's row. Every model call creates a "segment" (its output state); a frontier entry
 * stores (segment, row) of its parent's expansion. The popped prefixes of a round come from many
 * segments (best-first interleaves old and new prefixes). If the model implements the optional
 * `concat`, a round makes one `advance` per distinct prefix length: the parents' rows of that length
 * are gathered from their segments into one temporary state. Otherwise it makes one `advance` per
 * distinct parent segment (correct, but many small calls on flat models). A segment's state is kept
 * while some frontier entry still refers to it (reference count) and disposed as soon as none does,
 * including when a user finishes and drops its frontier.
 *
 * Memory. Every frontier prefix keeps its parent's state row (a KV cache) alive, and a flat model's frontier holds
 * thousands of prefixes per user that are never expanded, so live state would grow without bound (measured: 20 toy
 * users, 10k expansions each, 188k live rows, 5.4 GB). Whenever the rows of all live segments exceed `maxStateRows`:
 * (1) with `concat`, every segment whose frontier uses at most half of its rows is compacted (the used rows are
 * gathered into a new, smaller state and the frontier entries renumbered); (2) if the compacted total would still
 * exceed the limit, the segments whose best frontier prefix scores lowest are evicted (instead of compacted) until
 * half the limit is left: their frontier entries forget the parent state, and when one of them is popped, its state
 * is recomputed from the users' root state along the prefix's tokens (batched by prefix length; `recomputedRows`
 * counts the extra rows). The root state (one row per user) is never evicted. Neither step changes which prefixes
 * are expanded, so the result is the same.
 *
 * Cost report: `expansions[u]` counts the model rows evaluated for user u (its root at `start`, plus
 * one per expanded prefix); scoring every item exhaustively needs `internalNodes` rows per user (every
 * trie node that has children), which bounds `expansions[u]` since each prefix is expanded at most once.
 */
import { noGrad, tidy } from '../engine/index.js';
import {
  advanceModel,
  checkInt,
  concatModel,
  checkScoring,
  checkUsers,
  childScores,
  disposeOutputs,
  startModel,
  type StepOutput,
} from './common.js';
import type { DecoderEntry } from './entry.js';
import type { DecoderInput, Hypothesis, TokenScoring } from './types.js';

export interface ExactSettings {
  /** Items to return per user (fewer if the trie has fewer items). ≥ 1. */
  topK: number;
  /** Most prefixes expanded per round over all users (model rows per round, summed over its calls). ≥ 1. */
  maxRowsPerRound: number;
  /** Most prefixes popped per user per round (1 = pure best-first per user). ≥ 1. */
  maxPopsPerUser: number;
  /**
   * Optional per-user log-prob floor: prefixes (and so items) with log-prob ≤ thresholds[u] are never pushed.
   * The result is then the exact top-K among the items above the floor (fewer when fewer exist), found with far
   * fewer expansions when the floor is high; +Infinity skips a user (only its root row is computed).
   */
  thresholds?: Float64Array;
  /**
   * Live state rows (summed over segments) above which segments are compacted (needs `model.concat`; see module
   * comment). Default 4 × maxRowsPerRound. ≥ 1.
   */
  maxStateRows?: number;
  /** Distribution ranked by (exactness needs log-probs ≤ 0: true of both). */
  scoring: TokenScoring;
}

export interface ExactResult {
  /** Per user: the exact top-K items, log-prob descending. */
  hypotheses: Hypothesis[][];
  /** Per user: model rows evaluated (root + expanded prefixes). */
  expansions: Int32Array;
  /** Trie nodes with children = model rows per user to score every item exhaustively. */
  internalNodes: number;
  /** All trie nodes (for reference). */
  numNodes: number;
  /** Rounds run and model calls made (start + advances). */
  rounds: number;
  modelCalls: number;
  /** Most state rows alive at once (summed over segments), and how many compaction passes ran. */
  peakStateRows: number;
  compactions: number;
  /** Segments evicted, and model rows spent recomputing evicted states (not counted in `expansions`). */
  evictions: number;
  recomputedRows: number;
}

const WHERE = 'exactTopK';
/** Frontier entry kinds in FrontierHeap.seg besides a segment index: a finished item, and an evicted parent state. */
const LEAF = -1;
const EVICTED = -2;
/** The segment of the users' root state (from `start`). */
const ROOT = 0;

export function checkExactSettings(s: ExactSettings): void {
  checkInt(WHERE, 'topK', s.topK, 1);
  checkInt(WHERE, 'maxRowsPerRound', s.maxRowsPerRound, 1);
  checkInt(WHERE, 'maxPopsPerUser', s.maxPopsPerUser, 1);
  if (s.maxStateRows !== undefined) checkInt(WHERE, 'maxStateRows', s.maxStateRows, 1);
  checkScoring(WHERE, s.scoring);
}

function checkThresholds(t: Float64Array | undefined, users: number): void {
  if (t === undefined) return;
  if (t.length !== users) throw new Error(`${WHERE}: 'thresholds' has ${t.length} entries for ${users} users`);
  for (const v of t) if (Number.isNaN(v)) throw new Error(`${WHERE}: 'thresholds' contains NaN`);
}

/** Binary max-heap of frontier prefixes (score, node, parent segment, parent row), in growable typed arrays. */
class FrontierHeap {
  size = 0;
  score = new Float64Array(16);
  node = new Int32Array(16);
  seg = new Int32Array(16);
  row = new Int32Array(16);

  private grow(): void {
    const cap = this.score.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.score = g(this.score, (n) => new Float64Array(n));
    this.node = g(this.node, (n) => new Int32Array(n));
    this.seg = g(this.seg, (n) => new Int32Array(n));
    this.row = g(this.row, (n) => new Int32Array(n));
  }
  private put(i: number, s: number, n: number, g: number, r: number): void {
    this.score[i] = s;
    this.node[i] = n;
    this.seg[i] = g;
    this.row[i] = r;
  }
  private move(to: number, from: number): void {
    this.put(to, this.score[from], this.node[from], this.seg[from], this.row[from]);
  }
  push(s: number, n: number, g: number, r: number): void {
    if (this.size === this.score.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.score[p] >= s) break;
      this.move(i, p);
      i = p;
    }
    this.put(i, s, n, g, r);
  }
  /** Removes the top; read it (index 0) before calling. */
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    const s = this.score[last];
    const n = this.node[last];
    const g = this.seg[last];
    const r = this.row[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.score[c + 1] > this.score[c]) c++;
      if (this.score[c] <= s) break;
      this.move(i, c);
      i = c;
    }
    this.put(i, s, n, g, r);
  }
}

interface Segment<S> {
  state: S;
  /** Frontier entries that refer to a row of this segment. */
  refs: number;
  /** Rows of `state`. */
  rows: number;
}

/** Exact top-K items per user by best-first search (see module comment). */
export function exactTopK<S>(input: DecoderInput<S>, settings: ExactSettings): ExactResult {
  const { model, constraint, numUsers: U } = input;
  checkExactSettings(settings);
  checkUsers(WHERE, U);
  checkThresholds(settings.thresholds, U);
  const floor = settings.thresholds ?? new Float64Array(U).fill(-Infinity);
  const K = settings.topK;
  const useConcat = typeof model.concat === 'function';
  const heaps: FrontierHeap[] = Array.from({ length: U }, () => new FrontierHeap());
  const found: Hypothesis[][] = Array.from({ length: U }, () => []);
  const expansions = new Int32Array(U);
  const segments: (Segment<S> | null)[] = [];
  let rounds = 0;
  let modelCalls = 0;
  const maxStateRows = settings.maxStateRows ?? 4 * settings.maxRowsPerRound;
  let liveRows = 0;
  let peakStateRows = 0;
  let compactions = 0;
  let evictions = 0;
  let recomputedRows = 0;

  const addSegment = (state: S, rows: number, refs: number): number => {
    segments.push({ state, refs, rows });
    liveRows += rows;
    peakStateRows = Math.max(peakStateRows, liveRows);
    return segments.length - 1;
  };
  const disposeSegment = (g: number, sg: Segment<S>): void => {
    segments[g] = null;
    liveRows -= sg.rows;
    model.dispose(sg.state);
  };

  const release = (g: number, count: number): void => {
    const sg = segments[g];
    if (sg === null) throw new Error(`${WHERE}: internal error: segment ${g} released twice`);
    sg.refs -= count;
    if (sg.refs <= 0) disposeSegment(g, sg);
  };

  /** Rows of each segment used by the frontier (old row → new row, in first-use order) and its best entry's score. */
  const frontierUse = (): Map<number, { rows: Map<number, number>; best: number }> => {
    const used = new Map<number, { rows: Map<number, number>; best: number }>();
    for (const h of heaps) {
      for (let i = 0; i < h.size; i++) {
        const g = h.seg[i];
        if (g < 0) continue;
        let m = used.get(g);
        if (m === undefined) {
          if (segments[g] === null)
            throw new Error(`${WHERE}: internal error: frontier refers to disposed segment ${g}`);
          used.set(g, (m = { rows: new Map(), best: -Infinity }));
        }
        if (!m.rows.has(h.row[i])) m.rows.set(h.row[i], m.rows.size);
        m.best = Math.max(m.best, h.score[i]);
      }
    }
    return used;
  };

  /** Renumbers frontier entries: moved segments to (new segment, new row), evicted ones to EVICTED. */
  const remap = (moved: Map<number, { to: number; rows: Map<number, number> }>, evicted: Set<number>): void => {
    for (const h of heaps) {
      for (let i = 0; i < h.size; i++) {
        const g = h.seg[i];
        if (g < 0) continue;
        if (evicted.has(g)) {
          h.seg[i] = EVICTED;
          h.row[i] = -1;
          continue;
        }
        const mv = moved.get(g);
        if (mv === undefined) continue;
        h.seg[i] = mv.to;
        h.row[i] = mv.rows.get(h.row[i])!;
      }
    }
  };

  /**
   * Bounds live state (see module comment) with one scan of the frontier: a segment that compaction would shrink counts
   * at its compacted size; if that still exceeds the limit, the least promising segments are evicted (none is compacted
   * first only to be evicted); then the kept ones are compacted (with `concat`) and the frontier renumbered once.
   */
  const reclaim = (): void => {
    const use = [...frontierUse()].filter(([g]) => g !== ROOT);
    const compactable = (g: number, rows: number): boolean => useConcat && 2 * rows <= segments[g]!.rows;
    let projected = liveRows;
    for (const [g, m] of use) if (compactable(g, m.rows.size)) projected -= segments[g]!.rows - m.rows.size;
    const evicted = new Set<number>();
    if (projected > maxStateRows) {
      for (const [g, m] of [...use].sort((a, b) => a[1].best - b[1].best)) {
        if (projected <= maxStateRows / 2) break;
        projected -= compactable(g, m.rows.size) ? m.rows.size : segments[g]!.rows;
        disposeSegment(g, segments[g]!);
        evicted.add(g);
      }
      evictions += evicted.size;
    }
    const moved = new Map<number, { to: number; rows: Map<number, number> }>();
    for (const [g, m] of use) {
      if (evicted.has(g) || !compactable(g, m.rows.size)) continue;
      const sg = segments[g]!;
      const state = concatModel(model, [{ state: sg.state, rows: Int32Array.from(m.rows.keys()) }]);
      const to = addSegment(state, m.rows.size, sg.refs);
      disposeSegment(g, sg);
      moved.set(g, { to, rows: m.rows });
    }
    if (useConcat) compactions++;
    remap(moved, evicted);
  };

  /**
   * Recomputes the states of evicted prefixes spelled `paths` (all of one length D) from the users' root rows along
   * their tokens, and returns the last step's output: D − 1 extra advances, then the expansion itself.
   */
  const recompute = (users: Int32Array, paths: Int32Array[]): StepOutput<S> => {
    const n = paths.length;
    const D = paths[0].length;
    const iota = Int32Array.from({ length: n }, (_, i) => i);
    let state = segments[ROOT]!.state;
    let rows: Int32Array = users;
    for (let t = 0; ; t++) {
      const out = advanceModel(
        model,
        state,
        rows,
        Int32Array.from(paths, (p) => p[t]),
      );
      modelCalls++;
      if (t > 0) model.dispose(state);
      if (t === D - 1) return out;
      disposeOutputs(out);
      recomputedRows += n;
      state = out.state;
      rows = iota;
    }
  };

  /** Pushes the children of expanded prefixes (rows of `out`), creating segment `g` for their state. */
  const expand = (out: StepOutput<S>, users: Int32Array, nodes: Int32Array, base: Float64Array, pin = false): void => {
    const n = nodes.length;
    const g = addSegment(out.state, n, 0);
    const ch = constraint.batchChildren(nodes);
    const C = ch.width;
    const lp = out.logProbs;
    let sc: Float64Array;
    try {
      sc = C === 0 ? new Float64Array(0) : tidy(() => childScores(lp, ch, base, settings.scoring).toFloat64());
    } finally {
      disposeOutputs(out);
    }
    let refs = 0;
    for (let r = 0; r < n; r++) {
      const u = users[r];
      expansions[u]++;
      const h = heaps[u];
      for (let c = 0; c < C; c++) {
        const e = r * C + c;
        const child = ch.next[e];
        if (child < 0) break; // padding (rows are left-aligned)
        const s = sc[e];
        if (s === -Infinity || s <= floor[u]) continue; // probability 0, or below the user's floor
        if (s > base[r] + 1e-6) {
          throw new Error(
            `${WHERE}: the model returned a positive log-prob (${s - base[r]}); best-first search needs log-probs ≤ 0`,
          );
        }
        if (constraint.itemAt(child) >= 0) {
          h.push(s, child, LEAF, -1);
        } else {
          h.push(s, child, g, r);
          refs++;
        }
      }
    }
    const sg = segments[g]!;
    sg.refs = refs + (pin ? 1 : 0); // a pinned segment outlives its frontier references
    if (sg.refs === 0) release(g, 0);
  };

  if (U > 0) {
    noGrad(() => {
      const active = new Uint8Array(U).fill(1);
      let nActive = U;
      try {
        const first = startModel(model, U);
        modelCalls++;
        expand(
          first,
          Int32Array.from({ length: U }, (_, u) => u),
          Int32Array.from({ length: U }, (_, u) => constraint.rootOf(u)),
          new Float64Array(U),
          true, // the root state (segment ROOT, row u = user u) stays: evicted prefixes are recomputed from it
        );
        let rr = 0; // round-robin start
        while (nActive > 0) {
          rounds++;
          // 1. Emit leaves on top; finish users with K items or an empty frontier.
          for (let u = 0; u < U; u++) {
            if (!active[u]) continue;
            const h = heaps[u];
            while (h.size > 0 && found[u].length < K && h.seg[0] === LEAF) {
              found[u].push({ item: constraint.itemAt(h.node[0]), logProb: h.score[0] });
              h.pop();
            }
            if (found[u].length === K || h.size === 0) {
              finishUser(u);
              active[u] = 0;
              nActive--;
            }
          }
          if (nActive === 0) break;
          // 2. Pop non-leaf prefixes, round-robin, up to the per-user and per-round limits.
          const pUser: number[] = [];
          const pNode: number[] = [];
          const pScore: number[] = [];
          const pSeg: number[] = [];
          const pRow: number[] = [];
          const blocked = new Uint8Array(U);
          for (let pass = 0; pass < settings.maxPopsPerUser && pUser.length < settings.maxRowsPerRound; pass++) {
            let any = false;
            for (let i = 0; i < U && pUser.length < settings.maxRowsPerRound; i++) {
              const u = (rr + i) % U;
              if (!active[u] || blocked[u]) continue;
              const h = heaps[u];
              if (h.size === 0 || h.seg[0] === LEAF) {
                blocked[u] = 1;
                continue;
              }
              pUser.push(u);
              pNode.push(h.node[0]);
              pScore.push(h.score[0]);
              pSeg.push(h.seg[0]);
              pRow.push(h.row[0]);
              h.pop();
              any = true;
            }
            if (!any) break;
          }
          rr = (rr + 1) % U;
          // 3. Expand: one advance per prefix length (with model.concat) or per parent segment; prefixes whose parent
          //    state was evicted are recomputed, grouped by length (negative keys).
          const pPath = pNode.map((v) => constraint.spell(v)); // each popped prefix's tokens (its length = depth)
          const stored = useConcat ? (i: number): number => pPath[i].length : (i: number): number => pSeg[i];
          const key = (i: number): number => (pSeg[i] === EVICTED ? -1 - pPath[i].length : stored(i));
          const order = Array.from({ length: pUser.length }, (_, i) => i).sort(
            (a, b) => key(a) - key(b) || pSeg[a] - pSeg[b],
          );
          for (let lo = 0; lo < order.length;) {
            let hi = lo;
            while (hi < order.length && key(order[hi]) === key(order[lo])) hi++;
            const idx = order.slice(lo, hi);
            lo = hi;
            const nodes = Int32Array.from(idx, (i) => pNode[i]);
            const users = Int32Array.from(idx, (i) => pUser[i]);
            const base = Float64Array.from(idx, (i) => pScore[i]);
            if (pSeg[idx[0]] === EVICTED) {
              expand(
                recompute(
                  users,
                  idx.map((i) => pPath[i]),
                ),
                users,
                nodes,
                base,
              );
              continue;
            }
            const tokens = Int32Array.from(idx, (i) => pPath[i][pPath[i].length - 1]);
            // runs of the same parent segment (idx is sorted by segment within the group)
            const parts: { seg: number; rows: Int32Array }[] = [];
            for (let a = 0; a < idx.length;) {
              let b = a;
              while (b < idx.length && pSeg[idx[b]] === pSeg[idx[a]]) b++;
              parts.push({ seg: pSeg[idx[a]], rows: Int32Array.from(idx.slice(a, b), (i) => pRow[i]) });
              a = b;
            }
            const stateOf = (g: number): S => {
              const sg = segments[g];
              if (sg === null) throw new Error(`${WHERE}: internal error: segment ${g} already disposed`);
              return sg.state;
            };
            let out: StepOutput<S>;
            if (parts.length === 1) {
              out = advanceModel(model, stateOf(parts[0].seg), parts[0].rows, tokens);
            } else {
              const merged = concatModel(
                model,
                parts.map((p) => ({ state: stateOf(p.seg), rows: p.rows })),
              );
              try {
                out = advanceModel(
                  model,
                  merged,
                  Int32Array.from({ length: idx.length }, (_, i) => i),
                  tokens,
                );
              } finally {
                model.dispose(merged);
              }
            }
            modelCalls++;
            for (const p of parts) release(p.seg, p.rows.length);
            expand(out, users, nodes, base);
          }
          if (liveRows > maxStateRows) reclaim();
        }
      } finally {
        for (let g = 0; g < segments.length; g++) {
          const sg = segments[g];
          if (sg !== null) disposeSegment(g, sg);
        }
      }
    });
  }

  /** Drops a finished user's frontier, releasing the segment references it held. */
  function finishUser(u: number): void {
    const h = heaps[u];
    const counts = new Map<number, number>();
    for (let i = 0; i < h.size; i++) if (h.seg[i] >= 0) counts.set(h.seg[i], (counts.get(h.seg[i]) ?? 0) + 1);
    h.size = 0;
    for (const [g, c] of counts) release(g, c);
  }

  return {
    hypotheses: found,
    expansions,
    internalNodes: constraint.internalNodes,
    numNodes: constraint.numNodes,
    rounds,
    modelCalls,
    peakStateRows,
    compactions,
    evictions,
    recomputedRows,
  };
}

/**
 * The registry's entry (./registry.ts): the exact top-K. Rows per round = eval.chunkUsers × eval.beamWidth, the same
 * work budget per model call as beam search; batching never changes which items are found (only ties' order).
 */
export const exactDecoder: DecoderEntry = {
  name: 'exact',
  doc: 'Exact top-K by best-first search (no pruning; slow on flat models): the K most likely items per user.',
  settings: ['topK', 'scoring', 'rowsPerRound'],
  run: (input, s) =>
    exactTopK(input, { topK: s.topK, maxRowsPerRound: s.rowsPerRound, maxPopsPerUser: 1, scoring: s.scoring })
      .hypotheses,
};
