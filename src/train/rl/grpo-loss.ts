// The clipped GRPO objective (BLADE eq. 3, /work/shared/papers/blade.md §2.2; DeepSeekMath eq. 3), as a loss:
//
//   loss = − (1/N') Σ_i (1/T_i) Σ_{t valid} [ min(ρ_{i,t} A_{i,t}, clip(ρ_{i,t}, 1−ε, 1+ε) A_{i,t}) − β · KL_{i,t} ]
//
//   ρ_{i,t}  = exp(log π_θ(y_{i,t}) − log π_old(y_{i,t}))                  token-level importance ratio
//   KL_{i,t} = exp(log π_ref − log π_θ) − (log π_ref − log π_θ) − 1        the k3 estimator of KL(π_θ ‖ π_ref)
//
// Conventions (the paper's eq. 3, read literally):
// - Grouping: each response's valid tokens are averaged first (1/T_i, T_i = its number of valid tokens), then the
//   responses are averaged (the paper's 1/G over a group; over a batch of P groups, the mean over all N = P·G
//   responses, which is the mean over groups of eq. 3 since every group has G responses). A response with no valid
//   token (a padding row) is left out of the mean: N' = number of responses with at least one valid token.
// - KL: eq. 3 writes D_KL(π_θ ‖ π_ref) per token; DeepSeekMath (eq. 4) estimates it with k3 on the sampled token,
//   unbiased and non-negative. It is evaluated at the sampled tokens only (no sum over the vocabulary) and
//   differentiated through log π_θ: ∂KL/∂log π_θ = 1 − π_ref/π_θ.
// - π_old and π_ref are constants (detached here); the gradient flows through `logProbs` only.
// - Advantages: [N] (one per response, broadcast over its tokens: eq. 3's A_i) or [N, T] (per token). This is the
//   plug-in point for other advantage functions (groupAdvantages for eq. 2; V-STAR's Sibling-GRPO node advantages,
//   vstar.md eq. 18, on the branching tokens and 0 elsewhere); the aggregation above stays eq. 3's.
// - Padded positions (mask 0) may hold anything, ±Infinity and NaN included: they are replaced before any
//   arithmetic, so they change neither the value nor the gradient (which is exactly 0 there).
//
// At ρ = 1 (π_θ = π_old, the first update after sampling) and β = 0 the gradient is REINFORCE's with baseline:
// ∇ loss = −(1/N') Σ_i (1/T_i) Σ_t A_{i,t} ∇ log π_θ(y_{i,t}).
import { noGrad, stack, tidy, type Tensor } from '../../engine/index.js';
import { defineConfig, num, type ConfigOf } from '../../util/config.js';

export const GrpoConfig = defineConfig('grpo', {
  epsClip: num({
    default: 0.2,
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    doc: 'Clip range ε of the importance ratio: ρ is clipped to [1 − ε, 1 + ε] in the surrogate.',
    paper: 'BLADE eq. 3 and DeepSeekMath state no value; 0.2 is PPO’s (Schulman et al. 2017) and TRL’s default',
  }),
  beta: num({
    default: 0.04,
    min: 0,
    doc: 'Weight β of the per-token k3 KL penalty to the reference policy (0 = no reference model needed).',
    paper: 'BLADE eq. 3 (value not stated); DeepSeekMath §4.2: KL coefficient 0.04',
  }),
});
export type GrpoConfig = ConfigOf<typeof GrpoConfig>;

/** One batch of sampled responses, token-aligned ([N, T]: N responses, T = longest response). */
export interface GrpoInput {
  /** [N, T] log π_θ of each sampled token under the current policy (differentiable), float32 or float64. */
  logProbs: Tensor;
  /** [N, T] log π_old of the same tokens under the behaviour policy that sampled them (constant). */
  oldLogProbs: Tensor;
  /** [N, T] log π_ref of the same tokens under the reference policy (constant; unused when β = 0). */
  refLogProbs: Tensor;
  /** [N, T] valid tokens: non-zero (float) or true (bool); 0 / false = padding. */
  mask: Tensor;
  /** [N] per-response or [N, T] per-token advantages (constant), e.g. groupAdvantages(...).flatten(). */
  advantages: Tensor;
}

