// Per-seed figures of a method and their summary over seeds, shared by `bench bear` and `bench scoring`.
import type { PruningSummary } from '../src/eval/pruning.js';
import { meanStd, wilsonInterval } from '../src/eval/stats.js';
import type { Row } from '../src/report/table.js';

/** The columns of the comparison tables (mean ± std over seeds). */
const SEED_COLS = ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10', 'pr@5', 'pr@10', 'nec@10', 'exact ndcg@10', 'train s/ep'];

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

/**
 * The pooled PR@K cell of a summary: 'rate (pruned/cases) [lo, hi]' with its 95% Wilson interval; '–' when no seed
 * had a case; null when the summary has no diagnostics.
 */
export function pooledCell(s: Summary, key: string): string | null {
  const c = s[`${key} cases`]?.mean;
  const p = s[`${key} pruned`]?.mean;
  if (c === undefined || p === undefined) return null;
  if (c === 0) return '–';
  const w = wilsonInterval(p, c);
  return `${(p / c).toFixed(3)} (${p}/${c}) [${w.lo.toFixed(3)}, ${w.hi.toFixed(3)}]`;
}

/** The SEED_COLS cells of a summary: mean ± std over several seeds, the value of one, null when absent. */
export function summaryCells(s: Summary): Row {
  const row: Row = {};
  for (const c of SEED_COLS) {
    const v = s[c];
    row[c] = !v || !Number.isFinite(v.mean) ? null : v.n > 1 ? { mean: v.mean, std: v.std } : v.mean;
  }
  return row;
}

/** Table columns for SEED_COLS (best NDCG/HR in bold). */
export function seedColumns(): { key: string; decimals: number; best?: 'max' }[] {
  return SEED_COLS.map((key) => ({
    key,
    decimals: key === 'train s/ep' ? 1 : 4,
    ...(key.startsWith('ndcg') || key.startsWith('hr') ? { best: 'max' as const } : {}),
  }));
}
