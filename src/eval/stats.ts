/**
 * Statistics for comparing runs: mean ± sample standard deviation over seeds, and a paired bootstrap confidence
 * interval for the difference between two methods evaluated on the same users.
 */
import { Rng } from '../util/rng.js';

/** Mean and sample standard deviation (n − 1 denominator). */
export interface MeanStd {
  mean: number;
  /** Sample standard deviation; NaN when n < 2 (undefined for a single value). */
  std: number;
  n: number;
}

/** Mean ± sample std of `values` (e.g. one metric over seeds). Throws on an empty input or non-finite values. */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length;
  if (n === 0) throw new Error('meanStd: no values');
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`meanStd: value [${i}] is not finite (${values[i]})`);
    s += values[i];
  }
  const mean = s / n;
  if (n < 2) return { mean, std: NaN, n };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/** Linear-interpolation quantile (type 7, as numpy's default) of an ascending-sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty array');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Options for {@link pairedBootstrap}. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples. Default 1000. */
  resamples?: number;
  /** Confidence level of the percentile interval. Default 0.95. */
  confidence?: number;
  /** Seed of the resampling RNG. Default 0. */
  seed?: number | string;
  /** Whether a larger metric value is better (false for e.g. `invalid`). Default true. */
  higherIsBetter?: boolean;
}

/** Result of a paired bootstrap comparison of methods A and B. */
export interface BootstrapResult {
  n: number;
  meanA: number;
  meanB: number;
  /** Observed mean(A) − mean(B). */
  diff: number;
  /** Percentile interval for mean(A) − mean(B). */
  lo: number;
  hi: number;
  confidence: number;
  resamples: number;
  /** Approximate two-sided p-value: 2 × min(share of resampled diffs ≤ 0, share ≥ 0), capped at 1. */
  pValue: number;
  /** `tie` when the interval contains 0; otherwise the method whose metric is better. */
  verdict: 'A better' | 'B better' | 'tie';
}

/**
 * Paired bootstrap over users: resample users with replacement, recompute mean(A − B), and take the percentile
 * interval. `a[u]` and `b[u]` must be the two methods' values for the same user `u`.
 */
export function pairedBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: BootstrapOptions = {},
): BootstrapResult {
  const n = a.length;
  if (b.length !== n) throw new Error(`pairedBootstrap: A has ${n} users but B has ${b.length}`);
  if (n === 0) throw new Error('pairedBootstrap: no users');
  const resamples = opts.resamples ?? 1000;
  const confidence = opts.confidence ?? 0.95;
  const higher = opts.higherIsBetter ?? true;
  if (!Number.isSafeInteger(resamples) || resamples < 1)
    throw new Error(`pairedBootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1))
    throw new Error(`pairedBootstrap: confidence must be in (0, 1), got ${confidence}`);
  const d = new Float64Array(n);
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i]))
      throw new Error(`pairedBootstrap: user ${i} has a non-finite value (A=${a[i]}, B=${b[i]})`);
    d[i] = a[i] - b[i];
    sa += a[i];
    sb += b[i];
  }
  const rng = new Rng(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  let le0 = 0;
  let ge0 = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    const m = s / n;
    means[r] = m;
    if (m <= 0) le0++;
    if (m >= 0) ge0++;
  }
  means.sort();
  const alpha = 1 - confidence;
  const lo = quantileSorted(means, alpha / 2);
  const hi = quantileSorted(means, 1 - alpha / 2);
  let verdict: BootstrapResult['verdict'] = 'tie';
  if (lo > 0) verdict = higher ? 'A better' : 'B better';
  else if (hi < 0) verdict = higher ? 'B better' : 'A better';
  return {
    n,
    meanA: sa / n,
    meanB: sb / n,
    diff: (sa - sb) / n,
    lo,
    hi,
    confidence,
    resamples,
    pValue: Math.min(1, (2 * Math.min(le0, ge0)) / resamples),
    verdict,
  };
}

/**
 * Wilson score interval of a binomial proportion `k / n` (z = 1.96: 95%). Used for rates over few cases, e.g. PR@K
 * pooled over seeds, where the normal approximation fails near 0 and 1. [NaN, NaN] when n = 0.
 */
export function wilsonInterval(k: number, n: number, z = 1.96): { lo: number; hi: number } {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n)
    throw new Error(`wilsonInterval: need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (n === 0) return { lo: NaN, hi: NaN };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/**
 * Percentile bootstrap interval of the mean of `values` (e.g. per-user NDCG@10, averaged over seeds): resample the
 * values with replacement `resamples` times. Throws on an empty input or non-finite values.
 */
export function bootstrapMeanInterval(
  values: ArrayLike<number>,
  opts: Pick<BootstrapOptions, 'resamples' | 'confidence' | 'seed'> = {},
): { mean: number; lo: number; hi: number } {
  const n = values.length;
  if (n === 0) throw new Error('bootstrapMeanInterval: no values');
  const resamples = opts.resamples ?? 1000;
  const confidence = opts.confidence ?? 0.95;
  if (!Number.isSafeInteger(resamples) || resamples < 1)
    throw new Error(`bootstrapMeanInterval: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1))
    throw new Error(`bootstrapMeanInterval: confidence must be in (0, 1), got ${confidence}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`bootstrapMeanInterval: value [${i}] is not finite`);
    sum += values[i];
  }
  const rng = new Rng(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { mean: sum / n, lo: quantileSorted(means, alpha / 2), hi: quantileSorted(means, 1 - alpha / 2) };
}
