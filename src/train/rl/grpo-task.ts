// The GRPO trainer (BLADE eq. 2–3, Algorithm 1 without the BoN target; DeepSeekMath Alg. 1) as a TrainTask for the
// generic training loop (../trainer.ts: batches, AdamW, schedule, clipping, validation, checkpoints and resume).
// One mini-batch = P prompts. For a new batch the task
//   1. asks the CANDIDATE GENERATOR (plug-in) for G responses per prompt from the behaviour policy, with the tokens'
//      log-probs under the policy that sampled them (π_old; a list sampler records them at no extra model cost),
//   2. scores them with the REWARD (plug-in: a list reward, BLADE's Best-of-N proxy, V-STAR's dense return, …),
//   3. normalises the rewards within each group (groupAdvantages, eq. 2),
//   4. scores the responses under the frozen reference policy (β > 0 only),
// and then, for each of the trainer's μ updates on that batch (TrainTask.updatesPerBatch), scores the responses
// under the current policy (differentiable, dropout off) and returns eq. 3's clipped loss with the k3 KL term.
// Neither plug-in is known by name here: BLADE's proxy reward and V-STAR's value-guided candidates fit unchanged.
import { noGrad, tensor, type Module, type Tensor } from '../../engine/index.js';
import { inEvalMode } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import { responseBatch, responseLogProbs, type TokenRows } from '../../model/responses.js';
import type { TrainTask } from '../types.js';
import { groupAdvantages, type AdvantageConfig } from './advantages.js';
import { grpoLoss, type GrpoConfig } from './grpo-loss.js';
import { siblingAdvantages } from './sibling.js';

/**
 * Which advantages drive the policy (V-STAR Table 4): 'grpo' = group-normalised per response (eq. 2–3);
 * 'sibling' = Sibling-GRPO's node advantages on the branching tokens (vstar.md eq. 15–19, ./sibling.ts);
 * 'joint' = the sum of both losses (the KL term counted once, in the GRPO loss).
 */
export type GrpoAdvantageMode = 'grpo' | 'sibling' | 'joint';

/** A second loss trained alongside the policy on the same rollouts (V-STAR's value head, eq. 9). */
export interface GrpoAuxiliary<P> {
  readonly name: string;
  /** Called once per batch of rollouts, after the rewards (e.g. TD inputs from the prompts and candidates). */
  prepare(prompts: readonly P[], rollouts: Rollouts, rewards: Float64Array): void;
  /** The loss on the prepared batch (called inside the trainer's tidy, once per update). */
  loss(): { loss: Tensor; logs: Record<string, number> };
}

/** G responses for each of P prompts: R = P·G rows, row p·G + g = response g of prompt p. */
export interface Rollouts {
  groupSize: number;
  /** The responses' tokens (R rows). */
  rows: TokenRows;
  /** [R · width] log π_old of each token under the policy that generated it, at temperature 1 (0 at padding). */
  oldLogProbs: Float64Array;
  /** Per response, the items it holds in order (what item rewards read). */
  items: number[][];
  /** Model calls the generator made (for cost comparisons between generators). */
  modelCalls: number;
}

/** Makes the rollouts of a batch of prompts; `round` counts the batches generated so far (a seed for samplers). */
export interface CandidateGenerator<P> {
  readonly name: string;
  generate(prompts: readonly P[], round: number): Rollouts;
}

/** The reward of every response of a batch of rollouts, [R] (finite). */
export interface RolloutReward<P> {
  readonly name: string;
  score(prompts: readonly P[], rollouts: Rollouts): Float64Array;
  /** Diagnostics of the last `score` call, merged into the batch's logs (e.g. BLADE's saturated share). */
  logs?(): Record<string, number>;
}

export interface GrpoTaskOptions<P> {
  policy: GenRecModel;
  /** The frozen reference policy (required when grpo.beta > 0). */
  reference: GenRecModel | null;
  /** A prompt's history (the model input). */
  history(p: P): readonly number[];
  generator: CandidateGenerator<P>;
  reward: RolloutReward<P>;
  grpo: GrpoConfig;
  advantage: AdvantageConfig;
  /** μ: optimizer steps per batch of rollouts. */
  updates: number;
  /** Advantages of the policy loss (default 'grpo'). */
  mode?: GrpoAdvantageMode;
  /** A loss trained alongside (its parameters must be in `module`). */
  auxiliary?: GrpoAuxiliary<P>;
  /** The module whose parameters are optimised and checkpointed (default: the policy; e.g. policy + value head). */
  module?: Module;
  validate?: TrainTask<P>['validate'];
  /** Per-step log lines (every `logEvery` batches; 0 = none). */
  log?: (line: string) => void;
  logEvery?: number;
}

