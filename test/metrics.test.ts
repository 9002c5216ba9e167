import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateRankings,
  higherIsBetter,
  listMetrics,
  parseMetric,
  rankingMetricNames,
  registerMetric,
} from '../src/eval/metrics.js';
import { evalMetricNames } from '../src/pipeline/evaluate.js';
import { BASELINE_METRICS } from '../src/baselines/index.js';
import { meanStd, pairedBootstrap, quantileSorted, wilsonInterval } from '../src/eval/stats.js';
import { Rng } from '../src/util/rng.js';

const close = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('single target: hand-computed hr / ndcg / mrr', () => {
  const rankings = [
    [7, 1, 2, 3, 4, 5, 6, 8, 9, 10], // target 7 at rank 0
    [1, 2, 7, 3, 4, 5, 6, 8, 9, 10], // rank 2
    [1, 2, 3, 4, 5, 6, 8, 9, 10, 11], // miss
    [1, 2, 3, 4, 5, 7, 6, 8, 9, 10], // rank 5: outside top 5, inside top 10
    [1, 2, 3, 4, 7, 5, 6, 8, 9, 10], // rank 4: last slot of top 5
  ];
  const targets = [7, 7, 7, 7, 7];
  const r = evaluateRankings(rankings, targets, ['hr@5', 'hr@10', 'ndcg@5', 'ndcg@10', 'mrr@10']);
  assert.equal(r.n, 5);
  assert.deepEqual(Array.from(r.perUser['hr@5']), [1, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(r.perUser['hr@10']), [1, 1, 0, 1, 1]);
  const ndcg10 = r.perUser['ndcg@10'];
  assert.equal(ndcg10[0], 1);
  assert.equal(ndcg10[1], 0.5); // 1/log2(4)
  assert.equal(ndcg10[2], 0);
  close(ndcg10[3], 1 / Math.log2(7));
  close(ndcg10[4], 1 / Math.log2(6));
  assert.equal(r.perUser['ndcg@5'][3], 0);
  assert.deepEqual(Array.from(r.perUser['mrr@10']), [1, 1 / 3, 0, 1 / 6, 1 / 5]);
  close(r.mean['hr@5'], 3 / 5);
  close(r.mean['ndcg@10'], (1 + 0.5 + 0 + 1 / Math.log2(7) + 1 / Math.log2(6)) / 5);
  assert.deepEqual(r.metrics, ['hr@5', 'hr@10', 'ndcg@5', 'ndcg@10', 'mrr@10']);
});

test('set targets: recall / precision / ndcg / hr, duplicates counted once', () => {
  // targets {3, 5, 9}; ranking hits 5 at rank 1 and 9 at rank 3; 5 repeated at rank 2 must not count twice
  const rankings = [[0, 5, 5, 9, 3]];
  const targets = [[3, 5, 9]];
  const r = evaluateRankings(rankings, targets, ['recall@4', 'precision@4', 'ndcg@4', 'hr@1', 'hr@2', 'recall@5']);
  close(r.mean['recall@4'], 2 / 3);
  close(r.mean['precision@4'], 2 / 4);
  const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
  const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
  close(r.mean['ndcg@4'], dcg / idcg);
  assert.equal(r.mean['hr@1'], 0);
  assert.equal(r.mean['hr@2'], 1);
  assert.equal(r.mean['recall@5'], 1);
  // ideal DCG is truncated at K when there are more targets than slots
  const r2 = evaluateRankings([[1, 2]], [[1, 2, 3, 4]], ['ndcg@2', 'recall@2', 'precision@2']);
  assert.equal(r2.mean['ndcg@2'], 1);
  assert.equal(r2.mean['recall@2'], 0.5);
  assert.equal(r2.mean['precision@2'], 1);
  // a one-element set equals the single-target value
  const a = evaluateRankings([[4, 8, 2]], [2], ['ndcg@3']);
  const b = evaluateRankings([[4, 8, 2]], [[2]], ['ndcg@3']);
  assert.equal(a.mean['ndcg@3'], 0.5);
  assert.equal(b.mean['ndcg@3'], 0.5);
});

test('invalid share', () => {
  const rankings = [[1, -1, 2, 99], [-1, -1], [], Int32Array.from([0, 1])];
  const r = evaluateRankings(rankings, [1, 1, 1, 1], ['invalid', 'invalid@2', 'hr@4'], { numItems: 50 });
  assert.deepEqual(Array.from(r.perUser['invalid']), [0.5, 1, 0, 0]);
  assert.deepEqual(Array.from(r.perUser['invalid@2']), [0.5, 1, 0, 0]);
  assert.deepEqual(Array.from(r.perUser['hr@4']), [1, 0, 0, 1]);
  assert.equal(higherIsBetter('invalid'), false);
  assert.equal(higherIsBetter('ndcg@10'), true);
  // without numItems only negative / non-integer entries are invalid
  assert.equal(evaluateRankings([[1.5, 99]], [1], ['invalid']).mean['invalid'], 0.5);
});

test('metric names: parsing and loud rejection', () => {
  assert.deepEqual((({ name, base, k }) => ({ name, base, k }))(parseMetric('NDCG@10')), {
    name: 'ndcg@10',
    base: 'ndcg',
    k: 10,
  });
  assert.throws(
    () => parseMetric('ndgc@10'),
    /unknown metric 'ndgc@10'; did you mean 'ndcg@10'\?; known metrics: hr@K, ndcg@K/,
  );
  assert.throws(() => parseMetric('auc'), /unknown metric 'auc'/);
  assert.throws(() => parseMetric('ndcg'), /needs a cutoff, e\.g\. 'ndcg@10'/);
  assert.throws(() => parseMetric('hr@0'), /cutoff must be a positive integer/);
  assert.throws(() => parseMetric('hr@1.5'), /cutoff must be a positive integer/);
  assert.throws(() => parseMetric('hr@@5'), /cutoff must be a positive integer|cannot parse/);
  assert.throws(() => registerMetric({ ...parseMetric('hr@1').spec }), /already registered/);
  assert.ok(listMetrics().includes('invalid[@K]'));
});

test('evaluateRankings input validation', () => {
  assert.throws(() => evaluateRankings([[1]], [1, 2], ['hr@1']), /1 rankings but 2 targets/);
  assert.throws(() => evaluateRankings([[1]], [1], []), /no metrics/);
  assert.throws(() => evaluateRankings([[1]], [1], ['hr@1', 'HR@1']), /requested twice/);
  assert.throws(() => evaluateRankings([[1], [2]], [[1], []], ['hr@1']), /user 1: empty target set/);
  assert.throws(() => evaluateRankings([[1]], [[1, 1]], ['hr@1']), /user 0: duplicate items/);
  assert.throws(() => evaluateRankings([[1]], [-3], ['hr@1']), /user 0: target -3 is not a valid item index/);
  const empty = evaluateRankings([], [], ['hr@1']);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.mean['hr@1']));
});

