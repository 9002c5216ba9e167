// Moving objectives' needs into the objectives themselves changed where things live, not what they compute. The
// code they replaced is copied here verbatim (OLD_*) and the new paths must match it bit for bit: the beam-sim
// thresholds of the `prepare` hook (before: pipeline/task.ts beamThresholdsFor), the training loss through the task,
// the run config derived from the registry (keys, defaults, allowed objectives) and bench run identity (configKey,
// before: a hard-coded section list with a special case for bear / beam-sim).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, setNumThreads, tensor, tidy, type Tensor } from '../src/engine/index.js';
import type { GenRecModel } from '../src/model/genrec.js';
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { targetBatch } from '../src/model/targets.js';
import { nextItemTask, prepareContext } from '../src/pipeline/task.js';
import { beamSimLoss, BeamSimConfig, simulateBeamThresholds } from '../src/train/objectives/beam-sim.js';
import { createObjective, OBJECTIVE_NAMES, OBJECTIVES } from '../src/train/objectives/registry.js';
import type { Objective } from '../src/train/objectives/types.js';
import { configKey } from '../src/experiment/identity.js';
import { tinyGenRec } from './bear-fixture.js';

setNumThreads(1);

/** pipeline/task.ts before the prepare hook (verbatim). */
function OLD_beamThresholdsFor(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  width: number,
  beamWidth: number,
): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    const thr = noGrad(() =>
      simulateBeamThresholds(
        { model: model.stepModel(histories), trie: model.ids.trie, numUsers: histories.length },
        beamWidth,
        width,
      ),
    );
    return tensor(thr, [histories.length, width], 'float64');
  } finally {
    model.train(wasTraining);
  }
}

/** configKey (then in bench/runs.ts) before the registry (verbatim but for the constant). */
function OLD_configKey(cfg: RunConfig): string {
  const OBJECTIVE_SECTIONS = ['sft', 'msl', 'bear', 'beam-sim'] as const;
  const c: Record<string, unknown> = { ...cfg };
  delete c.threads;
  delete c.cacheDir;
  for (const s of OBJECTIVE_SECTIONS) if (s !== cfg.objective) delete c[s];
  if (cfg.objective === 'bear' || cfg.objective === 'beam-sim') delete c.msl; // their base settings live in their own section
  if (cfg.identifier === 'title') {
    delete c.sid;
    delete c.embeddings;
  } else delete c.ids;
  return JSON.stringify(c);
}

const EXAMPLES = [
  { user: 'a', history: [0, 1, 2], target: 3, timestamp: 0 },
  { user: 'b', history: [4], target: 5, timestamp: 0 },
  { user: 'c', history: [6, 7, 8, 9], target: 10, timestamp: 0 },
  { user: 'd', history: [1, 3], target: 11, timestamp: 0 },
  { user: 'e', history: [], target: 0, timestamp: 0 },
];

test("beam-sim's prepare hook gives the old task's thresholds bit for bit and restores the mode", () => {
  const model = tinyGenRec(4);
  const histories = EXAMPLES.map((e) => e.history);
  for (const training of [true, false]) {
    model.train(training);
    for (const beamWidth of [1, 2, 3, 10]) {
      tidy(() => {
        const tb = targetBatch(
          model.ids,
          EXAMPLES.map((e) => e.target),
        );
        const ctx = prepareContext(model, histories, { targets: tb.targets, mask: tb.mask, valid: tb.valid });
        const got = createObjective('beam-sim', { beamWidth }).prepare!(ctx).beamThresholds!;
        assert.equal(model.training, training);
        assert.equal(got.dtype, 'float64');
        assert.deepEqual(got.shape, tb.targets.shape);
        const want = OLD_beamThresholdsFor(model, histories, tb.targets.shape[1], beamWidth);
        assert.deepEqual(Array.from(got.toFloat64()), Array.from(want.toFloat64()));
      });
    }
  }
  model.dispose();
});

