/**
 * Trie-constrained beam search, batched across users and beams, with the semantics of Hugging Face
 * `generate(num_beams=B, num_return_sequences=K, length_penalty=0, early_stopping=False)` plus a
 * prefix-constrained logits processor (what BIGRec / MSL / BEAR's released code runs).
 *
 * Semantics, per user (step s creates prefixes of length s+1; scores are sums of log-probs, float64):
 *  - Candidates: every running beam × every valid child token of its constraint node, scored
 *    beam score + log p(token | prefix). At step 0 the only beam is the root (score 0).
 *  - Take the top 2B candidates (by score; ties as libtorch's topk). Walking them in rank order, a
 *    candidate whose token is EOS (it reaches a leaf, i.e. completes an item) is offered to the user's
 *    finished pool only if its rank is < B; every other candidate becomes a running beam until B beams
 *    are taken.
 *  - The pool keeps the best B finished items: a new one enters if the pool has < B items or its score
 *    is strictly greater than the pool's worst (which it then replaces).
 *  - The user is done when it has no running beam left, or when its pool holds B items and its best
 *    running beam scores ≤ the pool's worst score (scores only decrease with length penalty 0, so no
 *    running beam can still enter the pool; HF tests the best of the 2B candidates instead, which can
 *    delay stopping but never changes the pool).
 *  - Result: the pool sorted by score, descending, cut to K (distinct items: each is a distinct
 *    root-to-leaf path).
 * Deliberate differences from HF, all at the degenerate edges where fewer than B valid candidates
 * exist (a root with < B children, tiny tries): a candidate with score -inf (padding, or a valid token
 * the model gives probability 0) is dead: it never becomes a beam or a pool entry, whereas HF would
 * carry -1e9/-inf beams along and could return them as "items" when its pool is short. Consequently a
 * user can get fewer than K hypotheses, exactly when fewer than K items are reachable.
 *
 * Batching: ONE `model.advance` call per step for all live beams of all users. Rows are compacted:
 * done users and dead beams are dropped from the batch (users finish at different steps), so the model
 * only ever evaluates live prefixes. Candidate scores are built in tensors: gather the step's
 * log-probs at the valid child tokens ([N, C] from `constraint.batchChildren`, padding -inf), add the beam
 * scores, lay the rows out per user ([users, R·C], R = max live beams of a user this step, short users
 * padded with -inf rows by one indexSelect) and take topk(2B) per user; only the [users, 2B] top-k
 * values and indices come back to JS. Per-step JS work is O(N·C) (building the child table) plus
 * O(users·2B).
 *
 * Diagnostics (BEAR's pruning rate PR@K): with `targets` (one item per user), `prunedAt[u]` is the
 * step s at which the target's prefix of length s+1 was dropped (not taken as a beam, EOS rank ≥ B, not
 * better than a full pool's worst, evicted from the pool later (recorded at its last step), or still running when the user
 * stopped), or -1 if the target is in the final pool of B finished items. Whether it is also in the
 * returned top K is read off the hypotheses.
 */
import { tidy } from '../engine/index.js';
import { checkInt, checkScoring, checkTargets, checkUsers, childScores, groupRows } from './common.js';
import type { DecoderEntry } from './entry.js';
import { BeamTraceRecorder, type BeamTrace } from './beam-trace.js';
import { runSteps } from './steps.js';
import type { BeamSearchSettings, DecoderInput, Hypothesis } from './types.js';

export interface BeamSearchOptions {
  /** One target item per user; enables `prunedAt`. */
  targets?: Int32Array;
  /** Record every step's candidates and their fates per user (`traces`; for looking at one user, not for speed). */
  trace?: boolean;
}

export interface BeamSearchResult {
  /** Per user: up to topK distinct items, sorted by log-prob descending. */
  hypotheses: Hypothesis[][];
  /** Per user (only with `targets`, else null): the step the target was pruned at, -1 if it reached the final pool. */
  prunedAt: Int32Array | null;
  /** Decoding steps run (= model calls: start + advances). */
  steps: number;
  /** Model rows evaluated in total (users at start + every advanced row). */
  rowsEvaluated: number;
  /** Per user (only with `trace`, else null): every step's candidates and what became of them. */
  traces: BeamTrace[] | null;
}

const WHERE = 'beamSearch';

