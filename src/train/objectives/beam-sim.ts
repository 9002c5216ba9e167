// The "straightforward" beam-search-aware objective of BEAR §3.1 (Yang et al. 2026, /work/shared/papers/bear.md,
// eq. 3.1 and Table 5): simulate beam search during training and push every prefix of the positive item above the
// score of the B-th beam at the same step.
//
// Paper, eq. (3.1):   max_θ Π_{t=1}^{|y|+1} I( P(y_<t | x) ≥ P(b^B_<t | x) ),  b^B_<t = the B-th beam candidate at
// decoding step t−1. The paper gives no surrogate for (3.1); what is implemented here (0-based steps: position t
// of a target predicts y_t, i.e. creates the prefix y_≤t of length t+1):
//
//   L = L_base + λ · (1/N) Σ_{b, t real, θ_{b,t} finite} −log σ( (log P(y_≤t | x) − θ_{b,t}) / ξ )
//
// - log P(y_≤t | x) = Σ_{s≤t} log p(y_s | y_<s, x) under the FULL-vocabulary softmax (the distribution the decoders
//   score beams with), computed WITH gradient from the teacher-forced logits.
// - θ_{b,t} = `input.beamThresholds[b, t]`: log-prob of the B-th best prefix of length t+1 in a simulated beam
//   search (constant, no gradient; see simulateBeamThresholds), −∞ where the step has fewer than B candidates (no
//   prefix can be pruned there; the term is dropped). The objective's `prepare` hook computes it per batch from the
//   model's step interface (BEAM_SIM_OBJECTIVE below); the training task only calls the hook.
// - The surrogate replaces the indicator by a sigmoid with temperature ξ as BEAR does for (3.2) (§3.2), but with
//   the sign that makes each term a non-negative penalty: −log σ(margin/ξ) = softplus(−margin/ξ) → 0 when the
//   prefix is far above the threshold and grows linearly when it is below. (The repo's `bear` follows eq. 3.4
//   literally, +log σ(log β − log p); both lower the pruning margin.) The product over steps becomes a sum of logs.
// - L_base is SFT or MSL (like `bear`), N the number of real target tokens, so λ = 0 gives the base objective.
// - The step |y|+1 of (3.1) (the EOS-completed item vs the B-th beam) is position |y|−1 here, since genrec's codes
//   end with an explicit EOS token: the last position's prefix is the complete item.
//
// Simulated beam search (paper §2.2 procedure, literally): start from the root; at step s every running beam is
// extended by each trie-valid child, and candidates finished at earlier steps (complete items) stay in the
// candidate list with their score; the B best candidates are kept, those that end in EOS (a leaf) stop running but
// keep their slot. θ at step s is the B-th best candidate score. This differs from the evaluation decoder
// (src/decode/beam.ts, Hugging Face semantics: B running beams plus a separate pool of finished items) only when
// items of different lengths compete; it is run with the model in eval mode (no dropout) under noGrad, one batched
// `advance` per step for all users (about B·|y| extra model rows per example, the cost the paper measures).
import { noGrad, stack, tensor, tidy, type Tensor } from '../../engine/index.js';
import { advanceModel, checkInt, childScores, startModel, type StepOutput } from '../../decode/common.js';
import type { StepModel } from '../../decode/types.js';
import type { PrefixTrie } from '../../ids/trie.js';
import { defineConfig, int, num, oneOf, type ConfigOf } from '../../util/config.js';
import { checkObjectiveInput, fullLogProbs, maskedLogProbs, realTokenCount } from './common.js';
import { defineObjective } from './entry.js';
import type { ObjectiveInput, ObjectiveOutput, PrepareContext } from './types.js';

// The extra input this objective's `prepare` produces and its loss reads (see ObjectiveExtras in ./types.ts).
declare module './types.js' {
  interface ObjectiveExtras {
    /**
     * [B, L] log-prob of the B-th best prefix of length t+1 in a beam search simulated on the batch's histories
     * (constant, no gradient), −Infinity where that step has fewer than B candidates.
     */
    beamThresholds: Tensor;
  }
}

