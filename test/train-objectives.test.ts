import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, tensor, tidy } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';
import { sftLoss } from '../src/train/objectives/sft.js';
import { mslLoss } from '../src/train/objectives/msl.js';
import { BearConfig, bearLoss, bearParts, type BearConfig as BearCfg } from '../src/train/objectives/bear.js';
import { createObjective, OBJECTIVE_NAMES } from '../src/train/objectives/registry.js';
import { validateObjectiveInput } from '../src/train/objectives/common.js';
import type { ObjectiveInput, ObjectiveOutput } from '../src/train/objectives/types.js';

// ---- fixtures -------------------------------------------------------------------------------------------------

interface Spec {
  B: number;
  L: number;
  V: number;
  C: number;
  /** per (b, t): null = padded position, else [target, ...other valid tokens] */
  rows: (number[] | null)[];
  logits: number[];
}

function build(spec: Spec, logits: Float64Array | number[] = spec.logits): ObjectiveInput {
  const { B, L, V, C, rows } = spec;
  const tg: number[] = [];
  const mk: number[] = [];
  const vt: number[] = [];
  const vm: number[] = [];
  for (const r of rows) {
    tg.push(r ? r[0] : 0);
    mk.push(r ? 1 : 0);
    for (let j = 0; j < C; j++) {
      const ok = r !== null && j < r.length;
      // valid tokens in a shuffled-ish order: the target is not always first
      const tok = ok ? r[(j + 1) % r.length] : 0;
      vt.push(tok);
      vm.push(ok ? 1 : 0);
    }
  }
  return {
    logits: tensor(Float64Array.from(logits), [B, L, V]),
    targets: tensor(tg, [B, L], 'int64'),
    mask: tensor(
      tg.map((_, i) => mk[i]),
      [B, L],
      'float32',
    ),
    valid: { tokens: tensor(vt, [B, L, C], 'int64'), mask: tensor(Uint8Array.from(vm), [B, L, C]) },
  };
}

/** B=2, L=3, V=7, C=4: valid-set sizes 4, 2, 1 / 3, 4, padded. */
function randomSpec(seed: number): Spec {
  const rng = new Rng(seed);
  const logits = Array.from({ length: 2 * 3 * 7 }, () => rng.normal(0, 1.5));
  return {
    B: 2,
    L: 3,
    V: 7,
    C: 4,
    rows: [[3, 0, 5, 6], [1, 4], [2], [6, 2, 0], [0, 1, 2, 3], null],
    logits,
  };
}

type Loss = (input: ObjectiveInput) => ObjectiveOutput;

function valueAndGrad(spec: Spec, f: Loss, logits?: Float64Array): { value: number; grad: number[] } {
  return tidy(() => {
    const input = build(spec, logits ?? Float64Array.from(spec.logits));
    input.logits.requiresGrad_(true);
    const { loss } = f(input);
    loss.backward();
    const g = input.logits.grad;
    assert.ok(g, 'logits received no gradient');
    return { value: loss.item(), grad: g.toArray() };
  });
}

function valueAt(spec: Spec, f: Loss, logits: Float64Array): number {
  return tidy(() => noGrad(() => f(build(spec, logits)).loss.item()));
}

