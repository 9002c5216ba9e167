import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../src/data/types.js';
import { evaluateBaseline, Popularity, Sasrec, SasrecConfig } from '../src/baselines/index.js';
import { liveTensors, setNumThreads, tidy } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';
import { gridPoints, tuneSasrec } from '../src/baselines/sasrec-tune.js';

setNumThreads(1);

const ex = (history: number[], target: number, user = 'u'): Example => ({ user, history, target, timestamp: 0 });

test('popularity: counts targets, breaks ties by index, hand-computed HR/NDCG', () => {
  const train = [ex([0, 4], 2), ex([4], 2), ex([4, 0], 1), ex([], 3), ex([4], 1), ex([0], 2)];
  const pop = Popularity.fit(5, train);
  assert.deepEqual(Array.from(pop.counts), [0, 2, 3, 1, 0]);
  assert.deepEqual(pop.ranking, [2, 1, 3, 0, 4]); // 0 and 4 tie at 0: lower index first
  assert.deepEqual(pop.recommend(2), [2, 1]);
  const test = [ex([3], 1), ex([2], 4), ex([], 2)];
  const recs = pop.recommendAll(test, 2);
  assert.deepEqual(recs, [
    [2, 1],
    [2, 1],
    [2, 1],
  ]);
  const r = evaluateBaseline(recs, test, ['hr@2', 'ndcg@2', 'hr@1']);
  assert.equal(r.mean['hr@2'], 2 / 3);
  assert.ok(Math.abs(r.mean['ndcg@2'] - (1 / Math.log2(3) + 0 + 1) / 3) < 1e-12);
  assert.equal(r.mean['hr@1'], 1 / 3);
});

test('popularity: countHistories counts every history item too', () => {
  const train = [ex([0, 4], 2), ex([4], 2), ex([4, 0], 1), ex([], 3), ex([4], 1), ex([0], 2)];
  const pop = Popularity.fit(5, train, { countHistories: true });
  assert.deepEqual(Array.from(pop.counts), [3, 2, 3, 1, 4]);
  assert.deepEqual(pop.ranking, [4, 0, 2, 1, 3]); // 0 and 2 tie at 3: 0 first
});

test('popularity: malformed input fails loudly', () => {
  assert.throws(() => Popularity.fit(3, [ex([0], 1), ex([1], 3)]), /train row 1: target 3/);
  assert.throws(() => Popularity.fit(3, [ex([7], 1)], { countHistories: true }), /row 0: history item 7/);
  assert.throws(() => Popularity.fit(3, [ex([7], 1)], { countHistorie: true } as never), /countHistorie/);
  assert.throws(() => Popularity.fit(3, []).recommend(0), /k must be/);
  assert.throws(() => evaluateBaseline([[1]], [ex([], 1), ex([], 2)]), /1 recommendation lists for 2 examples/);
});

/** Windows over the cycle i → (i+1) mod n: random start, random history length 1..maxLen. */
function cycleData(n: number, rows: number, seed: string): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => {
    const s = rng.int(n);
    const len = 1 + rng.int(10);
    const history = Array.from({ length: len }, (_, j) => (s + j) % n);
    return ex(history, (s + len) % n);
  });
}

const TINY = { dModel: 32, nLayers: 1, nHeads: 2, dropout: 0, lr: 1e-2, batchSize: 64, patience: 3 } as const;

test('sasrec learns a deterministic successor pattern (HR@1 near 1)', () => {
  const n = 30;
  const model = new Sasrec(n, { ...TINY, maxEpochs: 15 });
  try {
    const rep = model.fit(cycleData(n, 600, 'train'), cycleData(n, 60, 'valid'), { quiet: true });
    const test = cycleData(n, 100, 'test');
    const r = evaluateBaseline(model.recommend(test, 1), test, ['hr@1']);
    assert.ok(r.mean['hr@1'] >= 0.95, `hr@1 ${r.mean['hr@1']} after ${rep.epochsRun} epochs`);
    assert.ok(rep.bestValid >= 0.95, `valid ndcg@10 ${rep.bestValid}`);
    assert.equal(rep.epochs.length, rep.epochsRun);
    assert.ok(rep.bestEpoch >= 1 && rep.bestEpoch <= rep.epochsRun);
    // the best weights are restored: validating again gives the best score
    const again = evaluateBaseline(model.recommend(cycleData(n, 60, 'valid'), 10), cycleData(n, 60, 'valid'), [
      'ndcg@10',
    ]);
    assert.ok(Math.abs(again.mean['ndcg@10'] - rep.bestValid) < 1e-9);
  } finally {
    model.dispose();
  }
});

test('sasrec trainOnPrefixes + refit: learns the pattern, refits for the chosen epoch count', () => {
  const n = 30;
  const lines: string[] = [];
  const model = new Sasrec(n, { ...TINY, maxEpochs: 6, trainOnPrefixes: true, refit: true });
  try {
    const rep = model.fit(cycleData(n, 300, 'train'), cycleData(n, 60, 'valid'), {
      writer: (l) => void lines.push(l),
    });
    assert.equal(rep.refitEpochs, rep.bestEpoch);
    assert.equal(rep.refitLog.length, rep.bestEpoch);
    assert.ok(rep.refitLog.every((e) => Number.isNaN(e.valid)));
    assert.ok(lines.some((l) => l.startsWith('[sasrec select] epoch 1 loss')));
    assert.ok(lines.some((l) => l.startsWith('[sasrec refit] epoch 1 loss')));
    const test = cycleData(n, 100, 'test');
    const r = evaluateBaseline(model.recommend(test, 1), test, ['hr@1']);
    assert.ok(r.mean['hr@1'] >= 0.95, `hr@1 ${r.mean['hr@1']}`);
  } finally {
    model.dispose();
  }
});

