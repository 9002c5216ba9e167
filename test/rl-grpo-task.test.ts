// The GRPO trainer task (src/train/rl/grpo-task.ts) in the generic training loop (src/train/trainer.ts): one rollout
// per batch however many updates μ (TrainTask.updatesPerBatch), μ optimizer steps per batch, stale π_old on the later
// updates, equal rewards giving exactly no update, loud errors; and the acceptance test: GRPO with the list task's
// rollout generator and a list reward raises the mean reward of sampled lists on a small synthetic task.
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { noGrad, setNumThreads, tidy } from '../src/engine/index.js';
import { GenRecModel } from '../src/model/genrec.js';
import { listTokenRows, responseBatch, responseLogProbs } from '../src/model/responses.js';
import { listSample } from '../src/decode/list/list-sample.js';
import { AdvantageConfig } from '../src/train/rl/advantages.js';
import { GrpoConfig } from '../src/train/rl/grpo-loss.js';
import { grpoTask, type CandidateGenerator, type RolloutReward, type Rollouts } from '../src/train/rl/grpo-task.js';
import { train, type TrainerConfig } from '../src/train/trainer.js';
import { listRolloutGenerator, listRolloutReward, type ListPrompt } from '../src/pipeline/list/tasks.js';
import { createReward, recallAtK, type ListReward } from '../src/rewards/index.js';
import { Rng } from '../src/util/rng.js';
import { LinearTask, makeData, type Example } from './train-fixture.js';
import { sideWithoutGenres, tinyGenRec, twelveItemSids } from './tiny-genrec-fixture.js';

setNumThreads(1);
const quiet = (): void => undefined;

const sidIds = twelveItemSids;

const genrec = tinyGenRec;

const weights = (m: GenRecModel): Float32Array[] => m.parameters().map((p) => p.toFloat32());

interface Prompt {
  id: number;
  history: number[];
}

const prompts = (n: number): Prompt[] =>
  Array.from({ length: n }, (_, id) => ({ id, history: [id % 12, (id + 5) % 12] }));

/**
 * A fake generator: G fixed lists per prompt (prompt p, sample g → items p+g, p+g+4, p+g+8 mod 12), their log-probs
 * under the model as it is now (π_old), and a record of every call.
 */
function fakeGenerator(
  model: GenRecModel,
  G: number,
): CandidateGenerator<Prompt> & { calls: { ids: number[]; round: number }[] } {
  const calls: { ids: number[]; round: number }[] = [];
  return {
    name: 'fake',
    calls,
    generate(batch, round): Rollouts {
      calls.push({ ids: batch.map((p) => p.id), round });
      const items = batch.flatMap((p) =>
        Array.from({ length: G }, (_, g) => [0, 4, 8].map((d) => (p.id + g + d) % 12)),
      );
      const rows = listTokenRows(model.ids, items);
      const histories = batch.flatMap((p) => Array.from({ length: G }, () => p.history));
      const old = tidy(() => responseLogProbs(model, histories, responseBatch(model.ids, rows)).toFloat64());
      return { groupSize: G, rows, oldLogProbs: old, items, modelCalls: 1 };
    },
  };
}

/** A fake reward: `f(prompt, g)` for response g of each prompt's group; records its calls. */
function fakeReward(f: (p: Prompt, g: number) => number): RolloutReward<Prompt> & { calls: number } {
  const r = {
    name: 'fake',
    calls: 0,
    score(batch: readonly Prompt[], ro: Rollouts): Float64Array {
      r.calls++;
      const G = ro.groupSize;
      return Float64Array.from({ length: batch.length * G }, (_, i) => f(batch[Math.floor(i / G)], i % G));
    },
  };
  return r;
}

const TRAINER: Partial<TrainerConfig> = {
  lr: 1e-2,
  batchSize: 4,
  epochs: 2,
  patience: 0,
  warmup: 0,
  schedule: 'constant',
  weightDecay: 0,
  maxGradNorm: 1,
  seed: 1,
  logIntervalSec: 0,
};

