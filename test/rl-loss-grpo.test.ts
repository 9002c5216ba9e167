// The clipped GRPO loss (src/train/rl/grpo-loss.ts, BLADE eq. 3): clipping by hand, the response-then-batch
// averaging, exact zero gradient for equal rewards, REINFORCE at ratio 1, finite differences through logits with
// the KL term, a plain-number reference implementation, input checks and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, noGrad, tensor, tidy, type Tensor } from '../src/engine/index.js';
import { groupAdvantages } from '../src/train/rl/advantages.js';
import { GrpoConfig, grpoLoss, type GrpoInput } from '../src/train/rl/grpo-loss.js';
import type { ObjectiveOutput } from '../src/train/objectives/types.js';
import { Rng } from '../src/util/rng.js';
import { assertAllClose, assertClose, gradCheck, valueAndGrad } from './rl-loss-fixture.js';

const cfg = (o: Partial<GrpoConfig>): GrpoConfig => GrpoConfig.parse(o);
const f64 = (v: number[], shape: number[]): Tensor => tensor(Float64Array.from(v), shape);

test('defaults: epsClip 0.2, beta 0.04', () => {
  assert.deepEqual(GrpoConfig.defaults(), { epsClip: 0.2, beta: 0.04 });
  assert.throws(() => GrpoConfig.parse({ epsClip: 0 }));
  assert.throws(() => GrpoConfig.parse({ epsClip: 1 }));
  assert.throws(() => GrpoConfig.parse({ beta: -0.1 }));
});

test('clipping, hand example: which tokens are clipped and which get a gradient', () => {
  // One token per response, log π_old = 0 so ρ = exp(log π_θ); ε = 0.2 → clip range [0.8, 1.2]; β = 0.
  //   i  ρ    A    ρ·A    clip(ρ)·A   min          clipped?  ∂min/∂log π_θ = ρ·A if unclipped, else 0
  //   0  1.5  +1   1.5    1.2         1.2 (clip)   yes       0
  //   1  0.5  +1   0.5    0.8         0.5          no        0.5
  //   2  0.5  −1  −0.5   −0.8        −0.8 (clip)   yes       0
  //   3  1.5  −1  −1.5   −1.2        −1.5          no       −1.5
  //   4  1.1  +2   2.2    2.2         2.2          no (in)   2.2
  // loss = −(1.2 + 0.5 − 0.8 − 1.5 + 2.2)/5 = −1.6/5 = −0.32; ∂loss/∂log π_θ = −(1/5)·[0, 0.5, 0, −1.5, 2.2]
  // = [0, −0.1, 0, 0.3, −0.44]; clip fraction 2/5; mean ρ = 5.1/5 = 1.02.
  const ratios = [1.5, 0.5, 0.5, 1.5, 1.1];
  const A = [1, 1, -1, -1, 2];
  const N = ratios.length;
  let logs = { kl: NaN, clipFraction: NaN, ratio: NaN };
  const { value, grad } = valueAndGrad(
    (logp) => {
      const out = grpoLoss(
        {
          logProbs: logp,
          oldLogProbs: f64(Array(N).fill(0), [N, 1]),
          refLogProbs: f64(Array(N).fill(0), [N, 1]),
          mask: f64(Array(N).fill(1), [N, 1]),
          advantages: f64(A, [N]),
        },
        cfg({ epsClip: 0.2, beta: 0 }),
      );
      logs = out.logs;
      return out.loss;
    },
    ratios.map(Math.log),
    [N, 1],
  );
  assertClose(value, -0.32, 1e-14, 'loss');
  assertAllClose(grad, [0, -0.1, 0, 0.3, -0.44], 1e-14, 'gradient');
  assert.equal(grad[0], 0, 'A > 0, ρ > 1 + ε: clipped, no gradient');
  assert.equal(grad[2], 0, 'A < 0, ρ < 1 − ε: clipped, no gradient');
  assertClose(logs.clipFraction, 0.4, 1e-14, 'clip fraction');
  assertClose(logs.ratio, 1.02, 1e-14, 'mean ratio');
  // k3 at log π_ref = 0: exp(−log ρ) + log ρ − 1 = 1/ρ + log ρ − 1 (≈ 0.0721, 0.3069, 0.3069, 0.0721, 0.0044).
  const k3 = ratios.map((r) => 1 / r + Math.log(r) - 1);
  assertClose(logs.kl, k3.reduce((s, v) => s + v, 0) / N, 1e-14, 'mean KL');
});

