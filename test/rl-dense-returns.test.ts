// V-STAR's dense semantic returns and TD targets (src/train/rl/dense-returns.ts) against hand-worked pools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denseReturns, levelWeights, tdTargets } from '../src/train/rl/dense-returns.js';

const close = (a: number, b: number, msg = ''): void => assert.ok(Math.abs(a - b) < 1e-12, `${msg} ${a} vs ${b}`);

test('level weights: the paper’s [0.3, 0.5, 1.0] at L = 3, interpolated for other lengths', () => {
  assert.deepEqual(levelWeights(3), [0.3, 0.5, 1.0]);
  assert.deepEqual(levelWeights(1), [1.0]);
  assert.deepEqual(levelWeights(2), [0.3, 1.0]);
  // L = 5: relative depths 0, ¼, ½, ¾, 1 → 0.3, 0.4, 0.5, 0.75, 1.0
  levelWeights(5).forEach((w, i) => close(w, [0.3, 0.4, 0.5, 0.75, 1.0][i], `w${i + 1}`));
  assert.throws(() => levelWeights(0), /positive integer/);
});

test('dense returns: bucket means, the target prefix earns w_ℓ, others −w_ℓ(1 − cos)', () => {
  // target y* = [1, 1, 1], e(y*) = (1, 0)
  // candidates: a = [1, 1, 1] e (1, 0); b = [1, 1, 2] e (0, 1); c = [2, 1, 1] e (−1, 0)
  const codes = [
    [1, 1, 1],
    [1, 1, 2],
    [2, 1, 1],
  ];
  const emb = [
    [1, 0],
    [0, 1],
    [-1, 0],
  ];
  const r = denseReturns(codes, emb, [1, 1, 1], [1, 0]);
  // level 1: a, b share y*≤1 → 0.3; c's bucket {c}: mean (−1, 0), cos −1 → −0.3 · 2 = −0.6
  // level 2: a, b share [1, 1] = y*≤2 → 0.5; c → −0.5 · 2 = −1
  // level 3: a = y* → 1; b alone: cos 0 → −1; c alone: cos −1 → −2
  const expected = [
    [0.3, 0.5, 1],
    [0.3, 0.5, -1],
    [-0.6, -1, -2],
  ];
  r.forEach((row, i) => row.forEach((v, l) => close(v, expected[i][l], `candidate ${i} level ${l + 1}`)));
  // a bucket off the target's prefix is scored by its mean embedding: [2, 1, 1] e (1, 0) and [2, 2, 2] e (0, 1)
  const r2 = denseReturns(
    [
      [2, 1, 1],
      [2, 2, 2],
    ],
    [
      [1, 0],
      [0, 1],
    ],
    [1, 1, 1],
    [1, 0],
  );
  // share the level-1 bucket [2]: mean (½, ½), cos = 1/√2 → −0.3 (1 − 1/√2) for both
  close(r2[0][0], -0.3 * (1 - Math.SQRT1_2));
  close(r2[1][0], r2[0][0]);
  assert.throws(() => denseReturns([[1, 1]], [[1, 0]], [1, 1, 1], [1, 0]), /2 levels, not 3/);
  assert.throws(() => denseReturns([[1, 1, 1]], [[1, 0, 0]], [1, 1, 1], [1, 0]), /3 dimensions, not 2/);
});

test('TD targets: r_ℓ + γ V(s_ℓ+1), and r_L at the leaf', () => {
  const y = tdTargets([0.3, -0.5, 1], [9, 2, 4], 0.99);
  close(y[0], 0.3 + 0.99 * 2);
  close(y[1], -0.5 + 0.99 * 4);
  close(y[2], 1);
  assert.throws(() => tdTargets([1], [1, 2], 0.99), /1 rewards but 2 values/);
  assert.throws(() => tdTargets([1], [1], 0), /γ = 0/);
});