function assertClose(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} (tol ${tol})`);
}

function assertAllClose(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assertClose(a[i], b[i], tol, `${what}[${i}]`);
}

/** Central finite differences of f at spec.logits vs autograd. */
function gradCheck(spec: Spec, f: Loss, what: string): void {
  const { grad } = valueAndGrad(spec, f);
  const x = Float64Array.from(spec.logits);
  const h = 1e-6;
  let nonzero = 0;
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    const fd = (valueAt(spec, f, xp) - valueAt(spec, f, xm)) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]) < 1e-7, `${what}: d/dlogits[${i}] autograd ${grad[i]} vs finite difference ${fd}`);
    if (Math.abs(grad[i]) > 1e-6) nonzero++;
  }
  assert.ok(nonzero > 5, `${what}: gradient is (almost) all zero`);
}

const bearCfg = (o: Partial<BearCfg>): BearCfg => BearConfig.parse(o);

/** BEAR with β frozen at its value at the spec's base logits (β is a constant in the paper's gradient). */
function bearFrozen(spec: Spec, cfg: BearCfg): Loss {
  const logBeta = tidy(() => noGrad(() => bearParts(build(spec), cfg).logBeta.toArray()));
  return (input) => bearLoss(input, cfg, tensor(Float64Array.from(logBeta), [spec.B, spec.L]));
}

// ---- input contract ---------------------------------------------------------------------------------------------

test('fixtures satisfy the ObjectiveInput contract; malformed inputs fail naming the field', () => {
  tidy(() => {
    const spec = randomSpec(1);
    validateObjectiveInput(build(spec));
    const bad = build({ ...spec, rows: [[3, 0, 5, 6], [1, 4], [2], [6, 2, 0], [0, 1, 2, 3], [9]] });
    assert.throws(() => validateObjectiveInput(bad), /targets\[1, 2\] = 9 is outside \[0, 7\)/);
    const notValid = build(spec);
    const vm = notValid.valid.mask.toArray();
    vm[0 * 4 + 3] = 0; // row (0,0) lists [0,5,6,3]: drop the target 3 (at slot 3)
    const dropped = { ...notValid, valid: { ...notValid.valid, mask: tensor(Uint8Array.from(vm), [2, 3, 4]) } };
    assert.throws(() => validateObjectiveInput(dropped), /target 3 at \[0, 0\] is not among the valid tokens/);
    const wrongDtype = { ...notValid, targets: notValid.targets.to('float32') };
    assert.throws(() => sftLoss(wrongDtype), /sft: targets must be \[2, 3\] int64/);
    const wrongMask = { ...notValid, valid: { ...notValid.valid, mask: notValid.valid.mask.to('int64') } };
    assert.throws(() => bearLoss(wrongMask, bearCfg({})), /bear: valid\.mask must be \[2, 3, 4\] bool/);
  });
});

// ---- hand-computed values ---------------------------------------------------------------------------------------

test('sft on a 2-token example equals the hand-computed mean cross-entropy', () => {
  const spec: Spec = { B: 1, L: 2, V: 3, C: 1, rows: [[2], [0]], logits: [0, 1, 2, 1, 1, 1] };
  const got = valueAt(spec, sftLoss, Float64Array.from(spec.logits));
  const e = Math.E;
  const want = (Math.log(1 + e + e * e) - 2 + Math.log(3)) / 2;
  assertClose(got, want, 1e-14, 'sft');
});

test('sft ignores padded positions (their logits get no gradient)', () => {
  const spec = randomSpec(2);
  const { grad } = valueAndGrad(spec, sftLoss);
  // position (1, 2) is padded: logits offset (1*3+2)*7
  for (let v = 0; v < 7; v++) assert.equal(grad[5 * 7 + v], 0);
});

test('msl by hand: temperature and masking', () => {
  // one position, V=5, valid {1, 3}, target 3, τ = 2: loss = −(3/2 − log(e^{1/2} + e^{3/2}))
  const spec: Spec = { B: 1, L: 1, V: 5, C: 2, rows: [[3, 1]], logits: [0, 1, 2, 3, 4] };
  const got = valueAt(spec, (i) => mslLoss(i, 2), Float64Array.from(spec.logits));
  assertClose(got, -(1.5 - Math.log(Math.exp(0.5) + Math.exp(1.5))), 1e-14, 'msl τ=2');
});

test('msl label smoothing by hand: ε mixes in the mean valid log-probability; one valid token is unaffected', () => {
  // position 1: V=5, valid {1, 3}, target 3, τ = 2, ε = 0.2; position 2: one valid token (its loss is 0)
  const spec: Spec = { B: 1, L: 2, V: 5, C: 2, rows: [[3, 1], [4]], logits: [0, 1, 2, 3, 4, 9, 1, 2, 3, 0] };
  const lse = Math.log(Math.exp(0.5) + Math.exp(1.5));
  const want = -(0.8 * (1.5 - lse) + 0.2 * ((0.5 - lse + 1.5 - lse) / 2)) / 2;
  assertClose(
    valueAt(spec, (i) => mslLoss(i, 2, 0.2), Float64Array.from(spec.logits)),
    want,
    1e-14,
    'msl ε=0.2',
  );
  assertClose(
    valueAt(spec, (i) => mslLoss(i, 2, 0), Float64Array.from(spec.logits)),
    -(1.5 - lse) / 2,
    1e-14,
    'msl ε=0',
  );
});

test('msl equals sft when every token is valid and τ = 1', () => {
  const base = randomSpec(3);
  const all = [0, 1, 2, 3, 4, 5, 6];
  const rows = base.rows.map((r) => (r ? [r[0], ...all.filter((t) => t !== r[0])] : null));
  const spec: Spec = { ...base, C: 7, rows };
  const a = valueAndGrad(spec, sftLoss);
  const b = valueAndGrad(spec, (i) => mslLoss(i, 1));
  assertClose(b.value, a.value, 1e-14, 'value');
  assertAllClose(b.grad, a.grad, 1e-14, 'grad');
});

test('msl ignores the logits of invalid tokens', () => {
  const spec = randomSpec(4);
  const f: Loss = (i) => mslLoss(i, 0.7);
  const before = valueAndGrad(spec, f);
  const x = Float64Array.from(spec.logits);
  const validAt = new Set<number>();
  spec.rows.forEach((r, p) => r?.forEach((t) => validAt.add(p * 7 + t)));
  let changed = 0;
  for (let i = 0; i < x.length; i++) {
    if (!validAt.has(i)) {
      x[i] += 10 * Math.sin(i + 1);
      changed++;
    }
  }
  assert.ok(changed > 10);
  const after = valueAndGrad(spec, f, x);
  assert.equal(after.value, before.value);
  for (let i = 0; i < x.length; i++) if (!validAt.has(i)) assert.equal(before.grad[i], 0, `grad at invalid ${i}`);
});

// ---- gradient checks ----------------------------------------------------------------------------------------------

test('gradient checks against central finite differences (float64)', () => {
  for (const seed of [5, 6]) {
    const spec = randomSpec(seed);
    gradCheck(spec, sftLoss, `sft seed ${seed}`);
    gradCheck(spec, (i) => mslLoss(i, 1), `msl τ=1 seed ${seed}`);
    gradCheck(spec, (i) => mslLoss(i, 0.6), `msl τ=0.6 seed ${seed}`);
    gradCheck(spec, (i) => mslLoss(i, 0.6, 0.3), `msl τ=0.6 ε=0.3 seed ${seed}`);
    for (const base of ['sft', 'msl'] as const) {
      for (const form of ['direct', 'reweighted'] as const) {
        for (const beamWidth of [2, 10]) {
          const cfg = bearCfg({ base, form, beamWidth, lambda: 1.7, xi: 0.6, temperature: 0.8 });
          gradCheck(spec, bearFrozen(spec, cfg), `bear ${base}/${form} B=${beamWidth} seed ${seed}`);
        }
      }
    }
  }
});

// ---- BEAR ------------------------------------------------------------------------------------------------------

test('bear with λ = 0 equals its base exactly (value and gradients), both forms', () => {
  const spec = randomSpec(7);
  const sft = valueAndGrad(spec, sftLoss);
  const msl = valueAndGrad(spec, (i) => mslLoss(i, 0.8));
  for (const form of ['direct', 'reweighted'] as const) {
    const a = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ base: 'sft', form, lambda: 0, beamWidth: 2 })));
    assert.equal(a.value, sft.value, `sft/${form} value`);
    assert.deepEqual(a.grad, sft.grad, `sft/${form} grad`);
    const cfg = bearCfg({ base: 'msl', form, lambda: 0, beamWidth: 2, temperature: 0.8 });
    const b = valueAndGrad(spec, (i) => bearLoss(i, cfg));
    assert.equal(b.value, msl.value, `msl/${form} value`);
    assert.deepEqual(b.grad, msl.grad, `msl/${form} grad`);
  }
});

test('bear: direct and reweighted forms give equal values and gradients (1e-10), both bases', () => {
  for (const seed of [8, 9, 10]) {
    const spec = randomSpec(seed);
    for (const base of ['sft', 'msl'] as const) {
      for (const beamWidth of [1, 2, 3, 10]) {
        const o = { base, beamWidth, lambda: 2.5, xi: 0.4, temperature: 1.3 };
        const d = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ ...o, form: 'direct' })));
        const r = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ ...o, form: 'reweighted' })));
        assertClose(r.value, d.value, 1e-12, `${base} B=${beamWidth} value`);
        for (let k = 0; k < d.grad.length; k++) {
          assert.ok(Math.abs(r.grad[k] - d.grad[k]) <= 1e-10, `${base} B=${beamWidth} grad[${k}]`);
        }
        // and the regulariser really contributes
        const plain = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ ...o, lambda: 0 })));
        assert.ok(Math.abs(plain.value - d.value) > 1e-3, 'regulariser changes the value');
      }
    }
  }
});

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
const logSigmoid = (x: number): number => -Math.log1p(Math.exp(-x));

test('bear by hand: base msl, B-th largest valid probability, and fewer-than-B valid tokens', () => {
  // V=6, valid {0,1,2,3}, target 1; token 5 is invalid with a huge logit.
  const logits = [0, 1, 2, 3, 0.5, 9];
  const spec: Spec = { B: 1, L: 1, V: 6, C: 4, rows: [[1, 0, 2, 3]], logits };
  const p = softmax([0, 1, 2, 3]);
  const [lambda, xi] = [0.5, 0.5];
  for (const form of ['direct', 'reweighted'] as const) {
    // B = 2: β = p(token 2)
    const b2 = valueAt(
      spec,
      (i) => bearLoss(i, bearCfg({ base: 'msl', form, beamWidth: 2, lambda, xi })),
      Float64Array.from(logits),
    );
    assertClose(
      b2,
      -Math.log(p[1]) + lambda * logSigmoid((Math.log(p[2]) - Math.log(p[1])) / xi),
      1e-13,
      `B=2 ${form}`,
    );
    // B = 10 > 4 valid: β = smallest valid probability = p(token 0)
    const b10 = valueAt(
      spec,
      (i) => bearLoss(i, bearCfg({ base: 'msl', form, beamWidth: 10, lambda, xi })),
      Float64Array.from(logits),
    );
    assertClose(
      b10,
      -Math.log(p[1]) + lambda * logSigmoid((Math.log(p[0]) - Math.log(p[1])) / xi),
      1e-13,
      `B=10 ${form}`,
    );
  }
  // logs: base, reg, violation rate (p1 < p2 → violated at B=2)
  const out = tidy(() => bearLoss(build(spec), bearCfg({ base: 'msl', beamWidth: 2, lambda, xi })));
  assert.ok(out.logs);
  assertClose(out.logs.base, -Math.log(p[1]), 1e-13, 'logs.base');
  assertClose(out.logs.reg, logSigmoid((Math.log(p[2]) - Math.log(p[1])) / xi), 1e-13, 'logs.reg');
  assert.equal(out.logs.violation, 1);
});

test('bear by hand: base sft uses full-softmax probabilities but ranks only the valid tokens', () => {
  const logits = [0, 1, 2, 3, 0.5, 9];
  const spec: Spec = { B: 1, L: 1, V: 6, C: 4, rows: [[1, 0, 2, 3]], logits };
  const p = softmax(logits); // full distribution: token 5 (invalid) dominates
  // B = 1: β = largest VALID probability = p(3), not p(5)
  const cfg = bearCfg({ base: 'sft', beamWidth: 1, lambda: 2, xi: 0.7 });
  const logBeta = tidy(() => bearParts(build(spec), cfg).logBeta.item());
  assertClose(logBeta, Math.log(p[3]), 1e-13, 'log β');
  const got = valueAt(spec, (i) => bearLoss(i, cfg), Float64Array.from(logits));
  assertClose(got, -Math.log(p[1]) + 2 * logSigmoid((Math.log(p[3]) - Math.log(p[1])) / 0.7), 1e-13, 'bear sft');
});

test('bear base msl: changing invalid logits changes nothing (β, regulariser, value, gradient)', () => {
  const spec = randomSpec(11);
  const cfg = bearCfg({ base: 'msl', beamWidth: 2, lambda: 1.5, xi: 0.5 });
  const x = Float64Array.from(spec.logits);
  const validAt = new Set<number>();
  spec.rows.forEach((r, p) => r?.forEach((t) => validAt.add(p * 7 + t)));
  for (let i = 0; i < x.length; i++) if (!validAt.has(i)) x[i] += 7 * Math.cos(3 * i);
  const betaA = tidy(() => bearParts(build(spec), cfg).logBeta.toArray());
  const betaB = tidy(() => bearParts(build(spec, x), cfg).logBeta.toArray());
  // position 5 is padding (its β is a placeholder): compare the real positions
  assert.deepEqual(betaB.slice(0, 5), betaA.slice(0, 5));
  const a = valueAndGrad(spec, (i) => bearLoss(i, cfg));
  const b = valueAndGrad(spec, (i) => bearLoss(i, cfg), x);
  assertClose(b.value, a.value, 1e-14, 'value');
  assertAllClose(b.grad, a.grad, 1e-14, 'grad');
});

test('bear base sft: raising an invalid logit lowers p and β alike, leaving the margin Δ unchanged', () => {
  // Δ = log β − log p is a difference of two log-probs of the same softmax: invalid logits cancel in Δ
  // (but not in the base loss, which goes up).
  const spec = randomSpec(12);
  const cfg = bearCfg({ base: 'sft', beamWidth: 2, lambda: 1, xi: 1 });
  const x = Float64Array.from(spec.logits);
  x[0 * 7 + 1] += 5; // token 1 is invalid at position (0,0) (valid: 3,0,5,6)
  const margin = (logits?: Float64Array): number[] =>
    tidy(() => {
      const parts = bearParts(build(spec, logits), cfg);
      return parts.logBeta.add(parts.nll).toArray();
    });
  assertAllClose(margin(x), margin(), 1e-12, 'Δ');
  assert.ok(valueAt(spec, sftLoss, x) > valueAt(spec, sftLoss, Float64Array.from(spec.logits)));
});

test('bear: a step with a single valid token carries no regulariser', () => {
  // every real position has exactly one valid token: BEAR = base (value and gradient), for both bases
  const rng = new Rng(13);
  const spec: Spec = {
    B: 1,
    L: 3,
    V: 5,
    C: 2,
    rows: [[4], [0], null],
    logits: Array.from({ length: 15 }, () => rng.normal()),
  };
  for (const form of ['direct', 'reweighted'] as const) {
    const s = valueAndGrad(spec, sftLoss);
    const b = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ base: 'sft', form, lambda: 3, xi: 0.3 })));
    assertClose(b.value, s.value, 1e-14, 'value');
    assertAllClose(b.grad, s.grad, 1e-14, 'grad');
    const m = valueAndGrad(spec, (i) => bearLoss(i, bearCfg({ base: 'msl', form, lambda: 3, xi: 0.3 })));
    assert.equal(m.value, 0); // log p = 0 under the masked softmax with one valid token
    assert.ok(m.grad.every((g) => g === 0));
  }
  const parts = tidy(() => bearParts(build(spec), bearCfg({ base: 'sft' })).regMask.toArray());
  assert.deepEqual(parts, [0, 0, 0]);
});

test('bear regulariser lowers the loss when the target gains probability (sign check)', () => {
  // direct-form gradient wrt the target logit is more negative than the base's: BEAR pushes p(y) up harder
  const spec = randomSpec(14);
  const cfg = bearCfg({ base: 'msl', beamWidth: 2, lambda: 2, xi: 0.5, form: 'direct' });
  const b = valueAndGrad(spec, (i) => bearLoss(i, cfg));
  const m = valueAndGrad(spec, (i) => mslLoss(i, 1));
  // (0,0) target 3 has 4 valid tokens
  assert.ok(b.grad[3] < m.grad[3], `${b.grad[3]} < ${m.grad[3]}`);
});

// ---- registry -----------------------------------------------------------------------------------------------------

test('registry builds each objective from a plain config and rejects bad names and keys', () => {
  assert.deepEqual(OBJECTIVE_NAMES, ['sft', 'msl', 'bear', 'beam-sim']);
  const spec = randomSpec(15);
  tidy(() => {
    const input = build(spec);
    assert.equal(createObjective('sft')(input).loss.item(), sftLoss(input).loss.item());
    assert.equal(createObjective('msl', { temperature: 0.5 })(input).loss.item(), mslLoss(input, 0.5).loss.item());
    const viaReg = createObjective('bear', { base: 'sft', lambda: 0.3 })(input).loss.item();
    assert.equal(viaReg, bearLoss(input, bearCfg({ base: 'sft', lambda: 0.3 })).loss.item());
  });
  assert.throws(() => createObjective('bera'), /unknown objective 'bera' \(did you mean 'bear'\?\)/);
  assert.throws(() => createObjective('bear', { lamda: 1 }), /unknown key 'lamda'.*did you mean 'lambda'/);
  assert.throws(() => createObjective('bear', { xi: 0 }), /bear\.xi: must be > 0/);
  assert.throws(() => createObjective('msl', { temperature: -1 }, 'run.json'), /msl\.temperature.*run\.json/);
  const d = BearConfig.defaults();
  assert.equal(d.beamWidth, 10);
  assert.equal(d.base, 'msl');
});
