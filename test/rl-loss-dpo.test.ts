// DPO, S-DPO and List-DPO (src/train/rl/dpo-loss.ts): hand-computed values, gradients against finite differences,
// S-DPO with one negative = DPO, the reference is a constant, input checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, tensor, tidy, type Tensor } from '../src/engine/index.js';
import { DpoConfig, dpoLoss, listDpoLoss, sdpoLoss } from '../src/train/rl/dpo-loss.js';
import { Rng } from '../src/util/rng.js';
import { assertAllClose, assertClose, gradCheck, valueAndGrad } from './rl-loss-fixture.js';

const f64 = (v: number[], shape: number[] = [v.length]): Tensor => tensor(Float64Array.from(v), shape);
const beta = (b: number): DpoConfig => DpoConfig.parse({ beta: b });
const value = (f: () => Tensor): number => tidy(() => f().item());
/** softplus(x) = log(1 + eˣ) = −log σ(−x) */
const softplus = (x: number): number => Math.log1p(Math.exp(x));

test('default β is 0.1 (BLADE §4.1.4)', () => {
  assert.deepEqual(DpoConfig.defaults(), { beta: 0.1 });
  assert.throws(() => DpoConfig.parse({ beta: 0 }));
});

test('DPO: hand-computed value and gradient', () => {
  // Pair 0: log π_θ(w) = −2, log π_θ(l) = −3, log π_ref(w) = −2.5, log π_ref(l) = −2.8.
  //   h(w) = −2 + 2.5 = 0.5, h(l) = −3 + 2.8 = −0.2, z = β (h(w) − h(l)) = 0.1 · 0.7 = 0.07
  //   −log σ(0.07) = log(1 + e^−0.07) = log(1.932394) = 0.658760
  // Pair 1: every log-prob −1 → z = 0 → log 2 = 0.693147.   Mean: (0.658760 + 0.693147)/2 = 0.675953.
  const input = (): Parameters<typeof dpoLoss>[0] => ({
    policyChosen: f64([-2, -1]),
    policyRejected: f64([-3, -1]),
    refChosen: f64([-2.5, -1]),
    refRejected: f64([-2.8, -1]),
  });
  const v = value(() => dpoLoss(input()));
  assertClose(v, 0.6759533680543213, 1e-14, 'DPO value');
  assertClose(v, (softplus(-0.07) + Math.LN2) / 2, 1e-14, 'DPO value (formula)');
  // ∂L/∂log π_θ(w) = −(β/B) σ(−z), ∂L/∂log π_θ(l) = +(β/B) σ(−z); σ(−0.07) = 0.482507, σ(0) = 0.5.
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const { grad } = valueAndGrad((pc) => dpoLoss({ ...input(), policyChosen: pc }), [-2, -1], [2]);
  assertAllClose(grad, [-0.05 * sig(-0.07), -0.05 * 0.5], 1e-14, 'DPO ∂/∂chosen');
});

test('S-DPO: hand-computed value; one negative is DPO', () => {
  // β = 0.1; h(w) = −1 − (−1.5) = 0.5; rejected log π_θ = [−2, −3, −1], log π_ref = [−2, −2.5, −2] → h(l) = [0, −0.5, 1]
  //   s_k = β (h(l_k) − h(w)) = [−0.05, −0.1, 0.05]; e^s = [0.951229, 0.904837, 1.051271], Σ = 2.907338
  //   L = −log σ(−log Σ e^s) = log(1 + Σ e^s) = log(3.907338) = 1.362856
  const v = value(() =>
    sdpoLoss({
      policyChosen: f64([-1]),
      refChosen: f64([-1.5]),
      policyRejected: f64([-2, -3, -1], [1, 3]),
      refRejected: f64([-2, -2.5, -2], [1, 3]),
    }),
  );
  assertClose(v, 1.3628563080868572, 1e-14, 'S-DPO value');
  const rng = new Rng(4);
  const r = (): number[] => Array.from({ length: 5 }, () => rng.normal(-3, 1));
  const [pc, pr, rc, rr] = [r(), r(), r(), r()];
  for (const b of [0.1, 0.7]) {
    const s = value(() =>
      sdpoLoss(
        { policyChosen: f64(pc), refChosen: f64(rc), policyRejected: f64(pr, [5, 1]), refRejected: f64(rr, [5, 1]) },
        beta(b),
      ),
    );
    const d = value(() =>
      dpoLoss({ policyChosen: f64(pc), refChosen: f64(rc), policyRejected: f64(pr), refRejected: f64(rr) }, beta(b)),
    );
    assertClose(s, d, 1e-14, `β ${b}: S-DPO with K = 1 vs DPO`);
  }
});

