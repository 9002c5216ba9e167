// Next-item rank reward for a group of G candidates in rank order (beam order, best first), after the "ranking"
// reward of the open MiniOneRec code (its rule reward plus a rank-aware penalty; re-derived, not copied):
//
//   r_i = hit_i + pen_i,   hit_i = [c_i ∈ T],
//   pen_i = −d(i) / Σ_{j<G} d(j)   when a target is in the group and c_i is not a target,   else 0,
//   d(i) = 1 / log2(i + 2)   (i 0-based).
//
// So the penalties of one group's wrong candidates are negative NDCG-style weights that sum to −1 over all G
// ranks, largest for the wrong candidates ranked first; a group without the target gets 0 everywhere (nothing to
// rank against), and each copy of a repeated target scores 1. No targets: 0 everywhere.
import { defineConfig } from '../util/config.js';
import { discount } from './hits.js';
import { defineReward } from './types.js';

/** The rank reward of every candidate of `group` (see the module doc). */
export function rankRewards(group: readonly number[], targets: readonly number[]): number[] {
  const t = new Set(targets);
  const hits = group.map((c) => t.has(c));
  if (!hits.includes(true)) return group.map(() => 0);
  let z = 0;
  for (let i = 0; i < group.length; i++) z += discount(i);
  return hits.map((hit, i) => (hit ? 1 : -discount(i) / z));
}

export const RANK = defineReward({
  config: defineConfig('rank', {}),
  doc: 'Next-item hit plus a rank penalty −d(i)/Σd for wrong candidates when the target is in the group.',
  paper: 'GRPO for recommendation: MiniOneRec rule + ranking reward (d(i) = 1/log2(i+2), normalised over the group)',
  higherIsBetter: true,
  needs: [],
  scope: 'candidates',
  create: () => (input) => rankRewards(input.list, input.targets),
});
