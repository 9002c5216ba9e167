// V-STAR's training pieces: Sibling-GRPO node advantages on a hand-worked tree, the value head's gradient against
// finite differences, the TD loss against hand-computed targets, and a tiny end-to-end alignment (VED candidates,
// joint objective, value head trained alongside).
import assert from 'node:assert/strict';
import test from 'node:test';
import { manualSeed, tensor, tidy } from '../src/engine/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueHead, headValue, loadValueHead, saveValueHead, VALUE_HEAD_FILE } from '../src/model/value-head.js';
import { recommend } from '../src/pipeline/recommend.js';
import { siblingAdvantages } from '../src/train/rl/sibling.js';
import { tdLoss } from '../src/pipeline/vstar/value-td.js';
import { alignVstar } from '../src/pipeline/vstar/align.js';
import { createReward } from '../src/rewards/registry.js';
import { itemSideInfo } from '../src/rewards/side-info.js';
import { gradCheck, assertAllClose } from './rl-loss-fixture.js';
import { tinyGenRec, twelveItemSids } from './tiny-genrec-fixture.js';

test('sibling advantages: hand-worked tree of five candidates', () => {
  // paths (a, b, eos) and rewards:
  //   0: 1 1 9  r=1      depth 1: parent ∅, children 1 → {0,1,2}, 2 → {3,4}; means 2/3... computed below
  //   1: 1 1 9  r=0 (duplicate path: same node as 0)
  //   2: 1 2 9  r=1
  //   3: 2 1 9  r=0
  //   4: 2 3 9  r=0
  const paths = [
    [1, 1, 9],
    [1, 1, 9],
    [1, 2, 9],
    [2, 1, 9],
    [2, 3, 9],
  ];
  const rewards = [1, 0, 1, 0, 0];
  const eps = 0;
  const w = siblingAdvantages(paths, rewards, { std: 'sample', eps });
  // depth 1: node means R̄(1) = 2/3, R̄(2) = 0; μ = 1/3; sample σ = sqrt(((1/3)² + (1/3)²) / 1) = √2/3
  const a1 = (2 / 3 - 1 / 3) / (Math.SQRT2 / 3);
  // depth 2 under 1: R̄(1,1) = 1/2, R̄(1,2) = 1; μ = 3/4, σ = sqrt(2 · (1/4)²) = √2/4 → A = ∓ (1/4)/(√2/4) = ∓ 1/√2
  // depth 2 under 2: both 0 → σ = 0 → 0. Depth 3: one child (eos) per parent → 0.
  const b = 1 / Math.SQRT2;
  assertAllClose(w[0], [a1 / 3, -b / 2, 0], 1e-12, 'candidate 0');
  assertAllClose(w[1], [a1 / 3, -b / 2, 0], 1e-12, 'candidate 1');
  assertAllClose(w[2], [a1 / 3, b, 0], 1e-12, 'candidate 2');
  assertAllClose(w[3], [-a1 / 2, 0, 0], 1e-12, 'candidate 3');
  assertAllClose(w[4], [-a1 / 2, 0, 0], 1e-12, 'candidate 4');
  // summed over a node's rows, each node's advantage counts once (eq. 19): depth-1 sums are ±a1
  assert.ok(Math.abs(w[0][0] + w[1][0] + w[2][0] - a1) < 1e-12);
  // equal rewards: no signal anywhere
  for (const row of siblingAdvantages(paths, [2, 2, 2, 2, 2], { std: 'sample', eps: 1e-4 }))
    for (const x of row) assert.equal(x, 0);
  assert.throws(() => siblingAdvantages(paths, [1, 2], { std: 'sample', eps: 0 }), /5 candidates but 2 rewards/);
});

test('value head: gradient of a scalar of its outputs w.r.t. the prefix hidden states matches finite differences', () => {
  manualSeed(5);
  const head = new ValueHead({ dModel: 4, nHeads: 2, dFF: 8, dtype: 'float64' });
  const x0 = Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i * 1.7));
  const wts = tensor(Float64Array.from([0.3, -1.2, 0.7, 1.1, 0.2, -0.5]), [2, 3], 'float64');
  gradCheck((x) => head.forward(x).mul(wts).sum(), x0, [2, 3, 4], 'value head', 10);
  // causal: V at position 0 does not depend on later positions
  const out = tidy(() => {
    const a = head.forward(tensor(Float64Array.from(x0), [2, 3, 4], 'float64')).toFloat64();
    const x1 = x0.slice();
    for (let i = 4; i < 12; i++) x1[i] += 0.1 * (i % 5) - 0.2; // row 0, positions 1 and 2 (not a constant shift: the LayerNorms remove those)
    const b = head.forward(tensor(Float64Array.from(x1), [2, 3, 4], 'float64')).toFloat64();
    return { a, b };
  });
  assert.ok(Math.abs(out.a[0] - out.b[0]) < 1e-12, 'position 0 must not see positions 1–2');
  assert.ok(Math.abs(out.a[1] - out.b[1]) > 1e-9, 'position 1 sees itself');
  head.dispose();
});

