// The beam-simulation objective (src/train/objectives/beam-sim.ts): thresholds of the simulated beam search against
// hand-worked values and a brute-force simulation, gradient check with fixed thresholds, limits, and the task
// plumbing (nextItemTask fills `beamThresholds` through the objective's `prepare` hook).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, noGrad, setNumThreads, tensor, tidy } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';
import {
  BeamSimConfig,
  beamSimLoss,
  beamSimParts,
  beamSimThresholds,
  simulateBeamThresholds,
  type BeamSimConfig as BeamSimCfg,
} from '../src/train/objectives/beam-sim.js';
import { mslLoss } from '../src/train/objectives/msl.js';
import { sftLoss } from '../src/train/objectives/sft.js';
import { createObjective } from '../src/train/objectives/registry.js';
import type { ObjectiveInput } from '../src/train/objectives/types.js';
import { targetBatch } from '../src/model/targets.js';
import { nextItemTask, prepareContext } from '../src/pipeline/task.js';
import { FakeModel, randomTrie, rng } from './decode-fake.js';
import { T0, T1, TRIE, TableModel, tinyGenRec } from './bear-fixture.js';

setNumThreads(1);

const cfg = (o: Partial<BeamSimCfg>): BeamSimCfg => BeamSimConfig.parse(o);

test('thresholds of the simulated beam equal the hand-worked values', () => {
  const before = liveTensors();
  const model = new TableModel([T0, T1]);
  const lg = Math.log;
  const close = (got: Float64Array, want: number[], what: string) => {
    assert.equal(got.length, want.length, what);
    want.forEach((w, i) => {
      if (w === -Infinity) assert.equal(got[i], -Infinity, `${what}[${i}]`);
      else assert.ok(Math.abs(got[i] - w) < 1e-6, `${what}[${i}]: ${got[i]} vs ${w}`);
    });
  };
  // B = 2. T0: step 0 {a .4, b .35, c .25} → .35; step 1 {ba .245, aa .24, ab .16, bb .105} → .24; step 2 EOS of
  // ba, aa → .24. T1: {a .5, b .3, c .2} → .3; {ba .27, aa .25, ab .2, bb .03} → .25; EOS: .054, .05 → .05.
  close(
    simulateBeamThresholds({ model, trie: TRIE, numUsers: 2 }, 2),
    [lg(0.35), lg(0.4 * 0.6), lg(0.4 * 0.6), lg(0.3), lg(0.5 * 0.5), lg(0.5 * 0.5 * 0.2)],
    'B=2',
  );
  // B = 3, T0: step 0 → .25 (c); step 1 from a, b, c: ca .25, ba .245, aa .24 → .24; step 2 → .24.
  close(
    simulateBeamThresholds({ model: new TableModel([T0]), trie: TRIE, numUsers: 1 }, 3),
    [lg(0.25), lg(0.24), lg(0.24)],
    'B=3',
  );
  // B = 4: step 0 has 3 candidates (no pruning: −∞); width 2 stops early.
  close(
    simulateBeamThresholds({ model: new TableModel([T0]), trie: TRIE, numUsers: 1 }, 4, 2),
    [-Infinity, lg(0.4 * 0.4)],
    'B=4',
  );
  assert.equal(model.live, 0);
  assert.equal(liveTensors(), before);
});

/** Brute force: the §2.2 procedure on explicit prefix lists, reading the fake model one prefix at a time. */
function bruteThresholds(
  model: FakeModel,
  trie: ReturnType<typeof randomTrie>['trie'],
  user: number,
  B: number,
  width: number,
): number[] {
  type Beam = { prefix: number[]; node: number; score: number; done: boolean };
  let beam: Beam[] = [{ prefix: [], node: 0, score: 0, done: false }];
  const out: number[] = [];
  for (let s = 0; s < width; s++) {
    const cands: Beam[] = [];
    for (const b of beam) {
      if (b.done) {
        cands.push(b);
        continue;
      }
      const lp = model.lp(user, b.prefix);
      const ch = trie.children(b.node);
      for (let i = 0; i < ch.tokens.length; i++) {
        const score = b.score + lp[ch.tokens[i]];
        if (score === -Infinity) continue;
        cands.push({
          prefix: [...b.prefix, ch.tokens[i]],
          node: ch.nodes[i],
          score,
          done: trie.itemAt(ch.nodes[i]) >= 0,
        });
      }
    }
    const sorted = cands.map((c) => c.score).sort((x, y) => y - x);
    out.push(sorted.length >= B ? sorted[B - 1] : -Infinity);
    // keep the B best (which ones among ties does not change the next thresholds' multiset of scores)
    beam = cands.sort((x, y) => y.score - x.score).slice(0, B);
  }
  return out;
}

