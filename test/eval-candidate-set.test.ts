// V-STAR's candidate-set diagnostics (src/eval/candidate-set.ts) against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  longestCommonPrefix,
  maxReward,
  meanDefined,
  prefixSpearman,
  sidDiversity,
  spearman,
} from '../src/eval/candidate-set.js';

const close = (a: number, b: number, msg?: string): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} vs ${b}`);

test('Div(C): mean of 1 − LCP / L over pairs', () => {
  assert.equal(longestCommonPrefix([1, 2, 3], [1, 2, 4]), 2);
  assert.equal(longestCommonPrefix([1, 2, 3], [2, 2, 3]), 0);
  // pairs: (a,b) LCP 2 → 1/3; (a,c) LCP 1 → 2/3; (b,c) LCP 1 → 2/3; mean 5/9
  close(
    sidDiversity([
      [1, 2, 3],
      [1, 2, 4],
      [1, 5, 6],
    ]),
    5 / 9,
  );
  assert.equal(
    sidDiversity([
      [1, 2, 3],
      [1, 2, 3],
    ]),
    0,
    'duplicates',
  );
  assert.equal(
    sidDiversity([
      [1, 2],
      [3, 4],
    ]),
    1,
    'disjoint first level',
  );
  assert.ok(Number.isNaN(sidDiversity([[1, 2, 3]])));
  assert.equal(maxReward([0.1, 0.7, 0.3]), 0.7);
  assert.ok(Number.isNaN(maxReward([])));
});

test('Spearman ρ with tied ranks, against hand-computed values', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  close(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ranks x = [1, 2, 3], y = [1, 3, 2]: ρ = 1 − 6·Σd² / (n(n² − 1)) = 1 − 6·2 / 24 = 0.5
  close(spearman([1, 2, 3], [5, 9, 7]), 0.5);
  // with a tie: x ranks [1, 2, 3, 4], y ranks [1.5, 1.5, 3, 4]; Pearson of the ranks = 4.5 / √(5 · 4.5)
  close(spearman([1, 2, 3, 4], [0, 0, 1, 2]), 4.5 / Math.sqrt(5 * 4.5));
  assert.ok(Number.isNaN(spearman([1, 2, 3], [1, 1, 1])), 'constant side');
  assert.ok(Number.isNaN(spearman([1], [2])));
  assert.throws(() => spearman([1, 2], [1]), /2 vs 1/);
});

test('per-level Spearman: one point per distinct prefix, the mean reward of the candidates sharing it', () => {
  // level 1: prefixes 1 (rewards 1, 0 → 0.5; signal −1) and 2 (reward 0; signal −2) → ρ = 1
  // level 2: prefixes 1,1 (1; −1.5), 1,2 (0; −1.2), 2,1 (0; −3) → signals ranks [2, 3, 1], rewards ranks [3, 1.5, 1.5]
  const pool = [
    { code: [1, 1], reward: 1, signal: [-1, -1.5] },
    { code: [1, 2], reward: 0, signal: [-1, -1.2] },
    { code: [2, 1], reward: 0, signal: [-2, -3] },
  ];
  close(prefixSpearman(pool, 1), 1);
  // ranks x = [2, 3, 1] (mean 2), y = [3, 1.5, 1.5] (mean 2): Σxy dev = 0·1 + 1·(−0.5) + (−1)(−0.5) = 0 → ρ = 0
  close(prefixSpearman(pool, 2), 0);
  assert.throws(
    () => prefixSpearman([...pool, { code: [1, 3], reward: 0, signal: [-0.5, -2] }], 1),
    /prefix 1 has two signals/,
  );
  assert.throws(() => prefixSpearman(pool, 3), /no level 3/);
  assert.deepEqual(meanDefined([0.5, NaN, 1]), { mean: 0.75, queries: 2 });
});
