// Group-relative advantages of GRPO (BLADE eq. 2, /work/shared/papers/blade.md §2.2; V-STAR eq. 2 adds the ε):
//
//   A_{p,g} = (r_{p,g} − μ_p) / (σ_p + eps),   μ_p, σ_p = mean and standard deviation of the G rewards of group p
//
// for rewards [P, G]: P contexts (users), G sampled responses (item lists) each. Row-major flattening gives the
// advantage of response n = p·G + g, the [N] layout grpoLoss reads.
//
// Which standard deviation: BLADE and DeepSeekMath (GRPO, Shao et al. 2024, §4.1, outcome supervision) say only
// "the standard deviation" of the group's rewards. The open implementations (TRL's GRPOTrainer; MiniOneRec, a
// generative-recommendation GRPO built on it) use torch's default `std`, the SAMPLE standard deviation
// (Bessel-corrected, divisor G − 1), with eps = 1e-4; that is the default here. 'population' (divisor G) is the
// other reading; the two differ by the factor √(G/(G−1)) (≈ 3 % at BLADE's G = 16).
// A group of one response has σ = 0 under both (its centred reward is 0).
//
// Exactness: a group whose rewards are all equal gets advantages of exactly +0 (no signal), also with eps = 0.
// The rewards are first shifted by the group's first reward, so equal rewards centre to exact zeros instead of to
// the rounding error of a floating mean (0.1 + 0.1 + 0.1 ≠ 3 · 0.1); the shift cancels in exact arithmetic.
//
// The advantage is a pluggable input of grpoLoss: any function producing [N] (per response) or [N, T] (per token,
// e.g. V-STAR's Sibling-GRPO node advantages on the branching tokens, vstar.md §4.3 eq. 18) can replace this one.
import { noGrad, tidy, type Tensor } from '../../engine/index.js';
import { defineConfig, num, oneOf, type ConfigOf } from '../../util/config.js';

export const AdvantageConfig = defineConfig('advantage', {
  std: oneOf(['sample', 'population'], {
    default: 'sample',
    doc: "Standard deviation of a group's rewards: 'sample' (divisor G − 1, torch's default) or 'population' (divisor G).",
    paper:
      'BLADE eq. 2 and DeepSeekMath §4.1.2 do not say; TRL GRPOTrainer and MiniOneRec use torch std (sample, Bessel-corrected)',
  }),
  eps: num({
    default: 1e-4,
    min: 0,
    doc: 'ε added to the group standard deviation: A = (r − μ) / (σ + ε). A group of equal rewards gets A = 0 whatever ε.',
    paper: 'V-STAR eq. 2 (ε > 0, value not stated); TRL GRPOTrainer and MiniOneRec use 1e-4; BLADE eq. 2 has none',
  }),
});
export type AdvantageConfig = ConfigOf<typeof AdvantageConfig>;

/**
 * [P, G] group-relative advantages of the [P, G] rewards (float32 or float64; the result has their dtype and no
 * gradient). Every group's advantages have mean 0 (up to rounding); equal rewards give exactly 0. Throws on a
 * non-finite reward.
 */
export function groupAdvantages(rewards: Tensor, cfg: AdvantageConfig = AdvantageConfig.defaults()): Tensor {
  if (rewards.ndim !== 2 || (rewards.dtype !== 'float32' && rewards.dtype !== 'float64')) {
    throw new Error(
      `groupAdvantages: rewards must be [P, G] float32 or float64, got [${rewards.shape.join(', ')}] ${rewards.dtype}`,
    );
  }
  const G = rewards.shape[1];
  if (G < 1) throw new Error('groupAdvantages: groups must hold at least one reward (G ≥ 1)');
  return tidy(() =>
    noGrad(() => {
      const r = rewards.detach();
      if (r.numel > 0 && !r.isfinite().all().item()) throw new Error('groupAdvantages: rewards must be finite');
      const shifted = r.sub(r.slice(1, 0, 1)); // exact zeros for equal rewards (see the module comment)
      const centred = shifted.sub(shifted.mean(1, true));
      const divisor = cfg.std === 'sample' ? Math.max(G - 1, 1) : G;
      const std = centred.square().sum(1, true).div(divisor).sqrt();
      return std.gt(0).where(centred.div(std.add(cfg.eps)), 0);
    }),
  );
}