test('averaging: token mean per response, then mean over responses; padding is ignored whatever it holds', () => {
  // Per-token advantages, ρ = 1, β = 0, so every valid token contributes its advantage:
  //   row 0: 1 valid token, A = 1                   → response mean 1
  //   row 1: 3 valid tokens, A = 0, 0, 0            → response mean 0
  //   row 2: no valid token (a padding row)         → left out
  // loss = −(1 + 0)/2 = −0.5 (a flat token mean would give −1/4). Padded log-probs hold NaN and ±Infinity.
  const pad = [NaN, Infinity, -Infinity];
  const mask = [1, 0, 0, 1, 1, 1, 0, 0, 0];
  const logpValues = [-0.7, NaN, Infinity, -1.1, -0.2, -2, ...pad];
  const old = [-0.7, -Infinity, NaN, -1.1, -0.2, -2, ...pad];
  const adv = [1, NaN, 5, 0, 0, 0, 7, 7, 7];
  for (const maskDtype of ['float32', 'bool'] as const) {
    const { value, grad } = valueAndGrad(
      (logp) =>
        grpoLoss(
          {
            logProbs: logp,
            oldLogProbs: f64(old, [3, 3]),
            refLogProbs: f64(old, [3, 3]),
            mask: tensor(mask, [3, 3], maskDtype),
            advantages: f64(adv, [3, 3]),
          },
          cfg({ beta: 0 }),
        ).loss,
      logpValues,
      [3, 3],
    );
    assert.equal(value, -0.5, `${maskDtype} mask`);
    // ∂loss/∂log π_θ = −(1/N')·(1/T_i)·A·ρ: −1/2 for row 0's token, 0 elsewhere (padding included, exactly).
    assert.deepEqual(
      grad.map((g) => (g === 0 ? 0 : g)),
      [-0.5, 0, 0, 0, 0, 0, 0, 0, 0],
    );
  }
});

// ---- fixtures over logits ---------------------------------------------------------------------------------------

interface Batch {
  N: number;
  T: number;
  V: number;
  tokens: number[];
  mask: number[];
  logits: number[];
}

/** N = 6 responses, T = 3, V = 5; row 1 has 2 valid tokens, rows 3 and 5 one. */
function batch(seed: number): Batch {
  const rng = new Rng(seed);
  const N = 6;
  const T = 3;
  const V = 5;
  return {
    N,
    T,
    V,
    tokens: Array.from({ length: N * T }, () => Math.floor(rng.next() * V)),
    mask: [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0],
    logits: Array.from({ length: N * T * V }, () => rng.normal(0, 1)),
  };
}

/** [N, T] log-softmax of the logits at the sampled tokens. */
function tokenLogProbs(b: Batch, logits: Tensor): Tensor {
  const idx = tensor(b.tokens, [b.N, b.T, 1], 'int64');
  return logits.logSoftmax(2).gather(2, idx).squeeze(2);
}

function logProbsAt(b: Batch, logits = b.logits): number[] {
  return tidy(() => noGrad(() => tokenLogProbs(b, f64(logits, [b.N, b.T, b.V])).toArray()));
}

function grpoOfLogits(
  b: Batch,
  old: number[],
  ref: number[],
  advantages: Tensor | (() => Tensor),
  c: GrpoConfig,
): (logits: Tensor) => Tensor {
  return (logits) =>
    grpoLoss(
      {
        logProbs: tokenLogProbs(b, logits),
        oldLogProbs: f64(old, [b.N, b.T]),
        refLogProbs: f64(ref, [b.N, b.T]),
        mask: tensor(b.mask, [b.N, b.T], 'float32'),
        advantages: typeof advantages === 'function' ? advantages() : advantages,
      },
      c,
    ).loss;
}

test('equal rewards give an exactly zero policy gradient (β = 0), ratios off 1 and clipped included', () => {
  const b = batch(3);
  const lp = logProbsAt(b);
  const old = lp.map((v, i) => v + [0.5, -0.5, 0.05][i % 3]); // ρ = e^∓0.5 (clipped either side) and e^−0.05
  const ref = lp.map((v, i) => v - 0.3 * (i % 2));
  // Groups whose plain float mean is not exactly the common reward (0.1 · 3 / 3 ≠ 0.1, likewise 0.7 and G = 6).
  for (const [rewards, shape] of [
    [
      [0.1, 0.1, 0.1, 0.7, 0.7, 0.7],
      [2, 3],
    ],
    [
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
      [1, 6],
    ],
  ] as const) {
    const equal = (): Tensor => groupAdvantages(f64([...rewards], [...shape])).flatten();
    const { value, grad } = valueAndGrad(grpoOfLogits(b, old, ref, equal, cfg({ beta: 0 })), b.logits, [b.N, b.T, b.V]);
    assert.ok(Object.is(value, -0) || Object.is(value, 0), `loss ${value}`);
    assert.ok(
      grad.every((g) => g === 0),
      'every gradient component is exactly 0',
    );
  }
  // Sanity: one unequal group makes the same batch's gradient non-zero.
  const unequal = (): Tensor => groupAdvantages(f64([0.1, 0.2, 0.1, 0.7, 0.7, 0.7], [2, 3])).flatten();
  const g2 = valueAndGrad(grpoOfLogits(b, old, ref, unequal, cfg({ beta: 0 })), b.logits, [b.N, b.T, b.V]).grad;
  assert.ok(g2.some((g) => Math.abs(g) > 1e-3));
});

