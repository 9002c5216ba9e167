// A method's per-seed figures and their summary over seeds (mean ± std, PR@K pooled over seeds).
import type { PruningSummary } from '../eval/pruning/summary.js';
import { meanStd } from '../eval/stats.js';

export interface SeedRun {
  seed: number;
  values: Record<string, number>;
  /** PR@K case and pruned counts (summed over seeds for a pooled rate). */
  counts: Record<string, { cases: number; pruned: number }>;
  ndcg10: Float64Array;
}

/** A run's table values: test HR/NDCG@5/10, training seconds per epoch and, with diagnostics, PR@K and their kin. */
export function seedRun(
  seed: number,
  mean: Record<string, number>,
  secondsPerEpoch: number,
  ndcg10: Float64Array,
  s: PruningSummary | null,
): SeedRun {
  const values: Record<string, number> = { 'train s/ep': secondsPerEpoch };
  for (const k of ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10']) values[k] = mean[k] ?? NaN;
  const counts: SeedRun['counts'] = {};
  if (s) {
    for (const [key, v] of Object.entries(s.byK)) {
      values[key] = v.rate;
      values[key.replace('pr@', 'nec@')] = v.necessaryShare;
      counts[key] = { cases: v.cases, pruned: v.pruned };
    }
    values['exact ndcg@10'] = s.exact['ndcg@10'] ?? NaN;
    values['exact hr@10'] = s.exact['hr@10'] ?? NaN;
    values['violation rate'] = s.violationRate;
  }
  return { seed, values, counts, ndcg10 };
}

/** Each test user's NDCG@10 averaged over the runs of `seeds` (all runs when omitted); the same users in every run. */
export function perUserMeanNdcg10(runs: readonly SeedRun[], seeds?: ReadonlySet<number>): Float64Array {
  const sel = seeds ? runs.filter((r) => seeds.has(r.seed)) : runs;
  const acc = new Float64Array(sel[0].ndcg10.length);
  for (const r of sel) for (let u = 0; u < acc.length; u++) acc[u] += r.ndcg10[u] / sel.length;
  return acc;
}

export type Summary = Record<string, { mean: number; std: number; n: number }>;

/**
 * mean ± std over seeds of every value (NaN-valued seeds, e.g. PR@K with no case, are skipped), plus PR@K pooled over
 * seeds ('<key> pooled', with the summed '<key> cases' and '<key> pruned').
 */
export function summarize(runs: SeedRun[]): Summary {
  const out: Summary = {};
  for (const k of new Set(runs.flatMap((r) => Object.keys(r.values)))) {
    const xs = runs.map((r) => r.values[k]).filter((x) => Number.isFinite(x));
    out[k] = xs.length > 0 ? meanStd(xs) : { mean: NaN, std: NaN, n: 0 };
  }
  for (const key of new Set(runs.flatMap((r) => Object.keys(r.counts)))) {
    const cases = runs.reduce((a, r) => a + (r.counts[key]?.cases ?? 0), 0);
    const pruned = runs.reduce((a, r) => a + (r.counts[key]?.pruned ?? 0), 0);
    out[`${key} cases`] = { mean: cases, std: 0, n: runs.length };
    out[`${key} pruned`] = { mean: pruned, std: 0, n: runs.length };
    out[`${key} pooled`] = { mean: cases > 0 ? pruned / cases : NaN, std: 0, n: runs.length };
  }
  return out;
}