/** Totals over the task's life, for throughput reports. */
export interface GrpoTotals {
  batches: number;
  responses: number;
  responseTokens: number;
  modelCalls: number;
  rolloutSeconds: number;
  /** Seconds in the reward plug-in (BLADE's target vs static BoN's: the only part of a step where they differ). */
  rewardSeconds: number;
  /** Seconds of the policy's forward passes in the loss (backward and optimizer steps: the trainer's time minus rollouts). */
  forwardSeconds: number;
}

interface BatchCache {
  batch: readonly unknown[];
  histories: number[][];
  rows: TokenRows;
  old: Float32Array;
  ref: Float32Array;
  adv: Float32Array;
  /** [R · W] Sibling-GRPO token weights scaled for grpoLoss's per-response mean (null in 'grpo' mode). */
  sib: Float32Array | null;
  logs: Record<string, number>;
}

/** Share of groups (rows of [P, G]) whose advantages are all exactly zero: they give no policy gradient. */
function zeroAdvantageShare(adv: Float32Array, P: number, G: number): number {
  let zero = 0;
  for (let p = 0; p < P; p++) {
    let all = true;
    for (let g = 0; g < G && all; g++) if (adv[p * G + g] !== 0) all = false;
    if (all) zero++;
  }
  return P > 0 ? zero / P : 0;
}

