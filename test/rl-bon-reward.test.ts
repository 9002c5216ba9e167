// BLADE's proxy reward as a GRPO plug-in (src/train/rl/bon-reward.ts): the proxy of hand-worked rollouts, its
// diagnostics in GRPO's logs, and shared sampling — BLADE (τ > 0) makes exactly the model calls static BoN alignment
// (τ = 0) makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads } from '../src/engine/index.js';
import { AdvantageConfig } from '../src/train/rl/advantages.js';
import { BonTargetConfig, sortedReference } from '../src/train/rl/bon-target.js';
import { bonRolloutReward } from '../src/train/rl/bon-reward.js';
import { GrpoConfig } from '../src/train/rl/grpo-loss.js';
import { grpoTask, type RolloutReward, type Rollouts } from '../src/train/rl/grpo-task.js';
import { train } from '../src/train/trainer.js';
import { listRolloutGenerator, listRolloutReward, type ListPrompt } from '../src/pipeline/list/tasks.js';
import { createReward, type ListReward } from '../src/rewards/index.js';
import { sideWithoutGenres, tinyGenRec, twelveItemSids } from './tiny-genrec-fixture.js';

setNumThreads(1);

const fakeRollouts = (G: number, n: number): Rollouts => ({
  groupSize: G,
  rows: { tokens: new Int32Array(n), lengths: new Int32Array(n).fill(1), width: 1 },
  oldLogProbs: new Float64Array(n),
  items: Array.from({ length: n }, () => []),
  modelCalls: 0,
});

test('the proxy reward of hand-worked rollouts, and its saturation diagnostics', () => {
  const base: RolloutReward<number> = { name: 'fixed', score: () => Float64Array.from([0.2, 0.3, 0.5, 0.9]) };
  const ref = sortedReference([0.1, 0.2, 0.4, 0.6]);
  const stat = bonRolloutReward(base, () => ref, BonTargetConfig.parse({ n: 4, tau: 0 }));
  const r = stat.score([0, 1], fakeRollouts(2, 4));
  // prompt 0 (same reference): 0.2 → 1/4, 0.3 → 2/4; prompt 1: 0.5 → 3/4, 0.9 → 4/4 (saturated)
  const want = [1 / 4, 2 / 4, 3 / 4, 1].map((f) => 3 * Math.log(f));
  r.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12, `${i}: ${v} vs ${want[i]}`));
  assert.deepEqual(stat.logs?.(), { baseReward: (0.2 + 0.3 + 0.5 + 0.9) / 4, saturated: 0.25 });
  const blade = bonRolloutReward(base, () => ref, BonTargetConfig.parse({ n: 4, tau: 1 }));
  blade.score([0, 1], fakeRollouts(2, 4));
  assert.equal(blade.logs?.().saturated, 0, 'the group’s own counts keep the best rollout below 1');
});

test('shared sampling: BLADE (τ = 0.3) makes exactly as many model calls per step as static BoN (τ = 0)', () => {
  const N = 12;
  const ids = twelveItemSids();
  const side = sideWithoutGenres(N);
  const prompts: ListPrompt[] = Array.from({ length: 16 }, (_, index) => ({
    index,
    example: { user: `u${index}`, history: [index % N, (index + 3) % N], targets: [1, 5, 9], timestamp: index },
  }));
  const ref = sortedReference([0, 0.1, 0.3, 0.5]);
  const run = (tau: number): { calls: number; logs: Record<string, number> } => {
    const model = tinyGenRec(ids, 3, 7);
    let calls = 0;
    const gen = listRolloutGenerator(model, {
      groupSize: 4,
      temperature: 1,
      repetitionPenalty: 1,
      listLength: 3,
      excludeHistory: true,
      seed: 1,
    });
    const counting = {
      name: gen.name,
      generate: (ps: readonly ListPrompt[], round: number) => {
        calls++;
        return gen.generate(ps, round);
      },
    };
    const reward = bonRolloutReward(
      listRolloutReward(createReward('ndcg', side, { k: 3 }) as ListReward),
      () => ref,
      BonTargetConfig.parse({ n: 4, tau }),
    );
    const task = grpoTask<ListPrompt>({
      policy: model,
      reference: null,
      history: (p) => p.example.history,
      generator: counting,
      reward,
      grpo: GrpoConfig.parse({ beta: 0 }),
      advantage: AdvantageConfig.defaults(),
      updates: 1,
    });
    const res = train(
      task,
      prompts,
      { lr: 1e-3, batchSize: 8, epochs: 2, patience: 0, warmup: 0, logIntervalSec: 0 },
      {
        log: () => undefined,
      },
    );
    const t = task.totals();
    model.dispose();
    assert.equal(calls, 4, 'one generator call per batch');
    return { calls: t.modelCalls, logs: res.history[0].logs };
  };
  const stat = run(0);
  const blade = run(0.3);
  assert.ok(stat.calls > 0);
  assert.equal(blade.calls, stat.calls, 'model calls of BLADE = static BoN');
  for (const k of ['saturated', 'baseReward', 'meanAbsAdvantage'])
    assert.ok(Number.isFinite(blade.logs[k]) && Number.isFinite(stat.logs[k]), `${k} logged`);
});
