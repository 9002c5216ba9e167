// Mean Group Unfairness (BLADE eq. 16): how far the genre distribution of the generated list L is from that of the
// user's history H, as the mean absolute difference over the catalogue's genre set C:
//
//   MGU = (1/|C|) Σ_{c ∈ C} |P(c|L) − P(c|H)|,   P(c|X) = n_c(X) / Σ_c' n_c'(X),
//
// n_c(X) being the number of items of X (a multiset: a repeated item counts at every occurrence) that carry genre c,
// so P(·|X) is the normalised genre frequency and sums to 1. Lower is fairer; 0 ≤ MGU ≤ 2/|C| (disjoint genres).
// Items without genres (in a data set that has genres) are left out of both distributions. When L or H has no item
// with genres, P is undefined and MGU is NaN (no genre evidence for this list or user).
import { defineConfig } from '../util/config.js';
import { genresOf, type ItemSideInfo } from './side-info.js';
import { defineReward } from './types.js';

function genreDistribution(items: readonly number[], side: ItemSideInfo): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  let total = 0;
  for (const i of items) {
    for (const g of genresOf(side, i) ?? []) {
      counts.set(g, (counts.get(g) ?? 0) + 1);
      total++;
    }
  }
  if (total === 0) return undefined;
  for (const [g, n] of counts) counts.set(g, n / total);
  return counts;
}

/** MGU of `list` against `history` (see the module doc); NaN when either has no item with genres. */
export function mgu(list: readonly number[], history: readonly number[], side: ItemSideInfo): number {
  if (side.genres === undefined) throw new Error(`MGU: data set ${side.dataset} has no item genres`);
  const pl = genreDistribution(list, side);
  const ph = genreDistribution(history, side);
  if (pl === undefined || ph === undefined) return NaN;
  let sum = 0;
  for (const [g, p] of pl) sum += Math.abs(p - (ph.get(g) ?? 0));
  for (const [g, p] of ph) if (!pl.has(g)) sum += p;
  return sum / side.genreCount;
}

/** The largest MGU of the data set, 2/|C| (list and history with disjoint genres). */
export function mguMax(side: ItemSideInfo): number {
  return 2 / side.genreCount;
}

export const MGU = defineReward({
  config: defineConfig('mgu', {}),
  doc: 'Mean Group Unfairness: mean |P(c|list) − P(c|history)| over the genres (lower is fairer).',
  paper: 'BLADE eq. 16 (after Jiang et al. 2024)',
  higherIsBetter: false,
  needs: ['genres'],
  scope: 'list',
  create: (_cfg, side) => (input) => mgu(input.list, input.history, side),
});