test('μ = 3: one rollout and one reward call per batch, μ optimizer steps per batch, stale π_old on later updates', () => {
  const ids = sidIds();
  const G = 4;
  const data = prompts(10); // batches of 4, 4, 2: 3 batches per epoch
  for (const mu of [1, 3]) {
    const model = genrec(ids, 3, 7);
    const reference = genrec(ids, 3, 7);
    const gen = fakeGenerator(model, G);
    const reward = fakeReward((p, g) => ((p.id * 7 + g * 3) % 5) / 4);
    const lines: string[] = [];
    const task = grpoTask<Prompt>({
      policy: model,
      reference,
      history: (p) => p.history,
      generator: gen,
      reward,
      grpo: GrpoConfig.parse({ beta: 0.04 }),
      advantage: AdvantageConfig.defaults(),
      updates: mu,
      log: (l) => lines.push(l),
      logEvery: 1,
    });
    assert.equal(task.updatesPerBatch, mu);
    const w0 = weights(model);
    const res = train(task, data, TRAINER, { log: quiet });
    const batches = 2 * 3;
    assert.equal(gen.calls.length, batches, `μ = ${mu}: generate once per batch`);
    assert.equal(reward.calls, batches, `μ = ${mu}: reward once per batch`);
    assert.deepEqual(
      gen.calls.map((c) => c.round),
      [0, 1, 2, 3, 4, 5],
      'rounds count the batches',
    );
    assert.deepEqual(
      gen.calls
        .slice(0, 3)
        .flatMap((c) => c.ids)
        .sort((a, b) => a - b),
      data.map((p) => p.id),
      'one epoch’s batches cover every prompt once',
    );
    assert.equal(res.totalSteps, batches * mu, 'optimizer steps = batches × μ');
    assert.deepEqual(
      res.history.map((h) => h.step),
      [3 * mu, 6 * mu],
    );
    const t = task.totals();
    assert.equal(t.batches, batches);
    assert.equal(t.responses, 10 * G * 2);
    assert.equal(t.responseTokens, 10 * G * 2 * 9, '3 items × 3 tokens per list');
    assert.equal(t.modelCalls, batches);
    assert.ok(t.rolloutSeconds >= 0 && t.forwardSeconds > 0);
    assert.equal(lines.filter((l) => l.startsWith('[grpo] batch')).length, batches, 'one log line per batch');
    const logs = res.history[0].logs;
    for (const k of ['reward', 'rewardStd', 'zeroAdvGroups', 'kl', 'clipFraction', 'ratio', 'rolloutSec'])
      assert.ok(Number.isFinite(logs[k]), `log ${k}: ${logs[k]}`);
    assert.ok(logs.kl > 0, 'β > 0 with a reference: the KL term is computed');
    assert.equal(logs.zeroAdvGroups, 0, 'distinct rewards in every group');
    // π_old is the policy of the rollout: ratio exactly 1 with one update per batch; μ = 3 updates on stale π_old
    if (mu === 1) assert.ok(Math.abs(logs.ratio - 1) < 1e-6, `μ = 1: ratio ${logs.ratio}`);
    else assert.ok(Math.abs(logs.ratio - 1) > 1e-4, `μ = 3: ratio ${logs.ratio} moves off 1`);
    const w1 = weights(model);
    assert.ok(
      w1.some((w, i) => w.some((v, j) => v !== w0[i][j])),
      'unequal rewards update the policy',
    );
    model.dispose();
    reference.dispose();
  }
});

test('trainer: updatesPerBatch = μ passes the same batch array μ times in a row, one optimizer step each', () => {
  const task = new LinearTask(7, makeData(2, 8));
  const seen: Example[][] = [];
  const mu = 3;
  const counting = {
    model: task.model,
    updatesPerBatch: mu,
    loss: (batch: Example[]) => {
      seen.push(batch);
      return task.loss(batch);
    },
  };
  const data = makeData(1, 20); // batches of 8, 8, 4
  const res = train(counting, data, { ...TRAINER, batchSize: 8, epochs: 2 }, { log: quiet });
  assert.equal(seen.length, 2 * 3 * mu);
  assert.equal(res.totalSteps, 2 * 3 * mu);
  for (let b = 0; b < seen.length; b += mu) {
    for (let j = 1; j < mu; j++) assert.equal(seen[b + j], seen[b], `call ${b + j}: the very same array as call ${b}`);
    if (b > 0) assert.notEqual(seen[b], seen[b - 1], `call ${b}: a new batch`);
  }
  assert.deepEqual(
    seen.slice(0, 3 * mu).map((b) => b.length),
    [8, 8, 8, 8, 8, 8, 4, 4, 4],
  );
});

