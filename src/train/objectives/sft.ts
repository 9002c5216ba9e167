// SFT (BIGRec): token cross-entropy over the full vocabulary, mean over the real target tokens.
//   loss = (1/N) Σ_{b,t: mask=1} −log softmax(z_{b,t})[y_{b,t}]          (BEAR eq. 2.1, per token)
import { defineConfig, type ConfigOf } from '../../util/config.js';
import { checkObjectiveInput, fullLogProbs, maskedTokenMean } from './common.js';
import { defineObjective } from './entry.js';
import type { Objective, ObjectiveInput, ObjectiveOutput } from './types.js';

/** SFT has no hyperparameters; the section exists so every objective is configured the same way. */
export const SftConfig = defineConfig('sft', {});
export type SftConfig = ConfigOf<typeof SftConfig>;

/** Mean token cross-entropy over the full vocabulary (the `loss` is a scalar of the logits' dtype). */
export function sftLoss(input: ObjectiveInput): ObjectiveOutput {
  checkObjectiveInput(input, 'sft');
  const { logpY } = fullLogProbs(input, false);
  return { loss: maskedTokenMean(logpY.neg(), input.mask) };
}

export function sft(_cfg: SftConfig = SftConfig.defaults()): Objective {
  return sftLoss;
}

export const SFT_OBJECTIVE = defineObjective({
  config: SftConfig,
  doc: 'Token cross-entropy over the full vocabulary (BIGRec SFT).',
  create: sft,
});
