// A toy objective written the way a new objective is added: this file declares everything about it (config section,
// doc, loss, a `prepare` hook with its typed extra input), and the registry gains one line
// (`toy: TOY_OBJECTIVE,`; test/objective-registry.test.ts spreads it into a copy of OBJECTIVES instead of editing
// src/train/objectives/registry.ts).
//
// The objective: SFT where each example's token losses are weighted by w_b = 1 + weight · (1 − p(y_b,0 | x_b)),
// p being the model's own probability of the target's first token, computed in `prepare` through the step interface
// (eval mode, no gradient: a constant for the loss), as a rollout or a reference log-prob would be.
import { noGrad, type Tensor } from '../src/engine/index.js';
import { checkObjectiveInput, fullLogProbs, realTokenCount } from '../src/train/objectives/common.js';
import { defineObjective } from '../src/train/objectives/entry.js';
import type { ObjectiveInput, ObjectiveOutput, PrepareContext } from '../src/train/objectives/types.js';
import { defineConfig, num, type ConfigOf } from '../src/util/config.js';

declare module '../src/train/objectives/types.js' {
  interface ObjectiveExtras {
    /** [B] per-example weight of the toy objective (constant). */
    toyWeights: Tensor;
  }
}

export const ToyConfig = defineConfig('toy', {
  weight: num({ default: 1, min: 0, doc: 'How much harder examples (low first-token probability) weigh.' }),
});
export type ToyConfig = ConfigOf<typeof ToyConfig>;

/** Number of `prepare` calls (the test checks it runs once per batch). */
export const toyCalls = { prepare: 0 };

export function toyWeights(ctx: PrepareContext, weight: number): Tensor {
  toyCalls.prepare++;
  const first = ctx.target.targets.narrow(1, 0, 1); // [B, 1]
  return ctx.withStepModel((model) => {
    const { logProbs, state } = model.start();
    model.dispose(state);
    return logProbs.gather(1, first).squeeze(1).exp().rsub(1).mul(weight).add(1);
  });
}

export function toyLoss(input: ObjectiveInput): ObjectiveOutput {
  checkObjectiveInput(input, 'toy');
  const w = input.toyWeights;
  if (w === undefined) throw new Error('toy: input.toyWeights is missing (filled by the prepare hook)');
  const { logpY } = fullLogProbs(input, false);
  const loss = logpY.neg().mul(input.mask).mul(w.unsqueeze(1)).sum().div(realTokenCount(input.mask));
  return { loss, logs: { meanWeight: noGrad(() => w.mean().item()) } };
}

export const TOY_OBJECTIVE = defineObjective({
  config: ToyConfig,
  doc: 'Toy: SFT weighted by 1 + weight · (1 − p(first target token)).',
  create: () => toyLoss,
  prepare: (c, ctx) => ({ toyWeights: toyWeights(ctx, c.weight) }),
});
