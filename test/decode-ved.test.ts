// VED (src/decode/ved.ts) against brute force on random tiny tries with a fake model: budget, validity, the best
// item under a perfect value, and exact top-K with the log-probability as value and an unlimited budget.
import assert from 'node:assert/strict';
import test from 'node:test';
import { vedDecode, logProbValue, type PrefixValue, type VedSettings } from '../src/decode/ved.js';
import { liveTensors } from '../src/engine/index.js';
import { FakeConcatModel, FakeModel, itemScores, randInt, randomTrie, ranking, rng } from './decode-fake.js';

const BASE: Omit<VedSettings, 'budget' | 'topK'> = {
  warmWidth: 2,
  lambda: 0.1,
  beta: 0.5,
  scoring: 'full',
  rule: 'G',
  seed: 3,
  firstUser: 0,
};

function seeds(r: () => number, n: number): number[] {
  return Array.from({ length: n }, () => randInt(r, 0, 1e9));
}

test('VED never exceeds its budget and returns valid, distinct items', () => {
  const r = rng(101);
  for (let cas = 0; cas < 60; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 6 });
    const U = randInt(r, 1, 4);
    const model = cas % 2 === 0 ? new FakeModel(vocab, seeds(r, U)) : new FakeConcatModel(vocab, seeds(r, U));
    const budget = randInt(r, 1, 25);
    const topK = randInt(r, 1, codes.length);
    const before = liveTensors();
    const res = vedDecode({ model, constraint: trie, numUsers: U }, logProbValue, {
      ...BASE,
      rule: (['G', 'V', 'H'] as const)[cas % 3],
      budget,
      topK,
    });
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0, 'every state disposed');
    for (let u = 0; u < U; u++) {
      assert.ok(res.cost[u] <= budget, `case ${cas}: cost ${res.cost[u]} > budget ${budget}`);
      const items = res.hypotheses[u].map((h) => h.item);
      assert.equal(new Set(items).size, items.length, `case ${cas}: repeated item`);
      for (const i of items) assert.ok(i >= 0 && i < codes.length, `case ${cas}: item ${i} outside the catalogue`);
      assert.equal(items.length, Math.min(topK, codes.length), `case ${cas}: ${items.length} items for topK ${topK}`);
    }
  }
});

test('VED with λ = 0 and the true best reward below each prefix as value finds the best item', () => {
  const r = rng(202);
  let found = 0;
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 8 });
    const reward = codes.map(() => r());
    const best = reward.indexOf(Math.max(...reward));
    const value: PrefixValue = {
      needsHidden: false,
      values: (nodes) =>
        Float64Array.from(nodes, (n) => {
          if (n.item >= 0) return reward[n.item];
          let m = -Infinity;
          codes.forEach((c, i) => {
            if (n.tokens.every((t, k) => c[k] === t)) m = Math.max(m, reward[i]);
          });
          return m;
        }),
    };
    const model = new FakeModel(vocab, seeds(r, 1), 3);
    // enough budget to open every child of the best path, far less than the whole tree in most cases
    const res = vedDecode({ model, constraint: trie, numUsers: 1 }, value, {
      ...BASE,
      lambda: 0,
      beta: 0,
      warmWidth: 1,
      budget: 1 + trie.internalNodes,
      topK: 1,
    });
    assert.equal(res.hypotheses[0][0].item, best, `case ${cas}: found ${res.hypotheses[0][0].item}, best ${best}`);
    assert.equal(res.hypotheses[0][0].filled, false);
    found++;
  }
  assert.equal(found, 40);
});

test('VED with the prefix log-probability as value and an unlimited budget is exact top-K', () => {
  const r = rng(303);
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 3);
    const model = new FakeConcatModel(vocab, seeds(r, U));
    const K = randInt(r, 1, codes.length);
    const res = vedDecode({ model, constraint: trie, numUsers: U }, logProbValue, {
      ...BASE,
      budget: 1_000_000,
      topK: K,
    });
    for (let u = 0; u < U; u++) {
      const want = ranking(itemScores(model, u, codes)).slice(0, K);
      const got = res.hypotheses[u].map((h) => h.item);
      assert.deepEqual(got, want, `case ${cas} user ${u}`);
      assert.ok(res.hypotheses[u].every((h) => !h.filled));
    }
  }
});

test('VED refuses bad settings by name', () => {
  const { trie, vocab } = randomTrie(rng(4));
  const model = new FakeModel(vocab, [1]);
  const input = { model, constraint: trie, numUsers: 1 };
  assert.throws(() => vedDecode(input, logProbValue, { ...BASE, budget: 0, topK: 1 }), /'budget'/);
  assert.throws(() => vedDecode(input, logProbValue, { ...BASE, budget: 5, topK: 1, lambda: -1 }), /'lambda'/);
});
