// Next-item hit reward (the rule reward of GRPO for recommendation, e.g. MiniOneRec's "rule" reward; V-STAR's sparse
// terminal return): 1 for a candidate that is a target (the single next item), else 0. Each candidate of the group
// is scored alone, so a repeated candidate gets the same reward at every position. No targets: 0 everywhere.
import { defineConfig } from '../util/config.js';
import { defineReward } from './types.js';

/** 1 for each candidate of `group` that is in `targets`, else 0. */
export function hitRewards(group: readonly number[], targets: readonly number[]): number[] {
  const t = new Set(targets);
  return group.map((c) => (t.has(c) ? 1 : 0));
}

export const HIT = defineReward({
  config: defineConfig('hit', {}),
  doc: 'Next-item hit: 1 for a candidate equal to the target, else 0.',
  paper: 'V-STAR §4.1 (exact match with the ground truth); MiniOneRec rule reward',
  higherIsBetter: true,
  needs: [],
  scope: 'candidates',
  create: () => (input) => hitRewards(input.list, input.targets),
});
