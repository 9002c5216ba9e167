// BLADE's Best-of-N target (src/train/rl/bon-target.ts) against hand-worked counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BonTargetConfig,
  bonCdf,
  bonProxyRewards,
  saturatedShare,
  sortedReference,
} from '../src/train/rl/bon-target.js';

const close = (a: ArrayLike<number>, b: number[], msg?: string): void => {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) < 1e-12, `${msg ?? ''} [${i}]: ${a[i]} vs ${b[i]}`);
};

// one prompt: reference rewards (M = 4) and a group of G = 3 rollouts
const REF = sortedReference([0.4, 0.1, 0.2, 0.2]);
const GROUP = [0.2, 0.3, 0.5];

test('F̂ against hand-worked counts (eq. 14, strict counts)', () => {
  // r = 0.2: ref below 1 (0.1), batch below 0 → (1 + 0.5·0) / (4 + 0.5·3) = 1 / 5.5
  // r = 0.3: ref below 3, batch below 1 (0.2) → (3 + 0.5) / 5.5;  r = 0.5: ref 4, batch 2 → (4 + 1) / 5.5
  close(bonCdf(GROUP, 3, [REF], { tau: 0.5, ties: 'below' }), [1 / 5.5, 3.5 / 5.5, 5 / 5.5]);
  // at or below: r = 0.2 counts the two 0.2s of the reference and itself in the batch
  close(bonCdf(GROUP, 3, [REF], { tau: 0.5, ties: 'atOrBelow' }), [3.5 / 5.5, 4 / 5.5, 5.5 / 5.5]);
});

test('τ = 0 is the static estimator; M = 0 the batch-only one; both empty fail', () => {
  close(bonCdf(GROUP, 3, [REF], { tau: 0, ties: 'below' }), [1 / 4, 3 / 4, 4 / 4]);
  // no prior: strict counts among the group, over τ·G; the minimum gets the floor (half of one batch step τ)
  close(bonCdf(GROUP, 3, [null], { tau: 0.5, ties: 'below' }), [0.25 / 1.5, 0.5 / 1.5, 1 / 1.5]);
  close(bonCdf(GROUP, 3, [new Float64Array(0)], { tau: 1, ties: 'below' }), [0.5 / 3, 1 / 3, 2 / 3]);
  assert.throws(() => bonCdf(GROUP, 3, [null], { tau: 0, ties: 'below' }), /nothing to estimate/);
});

test('the static target saturates above the reference; the dynamic one does not', () => {
  const high = [0.9, 0.95, 0.99]; // every rollout beats every reference list
  const stat = bonCdf(high, 3, [REF], { tau: 0, ties: 'below' });
  close(stat, [1, 1, 1]);
  assert.equal(saturatedShare(stat), 1);
  close(bonProxyRewards(stat, 4), [0, 0, 0]); // equal proxy rewards: GRPO's advantages vanish
  const dyn = bonCdf(high, 3, [REF], { tau: 0.3, ties: 'below' });
  close(dyn, [4 / 4.9, 4.3 / 4.9, 4.6 / 4.9]);
  assert.equal(saturatedShare(dyn), 0);
  assert.ok(dyn[0] < dyn[1] && dyn[1] < dyn[2], 'the group is still told apart');
});

test('the proxy reward (N − 1)·log F̂ is finite for every reward, and F̂ is monotone in the reward', () => {
  const rewards = [-1e9, -1, 0, 0, 0.1, 0.2, 0.3, 1e9];
  for (const cfg of [
    { tau: 0, ties: 'below' as const },
    { tau: 0.1, ties: 'below' as const },
    { tau: 1, ties: 'atOrBelow' as const },
  ]) {
    const f = bonCdf(rewards, 8, [REF], cfg);
    const proxy = bonProxyRewards(f, 4);
    for (let i = 0; i < f.length; i++) {
      assert.ok(f[i] > 0 && f[i] <= 1, `F̂ in (0, 1]: ${f[i]}`);
      assert.ok(Number.isFinite(proxy[i]) && proxy[i] <= 0, `proxy finite and ≤ 0: ${proxy[i]}`);
      if (i > 0) assert.ok(f[i] >= f[i - 1], `monotone at ${i} (${JSON.stringify(cfg)})`);
    }
  }
  // the floor: nothing below the minimum → half the smallest step (a reference reward counts 1, a batch reward τ)
  close(bonCdf([-5, 9], 2, [REF], { tau: 0.1, ties: 'below' }), [0.05 / 4.2, 4.1 / 4.2]);
  assert.throws(() => bonCdf([NaN, 0], 2, [REF], { tau: 0.3, ties: 'below' }), /not finite/);
  assert.throws(() => bonCdf([0, 1, 2], 2, [REF], { tau: 0.3, ties: 'below' }), /prompts × G/);
  assert.throws(() => sortedReference([0, Infinity]), /finite/);
});

test('several prompts are estimated from their own reference and group; the config has the paper values', () => {
  const refs = [sortedReference([0, 1]), sortedReference([5, 6])];
  // prompt 0: r = 2 beats both; prompt 1: r = 2 beats none of its reference
  close(bonCdf([2, 3, 2, 3], 2, refs, { tau: 0, ties: 'below' }), [1, 1, 0.25, 0.25]);
  const d = BonTargetConfig.defaults();
  assert.equal(d.tau, 0.3);
  assert.equal(d.ties, 'below');
  assert.throws(() => BonTargetConfig.parse({ tau: -1 }), /tau/);
  assert.throws(() => BonTargetConfig.parse({ tauu: 1 }), /tauu/);
});