export const BeamSimConfig = defineConfig('beam-sim', {
  base: oneOf(['sft', 'msl'], {
    default: 'msl',
    doc: "Base objective the beam-simulation penalty is added to ('sft': full softmax, 'msl': masked softmax at `temperature`).",
    paper: 'BEAR Table 5 runs objective (3.1) on the BIGRec (SFT) backbone; msl matches `bear`’s default base',
  }),
  lambda: num({
    default: 1,
    min: 0,
    doc: 'Weight λ of the prefix-vs-B-th-beam penalty (0 gives the base objective exactly).',
    paper: 'BEAR §3.1 gives no weight for (3.1); same role as BEAR’s λ',
  }),
  xi: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: 'Sigmoid temperature ξ of the surrogate −log σ((log P(y_≤t) − θ_t)/ξ).',
    paper: 'BEAR §3.2 (ξ of the sigmoid surrogate), searched in [0.25, 3.0]',
  }),
  beamWidth: int({
    default: 10,
    min: 1,
    doc: 'B of the simulated beam search (set it to the inference beam width).',
    paper: 'BEAR §4.1: constrained beam search with beam size B = 10',
  }),
  temperature: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: "MSL temperature τ of the base objective when base = 'msl' (ignored for 'sft').",
  }),
});
export type BeamSimConfig = ConfigOf<typeof BeamSimConfig>;

const WHERE = 'beamSimThresholds';

/**
 * What the simulation reads: the users' step model and the item trie (it walks trie nodes itself). It ranks by the
 * full softmax, as the HF constrained beam search it simulates does.
 */
export interface SimulationInput<S> {
  model: StepModel<S>;
  trie: PrefixTrie;
  numUsers: number;
}

/**
 * Simulates the beam search described in the module comment for every user and returns the thresholds as a
 * U × width Float64Array: out[u·width + s] = log-prob of the B-th best candidate prefix of length s+1 at step s
 * (sum of the model's log-probs along the prefix, float64), −Infinity where user u has fewer than B candidates at
 * step s (nothing is pruned). Candidates of probability 0 (log-prob −∞) are dead and never kept. Steps beyond the
 * last one that has running beams keep the finished candidates alone. Runs under noGrad; frees every state.
 */
export function simulateBeamThresholds<S>(
  input: SimulationInput<S>,
  beamWidth: number,
  width: number = input.trie.maxDepth,
): Float64Array {
  const { model, trie, numUsers: U } = input;
  checkInt(WHERE, 'beamWidth', beamWidth, 1);
  checkInt(WHERE, 'width', width, 0);
  checkInt(WHERE, 'numUsers', U, 0);
  const B = beamWidth;
  const out = new Float64Array(U * width).fill(-Infinity);
  if (U === 0 || width === 0) return out;
  // Finished candidates kept in each user's beam (scores only; they never change).
  const finished: number[][] = Array.from({ length: U }, () => []);
  const fill = (u: number, s: number, scores: number[]): void => {
    if (scores.length >= B) out[u * width + s] = scores[B - 1];
  };
  noGrad(() => {
    let cur: StepOutput<S> = startModel(model, U);
    let lpLive = true;
    let liveUser = Int32Array.from({ length: U }, (_, u) => u);
    let liveNode = new Int32Array(U);
    let liveScore = new Float64Array(U);
    let s = 0;
    try {
      for (; s < width; s++) {
        const N = liveUser.length;
        const ch = trie.batchChildren(liveNode);
        const C = ch.width;
        const lp = cur.logProbs;
        const sc = C === 0 ? new Float64Array(0) : tidy(() => childScores(lp, ch, liveScore, 'full').toFloat64());
        cur.logProbs.dispose();
        lpLive = false;
        // Candidates per user: finished ones carried along, then the children of its running beams.
        type Cand = { score: number; row: number; e: number };
        const cands: Cand[][] = finished.map((f) => f.map((score) => ({ score, row: -1, e: -1 })));
        for (let r = 0; r < N; r++) {
          for (let c = 0; c < C; c++) {
            const e = r * C + c;
            if (ch.next[e] < 0) break;
            if (sc[e] === -Infinity) continue;
            cands[liveUser[r]].push({ score: sc[e], row: r, e });
          }
        }
        const nUser: number[] = [];
        const nRow: number[] = [];
        const nTok: number[] = [];
        const nNode: number[] = [];
        const nScore: number[] = [];
        for (let u = 0; u < U; u++) {
          const cs = cands[u];
          cs.sort((a, b) => b.score - a.score); // stable: ties keep candidate order
          const kept = cs.slice(0, B);
          fill(
            u,
            s,
            kept.map((k) => k.score),
          );
          const fin: number[] = [];
          for (const k of kept) {
            if (k.row < 0 || trie.leafItem[ch.next[k.e]] >= 0) fin.push(k.score);
            else {
              nUser.push(u);
              nRow.push(k.row);
              nTok.push(ch.tokens[k.e]);
              nNode.push(ch.next[k.e]);
              nScore.push(k.score);
            }
          }
          finished[u] = fin;
        }
        if (nUser.length === 0 || s + 1 >= width) {
          s++;
          break;
        }
        const next = advanceModel(model, cur.state, Int32Array.from(nRow), Int32Array.from(nTok));
        model.dispose(cur.state);
        cur = next;
        lpLive = true;
        liveUser = Int32Array.from(nUser);
        liveNode = Int32Array.from(nNode);
        liveScore = Float64Array.from(nScore);
      }
    } finally {
      if (lpLive) cur.logProbs.dispose();
      model.dispose(cur.state);
    }
    // No running beam left: the beam holds its finished candidates for the remaining steps.
    for (; s < width; s++) for (let u = 0; u < U; u++) fill(u, s, finished[u]);
  });
  return out;
}