export function grpoTask<P>(o: GrpoTaskOptions<P>): TrainTask<P> & { totals(): GrpoTotals } {
  if (o.grpo.beta > 0 && o.reference === null) throw new Error('grpoTask: grpo.beta > 0 needs a reference policy');
  const ids = o.policy.ids;
  const mode = o.mode ?? 'grpo';
  let cache: BatchCache | null = null;
  let round = 0;
  const totals: GrpoTotals = {
    batches: 0,
    responses: 0,
    responseTokens: 0,
    modelCalls: 0,
    rolloutSeconds: 0,
    rewardSeconds: 0,
    forwardSeconds: 0,
  };

  const rollout = (batch: readonly P[]): BatchCache => {
    const t0 = performance.now();
    const ro = inEvalMode(o.policy, () => noGrad(() => o.generator.generate(batch, round)));
    const rolloutSec = (performance.now() - t0) / 1000;
    round++;
    const G = ro.groupSize;
    const P = batch.length;
    const R = P * G;
    if (ro.rows.lengths.length !== R || ro.items.length !== R)
      throw new Error(
        `grpo: generator '${o.generator.name}' returned ${ro.rows.lengths.length} responses for ${P} prompts × G = ${G}`,
      );
    const tr = performance.now();
    const rewards = o.reward.score(batch, ro);
    totals.rewardSeconds += (performance.now() - tr) / 1000;
    if (rewards.length !== R)
      throw new Error(`grpo: reward '${o.reward.name}' gave ${rewards.length} values for ${R} responses`);
    const adv = noGrad(() =>
      groupAdvantages(tensor(Float64Array.from(rewards), [P, G], 'float64'), o.advantage).toFloat64(),
    );
    const histories = batch.flatMap((p) => Array.from({ length: G }, () => [...o.history(p)]));
    const W = ro.rows.width;
    const ref = new Float32Array(R * W);
    if (o.grpo.beta > 0 && o.reference !== null) {
      const refModel = o.reference;
      const lp = inEvalMode(refModel, () =>
        noGrad(() => responseLogProbs(refModel, histories, responseBatch(ids, ro.rows)).toFloat64()),
      );
      ref.set(lp);
    }
    let tokens = 0;
    for (const l of ro.rows.lengths) tokens += l;
    let mean = 0;
    for (const r of rewards) mean += r / R;
    let v = 0;
    for (const r of rewards) v += (r - mean) ** 2 / Math.max(R - 1, 1);
    totals.batches++;
    totals.responses += R;
    totals.responseTokens += tokens;
    totals.modelCalls += ro.modelCalls;
    totals.rolloutSeconds += rolloutSec;
    const adv32 = Float32Array.from(adv);
    let sib: Float32Array | null = null;
    let sibNonzero = 0;
    if (mode !== 'grpo') {
      // eq. 19 sums node terms over the group and divides by |C|; grpoLoss averages each row's tokens (1/T_i) and
      // then the rows, so a token's weight is multiplied by its row's length T_i
      sib = new Float32Array(R * W);
      for (let p = 0; p < P; p++) {
        const paths: number[][] = [];
        for (let g = 0; g < G; g++) {
          const r = p * G + g;
          paths.push(Array.from(ro.rows.tokens.subarray(r * W, r * W + ro.rows.lengths[r])));
        }
        const w = siblingAdvantages(paths, Array.from(rewards.subarray(p * G, (p + 1) * G)), o.advantage);
        w.forEach((row, g) => {
          const r = p * G + g;
          for (let t = 0; t < row.length; t++) {
            sib![r * W + t] = row[t] * row.length;
            if (row[t] !== 0) sibNonzero++;
          }
        });
      }
    }
    o.auxiliary?.prepare(batch, ro, rewards);
    let absAdv = 0;
    for (const a of adv32) absAdv += Math.abs(a) / Math.max(R, 1);
    return {
      batch,
      histories,
      rows: ro.rows,
      old: Float32Array.from(ro.oldLogProbs),
      ref,
      adv: adv32,
      sib,
      logs: {
        ...(sib !== null ? { siblingTokens: sibNonzero / Math.max(tokens, 1) } : {}),
        reward: mean,
        rewardStd: Math.sqrt(v),
        zeroAdvGroups: zeroAdvantageShare(adv32, P, G),
        meanAbsAdvantage: absAdv,
        ...(o.reward.logs?.() ?? {}),
        rolloutSec,
        rolloutTokensPerSec: tokens / Math.max(rolloutSec, 1e-9),
      },
    };
  };

  return {
    model: o.module ?? o.policy,
    updatesPerBatch: o.updates,
    validate: o.validate,
    totals: () => ({ ...totals }),
    loss(batch: P[]) {
      const fresh = cache === null || cache.batch !== batch;
      if (fresh) cache = rollout(batch);
      const c = cache!;
      const t1 = performance.now();
      const R = c.rows.lengths.length;
      const W = c.rows.width;
      const out = inEvalMode(o.policy, () => {
        const rb = responseBatch(ids, c.rows);
        const logProbs = responseLogProbs(o.policy, c.histories, rb);
        const t = (a: Float32Array): Tensor => tensor(a, [R, W], 'float32');
        const input = { logProbs, oldLogProbs: t(c.old), refLogProbs: t(c.ref), mask: rb.mask };
        const main =
          mode === 'sibling' ? null : grpoLoss({ ...input, advantages: tensor(c.adv, [R], 'float32') }, o.grpo);
        const sib =
          c.sib === null
            ? null
            : grpoLoss({ ...input, advantages: t(c.sib) }, main === null ? o.grpo : { ...o.grpo, beta: 0 });
        if (main !== null && sib !== null)
          return {
            loss: main.loss.add(sib.loss),
            logs: { ...main.logs, siblingClipFraction: sib.logs.clipFraction } as Record<string, number>,
          };
        return (main ?? sib)!;
      });
      if (o.auxiliary) {
        const aux = o.auxiliary.loss();
        out.loss = out.loss.add(aux.loss);
        Object.assign(out.logs, aux.logs);
      }
      totals.forwardSeconds += (performance.now() - t1) / 1000;
      const logs: Record<string, number> = { ...c.logs, ...out.logs };
      if (fresh && o.log && (o.logEvery ?? 0) > 0 && totals.batches % (o.logEvery ?? 1) === 0) {
        o.log(
          `[grpo] batch ${totals.batches}: reward ${logs.reward.toFixed(4)} ± ${logs.rewardStd.toFixed(4)}, zero-advantage groups ${(100 * logs.zeroAdvGroups).toFixed(0)}%, ` +
            `KL ${logs.kl.toExponential(2)}, clip ${(100 * logs.clipFraction).toFixed(1)}%, rollout ${logs.rolloutSec.toFixed(2)}s ` +
            `(${logs.rolloutTokensPerSec.toFixed(0)} tok/s); so far rollouts ${totals.rolloutSeconds.toFixed(1)}s, policy forwards ${totals.forwardSeconds.toFixed(1)}s`,
        );
      }
      return { loss: out.loss, logs };
    },
  };
}