test('thresholds equal a brute-force simulation on random tries (fake model)', () => {
  const r = rng(7);
  for (let trial = 0; trial < 12; trial++) {
    const rt = randomTrie(r, { maxItems: 14, maxLen: 3 });
    const U = 3;
    const seeds = Array.from({ length: U }, () => Math.floor(r() * 1e9));
    const model = new FakeModel(rt.vocab, seeds, 3, trial % 2 === 0 ? rt.trie : null);
    const B = 1 + (trial % 4);
    const W = rt.trie.maxDepth;
    const got = simulateBeamThresholds({ model, trie: rt.trie, numUsers: U }, B);
    for (let u = 0; u < U; u++) {
      const want = bruteThresholds(model, rt.trie, u, B, W);
      for (let s = 0; s < W; s++) {
        const g = got[u * W + s];
        if (want[s] === -Infinity) assert.equal(g, -Infinity, `trial ${trial} user ${u} step ${s}`);
        else assert.ok(Math.abs(g - want[s]) < 1e-9, `trial ${trial} user ${u} step ${s}: ${g} vs ${want[s]}`);
      }
    }
    assert.equal(model.liveStates, 0, 'states freed');
  }
});

// ---- the loss -----------------------------------------------------------------------------------------------------

/** B=2, L=3, V=6, C=3. Rows per (b, t): [target, other valid...] or null (padding). */
const ROWS: (number[] | null)[] = [[1, 0, 4], [2, 5], [3], [0, 2, 5], [4, 1], null];
const [NB, NL, NV, NC] = [2, 3, 6, 3];

function build(logits: Float64Array, thr: number[] | null): ObjectiveInput {
  const tg: number[] = [];
  const mk: number[] = [];
  const vt: number[] = [];
  const vm: number[] = [];
  for (const r of ROWS) {
    tg.push(r ? r[0] : 0);
    mk.push(r ? 1 : 0);
    for (let j = 0; j < NC; j++) {
      const ok = r !== null && j < r.length;
      vt.push(ok ? r[j] : 0);
      vm.push(ok ? 1 : 0);
    }
  }
  return {
    logits: tensor(logits, [NB, NL, NV]),
    targets: tensor(tg, [NB, NL], 'int64'),
    mask: tensor(mk, [NB, NL], 'float32'),
    valid: { tokens: tensor(vt, [NB, NL, NC], 'int64'), mask: tensor(Uint8Array.from(vm), [NB, NL, NC]) },
    beamThresholds: thr === null ? undefined : tensor(Float64Array.from(thr), [NB, NL], 'float64'),
  };
}

function randomLogits(seed: number): Float64Array {
  const g = new Rng(seed);
  return Float64Array.from({ length: NB * NL * NV }, () => g.normal(0, 1.5));
}

/** log P(y_≤t) at the given logits, computed in JS. */
function prefixLogProbs(logits: Float64Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < NB; b++) {
    let acc = 0;
    for (let t = 0; t < NL; t++) {
      const r = ROWS[b * NL + t];
      if (r) {
        const z = Array.from(logits.subarray((b * NL + t) * NV, (b * NL + t + 1) * NV));
        const m = Math.max(...z);
        acc += z[r[0]] - (m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0)));
      }
      out.push(acc);
    }
  }
  return out;
}

test('the loss equals the formula computed by hand', () => {
  const logits = randomLogits(3);
  const pre = prefixLogProbs(logits);
  const offs = [0.3, -0.5, -Infinity, 1.2, 0, 0.7]; // θ − log P (last one is a padded position: ignored)
  const thr = pre.map((p, i) => p + offs[i]);
  for (const base of ['sft', 'msl'] as const) {
    const c = cfg({ base, lambda: 0.7, xi: 0.5 });
    const got = tidy(() => noGrad(() => beamSimLoss(build(logits, thr), c).loss.item()));
    const baseLoss = tidy(() =>
      noGrad(() => (base === 'sft' ? sftLoss(build(logits, null)) : mslLoss(build(logits, null), 1)).loss.item()),
    );
    let reg = 0;
    for (let i = 0; i < 5; i++) if (offs[i] !== -Infinity) reg += Math.log1p(Math.exp(offs[i] / 0.5)); // −log σ(−off/ξ)
    const want = baseLoss + (0.7 * reg) / 5;
    assert.ok(Math.abs(got - want) < 1e-10, `${base}: ${got} vs ${want}`);
  }
});

