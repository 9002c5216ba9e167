// The composite list rewards of BLADE §4.4 (eqs. 18-19): a relevance reward grounds an auxiliary list objective,
//
//   R_fair(y) = R_rel(y) − λ · MGU(y)     (eq. 18)        R_div(y) = R_rel(y) + λ · ILD(y)     (eq. 19)
//
// with R_rel = NDCG@K as in the paper (Recall@K selectable), so λ = 0 gives the relevance reward exactly.
// An auxiliary term that is undefined for a list (NaN: no genre evidence, see ./mgu.ts and ./ild.ts) counts as its
// worst value, MGU = 2/|C| or ILD = 0: a list cannot gain from items without genres, and rewards stay finite.
import { defineConfig, num, oneOf } from '../util/config.js';
import { cutoffField } from './hits.js';
import { ild } from './ild.js';
import { mgu, mguMax } from './mgu.js';
import { ndcgAtK } from './ndcg.js';
import { recallAtK } from './recall.js';
import type { ItemSideInfo } from './side-info.js';
import { defineReward, type RewardInput } from './types.js';

const relevanceField = () =>
  oneOf(['ndcg', 'recall'], {
    default: 'ndcg',
    doc: 'The relevance reward R_rel@K that grounds the auxiliary term.',
    paper: 'BLADE eqs. 18-19 use R_NDCG',
  });

const lambdaField = (what: string) =>
  num({
    default: 0.5,
    min: 0,
    doc: `Weight λ of the ${what} term (0 gives the relevance reward exactly).`,
    paper: 'BLADE §4.4, Fig. 8: λ ≈ 0.5 is the sweet spot for fairness and the peak of diversity',
  });

const FairConfig = defineConfig('fair', { relevance: relevanceField(), k: cutoffField(), lambda: lambdaField('MGU') });
const DivConfig = defineConfig('div', { relevance: relevanceField(), k: cutoffField(), lambda: lambdaField('ILD') });

function relevance(kind: 'ndcg' | 'recall', input: RewardInput, k: number): number {
  return kind === 'ndcg' ? ndcgAtK(input.list, input.targets, k) : recallAtK(input.list, input.targets, k);
}

/** R_fair of eq. 18 (see the module doc). */
export function fairReward(
  input: RewardInput,
  side: ItemSideInfo,
  cfg: { relevance: 'ndcg' | 'recall'; k: number; lambda: number },
): number {
  const u = mgu(input.list, input.history, side);
  return relevance(cfg.relevance, input, cfg.k) - cfg.lambda * (Number.isNaN(u) ? mguMax(side) : u);
}

/** R_div of eq. 19 (see the module doc). */
export function divReward(
  input: RewardInput,
  side: ItemSideInfo,
  cfg: { relevance: 'ndcg' | 'recall'; k: number; lambda: number },
): number {
  const d = ild(input.list, side);
  return relevance(cfg.relevance, input, cfg.k) + cfg.lambda * (Number.isNaN(d) ? 0 : d);
}

export const FAIR = defineReward({
  config: FairConfig,
  doc: 'Fairness composite R_fair = NDCG@K − λ·MGU.',
  paper: 'BLADE eq. 18',
  higherIsBetter: true,
  needs: ['genres'],
  scope: 'list',
  create: (cfg, side) => (input) => fairReward(input, side, cfg),
});

export const DIV = defineReward({
  config: DivConfig,
  doc: 'Diversity composite R_div = NDCG@K + λ·ILD.',
  paper: 'BLADE eq. 19',
  higherIsBetter: true,
  needs: ['genres'],
  scope: 'list',
  create: (cfg, side) => (input) => divReward(input, side, cfg),
});
