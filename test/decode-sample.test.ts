import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import { greedyDecode } from '../src/decode/greedy.js';
import { sampleDecode, type SampleSettings } from '../src/decode/sample.js';
import { FakeModel, itemScores, randInt, randomTrie, rng } from './decode-fake.js';

/** Brute force: log q(item) under the sampling distribution (tempered, top-k filtered, renormalised over children). */
function samplingLogProb(
  model: FakeModel,
  trie: PrefixTrie,
  user: number,
  code: number[],
  temperature: number,
  topK: number,
): number {
  let node = 0;
  let total = 0;
  for (let t = 0; t < code.length; t++) {
    const l = model.lp(user, code.slice(0, t));
    const ch = trie.children(node);
    const z = Array.from(ch.tokens, (tok) => l[tok] / temperature);
    let kept = z;
    if (topK > 0 && topK < z.length) {
      const kth = [...z].sort((a, b) => b - a)[topK - 1];
      kept = z.map((v) => (v >= kth ? v : -Infinity));
    }
    const mx = Math.max(...kept);
    const lse = mx + Math.log(kept.reduce((a, v) => a + Math.exp(v - mx), 0));
    const i = Array.from(ch.tokens).indexOf(code[t]);
    total += kept[i] - lse;
    node = ch.nodes[i];
  }
  return total;
}

function settings(s: Partial<SampleSettings>): SampleSettings {
  return { numSamples: 1, temperature: 1, topK: 0, seed: 1, scoring: 'full', ...s };
}

test('sampling: outputs are valid items with exact model and sampling log-probs; no leaks', () => {
  const r = rng(21);
  for (let cas = 0; cas < 30; cas++) {
    const { codes, trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 4);
    const model = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const st = settings({
      numSamples: randInt(r, 1, 6),
      temperature: [0.5, 1, 2][cas % 3],
      topK: randInt(r, 0, 3),
      seed: cas,
    });
    const before = liveTensors();
    const res = sampleDecode({ model, constraint: trie, numUsers: U }, st);
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0, 'every state disposed');
    assert.equal(res.items.length, U * st.numSamples);
    for (let row = 0; row < res.items.length; row++) {
      const u = Math.floor(row / st.numSamples);
      const it = res.items[row];
      assert.ok(it >= 0 && it < trie.numItems, `invalid item ${it}`);
      const p = itemScores(model, u, [codes[it]])[0];
      assert.ok(Math.abs(res.logProbs[row] - p) < 1e-9, 'model log-prob');
      const q = samplingLogProb(model, trie, u, codes[it], st.temperature, st.topK);
      assert.ok(
        Math.abs(res.samplingLogProbs[row] - q) < 1e-9,
        `sampling log-prob ${res.samplingLogProbs[row]} vs ${q}`,
      );
      assert.ok(res.samplingLogProbs[row] > -Infinity);
    }
    // same seed, same draws
    const again = sampleDecode({ model, constraint: trie, numUsers: U }, st);
    assert.deepEqual(again.items, res.items);
  }
});

test('sampling with temperature → 0 or topK = 1 equals greedy decoding', () => {
  const r = rng(22);
  let compared = 0;
  for (let cas = 0; cas < 30; cas++) {
    const { trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 4);
    const model = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const greedy = greedyDecode({ model, constraint: trie, numUsers: U }, { scoring: 'full' });
    const t0 = sampleDecode({ model, constraint: trie, numUsers: U }, settings({ numSamples: 3, temperature: 0 }));
    const k1 = sampleDecode(
      { model, constraint: trie, numUsers: U },
      settings({ numSamples: 3, temperature: 1.5, topK: 1 }),
    );
    const tiny = sampleDecode({ model, constraint: trie, numUsers: U }, settings({ numSamples: 3, temperature: 1e-6 }));
    for (let row = 0; row < U * 3; row++) {
      const g = greedy[Math.floor(row / 3)];
      assert.equal(t0.items[row], g.item);
      assert.ok(Math.abs(t0.logProbs[row] - g.logProb) < 1e-9);
      assert.equal(t0.samplingLogProbs[row], 0);
      assert.equal(k1.items[row], g.item);
      assert.ok(Math.abs(k1.samplingLogProbs[row]) < 1e-12, 'top-1 sampling is deterministic');
      assert.equal(tiny.items[row], g.item); // gaps between child log-probs ≫ 1e-6 · 40
      assert.ok(tiny.samplingLogProbs[row] > -1e-6);
      compared++;
    }
  }
  assert.ok(compared > 50);
});

test('sample frequencies match the model item probabilities (chi-square, seeded)', () => {
  // vocab 4, EOS = 3; items: [3], [0,3], [0,1,3], [1,3], [1,0,1,3], [2,2,3]
  const codes = [[3], [0, 3], [0, 1, 3], [1, 3], [1, 0, 1, 3], [2, 2, 3]];
  const trie = PrefixTrie.build(codes, 3);
  const U = 2;
  const n = 20000;
  for (const [restrict, temperature, topK] of [
    [true, 1, 0],
    [false, 1, 0],
    [false, 0.7, 2],
  ] as const) {
    const model = new FakeModel(4, [5, 6], 1.5, restrict ? trie : null);
    const res = sampleDecode(
      { model, constraint: trie, numUsers: U },
      settings({ numSamples: n, temperature, topK, seed: 7 }),
    );
    for (let u = 0; u < U; u++) {
      const expected = codes.map((c) => Math.exp(samplingLogProb(model, trie, u, c, temperature, topK)));
      assert.ok(Math.abs(expected.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      if (restrict) {
        // the model's own item probabilities sum to 1 and equal the sampling distribution
        const p = itemScores(model, u, codes);
        for (let i = 0; i < codes.length; i++) assert.ok(Math.abs(Math.exp(p[i]) - expected[i]) < 1e-5);
      }
      const counts = new Array<number>(codes.length).fill(0);
      for (let j = 0; j < n; j++) counts[res.items[u * n + j]]++;
      let chi2 = 0;
      let df = -1;
      for (let i = 0; i < codes.length; i++) {
        const e = expected[i] * n;
        if (e === 0) {
          assert.equal(counts[i], 0, `item ${i} has probability 0 but was sampled`);
          continue;
        }
        chi2 += (counts[i] - e) ** 2 / e;
        df++;
      }
      // p ≈ 1e-6 quantile for df ≤ 5 is ≈ 36
      assert.ok(chi2 < 36, `chi2 ${chi2.toFixed(2)} (df ${df}) restrict=${restrict} T=${temperature} k=${topK}`);
    }
  }
});

test('sampling rejects bad settings', () => {
  const { trie, vocab } = randomTrie(rng(23));
  const input = { model: new FakeModel(vocab, [1]), constraint: trie, numUsers: 1 };
  assert.throws(() => sampleDecode(input, settings({ numSamples: 0 })), /'numSamples'/);
  assert.throws(() => sampleDecode(input, settings({ temperature: -1 })), /'temperature'/);
  assert.throws(() => sampleDecode(input, settings({ temperature: NaN })), /'temperature'/);
  assert.throws(() => sampleDecode(input, settings({ topK: 1.5 })), /'topK'/);
  assert.throws(() => sampleDecode(input, settings({ seed: -3 })), /'seed'/);
});