test('at ratio 1 and β = 0 the gradient is REINFORCE’s: ∇ −mean_i(token-mean_t(A_i · log π_θ))', () => {
  for (const seed of [1, 2, 3]) {
    const b = batch(seed);
    const old = logProbsAt(b); // π_old = π_θ: ρ = 1 exactly
    const rng = new Rng(seed + 100);
    const A = Array.from({ length: b.N }, () => rng.normal(0, 1));
    const shape = [b.N, b.T, b.V];
    const grpo = valueAndGrad(
      grpoOfLogits(b, old, old, () => f64(A, [b.N]), cfg({ beta: 0 })),
      b.logits,
      shape,
    );
    const reinforce = valueAndGrad(
      (logits) => {
        const logp = tokenLogProbs(b, logits);
        const m = tensor(b.mask, [b.N, b.T], 'float64');
        const perResponse = logp
          .mul(m)
          .mul(f64(A, [b.N, 1]))
          .sum(1)
          .div(m.sum(1));
        return perResponse.mean().neg();
      },
      b.logits,
      shape,
    );
    assertAllClose(grpo.grad, reinforce.grad, 1e-12, `seed ${seed} gradient`);
    assert.ok(
      grpo.grad.some((g) => Math.abs(g) > 1e-3),
      'a non-trivial gradient',
    );
  }
});

test('gradient of the full loss (clipping and KL) matches finite differences through the logits', () => {
  const c = cfg({ epsClip: 0.2, beta: 0.3 });
  for (const seed of [11, 12]) {
    const b = batch(seed);
    const lp = logProbsAt(b);
    // ρ at the base point: e^0.5, e^−0.5 (outside [0.8, 1.2]), e^0.05, e^−0.1 (inside), e^0.3, e^−0.3 (outside).
    const offsets = [0.5, -0.5, 0.05, -0.1, 0.3, -0.3];
    const old = lp.map((v, i) => v - offsets[i % offsets.length]);
    const rng = new Rng(seed + 50);
    const ref = lp.map((v) => v + rng.normal(0, 0.5));
    const A = tidy(() =>
      groupAdvantages(f64([0.2, 1, 0.6, 0.9, 0.1, 0.4], [2, 3]))
        .flatten()
        .toArray(),
    );
    const f = grpoOfLogits(b, old, ref, () => f64(A, [b.N]), c);
    // Keep away from the kinks of min/clip, so finite differences see one smooth piece.
    for (let i = 0; i < lp.length; i++) {
      if (b.mask[i] === 0) continue;
      const r = Math.exp(lp[i] - old[i]);
      assert.ok(Math.abs(r - 0.8) > 1e-3 && Math.abs(r - 1.2) > 1e-3, `ratio ${r} too close to a clip boundary`);
    }
    const logs = tidy(
      () =>
        grpoLoss(
          {
            logProbs: f64(lp, [b.N, b.T]),
            oldLogProbs: f64(old, [b.N, b.T]),
            refLogProbs: f64(ref, [b.N, b.T]),
            mask: tensor(b.mask, [b.N, b.T], 'float32'),
            advantages: f64(A, [b.N]),
          },
          c,
        ).logs,
    );
    assert.ok(logs.clipFraction > 0 && logs.clipFraction < 1, `clip fraction ${logs.clipFraction}: both cases`);
    assert.ok(logs.kl > 0, 'the KL term is active');
    gradCheck(f, b.logits, [b.N, b.T, b.V], `seed ${seed}`, 10);
  }
});