test('the task passes the hook’s thresholds to beam-sim: same loss and gradient as the old task path', () => {
  const model = tinyGenRec(5);
  model.train(); // dropout on: both paths reseed before their forward pass
  const B = 3;
  const cfg = BeamSimConfig.parse({ beamWidth: B, lambda: 0.7 });
  const grads = (): number[] => model.parameters().flatMap((p) => Array.from(p.grad!.toFloat64()));
  const task = nextItemTask(model, createObjective('beam-sim', cfg), [], {
    decoder: 'beam',
    beamWidth: B,
    ks: [1],
    chunkUsers: 4,
    scoring: 'full',
    temperature: 1,
    sampleSeed: 0,
  });
  const run = (lossOf: () => { loss: Tensor; logs?: Record<string, number> }): [number, number[]] => {
    for (const p of model.parameters()) p.clearGrad();
    manualSeed(11);
    return tidy(() => {
      const out = lossOf();
      out.loss.backward();
      return [out.loss.item(), grads()];
    });
  };
  const [newLoss, newGrad] = run(() => task.loss(EXAMPLES));
  const [oldLoss, oldGrad] = run(() => {
    // the old nextItemTask.loss, with the old threshold computation
    const histories = EXAMPLES.map((e) => e.history);
    const hist = model.encodeHistories(histories);
    const tb = targetBatch(
      model.ids,
      EXAMPLES.map((e) => e.target),
    );
    const beamThresholds = OLD_beamThresholdsFor(model, histories, tb.targets.shape[1], B);
    const logits = model.forwardTrain(hist, tb.targetIn);
    return beamSimLoss({ logits, targets: tb.targets, mask: tb.mask, valid: tb.valid, beamThresholds }, cfg);
  });
  assert.equal(newLoss, oldLoss);
  assert.deepEqual(newGrad, oldGrad);
  model.dispose();
});

test('objectives without extra inputs have no hook and are the loss function itself', () => {
  const sft: Objective = createObjective('sft');
  assert.equal(sft.prepare, undefined);
  assert.equal(createObjective('msl').prepare, undefined);
  assert.equal(createObjective('bear').prepare, undefined);
  assert.deepEqual(OBJECTIVE_NAMES, ['sft', 'msl', 'bear', 'beam-sim']);
});

test('the run config derived from the registry has the old keys, defaults and objective values', () => {
  const keys = RunConfigDef.keys();
  const at = keys.indexOf('eval.vedRule');
  // the objective sections, after `eval` and before `popularity` (sft has no keys)
  assert.deepEqual(keys.slice(at + 1), [
    'msl.temperature',
    'msl.labelSmoothing',
    'bear.base',
    'bear.lambda',
    'bear.xi',
    'bear.beamWidth',
    'bear.temperature',
    'bear.form',
    'bear.logStats',
    'beam-sim.base',
    'beam-sim.lambda',
    'beam-sim.xi',
    'beam-sim.beamWidth',
    'beam-sim.temperature',
    'popularity.enabled',
    // the list task's sections (issue 18), after the run keys
    'list.listLength',
    'list.excludeHistory',
    'list.decoder',
    'list.scoring',
    'list.beamWidth',
    'list.temperature',
    'list.repetitionPenalty',
    'list.bestOf',
    'list.bestBy',
    'list.seed',
    'list.ks',
    'list.chunkUsers',
    'list.validUsers',
    'align.init',
    'align.prompts',
    'align.validPrompts',
    'align.promptSeed',
    'align.groupSize',
    'align.negatives',
    'align.temperature',
    'align.repetitionPenalty',
    'align.reward',
    'align.updates',
    'align.warmupEpochs',
    'align.lr',
    'align.epochs',
    'align.batchPrompts',
    'align.seed',
    'align.validEverySteps',
    'rewards.recall.k',
    'rewards.ndcg.k',
    'rewards.semantic.form',
    'rewards.fair.relevance',
    'rewards.fair.k',
    'rewards.fair.lambda',
    'rewards.div.relevance',
    'rewards.div.k',
    'rewards.div.lambda',
    'advantage.std',
    'advantage.eps',
    'grpo.epsClip',
    'grpo.beta',
    'dpo.beta',
    'bon.n',
    'bon.tau',
    'bon.ties',
    'bon.referenceSize',
    'bon.referenceSeed',
    'bon.cacheDir',
  ]);
  // 90 before; since then task, eval.decoder, eval.temperature, eval.sampleSeed, prefixTargets, msl.labelSmoothing,
  // model.responseItems, the list task's 42, BLADE's 7 (align.validEverySteps, bon.*) and VED's 5 (eval.ved*)
  assert.equal(keys.length, 151);
  const d = RunConfigDef.defaults();
  // (compile-time) the sections keep their exact value types
  const typed: [number, 'sft' | 'msl', number] = [d.bear.lambda, d['beam-sim'].base, d.msl.temperature];
  assert.deepEqual(typed, [1, 'msl', 1]);
  const top = Object.keys(d);
  assert.deepEqual(top.slice(top.indexOf('eval')), [
    'eval',
    'sft',
    'msl',
    'bear',
    'beam-sim',
    'popularity',
    ...['list', 'align', 'rewards', 'advantage', 'grpo', 'dpo', 'bon'],
  ]);
  assert.equal(d.objective, 'msl');
  assert.deepEqual(
    { sft: d.sft, msl: d.msl, bear: d.bear, 'beam-sim': d['beam-sim'] },
    {
      sft: {},
      msl: { temperature: 1, labelSmoothing: 0 },
      bear: { base: 'msl', lambda: 1, xi: 1, beamWidth: 10, temperature: 1, form: 'direct', logStats: true },
      'beam-sim': { base: 'msl', lambda: 1, xi: 1, beamWidth: 10, temperature: 1 },
    },
  );
  assert.equal(
    RunConfigDef.schema.objective.kind === 'field' && RunConfigDef.schema.objective.type,
    "'sft' | 'msl' | 'bear' | 'beam-sim' | 'grpo' | 'dpo' | 'sdpo' | 'listdpo' | 'bon' | 'blade'",
  );
  for (const [name, e] of Object.entries(OBJECTIVES)) {
    assert.equal(RunConfigDef.schema[name], e.config);
    assert.ok(RunConfigDef.docs().includes(`'${name}': ${e.doc.replace(/\|/g, '\\|')}`), name);
  }
  assert.throws(() => RunConfigDef.parse({ objective: 'bera' }), /did you mean 'bear'/);
});

