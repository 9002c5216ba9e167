// The DPO-family baselines of the list task (BLADE §4.1.2, §4.1.4), on sequence log-probs of whole lists:
//   dpo      the target list (chosen) against one list sampled from the starting policy (rejected);
//   sdpo     the target list against `negatives` sampled lists (S-DPO's softmax over negatives);
//   listdpo  G sampled lists per prompt, every pair ordered by the list reward (src/train/rl/dpo-loss.ts).
// The lists and their reference log-probs are computed once, before training (offline preference data); the
// reference is the starting policy (after the warm-up SFT on the prompts' target lists, when there is one).
import type { ListExample } from '../../data/types.js';
import { inEvalMode, noGrad, tensor, tidy } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import { listTokenRows, responseBatch, responseLogProbs } from '../../model/responses.js';
import type { ListReward } from '../../rewards/index.js';
import { dpoLoss, listDpoLoss, sdpoLoss, type DpoConfig } from '../../train/rl/dpo-loss.js';
import type { TrainTask } from '../../train/types.js';
import type { ListRolloutSettings } from './tasks.js';
import { listGain, responseItemsOf, sampleLists } from './sampling.js';

export type PreferenceMethod = 'dpo' | 'sdpo' | 'listdpo';

/** One prompt's preference data: its lists (chosen first for dpo / sdpo), their reference log-probs and rewards. */
export interface PreferenceRecord {
  history: number[];
  lists: number[][];
  /** Σ log π_ref over each list's tokens. */
  ref: number[];
  /** listdpo: each list's reward (higher is better). */
  rewards: number[];
}

/** Sequence log-probs [N] of `lists` (one history per list) under `model` (differentiable unless under noGrad). */
function sequenceLogProbs(model: GenRecModel, histories: number[][], lists: number[][]) {
  const rb = responseBatch(model.ids, listTokenRows(model.ids, lists));
  return responseLogProbs(model, histories, rb).sum(1);
}

/**
 * Builds the preference records of `prompts` with `model` (the starting policy, also the reference): samples the
 * rejected / candidate lists (settings as for GRPO's rollouts; `count` per prompt) and scores every list once.
 */
export function buildPreferences(
  model: GenRecModel,
  prompts: readonly ListExample[],
  method: PreferenceMethod,
  count: number,
  s: ListRolloutSettings,
  reward: ListReward,
  chunk = 32,
): PreferenceRecord[] {
  const out: PreferenceRecord[] = [];
  inEvalMode(model, () =>
    noGrad(() => {
      for (let start = 0; start < prompts.length; start += chunk) {
        const part = prompts.slice(start, start + chunk);
        const histories = part.map((e) => e.history);
        const res = tidy(() => sampleLists(model, histories, count, s, s.seed, start));
        const recs = part.map((e, u) => {
          const sampled = Array.from({ length: count }, (_, g) => responseItemsOf(res, u * count + g));
          const lists = method === 'listdpo' ? sampled : [e.targets, ...sampled];
          const rewards = lists.map((l) => listGain(reward, l, e));
          return { history: e.history, lists, ref: [] as number[], rewards };
        });
        const flatH = recs.flatMap((r) => r.lists.map(() => r.history));
        const flatL = recs.flatMap((r) => r.lists);
        const lp = tidy(() => sequenceLogProbs(model, flatH, flatL).toFloat64());
        let o = 0;
        for (const r of recs) {
          r.ref = Array.from(lp.subarray(o, o + r.lists.length));
          o += r.lists.length;
        }
        out.push(...recs);
      }
    }),
  );
  return out;
}

/** The trainer's view of a DPO-family method over preference records (dropout off, as for the reference). */
export function preferenceTask(
  model: GenRecModel,
  method: PreferenceMethod,
  cfg: DpoConfig,
  validate?: TrainTask<PreferenceRecord>['validate'],
): TrainTask<PreferenceRecord> {
  return {
    model,
    validate,
    loss(batch) {
      return inEvalMode(model, () => {
        const B = batch.length;
        const n = batch[0].lists.length;
        if (batch.some((r) => r.lists.length !== n)) throw new Error('preference records of one batch differ in size');
        const lp = sequenceLogProbs(
          model,
          batch.flatMap((r) => r.lists.map(() => r.history)),
          batch.flatMap((r) => r.lists),
        ).view([B, n]);
        const ref = tensor(Float64Array.from(batch.flatMap((r) => r.ref)), [B, n], 'float64').to('float32');
        if (method === 'listdpo') {
          const rewards = tensor(Float64Array.from(batch.flatMap((r) => r.rewards)), [B, n], 'float64').to('float32');
          return { loss: listDpoLoss({ policy: lp, ref, rewards }, cfg) };
        }
        const chosen = { policyChosen: lp.select(1, 0), refChosen: ref.select(1, 0) };
        if (method === 'dpo')
          return { loss: dpoLoss({ ...chosen, policyRejected: lp.select(1, 1), refRejected: ref.select(1, 1) }, cfg) };
        return {
          loss: sdpoLoss({ ...chosen, policyRejected: lp.slice(1, 1, n), refRejected: ref.slice(1, 1, n) }, cfg),
        };
      });
    },
  };
}