test('agrees with a brute-force ndcg on random set targets', () => {
  const rng = new Rng('brute');
  const rankings: number[][] = [];
  const targets: number[][] = [];
  for (let u = 0; u < 200; u++) {
    rankings.push(
      rng.sample(
        Array.from({ length: 30 }, (_, i) => i),
        10,
      ),
    );
    targets.push(
      rng.sample(
        Array.from({ length: 30 }, (_, i) => i),
        1 + rng.int(5),
      ),
    );
  }
  const r = evaluateRankings(rankings, targets, ['ndcg@10', 'recall@10']);
  for (let u = 0; u < 200; u++) {
    const rel = rankings[u].map((x) => (targets[u].includes(x) ? 1 : 0));
    const dcg = rel.reduce((s: number, g, i) => s + g / Math.log2(i + 2), 0);
    const ideal = [...rel].sort((a, b) => b - a);
    const nIdeal = Math.min(targets[u].length, 10);
    let idcg = 0;
    for (let i = 0; i < nIdeal; i++) idcg += 1 / Math.log2(i + 2);
    close(r.perUser['ndcg@10'][u], dcg / idcg);
    close(r.perUser['recall@10'][u], ideal.filter((x) => x === 1).length / targets[u].length);
  }
});

test('meanStd uses the sample std', () => {
  const m = meanStd([1, 2, 3, 4]);
  assert.equal(m.mean, 2.5);
  close(m.std, Math.sqrt(5 / 3));
  assert.equal(m.n, 4);
  const one = meanStd([0.3]);
  assert.equal(one.mean, 0.3);
  assert.ok(Number.isNaN(one.std));
  assert.throws(() => meanStd([]), /no values/);
  assert.throws(() => meanStd([1, NaN]), /\[1\] is not finite/);
});

