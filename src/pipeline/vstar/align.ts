// V-STAR's training stage on next-item data (vstar.md §4.4): from a supervised run, GRPO on candidate groups from
// beam search or VED, with group (GRPO), sibling (Sibling-GRPO) or joint advantages, and the value head trained
// alongside by TD on the dense semantic returns. Before the policy moves, the value head is warmed up alone on beam
// candidates (`valueWarmupEpochs`), so that VED's first groups are not guided by an untrained value.
import type { Example } from '../../data/types.js';
import { Module } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import type { ValueHead } from '../../model/value-head.js';
import type { CandidateReward } from '../../rewards/types.js';
import type { EmbeddingMatrix } from '../../rewards/side-info.js';
import { AdvantageConfig } from '../../train/rl/advantages.js';
import { GrpoConfig } from '../../train/rl/grpo-loss.js';
import { grpoTask, type GrpoAdvantageMode, type GrpoTotals, type RolloutReward } from '../../train/rl/grpo-task.js';
import { train, type TrainResult } from '../../train/trainer.js';
import type { VedRule } from '../../decode/ved.js';
import type { TokenScoring } from '../../decode/types.js';
import { frozenCopy } from '../list/run.js';
import { beamCandidates, vedCandidates } from './candidates.js';
import { valueTdAuxiliary } from './value-td.js';

/**
 * The policy and its value head as one module (what the trainer optimises and checkpoints). One optimizer and one
 * gradient-norm clip (trainer.maxGradNorm) cover both: the head's TD gradient counts in the norm that clips the
 * policy's step (the same for every advantage mode, since the head is trained alongside in all of them).
 */
class PolicyWithValue extends Module {
  constructor(policy: GenRecModel, head: ValueHead) {
    super();
    this.child('policy', policy);
    this.child('value', head);
  }
}

export interface VedTrainSettings {
  budget: number;
  warmWidth: number;
  lambda: number;
  beta: number;
  rule: VedRule;
}

export interface VstarAlignSettings {
  generator: 'beam' | 'ved';
  mode: GrpoAdvantageMode;
  /** G: candidates per prompt (paper: 16). */
  groupSize: number;
  epochs: number;
  batchPrompts: number;
  lr: number;
  /** KL weight to the SFT policy (paper: 1e-3). */
  klBeta: number;
  gamma: number;
  valueCoef: number;
  /** Epochs over the prompts of TD on beam candidates for the value head alone, before the policy moves (0 = none). */
  valueWarmupEpochs: number;
  valueLr: number;
  scoring: TokenScoring;
  ved: VedTrainSettings;
  seed: number;
}

export interface VstarAlignResult {
  warmup: TrainResult | null;
  train: TrainResult;
  totals: GrpoTotals;
  /** Wall-clock seconds of the whole alignment (warm-up included). */
  seconds: number;
}

/** Adapts a candidate reward (rank / semantic) to the GRPO trainer: each group scored against its prompt's target. */
function candidateRolloutReward(reward: CandidateReward): RolloutReward<Example> {
  return {
    name: reward.name,
    score(prompts, ro) {
      const G = ro.groupSize;
      const out = new Float64Array(prompts.length * G);
      prompts.forEach((p, i) => {
        const group = ro.items.slice(i * G, (i + 1) * G).map((l) => l[0]);
        out.set(reward.score({ list: group, targets: [p.target], history: p.history }), i * G);
      });
      return out;
    },
  };
}

export function alignVstar(
  policy: GenRecModel,
  head: ValueHead,
  prompts: readonly Example[],
  reward: CandidateReward,
  embeddings: EmbeddingMatrix,
  levels: number,
  s: VstarAlignSettings,
  log: (line: string) => void,
): VstarAlignResult {
  const t0 = performance.now();
  const aux = valueTdAuxiliary({ policy, head, embeddings, levels, gamma: s.gamma, coef: s.valueCoef });
  const beam = beamCandidates(policy, s.groupSize, s.scoring);
  let warmup: TrainResult | null = null;
  if (s.valueWarmupEpochs > 0) {
    log(`[vstar] value warm-up: ${s.valueWarmupEpochs} epoch(s) of TD on beam candidates`);
    warmup = train(
      {
        model: head,
        loss(batch: Example[]) {
          const ro = beam.generate(batch, 0);
          aux.prepare(batch, ro, new Float64Array(ro.items.length));
          const l = aux.loss();
          return { loss: l.loss, logs: l.logs };
        },
      },
      prompts,
      {
        lr: s.valueLr,
        batchSize: s.batchPrompts,
        epochs: s.valueWarmupEpochs,
        patience: 0,
        seed: s.seed,
        warmup: 0,
        logIntervalSec: 30,
      },
      { log },
    );
  }
  const generator =
    s.generator === 'beam'
      ? beam
      : vedCandidates(policy, head, s.groupSize, { ...s.ved, scoring: s.scoring, seed: s.seed });
  const reference = s.klBeta > 0 ? frozenCopy(policy) : null;
  try {
    const task = grpoTask<Example>({
      policy,
      reference,
      history: (p) => p.history,
      generator,
      reward: candidateRolloutReward(reward),
      grpo: GrpoConfig.parse({ beta: s.klBeta }),
      advantage: AdvantageConfig.defaults(),
      updates: 1,
      mode: s.mode,
      auxiliary: aux,
      module: new PolicyWithValue(policy, head),
      log,
      logEvery: 8,
    });
    const res = train(
      task,
      prompts,
      {
        lr: s.lr,
        batchSize: s.batchPrompts,
        epochs: s.epochs,
        patience: 0,
        seed: s.seed,
        warmup: 0,
        logIntervalSec: 30,
      },
      { log },
    );
    return { warmup, train: res, totals: task.totals(), seconds: (performance.now() - t0) / 1000 };
  } finally {
    reference?.dispose();
  }
}
