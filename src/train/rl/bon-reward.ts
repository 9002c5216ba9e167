// BLADE's proxy reward as a GRPO reward plug-in (./grpo-task.ts RolloutReward): the base reward of each rollout
// (e.g. NDCG of the list) becomes (N − 1)·log F̂ (./bon-target.ts), F̂ estimated from the prompt's reference rewards
// and — with τ > 0 — from the same group of rollouts GRPO already sampled (shared sampling: no extra model call).
// τ = 0 is static BoN alignment, an empty reference BLADE's "no prior" variant.
import type { RolloutReward } from './grpo-task.js';
import { bonCdf, bonProxyRewards, saturatedShare, type BonTargetConfig } from './bon-target.js';

export function bonRolloutReward<P>(
  base: RolloutReward<P>,
  referenceOf: (p: P) => Float64Array | null,
  cfg: BonTargetConfig,
): RolloutReward<P> {
  let last: Record<string, number> = {};
  return {
    name: `bon(${base.name}, N ${cfg.n}, τ ${cfg.tau})`,
    score(prompts, rollouts) {
      const raw = base.score(prompts, rollouts);
      const cdf = bonCdf(raw, rollouts.groupSize, prompts.map(referenceOf), cfg);
      let mean = 0;
      for (const r of raw) mean += r / Math.max(raw.length, 1);
      last = { baseReward: mean, saturated: saturatedShare(cdf) };
      return bonProxyRewards(cdf, cfg.n);
    },
    logs: () => last,
  };
}
