// Recall@K of a generated list against the target list (binary relevance, BLADE §4.1.3: "the proportion of
// relevant items successfully retrieved"): |top-K ∩ T| / |T| over the distinct targets T. The denominator is |T|,
// not min(K, |T|): with BLADE's 10-item target lists, Recall@5 is at most 0.5. An empty target list scores 0.
import { defineConfig } from '../util/config.js';
import { cutoffField, hitPositions } from './hits.js';
import { defineReward } from './types.js';

const RecallConfig = defineConfig('recall', { k: cutoffField() });

/** Recall@k of `list` against `targets` (see the module doc). */
export function recallAtK(list: readonly number[], targets: readonly number[], k: number): number {
  const distinct = new Set(targets).size;
  return distinct === 0 ? 0 : hitPositions(list, targets, k).length / distinct;
}

export const RECALL = defineReward({
  config: RecallConfig,
  doc: 'Recall@K: share of the distinct targets found in the first K entries of the list.',
  paper: 'BLADE §4.1.3 (Recall@k); the reward of BLADE-R (Table 3)',
  higherIsBetter: true,
  needs: [],
  scope: 'list',
  create: (cfg) => (input) => recallAtK(input.list, input.targets, cfg.k),
});
