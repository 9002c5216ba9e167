// BEAR, beam-search-aware regularisation (Yang et al. 2026, /work/shared/papers/bear.md §3.2):
//
//   L_BEAR = L_base + λ · L_reg,     L_reg = Σ_t log σ_ξ( log β_t^B − log p(y_t | y_<t, x) )        (eqs. 3.4, 3.5)
//
// with σ_ξ(Δ) = 1 / (1 + exp(−Δ/ξ)) and β_t^B the B-th largest next-token probability at step t, a threshold
// treated as a constant (detached). Note the sign: the paper's regulariser is +log σ (a log-sigmoid of the pruning
// margin Δ_t = log β − log p, which is ≤ 0); minimising it lowers Δ_t, i.e. raises p(y_t) relative to the threshold.
//
// Decisions (documented in the config too):
// - β_t^B is taken among the trie-VALID tokens only (constrained beam search never sees the others; §3.2 "the
//   probabilities P(·|y_<t,x) for all valid next tokens"). With fewer than B valid tokens the smallest valid
//   probability is used; a step with a single valid token carries no signal and is excluded from L_reg.
// - p and β come from the same distribution: the base objective's. For base 'sft' that is the full softmax; for
//   base 'msl' it is MSL's masked softmax over the valid tokens at temperature τ (the distribution the MSL-trained
//   model is trained and decoded with). Either way Δ_t = z_(B)/τ − z_y/τ in logit terms (normalisers cancel), but
//   the gradient differs because β is detached while log p is not.
// - Both terms are means over the real target tokens: loss = (Σ_t nll_t + λ Σ_{t regularised} reg_t) / N.
//
// Two implementations with identical values and gradients:
// - 'direct':     the formula above, differentiated by autograd.
// - 'reweighted': with β constant, ∂reg_t/∂log p_t = −(1/ξ) σ((log p_t − log β_t)/ξ), so ∂L_BEAR/∂log p_t =
//   −(1 + (λ/ξ) σ((log p_t − log β_t)/ξ)) = ∂/∂log p_t of w_t · (−log p_t) with w_t detached. Since both L_base
//   and L_reg depend on the parameters only through log p_t (of the same distribution), this is exact in gradient
//   for either base. The returned value is corrected by a detached constant so it equals L_BEAR.
import { noGrad, stack, type Tensor } from '../../engine/index.js';
import { bool, defineConfig, int, num, oneOf, type ConfigOf } from '../../util/config.js';
import { checkObjectiveInput, realTokenCount, tokenLogProbs, type TokenDistribution } from './common.js';
import { defineObjective } from './entry.js';
import type { Objective, ObjectiveInput, ObjectiveOutput } from './types.js';

export const BearConfig = defineConfig('bear', {
  base: oneOf(['sft', 'msl'], {
    default: 'msl',
    doc: "Base objective that BEAR regularises; p and β come from its distribution ('sft': full softmax, 'msl': masked softmax at `temperature`).",
    paper: 'BEAR eq. 3.5 adds L_reg to SFT; Tables 3-4 adopt MSL as the representative SFT method',
  }),
  lambda: num({
    default: 1,
    min: 0,
    doc: 'Weight λ of the beam-search-aware regulariser (0 gives the base objective exactly).',
    paper: 'BEAR eq. 3.5; searched in [0.1, 5.0] (§4.1), no single default stated',
  }),
  xi: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: 'Sigmoid temperature ξ of the surrogate σ_ξ(Δ) = 1/(1+exp(−Δ/ξ)).',
    paper: 'BEAR §3.2; searched in [0.25, 3.0] (§4.1), no single default stated',
  }),
  beamWidth: int({
    default: 10,
    min: 1,
    doc: 'B: the threshold β_t^B is the B-th largest valid next-token probability (set it to the inference beam width).',
    paper: 'BEAR §4.1: constrained beam search with beam size B = 10',
  }),
  temperature: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: "MSL temperature τ of the base distribution when base = 'msl' (ignored for 'sft').",
    paper: 'MSL (Wang et al. 2025); value not stated in BEAR, 1.0',
  }),
  form: oneOf(['direct', 'reweighted'], {
    default: 'direct',
    doc: "Implementation: 'direct' differentiates λ·log σ_ξ(log β − log p) (default: slightly fewer ops, measured as fast or faster); 'reweighted' uses the equal-gradient detached token weights 1 + (λ/ξ)σ((log p − log β)/ξ).",
  }),
  logStats: bool({
    default: true,
    doc: 'Report base loss, regulariser and violation rate in the objective logs (one extra host read per batch).',
  }),
});
export type BearConfig = ConfigOf<typeof BearConfig>;

