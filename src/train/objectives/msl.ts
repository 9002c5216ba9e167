// MSL, the masked softmax loss (Wang et al., "MSL: Not all tokens are what you need for tuning LLM as a
// recommender", SIGIR 2025; BEAR's strongest baseline [56]): the softmax is restricted to the trie-valid next
// tokens (the children of the target's prefix), with a temperature τ:
//   loss_t = −( z_y/τ − logsumexp_{c ∈ valid_t}(z_c/τ) ),   loss = mean over the real target tokens.
// Logits of invalid tokens get no gradient and do not affect the value.
import { defineConfig, num, type ConfigOf } from '../../util/config.js';
import { checkObjectiveInput, maskedLogProbs, maskedTokenMean } from './common.js';
import { defineObjective } from './entry.js';
import type { Objective, ObjectiveInput, ObjectiveOutput } from './types.js';

export const MslConfig = defineConfig('msl', {
  temperature: num({
    default: 1,
    min: 0,
    exclusiveMin: true,
    doc: 'Softmax temperature τ of the masked softmax (logits are divided by τ before normalising over the valid tokens).',
    paper:
      'MSL (Wang et al. 2025) tunes τ; BEAR (§4.1) uses MSL with "recommended hyperparameters" but states no value, so 1.0 (plain masked softmax)',
  }),
  labelSmoothing: num({
    default: 0,
    min: 0,
    max: 1,
    exclusiveMax: true,
    doc: 'Label smoothing ε over the valid tokens: loss_t = −((1−ε)·log p(y) + ε·mean_{c valid} log p(c)); 0 = plain MSL. Positions with one valid token are unaffected.',
    paper: 'not in MSL; a regularisation lever for sparse data (issue 17)',
  }),
});
export type MslConfig = ConfigOf<typeof MslConfig>;

/** Masked softmax loss at temperature τ, with label smoothing ε over the valid tokens. */
export function mslLoss(input: ObjectiveInput, temperature: number, labelSmoothing = 0): ObjectiveOutput {
  checkObjectiveInput(input, 'msl');
  if (labelSmoothing === 0) {
    const { logpY } = maskedLogProbs(input, temperature);
    return { loss: maskedTokenMean(logpY.neg(), input.mask) };
  }
  const { logpY, meanLogpValid } = maskedLogProbs(input, temperature, true);
  const perToken = logpY
    .mul(1 - labelSmoothing)
    .add(meanLogpValid.mul(labelSmoothing))
    .neg();
  return { loss: maskedTokenMean(perToken, input.mask) };
}

export function msl(cfg: MslConfig = MslConfig.defaults()): Objective {
  const { temperature, labelSmoothing } = MslConfig.parse(cfg);
  return (input) => mslLoss(input, temperature, labelSmoothing);
}

export const MSL_OBJECTIVE = defineObjective({
  config: MslConfig,
  doc: 'Masked softmax loss: softmax over the trie-valid next tokens, temperature τ.',
  create: msl,
});