test('sasrec scores do not depend on left padding or on items beyond maxLen', () => {
  const model = new Sasrec(50, { dModel: 16, nHeads: 2, maxLen: 10, seed: 3 });
  try {
    model.net.eval();
    const hist = [7, 3, 41, 8];
    const [a, b, c, d, e] = tidy(() => [
      model.scores([hist], 1).toFloat32(),
      model.scores([hist], 4).toFloat32(),
      model.scores([hist], 10).toFloat32(),
      // in a batch with a longer history, hist is padded further
      model
        .scores([[1, 2, 3, 4, 5, 6, 7, 8, 9], hist])
        .select(0, 1)
        .toFloat32(),
      model.scores([[9, 9, 7, 3, 41, 8]]).toFloat32(),
    ]);
    const maxDiff = (x: Float32Array, y: Float32Array): number => Math.max(...x.map((v, i) => Math.abs(v - y[i])));
    assert.equal(a.length, 50);
    assert.ok(maxDiff(a, b) < 1e-5 && maxDiff(a, c) < 1e-5 && maxDiff(a, d) < 1e-5, 'padding changed scores');
    assert.ok(maxDiff(a, e) > 1e-3, 'earlier history items must matter');
    const long = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const [f, g] = tidy(() => [model.scores([long]).toFloat32(), model.scores([long.slice(2)]).toFloat32()]);
    assert.ok(maxDiff(f, g) < 1e-5, 'only the latest maxLen items count');
  } finally {
    model.dispose();
  }
});

test('sasrec: no tensor leaks across fit (with refit) + recommend + dispose', () => {
  const before = liveTensors();
  const model = new Sasrec(12, {
    dModel: 8,
    nLayers: 1,
    maxEpochs: 3,
    batchSize: 16,
    refit: true,
    trainOnPrefixes: true,
  });
  model.fit(cycleData(12, 40, 'a'), cycleData(12, 10, 'b'), { quiet: true });
  model.recommend(cycleData(12, 10, 'c'), 5);
  model.dispose();
  assert.equal(liveTensors(), before);
});

test('sasrec: bad config and malformed data fail loudly', () => {
  assert.throws(() => new Sasrec(10, { dModel: 10, nHeads: 3 }), /not divisible/);
  assert.throws(() => new Sasrec(10, { dropout: 1 }), /dropout/);
  assert.throws(() => new Sasrec(10, { validMetric: 'ndgc@10' }), /unknown metric/);
  assert.throws(() => new Sasrec(10, { validMetric: 'invalid@10' }), /higher-is-better/);
  assert.throws(() => new Sasrec(10, { lrr: 1 } as never), /lrr/);
  assert.throws(() => new Sasrec(0), /numItems/);
  const m = new Sasrec(10, { dModel: 8, maxEpochs: 1 });
  try {
    assert.throws(() => m.fit([ex([1], 10)], [], { quiet: true }), /train row 0: target 10/);
    assert.throws(() => m.fit([ex([1], 2)], [ex([-1], 2)], { quiet: true }), /valid row 0: history item -1/);
    assert.throws(() => m.recommend([ex([1], 2)], 11), /k must be/);
  } finally {
    m.dispose();
  }
  assert.match(SasrecConfig.docs(), /trainOnPrefixes/);
});

test('sasrec tuning: grid points in order, the best validation trial wins, bad keys fail with their name', () => {
  assert.deepEqual(gridPoints({ dropout: [0.2, 0.5], dModel: [16, 32] }), [
    { dropout: 0.2, dModel: 16 },
    { dropout: 0.2, dModel: 32 },
    { dropout: 0.5, dModel: 16 },
    { dropout: 0.5, dModel: 32 },
  ]);
  assert.throws(() => gridPoints({ dropout: [1.5] }), /dropout/);
  assert.throws(() => gridPoints({ widht: [1] } as never), /widht/);
  assert.throws(() => gridPoints({ dropout: [] }), /dropout/);
  const n = 30;
  // one epoch at a learning rate too small to learn anything vs one that learns the successor pattern
  const base = SasrecConfig.merge(SasrecConfig.defaults(), { ...TINY, maxEpochs: 4 });
  const before = liveTensors();
  const t = tuneSasrec(n, base, { lr: [1e-6, 1e-2] }, cycleData(n, 600, 'train'), cycleData(n, 60, 'valid'));
  assert.equal(liveTensors(), before);
  assert.equal(t.trials.length, 2);
  assert.ok(t.trials[1].valid > t.trials[0].valid + 0.2, JSON.stringify(t.trials));
  assert.deepEqual(t.best, { lr: 1e-2 });
  assert.equal(t.metric, 'ndcg@10');
  assert.throws(() => tuneSasrec(n, base, { lr: [1e-2] }, cycleData(n, 60, 'train'), []), /validation split is empty/);
});