/** Intermediate quantities of the beam-simulation objective (exposed for tests). */
export interface BeamSimParts {
  /** [B, L] log P(y_≤t | x) under the full softmax (differentiable; padded positions repeat the last real one). */
  prefixLogProb: Tensor;
  /** [B, L] −log σ((log P(y_≤t) − θ_t)/ξ), 0 where not applied (differentiable). */
  penalty: Tensor;
  /** [B, L] 1 where the penalty applies (real position with a finite threshold), logits' dtype. */
  on: Tensor;
}

function checkThresholds(input: ObjectiveInput): Tensor {
  const thr = input.beamThresholds;
  if (thr === undefined) {
    throw new Error(
      "beam-sim: input.beamThresholds is missing; the training task fills it through the objective's `prepare` hook (beamSimThresholds)",
    );
  }
  const [b, l] = input.logits.shape;
  if (thr.ndim !== 2 || thr.shape[0] !== b || thr.shape[1] !== l) {
    throw new Error(`beam-sim: beamThresholds must be [${b}, ${l}], got [${thr.shape.join(', ')}]`);
  }
  return thr;
}

export function beamSimParts(input: ObjectiveInput, xi: number): BeamSimParts {
  const thr = checkThresholds(input);
  const { logpY } = fullLogProbs(input, false);
  const prefixLogProb = logpY.mul(input.mask).cumsum(1);
  const [on, theta] = noGrad(() => {
    const t = thr.detach().to(logpY.dtype);
    const onB = t.isfinite().logicalAnd(input.mask.gt(0));
    // Where off, use θ = log P so every term stays finite (then masked out).
    return [onB.to(logpY.dtype), onB.where(t, prefixLogProb.detach())] as const;
  });
  const penalty = prefixLogProb.sub(theta).div(xi).logSigmoid().neg().mul(on);
  return { prefixLogProb, penalty, on };
}

/** The beam-simulation objective for one batch (needs `input.beamThresholds`). */
export function beamSimLoss(input: ObjectiveInput, cfg: BeamSimConfig): ObjectiveOutput {
  checkObjectiveInput(input, 'beam-sim');
  const parts = beamSimParts(input, cfg.xi);
  const count = realTokenCount(input.mask);
  const logpBase = cfg.base === 'sft' ? fullLogProbs(input, false).logpY : maskedLogProbs(input, cfg.temperature).logpY;
  const baseSum = logpBase.neg().mul(input.mask).sum();
  const regSum = parts.penalty.sum();
  const loss = baseSum.add(regSum.mul(cfg.lambda)).div(count);
  const logs = noGrad(() => {
    const nOn = parts.on.sum();
    const below = parts.penalty.detach().gt(Math.log(2)).to(parts.on.dtype).mul(parts.on).sum(); // margin < 0
    const packed = stack([baseSum.detach().div(count), regSum.detach().div(count), below.div(nOn.clamp(1))]);
    return Array.from(packed.toFloat64());
  });
  return { loss, logs: { base: logs[0], reg: logs[1], belowBeam: logs[2] } };
}

/**
 * [B, L] float64 thresholds θ of a beam of width `beamWidth` simulated on the batch's histories (see
 * simulateBeamThresholds), L = the batch's target width; computed through `ctx.withStepModel` (eval mode, no grad).
 */
export function beamSimThresholds(ctx: PrepareContext, beamWidth: number): Tensor {
  const { histories, trie } = ctx;
  const width = ctx.target.targets.shape[1];
  return ctx.withStepModel((model) => {
    const thr = simulateBeamThresholds({ model, trie, numUsers: histories.length }, beamWidth, width);
    return tensor(thr, [histories.length, width], 'float64');
  });
}

export const BEAM_SIM_OBJECTIVE = defineObjective({
  config: BeamSimConfig,
  doc: 'Base objective + λ · prefix vs B-th simulated beam penalty (BEAR §3.1).',
  create: (c) => (input) => beamSimLoss(input, c),
  prepare: (c, ctx) => ({ beamThresholds: beamSimThresholds(ctx, c.beamWidth) }),
});
