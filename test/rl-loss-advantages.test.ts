// Group-relative advantages (src/train/rl/advantages.ts, BLADE eq. 2): hand examples for both standard
// deviations, zero mean per group, exact zeros for equal rewards, and input checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, tensor, tidy } from '../src/engine/index.js';
import { AdvantageConfig, groupAdvantages } from '../src/train/rl/advantages.js';
import { Rng } from '../src/util/rng.js';
import { assertAllClose, assertClose } from './rl-loss-fixture.js';

const cfg = (o: Partial<AdvantageConfig>): AdvantageConfig => AdvantageConfig.parse(o);

function advantages(rewards: number[], shape: [number, number], c: AdvantageConfig, dtype: 'float32' | 'float64') {
  return tidy(() => groupAdvantages(tensor(rewards, shape, dtype), c).toArray());
}

test('defaults: sample standard deviation, eps 1e-4', () => {
  assert.deepEqual(AdvantageConfig.defaults(), { std: 'sample', eps: 1e-4 });
});

test('hand example, sample and population standard deviation (eps = 0)', () => {
  const rewards = [1, 2, 3, 0, 0, 4];
  // Group 0 = [1, 2, 3]: μ = 2, centred [−1, 0, 1], Σ² = 2.
  //   sample σ = √(2/2) = 1 → A = [−1, 0, 1];  population σ = √(2/3) → A = [−√1.5, 0, √1.5].
  // Group 1 = [0, 0, 4]: μ = 4/3, centred [−4/3, −4/3, 8/3], Σ² = 16/9 + 16/9 + 64/9 = 96/9.
  //   sample σ = √(96/18) = 4/√3 → A = [−1/√3, −1/√3, 2/√3];
  //   population σ = √(96/27) = 4√2/3 → A = [−1/√2, −1/√2, √2].
  const s3 = Math.sqrt(3);
  const sample = [-1, 0, 1, -1 / s3, -1 / s3, 2 / s3];
  const s15 = Math.sqrt(1.5);
  const population = [-s15, 0, s15, -Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT2];
  assertAllClose(advantages(rewards, [2, 3], cfg({ eps: 0 }), 'float64'), sample, 1e-14, 'sample');
  assertAllClose(
    advantages(rewards, [2, 3], cfg({ eps: 0, std: 'population' }), 'float64'),
    population,
    1e-14,
    'population',
  );
  // eps enters as (σ + eps): group 0 sample A = centred / (1 + 0.5).
  const withEps = advantages(rewards, [2, 3], cfg({ eps: 0.5 }), 'float64');
  assertAllClose(withEps.slice(0, 3), [-1 / 1.5, 0, 1 / 1.5], 1e-14, 'eps 0.5');
  assertAllClose(
    withEps.slice(3),
    [-4 / 3, -4 / 3, 8 / 3].map((c) => c / (4 / s3 + 0.5)),
    1e-14,
    'eps 0.5, group 1',
  );
  // float32 in, float32 out
  const f32 = tidy(() => groupAdvantages(tensor(rewards, [2, 3], 'float32'), cfg({ eps: 0 })).dtype);
  assert.equal(f32, 'float32');
});

test('every group has zero mean (and unit sample std at eps = 0)', () => {
  const rng = new Rng(7);
  const P = 5;
  const G = 16;
  const rewards = Array.from({ length: P * G }, () => rng.normal(3, 2));
  for (const dtype of ['float32', 'float64'] as const) {
    const a = advantages(rewards, [P, G], cfg({ eps: 0 }), dtype);
    for (let p = 0; p < P; p++) {
      const row = a.slice(p * G, (p + 1) * G);
      const mean = row.reduce((s, v) => s + v, 0) / G;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / (G - 1);
      assertClose(mean, 0, dtype === 'float64' ? 1e-14 : 1e-6, `${dtype} group ${p} mean`);
      assertClose(variance, 1, dtype === 'float64' ? 1e-12 : 1e-5, `${dtype} group ${p} variance`);
    }
  }
});

test('equal rewards give exactly +0 (also with eps = 0, float32, and a group of one)', () => {
  // 0.1 + 0.1 + 0.1 = 0.30000000000000004 in float64: a plain mean would leave ≈ 2.8e-17 after centring.
  assert.notEqual((0.1 + 0.1 + 0.1) / 3, 0.1);
  const rewards = [0.1, 0.1, 0.1, 0.7, 0.7, 0.7, 1, 2, 4];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const c of [cfg({}), cfg({ eps: 0 }), cfg({ std: 'population' }), cfg({ std: 'population', eps: 0 })]) {
      const a = advantages(rewards, [3, 3], c, dtype);
      for (let i = 0; i < 6; i++) assert.ok(Object.is(a[i], 0), `${dtype} ${JSON.stringify(c)}: A[${i}] = ${a[i]}`);
      assert.ok(
        a.slice(6).every((v) => v !== 0),
        'the unequal group keeps its signal',
      );
    }
  }
  const one = advantages([0.3, -2, 5], [3, 1], cfg({ eps: 0 }), 'float64');
  assert.ok(
    one.every((v) => Object.is(v, 0)),
    `G = 1: ${one}`,
  );
});

test('checks its input and frees its intermediates', () => {
  assert.throws(() => tidy(() => groupAdvantages(tensor([1, 2, 3]))), /\[P, G\]/);
  assert.throws(() => tidy(() => groupAdvantages(tensor([1, 2], [1, 2], 'int64'))), /float32 or float64/);
  assert.throws(() => tidy(() => groupAdvantages(tensor([1, NaN], [1, 2], 'float64'))), /finite/);
  assert.throws(() => tidy(() => groupAdvantages(tensor([1, Infinity], [1, 2], 'float64'))), /finite/);
  assert.throws(() => AdvantageConfig.parse({ std: 'unbiased' }));
  assert.throws(() => AdvantageConfig.parse({ eps: -1 }));
  tidy(() => {
    const r = tensor([1, 2, 3, 4], [2, 2], 'float64');
    const before = liveTensors();
    const a = groupAdvantages(r);
    assert.equal(liveTensors() - before, 1, 'only the result stays alive');
    assert.equal(a.requiresGrad, false);
  });
});