test('TD loss: hand-computed targets, gradient of the head only through V(s_ℓ)', () => {
  manualSeed(6);
  const head = new ValueHead({ dModel: 4, nHeads: 1, dFF: 4, dtype: 'float64' });
  const R = 1;
  const W = 3;
  const hidden = Float32Array.from({ length: R * W * 4 }, (_, i) => Math.cos(i));
  const x = {
    R,
    W,
    hidden,
    rew: Float32Array.from([0, 0.3, 1.0]),
    cont: Float32Array.from([0, 1, 0]),
    mask: Float32Array.from([0, 1, 1]),
  };
  const got = tidy(() => tdLoss(head, x, 0.99).value);
  const v = tidy(() => head.forward(tensor(hidden, [1, 3, 4], 'float32').to('float64')).toFloat64());
  // ỹ_1 = 0.3 + 0.99 · V(s_2); ỹ_2 = r_2 = 1 (leaf)
  const y1 = Math.fround(0.3) + 0.99 * v[2];
  const want = ((v[1] - y1) ** 2 + (v[2] - 1) ** 2) / 2;
  assert.ok(Math.abs(got - want) < 1e-9, `${got} vs ${want}`);
  head.dispose();
});

test('alignVstar: VED candidates, joint objective and the value head trained alongside, end to end', () => {
  const ids = twelveItemSids();
  const policy = tinyGenRec(ids, 1, 3);
  manualSeed(4);
  const head = new ValueHead({ dModel: 16, nHeads: 2, dFF: 32 });
  const emb = { numItems: 12, dim: 3, data: Float32Array.from({ length: 36 }, (_, i) => Math.sin(i + 1)) };
  const side = itemSideInfo(
    'synthetic',
    Array.from({ length: 12 }, () => ({})),
    emb,
  );
  const reward = createReward('rank', side, {}, 'test');
  if (reward.scope !== 'candidates') throw new Error('rank is a candidate reward');
  const prompts = Array.from({ length: 8 }, (_, i) => ({
    user: `u${i}`,
    history: [(i * 5) % 12, (i * 7 + 1) % 12],
    target: (i * 3 + 2) % 12,
    timestamp: i,
  }));
  const before = head.parameters().map((p) => Array.from(p.toFloat64()));
  const polBefore = Array.from(policy.parameters()[0].toFloat64());
  const lines: string[] = [];
  const res = alignVstar(
    policy,
    head,
    prompts,
    reward,
    emb,
    2,
    {
      generator: 'ved',
      mode: 'joint',
      groupSize: 4,
      epochs: 1,
      batchPrompts: 4,
      lr: 1e-2,
      klBeta: 1e-3,
      gamma: 0.99,
      valueCoef: 1,
      valueWarmupEpochs: 1,
      valueLr: 1e-2,
      scoring: 'full',
      ved: { budget: 1 + 3 * 4, warmWidth: 2, lambda: 0.1, beta: 0.5, rule: 'G' },
      seed: 1,
    },
    (l) => lines.push(l),
  );
  assert.equal(res.train.history.length, 1);
  assert.equal(res.totals.batches, 2);
  assert.equal(res.totals.responses, 32); // 2 batches × 4 prompts × G 4
  assert.ok(
    lines.some((l) => l.includes('value warm-up')),
    'the warm-up is logged',
  );
  const after = head.parameters().map((p) => Array.from(p.toFloat64()));
  assert.ok(
    after.some((a, k) => a.some((x, j) => x !== before[k][j])),
    'the value head moved',
  );
  assert.ok(
    Array.from(policy.parameters()[0].toFloat64()).some((x, j) => x !== polBefore[j]),
    'the policy moved',
  );
  const v = headValue(head);
  assert.equal(v.needsHidden, true);
  policy.dispose();
  head.dispose();
});

test("value head save / load round trip; decoder 'ved' through recommend with the head and the default budget", () => {
  const ids = twelveItemSids();
  const model = tinyGenRec(ids, 1, 9);
  manualSeed(10);
  const head = new ValueHead({ dModel: 16, nHeads: 2, dFF: 32 });
  const dir = mkdtempSync(join(tmpdir(), 'genrec-vhead-'));
  try {
    const file = join(dir, VALUE_HEAD_FILE);
    saveValueHead(file, head);
    const back = loadValueHead(file);
    const x = tensor(
      Float32Array.from({ length: 2 * 3 * 16 }, (_, i) => Math.sin(i)),
      [2, 3, 16],
      'float32',
    );
    assert.deepEqual(
      tidy(() => back.forward(x).toFloat64()),
      tidy(() => head.forward(x).toFloat64()),
    );
    const settings = {
      decoder: 'ved',
      topK: 5,
      beamWidth: 4,
      chunkUsers: 2,
      scoring: 'full' as const,
      temperature: 1,
      sampleSeed: 0,
      ved: { budget: 0, lambda: 0.1, beta: 0.5, warmWidth: 2, rule: 'G' as const },
      value: headValue(back),
    };
    const hyps = recommend(model, [[1, 2], [3], [4, 5, 6]], settings);
    assert.equal(hyps.length, 3);
    for (const h of hyps) {
      assert.equal(h.length, 5);
      assert.equal(new Set(h.map((x) => x.item)).size, 5);
    }
    // without its search settings the decoder refuses by name
    assert.throws(() => recommend(model, [[1]], { ...settings, ved: undefined }), /eval.vedBudget/);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
    head.dispose();
  }
});
