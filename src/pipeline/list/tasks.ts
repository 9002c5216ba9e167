// The list task's trainer views: SFT on target lists (teacher-forced, any token objective), and the list pieces
// GRPO plugs in (src/train/rl/grpo-task.ts): a rollout generator that samples G lists per prompt, and a list reward.
import type { ListExample } from '../../data/types.js';
import type { GenRecModel } from '../../model/genrec.js';
import { listTargetBatch } from '../../model/responses.js';
import type { ListReward } from '../../rewards/index.js';
import type { Objective, ObjectiveOutput } from '../../train/objectives/types.js';
import type { CandidateGenerator, RolloutReward, Rollouts } from '../../train/rl/grpo-task.js';
import type { TrainTask } from '../../train/types.js';
import { Rng } from '../../util/rng.js';
import type { ListConfig } from './config.js';
import { evaluateLists } from './evaluate.js';
import { listGain, responseItemsOf, sampleLists, type ListSamplingSettings } from './sampling.js';
import type { ItemSideInfo } from '../../rewards/index.js';

/** Validation of a list model: greedy-decoded lists (or `settings`' decoder) of `valid`, scored by NDCG@K (K = listLength). */
export function listValidation(
  model: GenRecModel,
  valid: readonly ListExample[],
  settings: ListConfig,
  side: ItemSideInfo,
): NonNullable<TrainTask<unknown>['validate']> {
  return () => {
    const r = evaluateLists(
      model,
      valid,
      { ...settings, ks: [...new Set([...settings.ks, settings.listLength])] },
      side,
    );
    const { invalid: _i, repeated: _r, inHistory: _h, ...metrics } = r.mean;
    return { score: r.mean[`ndcg@${settings.listLength}`], metrics };
  };
}

/** SFT on target lists: the objective's token loss over the teacher-forced list of each example's targets. */
export function listSftTask(
  model: GenRecModel,
  objective: Objective,
  validate?: TrainTask<ListExample>['validate'],
): TrainTask<ListExample> {
  return {
    model,
    validate,
    loss(batch: ListExample[]): ObjectiveOutput {
      const tb = listTargetBatch(
        model.ids,
        batch.map((e) => e.targets),
      );
      const logits = model.forwardTrain(model.encodeHistories(batch.map((e) => e.history)), tb.targetIn);
      return objective({ logits, targets: tb.targets, mask: tb.mask, valid: tb.valid });
    },
  };
}

/** A prompt of the alignment phase: a training example and its index among the prompts (a sampler's stream). */
export interface ListPrompt {
  index: number;
  example: ListExample;
}

export interface ListRolloutSettings extends ListSamplingSettings {
  groupSize: number;
  seed: number;
}

/**
 * The samples' seed of a batch of prompts: a stream forked from `seed` and the prompts' indices in batch order. A batch
 * is drawn the same way whenever it recurs in the same order — in particular after a resume, which restores the
 * trainer's shuffling — and the batches of different epochs (other orders) draw afresh.
 */
function batchSeed(seed: number, prompts: readonly ListPrompt[]): number {
  return new Rng(seed).fork(`batch-${prompts.map((p) => p.index).join(',')}`).uint32();
}

/**
 * GRPO's list rollouts: G lists per prompt from the current policy (listSample: temperature, repetition penalty), with
 * each token's plain log-prob (full softmax, temperature 1) as π_old, drawn with the batch's seed (batchSeed).
 */
export function listRolloutGenerator(model: GenRecModel, s: ListRolloutSettings): CandidateGenerator<ListPrompt> {
  return {
    name: 'list-sample',
    generate(prompts): Rollouts {
      const histories = prompts.map((p) => p.example.history);
      const res = sampleLists(model, histories, s.groupSize, s, batchSeed(s.seed, prompts), 0);
      const items = Array.from({ length: prompts.length * s.groupSize }, (_, r) => responseItemsOf(res, r));
      return {
        groupSize: s.groupSize,
        rows: { tokens: res.tokens, lengths: res.lengths, width: res.width },
        oldLogProbs: res.logProbs,
        items,
        modelCalls: res.steps,
      };
    },
  };
}

/** A list reward of each rollout against its prompt's target list and history, higher is better (listGain). */
export function listRolloutReward(reward: ListReward): RolloutReward<ListPrompt> {
  return {
    name: reward.name,
    score(prompts, ro) {
      const G = ro.groupSize;
      const out = new Float64Array(ro.items.length);
      for (let r = 0; r < out.length; r++) out[r] = listGain(reward, ro.items[r], prompts[Math.floor(r / G)].example);
      return out;
    },
  };
}
