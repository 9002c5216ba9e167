// Adding an objective touches its own file, its test and one registry line: the toy objective of
// test/toy-objective-fixture.ts joins a copy of the registry (the "one line"), and then appears in the derived run
// config (its `objective` value, its section, its doc), in run identity, and trains through the generic task with
// its `prepare` hook called once per batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, setNumThreads, tidy } from '../src/engine/index.js';
import { RunConfigDef, runConfigFor } from '../src/pipeline/config.js';
import { targetBatch } from '../src/model/targets.js';
import { nextItemTask, prepareContext } from '../src/pipeline/task.js';
import { train } from '../src/train/trainer.js';
import { sftLoss } from '../src/train/objectives/sft.js';
import {
  createObjectiveIn,
  OBJECTIVES,
  unusedObjectiveSections,
  type ObjectiveRegistry,
} from '../src/train/objectives/registry.js';
import { TOY_OBJECTIVE, toyCalls, toyLoss, toyWeights } from './toy-objective-fixture.js';
import { tinyGenRec } from './bear-fixture.js';

setNumThreads(1);

const REGISTRY = {
  ...OBJECTIVES,
  toy: TOY_OBJECTIVE, // ← the one line a new objective adds to src/train/objectives/registry.ts
} as const satisfies ObjectiveRegistry;

const EXAMPLES = [
  { user: 'a', history: [0, 1, 2], target: 3, timestamp: 0 },
  { user: 'b', history: [4], target: 5, timestamp: 0 },
  { user: 'c', history: [6, 7, 8, 9], target: 10, timestamp: 0 },
  { user: 'd', history: [1, 3], target: 0, timestamp: 0 },
  { user: 'e', history: [11, 2], target: 7, timestamp: 0 },
];

test('the run config derived from a registry with the toy objective has its value, section and doc', () => {
  const Def = runConfigFor(REGISTRY, 'msl');
  const keys = Def.keys();
  const at = (k: string): number => keys.indexOf(k);
  assert.ok(at('toy.weight') > at('beam-sim.temperature') && at('toy.weight') < at('popularity.enabled'));
  assert.deepEqual(
    keys.filter((k) => !k.startsWith('toy.')),
    RunConfigDef.keys(),
  );
  const cfg = Def.parse({ objective: 'toy', toy: { weight: 2 } });
  assert.equal(cfg.objective, 'toy');
  assert.deepEqual(cfg.toy, { weight: 2 });
  assert.equal(Def.defaults().objective, 'msl');
  assert.match(Def.docs(), /'toy': Toy: SFT weighted/);
  assert.match(Def.docs(), /`toy\.weight`/);
  // the real registry is untouched by the test
  assert.throws(() => RunConfigDef.parse({ objective: 'toy' }), /objective: must be one of .*got "toy"/);
  assert.deepEqual(unusedObjectiveSections('toy', REGISTRY), ['sft', 'msl', 'bear', 'beam-sim']);
  assert.deepEqual(unusedObjectiveSections('bear', REGISTRY), ['sft', 'msl', 'beam-sim', 'toy']);
  assert.throws(() => createObjectiveIn(REGISTRY, 'toi'), /unknown objective 'toi' \(did you mean 'toy'\?\)/);
  assert.throws(() => createObjectiveIn(REGISTRY, 'toy', { weight: -1 }), /toy\.weight: must be >= 0/);
});

test('the toy objective: prepare fills its typed input, weight 0 gives SFT exactly', () => {
  const model = tinyGenRec(2);
  const obj = createObjectiveIn(REGISTRY, 'toy', { weight: 0 });
  assert.equal(typeof obj.prepare, 'function');
  tidy(() => {
    const tb = targetBatch(
      model.ids,
      EXAMPLES.map((e) => e.target),
    );
    const target = { targets: tb.targets, mask: tb.mask, valid: tb.valid };
    const histories = EXAMPLES.map((e) => e.history);
    const extras = obj.prepare!(prepareContext(model, histories, target));
    assert.deepEqual(Array.from(extras.toyWeights!.toFloat64()), [1, 1, 1, 1, 1]);
    const logits = noGrad(() => model.forwardTrain(model.encodeHistories(histories), tb.targetIn));
    const input = { ...extras, logits, ...target };
    assert.equal(obj(input).loss.item(), sftLoss(input).loss.item());
    // weight 2: w_b = 1 + 2(1 − p) ∈ [1, 3], and the loss is the weighted token mean
    const w = toyWeights(prepareContext(model, histories, target), 2).toFloat64();
    assert.ok(w.every((x) => x >= 1 && x <= 3) && w.some((x) => x > 1));
    const out = toyLoss({ ...input, toyWeights: toyWeights(prepareContext(model, histories, target), 2) });
    assert.ok(out.loss.item() > sftLoss(input).loss.item());
    assert.ok(Math.abs(out.logs!.meanWeight - w.reduce((a, b) => a + b, 0) / w.length) < 1e-6);
    assert.throws(() => toyLoss({ logits, ...target }), /toyWeights is missing/);
  });
  model.dispose();
});

test('the toy objective trains through the generic task, prepare once per batch', () => {
  manualSeed(5);
  const model = tinyGenRec(3);
  const objective = createObjectiveIn(REGISTRY, 'toy', { weight: 1 });
  const task = nextItemTask(model, objective, [], {
    decoder: 'beam',
    beamWidth: 3,
    ks: [1],
    chunkUsers: 4,
    scoring: 'full',
    temperature: 1,
    sampleSeed: 0,
  });
  const before = toyCalls.prepare;
  const r = train(
    { model: task.model, loss: (b) => task.loss(b) },
    EXAMPLES,
    {
      epochs: 6,
      batchSize: 2,
      lr: 1e-2,
      warmup: 0,
      seed: 1,
      logIntervalSec: 1e9,
    },
    { log: () => {} },
  );
  assert.equal(toyCalls.prepare - before, 6 * 3); // 5 examples in batches of 2: 3 batches per epoch
  const losses = r.history.map((e) => e.loss);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses.join(' → ')}`);
  assert.ok(r.history.every((e) => e.logs.meanWeight >= 1 && e.logs.meanWeight <= 2));
  model.dispose();
});