test('quantileSorted interpolates like numpy', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  close(quantileSorted([0, 10], 0.025), 0.25);
});

test('paired bootstrap: clear winner, loser, and tie', () => {
  const rng = new Rng('bootstrap-data');
  const n = 500;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = rng.next() < 0.3 ? 1 : 0;
    a[i] = Math.min(1, b[i] + (rng.next() < 0.2 ? 1 : 0)); // A hits whenever B does, and more
  }
  const ab = pairedBootstrap(a, b, { seed: 1 });
  assert.equal(ab.verdict, 'A better');
  assert.ok(ab.lo > 0 && ab.hi > ab.lo);
  assert.ok(ab.lo <= ab.diff && ab.diff <= ab.hi);
  assert.equal(ab.resamples, 1000);
  assert.ok(ab.pValue < 0.01);
  assert.equal(pairedBootstrap(b, a, { seed: 1 }).verdict, 'B better');
  // lower-is-better metrics flip the verdict
  assert.equal(pairedBootstrap(a, b, { seed: 1, higherIsBetter: false }).verdict, 'B better');
  const tie = pairedBootstrap(a, a, { seed: 1 });
  assert.equal(tie.verdict, 'tie');
  assert.equal(tie.lo, 0);
  assert.equal(tie.hi, 0);
  assert.equal(tie.pValue, 1);
  // deterministic given the seed
  assert.deepEqual(pairedBootstrap(a, b, { seed: 3 }), pairedBootstrap(a, b, { seed: 3 }));
});

test('paired bootstrap: noisy equal methods are a tie; interval width is sane', () => {
  const rng = new Rng('noise');
  const n = 400;
  const a = Float64Array.from({ length: n }, () => rng.next());
  const b = Float64Array.from({ length: n }, () => rng.next());
  const r = pairedBootstrap(a, b, { seed: 2, resamples: 2000 });
  assert.equal(r.verdict, 'tie');
  // std of a difference of two U(0,1) is sqrt(1/6); 95% half-width ≈ 1.96 * sqrt(1/6) / sqrt(400) ≈ 0.040
  const half = (r.hi - r.lo) / 2;
  assert.ok(half > 0.03 && half < 0.05, `half-width ${half}`);
  assert.throws(() => pairedBootstrap([1, 2], [1]), /A has 2 users but B has 1/);
  assert.throws(() => pairedBootstrap([], []), /no users/);
  assert.throws(() => pairedBootstrap([1], [1], { confidence: 1 }), /confidence/);
  assert.throws(() => pairedBootstrap([NaN], [1]), /user 0 has a non-finite value/);
});

test('wilsonInterval matches hand-computed values', () => {
  // k = 3, n = 43, z = 1.96: p = 0.069767; centre = (p + z²/2n) / (1 + z²/n) = 0.114437 / 1.089340 = 0.105052;
  // half = (z / 1.089340) · sqrt(p(1−p)/n + z²/4n²) = 1.799255 · 0.045041 = 0.081041
  const w = wilsonInterval(3, 43);
  assert.ok(Math.abs(w.lo - 0.024011) < 1e-5, `lo ${w.lo}`);
  assert.ok(Math.abs(w.hi - 0.186093) < 1e-5, `hi ${w.hi}`);
  const zero = wilsonInterval(0, 10); // lo = 0, hi = z²/(n + z²) = 3.8416 / 13.8416
  assert.equal(zero.lo, 0);
  assert.ok(Math.abs(zero.hi - 3.8416 / 13.8416) < 1e-9);
  const all = wilsonInterval(10, 10);
  assert.ok(Math.abs(all.lo - 10 / 13.8416) < 1e-9 && all.hi === 1);
  assert.ok(Number.isNaN(wilsonInterval(0, 0).lo));
  assert.throws(() => wilsonInterval(4, 3), /0 ≤ k ≤ n/);
});

test('rankingMetricNames: hr@K then ndcg@K per cut-off; the evaluation adds invalid@maxK', () => {
  assert.deepEqual(rankingMetricNames([5, 10]), ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10']);
  assert.deepEqual(evalMetricNames([10, 5]), ['hr@10', 'ndcg@10', 'hr@5', 'ndcg@5', 'invalid@10']);
  assert.deepEqual(BASELINE_METRICS, ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10']);
  for (const n of rankingMetricNames([1, 20])) assert.equal(parseMetric(n).name, n);
});
