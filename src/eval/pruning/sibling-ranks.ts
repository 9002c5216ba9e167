/**
 * The necessary condition of BEAR (Yang et al. 2026, /work/shared/papers/bear.md §3.2, eq. 3.2, "Prop" of Figure 4):
 * the rank of every target token among its trie-valid siblings at its step (restricted to the valid children, as
 * constrained decoding is). The sibling rank of token y_t is the number of valid children c of the prefix y_<t with
 * p(c | y_<t, x) STRICTLY greater than p(y_t | y_<t, x) (ties favour the target); the condition is violated iff
 * rank ≥ B. Caveat: with the Hugging Face semantics of src/decode/beam.ts an EOS sibling does not take a running-beam
 * slot, so a non-EOS token whose B better siblings include EOS may still survive; the paper's condition ignores this.
 *
 * Here: the ranks' shape, the violation step, and the ranks of any StepModel (walking the targets' paths). The
 * teacher-forced ranks of a GenRecModel are in ./model.ts.
 */
import { noGrad, tidy } from '../../engine/index.js';
import { advanceModel, childScores, startModel, type StepOutput, type TokenScoring } from '../../decode/common.js';
import type { StepModel } from '../../decode/types.js';
import type { PrefixTrie } from '../../ids/trie.js';

/** Rank of every target token among its trie-valid siblings (see module comment). */
export interface SiblingRanks {
  /** Row width: the longest code among the targets. */
  width: number;
  /** U × width: rank at step t (0 = most probable valid child), −1 beyond the code's length. */
  ranks: Int32Array;
  /** Per user: code length (including EOS). */
  lengths: Int32Array;
  /** Per user: the target's overall log-prob, Σ_t log p(y_t | y_<t, x) (the decoders' scoring). */
  logProb: Float64Array;
}

/** Per user: the first step whose sibling rank is ≥ beamWidth, or −1 if the necessary condition holds. */
export function violationSteps(r: SiblingRanks, beamWidth: number): Int32Array {
  const U = r.lengths.length;
  const out = new Int32Array(U).fill(-1);
  for (let u = 0; u < U; u++) {
    for (let t = 0; t < r.lengths[u]; t++) {
      if (r.ranks[u * r.width + t] >= beamWidth) {
        out[u] = t;
        break;
      }
    }
  }
  return out;
}

/**
 * Sibling ranks from a StepModel: walks each target's path with one `advance` per step (rows of users whose code
 * continues, token = the target token). Works with any model implementing the decoders' interface.
 */
export function siblingRanksFromStepModel<S>(
  input: { model: StepModel<S>; trie: PrefixTrie; numUsers: number },
  targets: Int32Array,
  scoring: TokenScoring = 'full',
): SiblingRanks {
  const { model, trie, numUsers: U } = input;
  if (targets.length !== U) throw new Error(`siblingRanks: ${targets.length} targets for ${U} users`);
  const paths = trie.targetPaths(targets);
  const W = paths.width;
  const ranks = new Int32Array(U * W).fill(-1);
  const logProb = new Float64Array(U);
  if (U === 0 || W === 0) return { width: W, ranks, lengths: paths.lengths, logProb };
  noGrad(() => {
    let cur: StepOutput<S> = startModel(model, U);
    let lpLive = true;
    let alive = Int32Array.from({ length: U }, (_, u) => u); // row r of cur ↔ user alive[r]
    try {
      for (let t = 0; t < W; t++) {
        const nodes = Int32Array.from(alive, (u) => paths.prefixNodes[u * W + t]);
        const ch = trie.batchChildren(nodes);
        const C = ch.width;
        const lp = cur.logProbs;
        const sc = tidy(() => childScores(lp, ch, null, scoring).toFloat64());
        cur.logProbs.dispose();
        lpLive = false;
        const rows: number[] = [];
        const toks: number[] = [];
        const nextAlive: number[] = [];
        for (let r = 0; r < alive.length; r++) {
          const u = alive[r];
          const tok = paths.targetTokens[u * W + t];
          let sy = NaN;
          for (let c = 0; c < C && ch.tokens[r * C + c] >= 0; c++) if (ch.tokens[r * C + c] === tok) sy = sc[r * C + c];
          let rank = 0;
          for (let c = 0; c < C && ch.tokens[r * C + c] >= 0; c++) if (sc[r * C + c] > sy) rank++;
          ranks[u * W + t] = rank;
          logProb[u] += sy;
          if (t + 1 < paths.lengths[u]) {
            rows.push(r);
            toks.push(tok);
            nextAlive.push(u);
          }
        }
        if (rows.length === 0) break;
        const next = advanceModel(model, cur.state, Int32Array.from(rows), Int32Array.from(toks));
        model.dispose(cur.state);
        cur = next;
        lpLive = true;
        alive = Int32Array.from(nextAlive);
      }
    } finally {
      if (lpLive) cur.logProbs.dispose();
      model.dispose(cur.state);
    }
  });
  return { width: W, ranks, lengths: paths.lengths, logProb };
}