/**
 * Diagnostics of one GRPO batch, each a mean over all valid tokens of the batch. (A type alias, not an interface,
 * so that a GrpoOutput is assignable to an objective's ObjectiveOutput, whose logs are a Record<string, number>.)
 */
export type GrpoLogs = {
  /** Mean k3 KL(π_θ ‖ π_ref) estimate per token. */
  kl: number;
  /**
   * Share of tokens where clipping is active, i.e. where the clipped term is the minimum and the token gets no
   * policy gradient: A > 0 and ρ > 1 + ε, or A < 0 and ρ < 1 − ε.
   */
  clipFraction: number;
  /** Mean importance ratio ρ. */
  ratio: number;
};

export interface GrpoOutput {
  /** Scalar loss to minimise (−J of eq. 3), differentiable w.r.t. `logProbs`. */
  loss: Tensor;
  logs: GrpoLogs;
}

function checkGrpoInput(input: GrpoInput): void {
  const { logProbs, advantages } = input;
  const shape = (t: Tensor): string => `[${t.shape.join(', ')}] ${t.dtype}`;
  const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';
  if (logProbs.ndim !== 2 || !isFloat(logProbs))
    throw new Error(`grpoLoss: logProbs must be [N, T] float32 or float64, got ${shape(logProbs)}`);
  const [n, t] = logProbs.shape;
  for (const k of ['oldLogProbs', 'refLogProbs', 'mask'] as const) {
    const x = input[k];
    const ok =
      x.ndim === 2 && x.shape[0] === n && x.shape[1] === t && (isFloat(x) || (k === 'mask' && x.dtype === 'bool'));
    if (!ok) throw new Error(`grpoLoss: ${k} must be [${n}, ${t}] like logProbs, got ${shape(x)}`);
  }
  const perResponse = advantages.ndim === 1 && advantages.shape[0] === n;
  const perToken = advantages.ndim === 2 && advantages.shape[0] === n && advantages.shape[1] === t;
  if (!(perResponse || perToken) || !isFloat(advantages))
    throw new Error(`grpoLoss: advantages must be [${n}] or [${n}, ${t}] float, got ${shape(advantages)}`);
}

/** The GRPO loss of eq. 3 and its diagnostics (see the module comment for every convention). */
export function grpoLoss(input: GrpoInput, cfg: GrpoConfig = GrpoConfig.defaults()): GrpoOutput {
  checkGrpoInput(input);
  const { epsClip: eps, beta } = cfg;
  return tidy(() => {
    const logp = input.logProbs;
    const on = input.mask.dtype === 'bool' ? input.mask : input.mask.ne(0);
    const m = on.to(logp.dtype);
    const adv = on.where(input.advantages.ndim === 1 ? input.advantages.unsqueeze(1) : input.advantages, 0).detach();
    const ratio = on.where(logp.sub(input.oldLogProbs.detach()), 0).exp();
    const surrogate = ratio.mul(adv).minimum(ratio.clamp(1 - eps, 1 + eps).mul(adv));
    const refMinusCur = on.where(input.refLogProbs.detach().sub(logp), 0);
    const kl = refMinusCur.exp().sub(refMinusCur).sub(1);
    // Exactly 0 at padding (ρ = 1, A = 0, KL = 0 there), so plain sums over t are sums over the valid tokens.
    const perToken = beta === 0 ? surrogate : surrogate.sub(kl.mul(beta));
    const tokens = m.sum(1);
    const perResponse = perToken.sum(1).div(tokens.clamp(1));
    const responses = tokens.gt(0).to(logp.dtype).sum().clamp(1);
    const loss = perResponse.sum().div(responses).neg();
    const logs = noGrad(() => {
      const n = m.sum().clamp(1);
      const r = ratio.detach();
      const clipped = adv
        .gt(0)
        .logicalAnd(r.gt(1 + eps))
        .logicalOr(adv.lt(0).logicalAnd(r.lt(1 - eps)));
      const sums = [kl.detach().sum(), clipped.to(logp.dtype).sum(), r.mul(m).sum()]; // (A = KL = 0 at padding)
      return Array.from(stack(sums).div(n).toFloat64());
    });
    return { loss, logs: { kl: logs[0], clipFraction: logs[1], ratio: logs[2] } };
  });
}