/** Intermediate quantities of BEAR for one batch (exposed for tests and diagnostics). */
export interface BearParts {
  /** [B, L] −log p(y_t) under the base distribution (differentiable). */
  nll: Tensor;
  /** [B, L] log β_t^B (detached; equals log p(y_t) where not regularised). */
  logBeta: Tensor;
  /** [B, L] 1 where the regulariser applies (real position with ≥ 2 valid tokens), else 0; logits' dtype. */
  regMask: Tensor;
  /** Scalar: number of real target tokens (≥ 1). */
  count: Tensor;
}

function distributionOf(cfg: BearConfig): TokenDistribution {
  return cfg.base === 'sft' ? { kind: 'full' } : { kind: 'masked', temperature: cfg.temperature };
}

/**
 * Threshold log β_t^B from the detached valid log-probabilities [B, L, C] (−∞ where invalid): the B-th largest,
 * or the smallest valid one when fewer than B are valid. Also returns the number of valid tokens per step.
 */
export function topBThreshold(logpValid: Tensor, validMask: Tensor, beamWidth: number): [Tensor, Tensor] {
  return noGrad(() => {
    const c = logpValid.size(-1);
    const k = Math.min(beamWidth, c);
    const [top] = logpValid.topk(k, -1, true, true); // [B, L, k], descending
    const nValid = validMask.sum(-1); // int64 [B, L]
    const idx = nValid.clamp(1, k).sub(1).unsqueeze(-1);
    return [top.gather(2, idx).squeeze(-1), nValid];
  });
}

/**
 * The pieces of BEAR for one batch. `frozenLogBeta` replaces the computed threshold (for finite-difference
 * gradient checks, where β must stay constant while the logits move).
 */
export function bearParts(input: ObjectiveInput, cfg: BearConfig, frozenLogBeta?: Tensor): BearParts {
  const { logpY, logpValid } = tokenLogProbs(input, distributionOf(cfg));
  const [rawBeta, nValid] = topBThreshold(logpValid, input.valid.mask, cfg.beamWidth);
  const nll = logpY.neg();
  return noGrad(() => {
    const regMask = nValid.ge(2).to(logpY.dtype).mul(input.mask);
    const on = regMask.gt(0);
    // Where the regulariser is off, set β = p so Δ = 0 and every term stays finite (then masked out).
    const logBeta = on.where(frozenLogBeta ?? rawBeta, logpY.detach());
    return { nll, logBeta, regMask, count: realTokenCount(input.mask) };
  });
}

/** log σ_ξ(log β − log p) per token, [B, L] (differentiable through log p = −nll). */
export function bearRegularizer(parts: BearParts, xi: number): Tensor {
  return parts.logBeta.add(parts.nll).div(xi).logSigmoid();
}

/** BEAR loss for one batch. */
export function bearLoss(input: ObjectiveInput, cfg: BearConfig, frozenLogBeta?: Tensor): ObjectiveOutput {
  checkObjectiveInput(input, 'bear');
  const parts = bearParts(input, cfg, frozenLogBeta);
  const { nll, regMask, count } = parts;
  const mask = input.mask;
  const baseSum = nll.mul(mask).sum();
  let loss: Tensor;
  let regSum: Tensor;
  if (cfg.form === 'direct') {
    regSum = bearRegularizer(parts, cfg.xi).mul(regMask).sum();
    loss = baseSum.add(regSum.mul(cfg.lambda)).div(count);
  } else {
    // w_t = 1 + (λ/ξ) σ((log p − log β)/ξ) on regularised tokens, detached.
    const w = noGrad(() =>
      parts.logBeta
        .add(nll.detach())
        .div(-cfg.xi)
        .sigmoid()
        .mul(regMask)
        .mul(cfg.lambda / cfg.xi)
        .add(1),
    );
    const surrogate = nll.mul(w).mul(mask).sum().div(count);
    regSum = noGrad(() => bearRegularizer(parts, cfg.xi).mul(regMask).sum());
    const value = noGrad(() => baseSum.detach().add(regSum.mul(cfg.lambda)).div(count));
    loss = surrogate.add(noGrad(() => value.sub(surrogate.detach())));
  }
  if (!cfg.logStats) return { loss };
  const logs = noGrad(() => {
    const nReg = regMask.sum();
    const violated = parts.logBeta.add(nll.detach()).gt(0).to(regMask.dtype).mul(regMask).sum();
    const packed = stack([baseSum.detach().div(count), regSum.detach().div(count), violated.div(nReg.clamp(1))]);
    return Array.from(packed.toFloat64()); // one host read
  });
  return { loss, logs: { base: logs[0], reg: logs[1], violation: logs[2] } };
}

export function bear(cfg: Partial<BearConfig> = {}): Objective {
  const c = BearConfig.parse(cfg);
  return (input) => bearLoss(input, c);
}

/** No `prepare`: β_t^B comes from the teacher-forced logits themselves (unlike beam-sim's simulated beams). */
export const BEAR_OBJECTIVE = defineObjective({
  config: BearConfig,
  doc: 'Base objective (sft|msl) + λ · beam-search-aware regulariser (BEAR).',
  create: bear,
});