test('gradient matches central finite differences (thresholds fixed)', () => {
  const logits = randomLogits(11);
  const pre = prefixLogProbs(logits);
  const thr = pre.map((p, i) => p + [0.4, -0.3, 0.8, -Infinity, 0.1, 0][i]);
  for (const base of ['sft', 'msl'] as const) {
    const c = cfg({ base, lambda: 1.5, xi: 0.7 });
    const grad = tidy(() => {
      const input = build(logits, thr);
      input.logits.requiresGrad_(true);
      beamSimLoss(input, c).loss.backward();
      return input.logits.grad!.toFloat64();
    });
    const f = (x: Float64Array) => tidy(() => noGrad(() => beamSimLoss(build(x, thr), c).loss.item()));
    const h = 1e-6;
    let nonzero = 0;
    for (let i = 0; i < logits.length; i++) {
      const xp = Float64Array.from(logits);
      const xm = Float64Array.from(logits);
      xp[i] += h;
      xm[i] -= h;
      const fd = (f(xp) - f(xm)) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) < 1e-7, `${base} d/dlogits[${i}]: autograd ${grad[i]} vs fd ${fd}`);
      if (Math.abs(grad[i]) > 1e-6) nonzero++;
    }
    assert.ok(nonzero > 10);
  }
});

test('the penalty vanishes when every prefix is far above its threshold; λ = 0 is the base objective', () => {
  const logits = randomLogits(5);
  const pre = prefixLogProbs(logits);
  const far = pre.map((p) => p - 60);
  const c = cfg({ base: 'msl', lambda: 2, xi: 1 });
  const [loss, base, penalty] = tidy(() =>
    noGrad(() => [
      beamSimLoss(build(logits, far), c).loss.item(),
      mslLoss(build(logits, null), 1).loss.item(),
      beamSimParts(build(logits, far), 1).penalty.sum().item(),
    ]),
  );
  assert.ok(penalty >= 0 && penalty < 1e-20, `penalty ${penalty}`);
  assert.ok(Math.abs(loss - base) < 1e-12);
  const above = pre.map((p) => p + 5); // below the beam: a large penalty
  const big = tidy(() => noGrad(() => beamSimParts(build(logits, above), 1).penalty.sum().item()));
  assert.ok(big > 5 * 5 - 1e-6 && big < 5 * (5 + 0.01), `penalty ${big}`);
  const zero = tidy(() => noGrad(() => beamSimLoss(build(logits, above), cfg({ lambda: 0 })).loss.item()));
  assert.ok(Math.abs(zero - base) < 1e-12);
});

test('missing or mis-shaped thresholds fail loudly; the registry exposes the request', () => {
  const logits = randomLogits(1);
  assert.throws(() => tidy(() => beamSimLoss(build(logits, null), cfg({}))), /beamThresholds is missing/);
  assert.throws(
    () =>
      tidy(() => {
        const input = build(logits, null);
        input.beamThresholds = tensor(new Float64Array(4), [2, 2], 'float64');
        return beamSimLoss(input, cfg({}));
      }),
    /must be \[2, 3\]/,
  );
  const obj = createObjective('beam-sim', { beamWidth: 4 });
  assert.equal(typeof obj.prepare, 'function');
  assert.equal(createObjective('bear').prepare, undefined);
  assert.throws(() => createObjective('beam-sim', { beamWidth: 0 }), /beamWidth/);
});

test('nextItemTask fills the thresholds from a simulated beam on the real model', () => {
  const model = tinyGenRec(1);
  model.train();
  const examples = [
    { user: 'a', history: [0, 1, 2], target: 3, timestamp: 0 },
    { user: 'b', history: [4], target: 5, timestamp: 0 },
    { user: 'c', history: [6, 7, 8, 9], target: 10, timestamp: 0 },
  ];
  const B = 3;
  // thresholds equal the simulation over the step model (eval mode), and the mode is restored
  const W = model.ids.trie.maxDepth;
  const thr = tidy(() => {
    const tb = targetBatch(
      model.ids,
      examples.map((e) => e.target),
    );
    assert.equal(tb.targets.shape[1], W); // the hook simulates as many steps as the batch's targets have tokens
    const ctx = prepareContext(
      model,
      examples.map((e) => e.history),
      { targets: tb.targets, mask: tb.mask, valid: tb.valid },
    );
    return beamSimThresholds(ctx, B).toFloat64();
  });
  assert.equal(model.training, true);
  model.eval();
  const direct = simulateBeamThresholds(
    { model: model.stepModel(examples.map((e) => e.history)), trie: model.ids.trie, numUsers: 3 },
    B,
  );
  model.train();
  assert.deepEqual(Array.from(thr), Array.from(direct));
  assert.ok(Number.isFinite(thr[0]) && thr[0] < 0);
  const task = nextItemTask(model, createObjective('beam-sim', { beamWidth: B }), [], {
    beamWidth: B,
    ks: [1],
    chunkUsers: 4,
    scoring: 'full',
    decoder: 'beam',
    temperature: 1,
    sampleSeed: 0,
  });
  tidy(() => {
    const out = task.loss(examples);
    assert.ok(Number.isFinite(out.loss.item()));
    assert.ok(out.logs && out.logs.reg >= 0 && out.logs.belowBeam >= 0 && out.logs.belowBeam <= 1);
    out.loss.backward();
  });
  model.dispose();
});
