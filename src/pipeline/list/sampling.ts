// What the list task's sampling users share (GRPO's rollouts, the DPO family's preference data, BLADE's reference
// set, evaluation): sampling G lists per history under the rollout settings, reading a response's items, and a list
// reward oriented so that higher is better.
import type { ListExample } from '../../data/types.js';
import { listSample } from '../../decode/list/list-sample.js';
import type { ListResponses } from '../../decode/list/types.js';
import type { GenRecModel } from '../../model/genrec.js';
import type { ListReward } from '../../rewards/index.js';

/** How lists are sampled (BLADE §4.1.4: temperature 0.8, repetition penalty 1.05). */
export interface ListSamplingSettings {
  temperature: number;
  repetitionPenalty: number;
  listLength: number;
  excludeHistory: boolean;
}

/**
 * `numSamples` lists per history from `model` (listSample, plain-model log-probs under the full softmax); `firstUser`
 * is the index of the first history among all sampled with `seed` (per-response streams: chunking does not matter).
 */
export function sampleLists(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  numSamples: number,
  s: ListSamplingSettings,
  seed: number,
  firstUser: number,
): ListResponses {
  return listSample(
    {
      model: model.stepModel(histories, { logits: s.repetitionPenalty !== 1 }),
      constraint: model.ids.trie,
      numUsers: histories.length,
      histories,
    },
    {
      listLength: s.listLength,
      numSamples,
      temperature: s.temperature,
      repetitionPenalty: s.repetitionPenalty,
      seed,
      firstUser,
      excludeHistory: s.excludeHistory,
      scoring: 'full',
    },
  );
}

/** The items of response `r` of `res`, in order. */
export function responseItemsOf(res: ListResponses, r: number): number[] {
  const K = res.listLength;
  return Array.from(res.items.subarray(r * K, r * K + res.itemCounts[r]));
}

/**
 * `reward` of `list` for `example`, oriented so that higher is better (a lower-is-better reward such as MGU is
 * negated); an undefined value (e.g. MGU of a list without genre evidence) counts 0.
 */
export function listGain(reward: ListReward, list: readonly number[], example: ListExample): number {
  const v = reward.score({ list, targets: example.targets, history: example.history });
  return Number.isFinite(v) ? (reward.higherIsBetter ? v : -v) : 0;
}
