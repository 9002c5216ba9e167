// Intra-List Diversity (BLADE eq. 17): the mean Jaccard distance between the genre sets of two items of the list,
//
//   ILD = 1/(N(N−1)) Σ_{i ≠ j} (1 − |g_i ∩ g_j| / |g_i ∪ g_j|),
//
// over the N positions of the list that hold an item with genres (items without genres are left out). A repeated
// item is a pair at distance 0, so duplicates lower ILD. Higher is more diverse; 0 ≤ ILD ≤ 1. With fewer than two
// items with genres there is no pair and ILD is NaN.
import { defineConfig } from '../util/config.js';
import { genresOf, type ItemSideInfo } from './side-info.js';
import { defineReward } from './types.js';

/** Jaccard distance of two non-empty genre sets. */
function jaccardDistance(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let common = 0;
  for (const g of a) if (b.has(g)) common++;
  return 1 - common / (a.size + b.size - common);
}

/** ILD of `list` (see the module doc); NaN with fewer than two items with genres. */
export function ild(list: readonly number[], side: ItemSideInfo): number {
  if (side.genres === undefined) throw new Error(`ILD: data set ${side.dataset} has no item genres`);
  const sets: ReadonlySet<string>[] = [];
  for (const i of list) {
    const g = genresOf(side, i);
    if (g !== null) sets.push(g);
  }
  const n = sets.length;
  if (n < 2) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += jaccardDistance(sets[i], sets[j]);
  return (2 * sum) / (n * (n - 1)); // each unordered pair stands for (i, j) and (j, i)
}

export const ILD = defineReward({
  config: defineConfig('ild', {}),
  doc: 'Intra-List Diversity: mean pairwise Jaccard distance between the genre sets of the list (higher is more diverse).',
  paper: 'BLADE eq. 17 (after Ziegler et al. 2005)',
  higherIsBetter: true,
  needs: ['genres'],
  scope: 'list',
  create: (_cfg, side) => (input) => ild(input.list, side),
});