test('equal rewards in every group: zero-advantage share 1, loss 0 and the parameters do not move (β = 0)', () => {
  const ids = sidIds();
  const model = genrec(ids, 3, 3);
  const gen = fakeGenerator(model, 4);
  // each group has one reward (different across groups): every advantage is exactly 0
  const task = grpoTask<Prompt>({
    policy: model,
    reference: null,
    history: (p) => p.history,
    generator: gen,
    reward: fakeReward((p) => 0.1 * (p.id % 3) + 0.1),
    grpo: GrpoConfig.parse({ beta: 0 }),
    advantage: AdvantageConfig.defaults(),
    updates: 2,
  });
  const w0 = weights(model);
  const res = train(task, prompts(8), TRAINER, { log: quiet });
  for (const h of res.history) {
    assert.equal(h.logs.zeroAdvGroups, 1, `epoch ${h.epoch}: every group has zero advantages`);
    assert.ok(h.loss === 0, `epoch ${h.epoch}: loss ${h.loss}`);
    assert.equal(h.gradNorm, 0);
  }
  assert.equal(gen.calls.length, 4);
  const w1 = weights(model);
  w1.forEach((w, i) => assert.deepEqual(w, w0[i], `parameter ${i} unchanged`));
  model.dispose();
});

test('loud errors: β > 0 without a reference, a generator of the wrong size, μ with gradient accumulation', () => {
  const ids = sidIds();
  const model = genrec(ids, 3, 1);
  const base = {
    policy: model,
    reference: null,
    history: (p: Prompt) => p.history,
    generator: fakeGenerator(model, 4),
    reward: fakeReward(() => 0),
    advantage: AdvantageConfig.defaults(),
    updates: 1,
  };
  assert.throws(() => grpoTask<Prompt>({ ...base, grpo: GrpoConfig.parse({ beta: 0.1 }) }), /needs a reference policy/);
  const bad: CandidateGenerator<Prompt> = {
    name: 'short',
    generate: (batch, round) => {
      const ro = fakeGenerator(model, 4).generate(batch, round);
      return { ...ro, groupSize: 5 };
    },
  };
  assert.throws(
    () =>
      train(grpoTask<Prompt>({ ...base, generator: bad, grpo: GrpoConfig.parse({ beta: 0 }) }), prompts(4), TRAINER, {
        log: quiet,
      }),
    /generator 'short' returned 16 responses for 4 prompts × G = 5/,
  );
  const badReward = { name: 'few', score: () => new Float64Array(3) };
  assert.throws(
    () =>
      train(
        grpoTask<Prompt>({ ...base, reward: badReward, grpo: GrpoConfig.parse({ beta: 0 }) }),
        prompts(4),
        TRAINER,
        { log: quiet },
      ),
    /reward 'few' gave 3 values for 16 responses/,
  );
  assert.throws(
    () =>
      train(
        grpoTask<Prompt>({ ...base, updates: 3, grpo: GrpoConfig.parse({ beta: 0 }) }),
        prompts(4),
        { ...TRAINER, gradAccumulation: 2 },
        { log: quiet },
      ),
    /updatesPerBatch > 1 cannot be combined with trainer\.gradAccumulation > 1/,
  );
  assert.throws(
    () =>
      train(grpoTask<Prompt>({ ...base, updates: 0, grpo: GrpoConfig.parse({ beta: 0 }) }), prompts(4), TRAINER, {
        log: quiet,
      }),
    /updatesPerBatch must be an integer ≥ 1, got 0/,
  );
  model.dispose();
});

// ---- acceptance: GRPO raises the reward ---------------------------------------------------------------------------

const K = 3;
const GOOD = [0, 4, 9]; // the fixed target set every prompt is rewarded for (recall@3)

/** 32 prompts whose histories avoid the target set; the targets are the same for everyone. */
function listPrompts(seed: number): ListPrompt[] {
  const rng = new Rng(seed);
  const others = Array.from({ length: 12 }, (_, i) => i).filter((i) => !GOOD.includes(i));
  return Array.from({ length: 32 }, (_, index) => ({
    index,
    example: {
      user: `u${index}`,
      history: [others[rng.int(others.length)], others[rng.int(others.length)], others[rng.int(others.length)]],
      targets: GOOD,
      timestamp: index,
    },
  }));
}