test('configKey is what it was: the sections of unused objectives dropped through the registry', () => {
  const configs: RunConfig[] = [];
  for (const objective of OBJECTIVE_NAMES) {
    for (const identifier of ['title', 'sid'] as const) {
      configs.push(
        resolveRunConfig([
          { value: { preset: 'small', objective, identifier, threads: 1 }, source: 'a' },
          { value: { msl: { temperature: 0.5 }, bear: { lambda: 2 }, 'beam-sim': { beamWidth: 4 } }, source: 'b' },
        ]),
      );
    }
  }
  configs.push(RunConfigDef.defaults());
  // a config as it was before the keys added since (prefixTargets, msl.labelSmoothing, model.responseItems, eval.ved*),
  // at their defaults
  const asBefore = (c: RunConfig): RunConfig => {
    // (the list task's sections are never part of a next-item run's identity)
    const {
      prefixTargets: _p,
      list: _l,
      align: _a,
      rewards: _w,
      advantage: _v,
      grpo: _g,
      dpo: _d,
      bon: _b,
      ...rest
    } = c;
    const { responseItems: _r, ...model } = c.model;
    const { vedBudget: _vb, vedLambda: _vl, vedBeta: _vt, vedWarmWidth: _vw, vedRule: _vr, ...evalBefore } = c.eval;
    return { ...rest, model, eval: evalBefore, msl: { temperature: c.msl.temperature } } as unknown as RunConfig;
  };
  // … and without `preset`, dropped since: a preset only names values that are in the config anyway
  const oldKey = (c: RunConfig): string => {
    const { preset: _preset, ...rest } = JSON.parse(OLD_configKey(asBefore(c))) as Record<string, unknown>;
    return JSON.stringify(rest);
  };
  for (const c of configs) assert.equal(configKey(c), oldKey(c), `${c.objective} ${c.identifier}`);
  // so the base preset's run is the small preset's run with the recipe's flags (issue 17's stored runs are reused)
  const recipe = {
    identifier: 'sid',
    embeddings: { sources: ['text', 'cooc'] },
    prefixTargets: 'novel',
    eval: { scoring: 'valid' },
  };
  assert.equal(
    configKey(resolveRunConfig([{ value: { preset: 'base' }, source: 'a' }])),
    configKey(resolveRunConfig([{ value: { preset: 'small', ...recipe }, source: 'a' }])),
  );
  // away from their defaults, the new keys are part of the identity
  const d = RunConfigDef.defaults();
  assert.notEqual(configKey({ ...d, prefixTargets: 'novel' }), configKey(d));
  assert.notEqual(configKey({ ...d, msl: { ...d.msl, labelSmoothing: 0.1 } }), configKey(d));
  assert.notEqual(configKey({ ...d, model: { ...d.model, responseItems: 10 } }), configKey(d));
  const topKeys = (c: RunConfig): string[] => Object.keys(JSON.parse(configKey(c)) as object);
  const common = ['dataset', 'task', 'objective', 'seed', 'trainOnPrefixes', 'select', 'refit', 'identifier'];
  assert.deepEqual(topKeys(configs[0]), [
    ...common,
    'sidIndex',
    'out',
    'ids',
    'model',
    'trainer',
    'eval',
    'sft',
    'popularity',
  ]);
  assert.deepEqual(topKeys(configs[5]), [
    ...common,
    'sidIndex',
    'out',
    'sid',
    'embeddings',
    'model',
    'trainer',
    'eval',
    'bear',
    'popularity',
  ]);
  assert.deepEqual(topKeys(configs[6]), [
    ...common,
    'sidIndex',
    'out',
    'ids',
    'model',
    'trainer',
    'eval',
    'beam-sim',
    'popularity',
  ]);
});