export function checkBeamSettings(s: BeamSearchSettings): void {
  checkInt(WHERE, 'beamWidth', s.beamWidth, 1);
  checkInt(WHERE, 'topK', s.topK, 1, s.beamWidth);
  if (s.lengthPenalty !== 0)
    throw new Error(`${WHERE}: 'lengthPenalty' must be 0, got ${JSON.stringify(s.lengthPenalty)}`);
  checkScoring(WHERE, s.scoring);
}

/** Per user, the top-K items found by constrained beam search (see module comment). */
export function beamSearch<S>(input: DecoderInput<S>, settings: BeamSearchSettings): Hypothesis[][] {
  return beamSearchDetailed(input, settings).hypotheses;
}

/** Beam search with diagnostics (pruning step of a target item per user, work counters). */
export function beamSearchDetailed<S>(
  input: DecoderInput<S>,
  settings: BeamSearchSettings,
  options: BeamSearchOptions = {},
): BeamSearchResult {
  const { model, constraint, numUsers: U } = input;
  checkBeamSettings(settings);
  checkUsers(WHERE, U);
  const targets = options.targets ?? null;
  if (targets !== null) checkTargets(WHERE, constraint, targets, U);
  const B = settings.beamWidth;
  const tracer = options.trace
    ? new BeamTraceRecorder(Int32Array.from({ length: U }, (_, u) => constraint.rootOf(u)))
    : null;

  // Finished pools, B slots per user.
  const poolItem = new Int32Array(U * B);
  const poolScore = new Float64Array(U * B);
  const poolLen = new Int32Array(U);
  const poolWorst = (u: number): number => {
    let w = Infinity;
    for (let i = u * B, e = u * B + poolLen[u]; i < e; i++) if (poolScore[i] < w) w = poolScore[i];
    return w;
  };
  /** Offers (item, score) to u's pool; returns the evicted item, -1 if none, -2 if not added. */
  const poolAdd = (u: number, item: number, score: number): number => {
    const o = u * B;
    if (poolLen[u] < B) {
      poolItem[o + poolLen[u]] = item;
      poolScore[o + poolLen[u]] = score;
      poolLen[u]++;
      return -1;
    }
    let wi = o;
    for (let i = o + 1; i < o + B; i++) if (poolScore[i] < poolScore[wi]) wi = i;
    if (!(score > poolScore[wi])) return -2;
    const evicted = poolItem[wi];
    poolItem[wi] = item;
    poolScore[wi] = score;
    return evicted;
  };

  // Target tracking: node at each depth of the target's path; status 0 running, 1 pooled, 2 pruned.
  const prunedAt = targets === null ? null : new Int32Array(U).fill(-1);
  const tStatus = new Uint8Array(U);
  const tPath: Int32Array[] = [];
  if (targets !== null) {
    for (let u = 0; u < U; u++) tPath.push(constraint.pathOf(targets[u], u));
  }
  const prune = (u: number, step: number): void => {
    if (prunedAt !== null && tStatus[u] !== 2) {
      tStatus[u] = 2;
      prunedAt[u] = step;
    }
  };

  // Live rows of the current step, grouped by user in ascending user order.
  let liveUser = Int32Array.from({ length: U }, (_, u) => u);
  let liveNode = Int32Array.from({ length: U }, (_, u) => constraint.rootOf(u));
  let liveScore = new Float64Array(U);
  const { steps, rowsEvaluated } = runSteps(model, U, (cur, step) => {
    const N = liveUser.length;
    const ch = constraint.batchChildren(liveNode);
    const C = ch.width;
    // Active users: contiguous runs of liveUser.
    const actUser: number[] = [];
    const actStartA: number[] = [];
    for (let r = 0; r < N; r++) {
      if (r === 0 || liveUser[r] !== liveUser[r - 1]) {
        actUser.push(liveUser[r]);
        actStartA.push(r);
      }
    }
    const A = actUser.length;
    const actStart = Int32Array.from(actStartA);
    const actCount = new Int32Array(A);
    let R = 0;
    for (let a = 0; a < A; a++) {
      actCount[a] = (a + 1 < A ? actStart[a + 1] : N) - actStart[a];
      if (actCount[a] > R) R = actCount[a];
    }
    const k = C === 0 ? 0 : Math.min(2 * B, R * C);
    let vals: Float64Array = new Float64Array(0);
    let idx: Int32Array = new Int32Array(0);
    if (k > 0) {
      const lp = cur.logProbs;
      [vals, idx] = tidy(() => {
        const scores = childScores(lp, ch, liveScore, settings.scoring);
        if (tracer) tracer.beginStep(step, liveUser, liveNode, ch, scores.toFloat64(), (n) => constraint.itemAt(n));
        const grouped = groupRows(scores, actStart, actCount, R);
        const [v, i] = grouped.topk(k, 1, true, true);
        return [v.toFloat64(), i.toInt32()] as const;
      });
    }
    if (tracer)
      for (let a = 0; a < A; a++)
        for (let i = 0; i < k && vals[a * k + i] !== -Infinity; i++) {
          const j = Math.floor(idx[a * k + i] / C);
          tracer.rank((actStart[a] + j) * C + (idx[a * k + i] - j * C), i);
        }

    // Selection, per user, in rank order.
    const nUser: number[] = [];
    const nParent: number[] = [];
    const nToken: number[] = [];
    const nNode: number[] = [];
    const nScore: number[] = [];
    for (let a = 0; a < A; a++) {
      const u = actUser[a];
      const first = nUser.length;
      const tNext = targets !== null && tStatus[u] === 0 ? tPath[u][step + 1] : -2;
      let tKept = false;
      let nb = 0;
      for (let i = 0; i < k; i++) {
        const s = vals[a * k + i];
        if (s === -Infinity) break; // the rest are padding / impossible: dead
        const flat = idx[a * k + i];
        const j = Math.floor(flat / C);
        const row = actStart[a] + j;
        const e = row * C + (flat - j * C);
        const child = ch.next[e];
        const item = constraint.itemAt(child);
        if (item >= 0) {
          if (i >= B) {
            tracer?.decide(e, 'eos-rank');
            continue; // HF: EOS ranked ≥ B among the 2B is skipped
          }
          const ev = poolAdd(u, item, s);
          if (tracer) {
            if (ev >= 0) tracer.evict(u, ev);
            tracer.decide(e, ev === -2 ? 'pool-full' : 'finished');
          }
          if (child === tNext && ev !== -2) {
            tKept = true;
            tStatus[u] = 1;
          }
          if (ev >= 0 && targets !== null && ev === targets[u] && tStatus[u] === 1) prune(u, tPath[u].length - 2); // its whole code was dropped: record its last step
        } else {
          nUser.push(u);
          nParent.push(row);
          nToken.push(ch.tokens[e]);
          nNode.push(child);
          nScore.push(s);
          tracer?.decide(e, 'beam');
          if (child === tNext) tKept = true;
          if (++nb === B) break;
        }
      }
      if (tNext !== -2 && !tKept) prune(u, step);
      const done = nb === 0 || (poolLen[u] === B && nScore[first] <= poolWorst(u));
      if (done) {
        nUser.length = nParent.length = nToken.length = nNode.length = nScore.length = first;
        tracer?.stop(u, step);
        if (targets !== null && tStatus[u] === 0) prune(u, step);
      }
    }
    liveUser = Int32Array.from(nUser);
    liveNode = Int32Array.from(nNode);
    liveScore = Float64Array.from(nScore);
    return { rows: Int32Array.from(nParent), tokens: Int32Array.from(nToken) };
  });

  const hypotheses: Hypothesis[][] = [];
  for (let u = 0; u < U; u++) {
    const hs: Hypothesis[] = [];
    for (let i = u * B; i < u * B + poolLen[u]; i++) hs.push({ item: poolItem[i], logProb: poolScore[i] });
    hs.sort((x, y) => y.logProb - x.logProb);
    hypotheses.push(hs.slice(0, settings.topK));
  }
  return { hypotheses, prunedAt, steps, rowsEvaluated, traces: tracer?.result() ?? null };
}

/** The registry's entry (./registry.ts): top-K by beam search of width `beamWidth`. */
export const beamDecoder: DecoderEntry = {
  name: 'beam',
  doc: 'Constrained beam search (HF semantics, length penalty 0): the top-K of a beam of width eval.beamWidth.',
  settings: ['beamWidth', 'topK', 'scoring'],
  run: (input, s) => beamSearch(input, { beamWidth: s.beamWidth, topK: s.topK, lengthPenalty: 0, scoring: s.scoring }),
};