/** Mean recall@3 of 16 sampled lists per prompt (temperature 1, no penalty, a fixed seed). */
function meanSampledReward(model: GenRecModel, ps: readonly ListPrompt[]): number {
  const histories = ps.map((p) => p.example.history);
  const res = noGrad(() =>
    tidy(() =>
      listSample(
        { model: model.stepModel(histories), constraint: model.ids.trie, numUsers: ps.length, histories },
        {
          listLength: K,
          numSamples: 16,
          temperature: 1,
          repetitionPenalty: 1,
          seed: 12345,
          firstUser: 0,
          excludeHistory: true,
          scoring: 'full',
        },
      ),
    ),
  );
  let sum = 0;
  const R = ps.length * 16;
  for (let r = 0; r < R; r++) {
    const list = Array.from(res.items.subarray(r * K, r * K + res.itemCounts[r]));
    assert.equal(list.length, K);
    sum += recallAtK(list, GOOD, K);
  }
  return sum / R;
}

test('ACCEPTANCE: GRPO with list rollouts and a recall reward raises the mean reward of sampled lists', () => {
  const ids = sidIds();
  const model = genrec(ids, K, 11);
  const ps = listPrompts(2);
  const side = sideWithoutGenres();
  const before = meanSampledReward(model, ps);
  const task = grpoTask<ListPrompt>({
    policy: model,
    reference: null,
    history: (p) => p.example.history,
    generator: listRolloutGenerator(model, {
      groupSize: 8,
      temperature: 1,
      repetitionPenalty: 1,
      listLength: K,
      excludeHistory: true,
      seed: 5,
    }),
    reward: listRolloutReward(createReward('recall', side, { k: K }) as ListReward),
    grpo: GrpoConfig.parse({ beta: 0 }),
    advantage: AdvantageConfig.defaults(),
    updates: 1,
  });
  const res = train(task, ps, { ...TRAINER, batchSize: 8, epochs: 6, seed: 3 }, { log: quiet });
  const after = meanSampledReward(model, ps);
  const rewards = res.history.map((h) => h.logs.reward);
  // a random policy finds about 3 · 3 / 9 of the targets (history excluded); GRPO should learn to put them first
  assert.ok(before < 0.5, `before ${before}`);
  assert.ok(
    after > before + 0.25,
    `mean reward before ${before.toFixed(3)}, after ${after.toFixed(3)}; per epoch ${rewards}`,
  );
  assert.ok(rewards[rewards.length - 1] > rewards[0], `rollout reward rises over the epochs: ${rewards}`);
  model.dispose();
});

test('GRPO resumes from its checkpoint exactly: a run killed after epoch 1 and resumed ends with the uninterrupted weights', () => {
  const ids = sidIds();
  const ps = listPrompts(4);
  const side = sideWithoutGenres();
  const run = (dir: string, stopAfter: number | null, resume: boolean, model: GenRecModel): void => {
    const task = grpoTask<ListPrompt>({
      policy: model,
      reference: null,
      history: (p) => p.example.history,
      generator: listRolloutGenerator(model, {
        groupSize: 4,
        temperature: 1,
        repetitionPenalty: 1.05,
        listLength: K,
        excludeHistory: true,
        seed: 9,
      }),
      reward: listRolloutReward(createReward('recall', side, { k: K }) as ListReward),
      grpo: GrpoConfig.parse({ beta: 0 }),
      advantage: AdvantageConfig.defaults(),
      updates: 1,
    });
    const onEpoch = (r: { epoch: number }): void => {
      if (stopAfter !== null && r.epoch === stopAfter) throw new Error('killed');
    };
    train(
      task,
      ps,
      { ...TRAINER, batchSize: 8, epochs: 3, seed: 3 },
      { log: quiet, checkpointDir: dir, resume, onEpoch },
    );
  };
  const tmp = mkdtempSync(join(tmpdir(), 'grpo-resume-'));
  try {
    const whole = genrec(ids, K, 21);
    run(join(tmp, 'a'), null, false, whole);
    const killed = genrec(ids, K, 21);
    assert.throws(() => run(join(tmp, 'b'), 1, false, killed), /killed/);
    killed.dispose();
    const resumed = genrec(ids, K, 99); // other initial weights: everything must come from the checkpoint
    run(join(tmp, 'b'), null, true, resumed);
    const [wa, wb] = [weights(whole), weights(resumed)];
    wa.forEach((a, i) => assert.deepEqual(Array.from(wb[i]), Array.from(a), `parameter ${i}`));
    whole.dispose();
    resumed.dispose();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
