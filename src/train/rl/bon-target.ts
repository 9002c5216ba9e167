// The Best-of-N alignment target (BLADE §2.3 eq. 5–7, §3.3 eq. 11–15; /work/shared/papers/blade.md) as pure functions
// over rewards: the estimated CDF F̂ of the reward under the target the policy is aligned to, and the quantile proxy
// reward (N − 1)·log F̂(R(y)) that replaces R in GRPO (the KL term of eq. 7 is GRPO's own).
//
//   F̂(r) = (N_ref(r) + τ · N_batch(r)) / (M + τ · G)                                       (eq. 14)
//
// N_ref(r): how many of the prompt's M reference rewards (lists sampled once from the frozen SFT policy) are below r;
// N_batch(r): how many of the prompt's G current rollouts are below r (the rollouts GRPO already has: no extra model
// call). τ = 0 is static BoN alignment (vBoN: F̂ = F_ref, eq. 6–7); M = 0 ("no prior") uses the batch alone.
//
// Conventions (the paper writes both P(R ≤ r), eq. 5, and counts "< r", eq. 14 and Alg. 1):
// - ties: 'below' counts rewards strictly below r (eq. 14, the default); 'atOrBelow' counts rewards ≤ r (eq. 5's CDF).
//   Under 'atOrBelow' a rollout counts itself in N_batch.
// - floor: log F̂ must be finite when nothing is below r (F̂ = 0, e.g. the minimum under 'below'): the count is then
//   half the smallest step it can take (a reference reward counts 1, a batch reward τ), 0.5 · min(1 if M > 0, τ if
//   τ > 0), which keeps F̂ monotone in r and the proxy reward finite for every finite reward.
// - saturation: F̂ = 1 (every reference and counted batch reward at or below r): the static target's failure mode
//   (indiscriminate supervision, gradient decay: §3.1); saturatedShare reports it.
import { defineConfig, int, num, oneOf, str, type ConfigOf } from '../../util/config.js';

export const BonTargetConfig = defineConfig('bon', {
  n: int({
    default: 4,
    min: 1,
    doc: 'N of the Best-of-N target: the proxy reward is (N − 1)·log F̂.',
    paper: 'BLADE eq. 7 (N not stated for training; Table 1 compares N = 2, 4)',
  }),
  tau: num({
    default: 0.3,
    min: 0,
    doc: 'τ: weight of the current group’s counts against the M reference counts (0 = static BoN alignment).',
    paper: 'BLADE eq. 14; tuned in {0.1, 0.3, 0.5, 1.0}, Fig. 4 uses 0.3',
  }),
  ties: oneOf(['below', 'atOrBelow'], {
    default: 'below',
    doc: "Which rewards count for F̂(r): strictly below r ('below', eq. 14) or at or below ('atOrBelow', eq. 5's CDF).",
  }),
  referenceSize: int({
    default: 128,
    min: 0,
    doc: 'M: reference lists sampled per prompt from the frozen init policy (align.temperature, align.repetitionPenalty), once, cached on disk; 0 = BLADE without the prior (the batch alone; needs τ > 0).',
    paper: 'BLADE §4.1.4: M = 128; Fig. 5–6 "w/o prior"',
  }),
  referenceSeed: int({ default: 1, min: 0, doc: 'Seed of the reference lists (distinct from align.seed’s rollouts).' }),
  cacheDir: str({
    default: '',
    doc: 'Where reference sets are cached (one file per model, data, prompts, sampling settings and reward); empty = <align.init>/bon-reference.',
  }),
});
export type BonTargetConfig = ConfigOf<typeof BonTargetConfig>;

/** Rewards of `sorted` (ascending) below r, or at or below r. */
function countBelow(sorted: Float64Array, r: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < r || (inclusive && sorted[mid] === r)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The count F̂ takes when nothing is below r (see the module comment). */
function floorCount(M: number, tau: number): number {
  return 0.5 * Math.min(M > 0 ? 1 : Infinity, tau > 0 ? tau : Infinity);
}

/** One prompt's reference rewards, sorted ascending (what bonCdf reads; sort once, reuse every step). */
export function sortedReference(rewards: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(rewards);
  for (const r of s) if (!Number.isFinite(r)) throw new Error(`bon: reference rewards must be finite, got ${r}`);
  return s.sort();
}

/**
 * F̂ of each rollout, [P·G] (row p·G + g = rollout g of prompt p): `rewards` are the rollouts' rewards, `reference[p]`
 * prompt p's sorted reference rewards (empty or null = no prior, M = 0).
 */
export function bonCdf(
  rewards: ArrayLike<number>,
  groupSize: number,
  reference: ReadonlyArray<Float64Array | null>,
  cfg: Pick<BonTargetConfig, 'tau' | 'ties'>,
): Float64Array {
  const G = groupSize;
  const P = reference.length;
  if (!Number.isInteger(G) || G < 1 || rewards.length !== P * G)
    throw new Error(`bonCdf: ${rewards.length} rewards are not ${P} prompts × G = ${G}`);
  const inclusive = cfg.ties === 'atOrBelow';
  const out = new Float64Array(P * G);
  for (let p = 0; p < P; p++) {
    const ref = reference[p] ?? new Float64Array(0);
    const M = ref.length;
    const denom = M + cfg.tau * G;
    if (!(denom > 0)) throw new Error('bonCdf: M = 0 and τ = 0 leave nothing to estimate F̂ from');
    const group = Float64Array.from({ length: G }, (_, g) => rewards[p * G + g]).sort();
    for (let g = 0; g < G; g++) {
      const r = rewards[p * G + g];
      if (!Number.isFinite(r)) throw new Error(`bonCdf: reward ${r} of rollout ${p * G + g} is not finite`);
      const n = countBelow(ref, r, inclusive) + (cfg.tau > 0 ? cfg.tau * countBelow(group, r, inclusive) : 0);
      out[p * G + g] = (n > 0 ? n : floorCount(M, cfg.tau)) / denom;
    }
  }
  return out;
}

/** The quantile proxy rewards (N − 1)·log F̂, finite for every F̂ from bonCdf. */
export function bonProxyRewards(cdf: ArrayLike<number>, n: number): Float64Array {
  return Float64Array.from(cdf, (f) => (n - 1) * Math.log(f));
}

/** Share of rollouts whose F̂ is 1 (saturated: the target no longer tells them apart). */
export function saturatedShare(cdf: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < cdf.length; i++) if (cdf[i] >= 1) s++;
  return cdf.length > 0 ? s / cdf.length : 0;
}
