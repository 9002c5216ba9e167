// NDCG@K of a generated list against the target list, binary relevance:
//
//   DCG@K  = Σ_{i < min(K, |L|), L[i] a target seen for the first time} 1 / log2(i + 2)      (i 0-based)
//   IDCG@K = Σ_{i < min(K, |T|)} 1 / log2(i + 2)                                            (T: distinct targets)
//   NDCG@K = DCG@K / IDCG@K, and 0 when T is empty.
//
// IDCG convention: the ideal list puts min(K, |T|) targets first. BLADE (§4.1.3) does not spell IDCG out; this is
// the usual definition (RecBole's, and src/eval/metrics.ts's), and the only one under which a perfect list scores 1
// whatever |T|: with BLADE's 10-item targets, an IDCG over all |T| items would cap NDCG@5 at 0.65, and an IDCG
// over K slots would cap users with fewer than K targets. A list shorter than K is not padded: its missing slots
// earn nothing, so it cannot reach 1 when |T| exceeds its length.
import { defineConfig } from '../util/config.js';
import { cutoffField, discount, hitPositions } from './hits.js';
import { defineReward } from './types.js';

const NdcgConfig = defineConfig('ndcg', { k: cutoffField() });

/** NDCG@k of `list` against `targets` (see the module doc). */
export function ndcgAtK(list: readonly number[], targets: readonly number[], k: number): number {
  const ideal = Math.min(k, new Set(targets).size);
  if (ideal === 0) return 0;
  let dcg = 0;
  for (const p of hitPositions(list, targets, k)) dcg += discount(p);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += discount(i);
  return dcg / idcg;
}

export const NDCG = defineReward({
  config: NdcgConfig,
  doc: 'NDCG@K with binary relevance; IDCG over min(K, |targets|) targets at the top.',
  paper: 'BLADE §4.1.3 (NDCG@k); R_NDCG of eqs. 18-19 and the reward of BLADE-N (Table 3)',
  higherIsBetter: true,
  needs: [],
  scope: 'list',
  create: (cfg) => (input) => ndcgAtK(input.list, input.targets, cfg.k),
});