/** Eq. 3 written out over plain numbers (the test's reference). */
function reference(
  logp: number[],
  old: number[],
  ref: number[],
  mask: number[],
  A: number[],
  N: number,
  T: number,
  c: GrpoConfig,
): { loss: number; kl: number; clipFraction: number; ratio: number } {
  let total = 0;
  let responses = 0;
  let kl = 0;
  let clipped = 0;
  let ratio = 0;
  let tokens = 0;
  for (let i = 0; i < N; i++) {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      const k = i * T + t;
      if (mask[k] === 0) continue;
      const rho = Math.exp(logp[k] - old[k]);
      const clip = Math.min(Math.max(rho, 1 - c.epsClip), 1 + c.epsClip);
      const d = ref[k] - logp[k];
      const k3 = Math.exp(d) - d - 1;
      sum += Math.min(rho * A[i], clip * A[i]) - c.beta * k3;
      n++;
      kl += k3;
      ratio += rho;
      if ((A[i] > 0 && rho > 1 + c.epsClip) || (A[i] < 0 && rho < 1 - c.epsClip)) clipped++;
      tokens++;
    }
    if (n > 0) {
      total += sum / n;
      responses++;
    }
  }
  return { loss: -total / responses, kl: kl / tokens, clipFraction: clipped / tokens, ratio: ratio / tokens };
}

test('value and diagnostics match eq. 3 written out over plain numbers (float64 and float32)', () => {
  const rng = new Rng(5);
  const N = 6;
  const T = 4;
  const mask = Array.from({ length: N * T }, (_, k) => (k % T < 1 + (Math.floor(k / T) % T) ? 1 : 0));
  const logp = mask.map(() => -Math.abs(rng.normal(1, 1)));
  const old = logp.map((v) => v + rng.normal(0, 0.3));
  const ref = logp.map((v) => v + rng.normal(0, 0.5));
  const A = Array.from({ length: N }, () => rng.normal(0, 1));
  for (const c of [cfg({}), cfg({ epsClip: 0.1, beta: 0.5 })]) {
    const want = reference(logp, old, ref, mask, A, N, T, c);
    for (const dtype of ['float64', 'float32'] as const) {
      const got = tidy(() => {
        const out = grpoLoss(
          {
            logProbs: tensor(logp, [N, T], dtype),
            oldLogProbs: tensor(old, [N, T], dtype),
            refLogProbs: tensor(ref, [N, T], dtype),
            mask: tensor(mask, [N, T], dtype),
            advantages: tensor(A, [N], dtype),
          },
          c,
        );
        return { loss: out.loss.item(), ...out.logs };
      });
      const tol = dtype === 'float64' ? 1e-13 : 1e-5;
      for (const k of ['loss', 'kl', 'clipFraction', 'ratio'] as const)
        assertClose(got[k], want[k], tol, `${dtype} ${k}`);
    }
    assert.ok(want.clipFraction > 0, 'the fixture clips some tokens');
  }
});

test('checks its input; only the loss stays alive and backward works after the call', () => {
  const base = (): GrpoInput => ({
    logProbs: f64([-1, -2, -3, -4], [2, 2]),
    oldLogProbs: f64([-1, -2, -3, -4], [2, 2]),
    refLogProbs: f64([-1, -2, -3, -4], [2, 2]),
    mask: tensor([1, 1, 1, 0], [2, 2], 'float32'),
    advantages: f64([1, -1], [2]),
  });
  tidy(() => {
    assert.throws(() => grpoLoss({ ...base(), logProbs: f64([1, 2], [2]) }), /logProbs must be \[N, T\]/);
    assert.throws(() => grpoLoss({ ...base(), oldLogProbs: f64([1, 2], [1, 2]) }), /oldLogProbs must be \[2, 2\]/);
    assert.throws(() => grpoLoss({ ...base(), mask: tensor([1, 1, 1, 1], [2, 2], 'int64') }), /mask must be/);
    assert.throws(
      () => grpoLoss({ ...base(), advantages: f64([1, 2, 3], [3]) }),
      /advantages must be \[2\] or \[2, 2\]/,
    );
  });
  tidy(() => {
    const input = base();
    input.logProbs.requiresGrad_(true);
    const before = liveTensors();
    const out: ObjectiveOutput = grpoLoss(input); // a GrpoOutput is an objective's output as it is
    const { loss } = out;
    assert.equal(liveTensors() - before, 1, 'only the loss stays alive');
    loss.backward();
    const g = input.logProbs.grad;
    assert.ok(g);
    // ρ = 1, KL = 0 with zero gradient (π_ref = π_θ): ∂loss/∂log π_θ = −(1/2)·(1/T_i)·A_i → [−1/4, −1/4, 1/2, 0]
    assertAllClose(g.toArray(), [-0.25, -0.25, 0.5, 0], 1e-14, 'gradient after the scope closed');
  });
});
