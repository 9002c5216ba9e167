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
 * States. Every model call creates a "segment" (its output state) in a state store (./state-store.ts); a frontier
 * entry (./frontier-heap.ts) stores (segment, row) of its parent's expansion. The popped prefixes of a round come
 * from many segments (best-first interleaves old and new prefixes). If the model implements the optional `concat`, a
 * round makes one `advance` per distinct prefix length: the parents' rows of that length are gathered from their
 * segments into one temporary state. Otherwise it makes one `advance` per distinct parent segment (correct, but many
 * small calls on flat models). The store bounds live state (`maxStateRows`: compaction, eviction, recomputation from
 * the users' root state; see ./state-store.ts) without changing which prefixes are expanded.
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
import { EVICTED, FrontierHeap, LEAF } from './frontier-heap.js';
import { StateStore } from './state-store.js';
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
   * Live state rows (summed over segments) above which segments are compacted (needs `model.concat`; see
   * ./state-store.ts). Default 4 × maxRowsPerRound. ≥ 1.
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
  let rounds = 0;
  let modelCalls = 0;
  const maxStateRows = settings.maxStateRows ?? 4 * settings.maxRowsPerRound;
  const store = new StateStore(model, heaps, maxStateRows, useConcat);

  /** Pushes the children of expanded prefixes (rows of `out`), creating segment `g` for their state. */
  const expand = (out: StepOutput<S>, users: Int32Array, nodes: Int32Array, base: Float64Array, pin = false): void => {
    const n = nodes.length;
    const g = store.add(out.state, n, 0);
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
    store.setRefs(g, refs + (pin ? 1 : 0)); // a pinned segment outlives its frontier references
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
                store.recompute(
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
            let out: StepOutput<S>;
            if (parts.length === 1) {
              out = advanceModel(model, store.stateOf(parts[0].seg), parts[0].rows, tokens);
            } else {
              const merged = concatModel(
                model,
                parts.map((p) => ({ state: store.stateOf(p.seg), rows: p.rows })),
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
            for (const p of parts) store.release(p.seg, p.rows.length);
            expand(out, users, nodes, base);
          }
          if (store.liveRows > store.maxStateRows) store.reclaim();
        }
      } finally {
        store.disposeAll();
      }
    });
  }

  /** Drops a finished user's frontier, releasing the segment references it held. */
  function finishUser(u: number): void {
    const h = heaps[u];
    const counts = new Map<number, number>();
    for (let i = 0; i < h.size; i++) if (h.seg[i] >= 0) counts.set(h.seg[i], (counts.get(h.seg[i]) ?? 0) + 1);
    h.size = 0;
    for (const [g, c] of counts) store.release(g, c);
  }

  return {
    hypotheses: found,
    expansions,
    internalNodes: constraint.internalNodes,
    numNodes: constraint.numNodes,
    rounds,
    modelCalls: modelCalls + store.modelCalls,
    peakStateRows: store.peakStateRows,
    compactions: store.compactions,
    evictions: store.evictions,
    recomputedRows: store.recomputedRows,
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
