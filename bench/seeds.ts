// The seed columns of the comparison tables (`bench bear`, `bench scoring`); per-seed figures and their summary over
// seeds live in src/experiment/summary.ts.
import { wilsonInterval } from '../src/eval/stats.js';
import type { Summary } from '../src/experiment/summary.js';
import type { Row } from '../src/report/table.js';

/** The columns of the comparison tables (mean ± std over seeds). */
const SEED_COLS = ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10', 'pr@5', 'pr@10', 'nec@10', 'exact ndcg@10', 'train s/ep'];

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