test('List-DPO: hand-computed value over reward-ordered pairs, ties and equal-reward contexts give none', () => {
  // β = 0.1, three contexts of G = 3 lists; h = log π_θ − log π_ref.
  //  context 0: R = [1, 0, 1], h = [−1 + 1.3, −2 + 1.8, −1.5 + 1.6] = [0.3, −0.2, 0.1]
  //     pairs (0,1): z = 0.1·0.5 = 0.05; (2,1): z = 0.1·0.3 = 0.03; lists 0 and 2 tie → no pair
  //  context 1: R = [0.5, 0.5, 0.5] → no pair (its h does not matter)
  //  context 2: R = [0, 2, 1], h = [0, 1, −1]
  //     pairs (1,0): z = 0.1; (1,2): z = 0.2; (2,0): z = −0.1
  //  L = mean over the 5 pairs of log(1 + e^−z)
  //    = (0.668460 + 0.678260 + 0.644397 + 0.598139 + 0.744397)/5 = 0.666730
  const input = (policy: Tensor): Parameters<typeof listDpoLoss>[0] => ({
    policy,
    ref: f64([-1.3, -1.8, -1.6, 0, 0, 0, -2, -2, -2], [3, 3]),
    rewards: f64([1, 0, 1, 0.5, 0.5, 0.5, 0, 2, 1], [3, 3]),
  });
  const policy = [-1, -2, -1.5, -1, -7, -3, -2, -1, -3];
  const v = value(() => listDpoLoss(input(f64(policy, [3, 3]))));
  assertClose(v, 0.6667303027766937, 1e-14, 'List-DPO value');
  const zs = [0.05, 0.03, 0.1, 0.2, -0.1];
  assertClose(v, zs.reduce((s, z) => s + softplus(-z), 0) / 5, 1e-14, 'List-DPO value (formula)');
  // Context 1 gets no gradient.
  const { grad } = valueAndGrad((p) => listDpoLoss(input(p)), policy, [3, 3]);
  assert.deepEqual(grad.slice(3, 6).map(Math.abs), [0, 0, 0]);
  // No pair at all: 0, not NaN.
  const none = value(() =>
    listDpoLoss({ policy: f64([-1, -2], [1, 2]), ref: f64([0, 0], [1, 2]), rewards: f64([3, 3], [1, 2]) }),
  );
  assert.equal(none, 0);
});

test('gradients against finite differences (DPO, S-DPO, List-DPO; β = 0.1 and 2)', () => {
  const rng = new Rng(9);
  const r = (n: number): number[] => Array.from({ length: n }, () => rng.normal(-4, 1.5));
  const B = 3;
  const K = 3;
  const refW = r(B);
  const refL = r(B * K);
  const polL = r(B * K);
  const polW = r(B);
  const P = 2;
  const G = 4;
  const ref = r(P * G);
  const rewards = [0.1, 0.9, 0.5, 0.9, 0, 1, 0.3, 0.2];
  for (const b of [0.1, 2]) {
    const c = beta(b);
    gradCheck(
      (x) =>
        dpoLoss(
          {
            policyChosen: x.slice(0, 0, B),
            policyRejected: x.slice(0, B, 2 * B),
            refChosen: f64(refW),
            refRejected: f64(refL.slice(0, B)),
          },
          c,
        ),
      [...polW, ...polL.slice(0, B)],
      [2 * B],
      `DPO β ${b}`,
      2 * B,
    );
    gradCheck(
      (x) =>
        sdpoLoss(
          {
            policyChosen: x.slice(0, 0, B),
            policyRejected: x.slice(0, B, B + B * K).reshape([B, K]),
            refChosen: f64(refW),
            refRejected: f64(refL, [B, K]),
          },
          c,
        ),
      [...polW, ...polL],
      [B + B * K],
      `S-DPO β ${b}`,
      B + B * K,
    );
    gradCheck(
      (x) => listDpoLoss({ policy: x, ref: f64(ref, [P, G]), rewards: f64(rewards, [P, G]) }, c),
      r(P * G),
      [P, G],
      `List-DPO β ${b}`,
      P * G,
    );
  }
});

test('the reference is a constant: no gradient reaches it', () => {
  tidy(() => {
    const refC = f64([-1, -2]).requiresGrad_(true);
    const refR = f64([-2, -2]).requiresGrad_(true);
    const pc = f64([-1.5, -1]).requiresGrad_(true);
    dpoLoss({ policyChosen: pc, policyRejected: f64([-3, -1]), refChosen: refC, refRejected: refR }).backward();
    assert.equal(refC.grad, null);
    assert.equal(refR.grad, null);
    assert.ok(pc.grad);
  });
});

test('checks shapes; only the loss stays alive', () => {
  tidy(() => {
    const ok = {
      policyChosen: f64([-1, -2]),
      policyRejected: f64([-2, -3]),
      refChosen: f64([-1, -1]),
      refRejected: f64([-2, -2]),
    };
    assert.throws(() => dpoLoss({ ...ok, refRejected: f64([-2, -2, -2]) }), /dpoLoss: refRejected/);
    assert.throws(() => dpoLoss({ ...ok, policyChosen: tensor([1, 2], [2], 'int64') }), /dpoLoss: policyChosen/);
    assert.throws(() => sdpoLoss(ok), /sdpoLoss: policyRejected/);
    assert.throws(
      () => sdpoLoss({ ...ok, policyRejected: f64([1, 2, 3], [3, 1]), refRejected: f64([1, 2, 3], [3, 1]) }),
      /sdpoLoss: rejected must be \[B, K ≥ 1\]/,
    );
    assert.throws(
      () => listDpoLoss({ policy: f64([1, 2], [1, 2]), ref: f64([1, 2], [2, 1]), rewards: f64([1, 2], [1, 2]) }),
      /listDpoLoss: ref/,
    );
    const sdpo = { ...ok, policyRejected: f64([-2, -3], [2, 1]), refRejected: f64([-2, -2], [2, 1]) };
    const list = { policy: f64([1, 2], [1, 2]), ref: f64([1, 2], [1, 2]), rewards: f64([1, 2], [1, 2]) };
    const before = liveTensors();
    dpoLoss(ok);
    sdpoLoss(sdpo);
    listDpoLoss(list);
    assert.equal(liveTensors() - before, 3, 'one scalar per call');
  });
});
