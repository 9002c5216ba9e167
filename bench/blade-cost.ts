// BLADE's step cost against static BoN alignment's on the same rollouts (issue 19: at most 1.05×). Both are the GRPO
// trainer's step with a different reward plug-in (src/train/rl/bon-reward.ts: τ = 0.3 vs τ = 0); the rollouts are
// sampled once and replayed, so what is timed is the rest of a training step — the proxy reward, the reference
// policy's log-probs, the policy's forward and backward — alternating the two, medians over repeats.
import type { ListDataset } from '../src/data/types.js';
import { inEvalMode, noGrad, tidy } from '../src/engine/index.js';
import type { RunConfig } from '../src/pipeline/config.js';
import { referenceSet } from '../src/pipeline/list/reference-set.js';
import { alignmentPrompts, frozenCopy } from '../src/pipeline/list/run.js';
import { listRolloutGenerator, listRolloutReward, type ListPrompt } from '../src/pipeline/list/tasks.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { createReward, itemSideInfo, type ListReward } from '../src/rewards/index.js';
import { bonRolloutReward } from '../src/train/rl/bon-reward.js';
import { grpoTask, type Rollouts } from '../src/train/rl/grpo-task.js';

export interface StepCost {
  repeats: number;
  prompts: number;
  groupSize: number;
  referenceSize: number;
  /** Median milliseconds of one training step on the replayed rollouts. */
  bladeMs: number;
  bonMs: number;
  /** bladeMs / bonMs (the acceptance bound: ≤ 1.05). */
  ratio: number;
  /** Median milliseconds of the proxy reward alone (F̂ and (N − 1)·log F̂ for the batch). */
  bladeTargetMs: number;
  bonTargetMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function stepCostRatio(initDir: string, ds: ListDataset, cfg: RunConfig, repeats: number): StepCost {
  const run = loadRun(initDir);
  const refModel = frozenCopy(run.model);
  const a = cfg.align;
  const side = itemSideInfo(ds.name, ds.items);
  const reward = createReward(a.reward, side, cfg.rewards[a.reward as keyof RunConfig['rewards']]) as ListReward;
  const prompts: ListPrompt[] = alignmentPrompts(ds.train, a.batchPrompts, a.promptSeed).map((example, index) => ({
    index,
    example,
  }));
  const sampling = {
    temperature: a.temperature,
    repetitionPenalty: a.repetitionPenalty,
    listLength: cfg.list.listLength,
    excludeHistory: cfg.list.excludeHistory,
  };
  const ro: Rollouts = inEvalMode(run.model, () =>
    noGrad(() =>
      listRolloutGenerator(run.model, { ...sampling, groupSize: a.groupSize, seed: a.seed }).generate(prompts, 0),
    ),
  );
  const ref = referenceSet(
    run.model,
    prompts.map((p) => p.example),
    reward,
    { ...sampling, size: Math.max(cfg.bon.referenceSize, 1), seed: cfg.bon.referenceSeed, chunk: 16 },
    { model: 'cost', data: ds.fingerprint, reward: { name: reward.name, config: null } },
  ).rewards;
  const rewards = [0, cfg.bon.tau].map((tau) =>
    bonRolloutReward(listRolloutReward(reward), (p: ListPrompt) => ref[p.index], { ...cfg.bon, tau }),
  );
  const tasks = rewards.map((r) =>
    grpoTask<ListPrompt>({
      policy: run.model,
      reference: refModel,
      history: (p) => p.example.history,
      generator: { name: 'replay', generate: () => ro },
      reward: r,
      grpo: cfg.grpo,
      advantage: cfg.advantage,
      updates: 1,
    }),
  );
  const step: number[][] = [[], []];
  const target: number[][] = [[], []];
  run.model.train();
  for (let i = 0; i < repeats + 1; i++)
    for (const v of [0, 1]) {
      const t0 = performance.now();
      tidy(() => tasks[v].loss([...prompts]).loss.backward());
      if (i > 0) step[v].push(performance.now() - t0); // the first round warms up
      const t1 = performance.now();
      for (let k = 0; k < 20; k++) rewards[v].score(prompts, ro);
      if (i > 0) target[v].push((performance.now() - t1) / 20);
    }
  run.model.dispose();
  refModel.dispose();
  const [bonMs, bladeMs] = step.map(median);
  return {
    repeats,
    prompts: prompts.length,
    groupSize: a.groupSize,
    referenceSize: cfg.bon.referenceSize,
    bladeMs,
    bonMs,
    ratio: bladeMs / bonMs,
    bonTargetMs: median(target[0]),
    bladeTargetMs: median(target[1]),
  };
}
