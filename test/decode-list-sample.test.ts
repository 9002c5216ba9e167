// List sampling: behaviour and model log-probs against brute force, frequencies of the first item and of (first, second)
// pairs against the exact list distribution (masking of emitted items, temperature, repetition penalty), the penalty
// computed by hand, validity over many samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import { listGreedy } from '../src/decode/list/list-greedy.js';
import { listSample, type ListSampleSettings } from '../src/decode/list/list-sample.js';
import type { ListResponses } from '../src/decode/list/types.js';
import { FakeModel, randInt, randomTrie, rng } from './decode-fake.js';
import { ConstLogitsModel, ShiftedLogits, responseOf, samplingLogQ, validNext } from './fixtures/list-fake.js';

const sameCode = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((t, i) => t === b[i]);

function settings(s: Partial<ListSampleSettings>): ListSampleSettings {
  return {
    listLength: 3,
    numSamples: 1,
    temperature: 0.8,
    repetitionPenalty: 1.05,
    seed: 1,
    firstUser: 0,
    excludeHistory: false,
    scoring: 'full',
    ...s,
  };
}

/**
 * Brute force: log q of every token of `tokens` (a response of `user`) under the sampling rule, and the model's
 * log-probs, walking the remaining items' codes. `shift` turns the fake model's log-probs into logits.
 */
function bruteLogQ(
  model: FakeModel,
  shift: number,
  user: number,
  codes: number[][],
  eos: number,
  excluded: readonly number[],
  tokens: readonly number[],
  s: ListSampleSettings,
): { logQ: number[]; logP: number[] } {
  const used = new Set(excluded);
  const logQ: number[] = [];
  const logP: number[] = [];
  let prefix: number[] = [];
  tokens.forEach((tok, t) => {
    const lp = model.lp(user, tokens.slice(0, t));
    const z = s.repetitionPenalty === 1 ? Array.from(lp) : Array.from(lp, (v) => Math.fround(v + shift));
    const q = samplingLogQ(
      z,
      validNext(codes, used, prefix),
      new Set(tokens.slice(0, t)),
      s.temperature,
      s.repetitionPenalty,
    );
    assert.ok(q.has(tok), `token ${t} is not valid`);
    logQ.push(q.get(tok)!);
    logP.push(lp[tok]);
    prefix.push(tok);
    if (tok === eos) {
      used.add(codes.findIndex((c) => sameCode(c, prefix)));
      prefix = [];
    }
  });
  return { logQ, logP };
}

/** Every response's items are valid, distinct, outside the excluded set, and its tokens are their codes in order. */
function checkValid(res: ListResponses, codes: number[][], excluded: (u: number) => readonly number[]): void {
  for (let q = 0; q < res.numUsers * res.numSamples; q++) {
    const x = responseOf(res, q);
    const ex = new Set(excluded(Math.floor(q / res.numSamples)));
    assert.equal(new Set(x.items).size, x.items.length, 'no item twice');
    assert.ok(
      x.items.every((i) => i >= 0 && i < codes.length && !ex.has(i)),
      'valid, not excluded',
    );
    assert.deepEqual(
      x.tokens,
      x.items.flatMap((i) => codes[i]),
      'tokens = the items’ codes',
    );
    assert.equal(res.invalidItems[q], 0);
    assert.equal(res.repeatedItems[q], 0);
  }
}

test('list sampling: behaviour log-probs (T, penalty, masking) and model log-probs equal brute force; valid, distinct, seeded; no leaks', () => {
  const r = rng(201);
  const shift = 1.25; // logits = log-probs + 1.25: positive and negative logits both occur
  for (let cas = 0; cas < 30; cas++) {
    const { codes, trie, vocab, eos } = randomTrie(r, { maxItems: 12 });
    const U = randInt(r, 1, 3);
    const fake = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const model = new ShiftedLogits(fake, shift);
    const histories = Array.from({ length: U }, () => [randInt(r, 0, codes.length - 1)]);
    const s = settings({
      listLength: randInt(r, 1, 5),
      numSamples: randInt(r, 1, 6),
      temperature: [0.8, 1, 1.7][cas % 3],
      repetitionPenalty: [1.05, 1, 1.6][Math.floor(cas / 3) % 3],
      excludeHistory: cas % 2 === 0,
      seed: cas,
    });
    const before = liveTensors();
    const res = listSample({ model, constraint: trie, numUsers: U, histories }, s);
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(fake.liveStates, 0, 'every state disposed');
    checkValid(res, codes, (u) => (s.excludeHistory ? histories[u] : []));
    for (let q = 0; q < U * s.numSamples; q++) {
      const u = Math.floor(q / s.numSamples);
      const x = responseOf(res, q);
      const allowed = codes.length - (s.excludeHistory ? 1 : 0);
      assert.equal(x.items.length, Math.min(s.listLength, allowed), 'K items unless the catalogue runs out');
      const want = bruteLogQ(fake, shift, u, codes, eos, s.excludeHistory ? histories[u] : [], x.tokens, s);
      x.behaviour.forEach((v, t) =>
        assert.ok(Math.abs(v - want.logQ[t]) < 1e-9, `behaviour ${t}: ${v} vs ${want.logQ[t]}`),
      );
      x.logProbs.forEach((v, t) => assert.ok(Math.abs(v - want.logP[t]) < 1e-9, `model ${t}`));
    }
    const again = listSample({ model, constraint: trie, numUsers: U, histories }, s);
    assert.deepEqual(again, res, 'same seed, same responses');
  }
});

test('no invalid or repeated item over many samples (paper settings, history excluded)', () => {
  const r = rng(202);
  let responses = 0;
  for (let cas = 0; cas < 12; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 8, maxItems: 30 });
    const U = randInt(r, 1, 3);
    const fake = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
      6, // peaked: the model keeps proposing the same branches
    );
    const histories = Array.from({ length: U }, () => [
      randInt(r, 0, codes.length - 1),
      randInt(r, 0, codes.length - 1),
    ]);
    const res = listSample(
      { model: new ShiftedLogits(fake, 0.5), constraint: trie, numUsers: U, histories },
      settings({ listLength: Math.min(10, codes.length), numSamples: 100, excludeHistory: true, seed: cas }),
    );
    checkValid(res, codes, (u) => histories[u]);
    for (let q = 0; q < U * 100; q++) assert.equal(res.historyItems[q], 0);
    responses += U * 100;
  }
  assert.ok(responses >= 1200);
});

test('sampling frequencies of the first item and of (first, second) pairs match the exact list distribution', () => {
  // vocab 4, EOS = 3; 5 items of 1–2 tokens + EOS: [0], [0,1], [1], [1,0], [2]
  const eos = 3;
  const codes = [
    [0, 3],
    [0, 1, 3],
    [1, 3],
    [1, 0, 3],
    [2, 3],
  ];
  const trie = PrefixTrie.build(codes, eos);
  const n = 20000;
  const shift = 1;
  for (const [temperature, repetitionPenalty] of [
    [0.8, 1.05],
    [1, 1],
    [0.5, 2],
  ] as const) {
    const fake = new FakeModel(4, [17], 1.5);
    const s = settings({ listLength: 2, numSamples: n, temperature, repetitionPenalty, seed: 3 });
    const res = listSample({ model: new ShiftedLogits(fake, shift), constraint: trie, numUsers: 1 }, s);
    // exact: P(i, j) = Π q over i's code, then over j's code given i (i masked, i's tokens penalised)
    const pair = (i: number, j: number): number => {
      const tokens = [...codes[i], ...codes[j]];
      return Math.exp(bruteLogQ(fake, shift, 0, codes, eos, [], tokens, s).logQ.reduce((a, v) => a + v, 0));
    };
    const firstCounts = new Array<number>(codes.length).fill(0);
    const pairCounts = new Map<string, number>();
    for (let q = 0; q < n; q++) {
      const [i, j] = responseOf(res, q).items;
      firstCounts[i]++;
      pairCounts.set(`${i},${j}`, (pairCounts.get(`${i},${j}`) ?? 0) + 1);
    }
    const within = (count: number, p: number, what: string): void => {
      const sd = Math.sqrt((p * (1 - p)) / n);
      assert.ok(
        Math.abs(count / n - p) < 5 * sd + 1e-12,
        `${what}: ${count / n} vs ${p.toFixed(4)} (T ${temperature}, p ${repetitionPenalty})`,
      );
    };
    let total = 0;
    for (let i = 0; i < codes.length; i++) {
      let pi = 0;
      for (let j = 0; j < codes.length; j++) {
        if (j === i) continue;
        const p = pair(i, j);
        pi += p;
        total += p;
        within(pairCounts.get(`${i},${j}`) ?? 0, p, `pair (${i}, ${j})`);
      }
      within(firstCounts[i], pi, `first item ${i}`);
    }
    assert.ok(Math.abs(total - 1) < 1e-9, 'the exact pair probabilities sum to 1');
  }
});

test('repetition penalty changes the list distribution as computed by hand', () => {
  // tokens: E = 0 (end), a = 1, b = 2, c = 3; items 0 = aE, 1 = abE, 2 = bE, 3 = cE. The model's logits are the same
  // everywhere: E -1, a 2, b 1, c 0.5. K = 2, T = 1.
  const codes = [
    [1, 0],
    [1, 2, 0],
    [2, 0],
    [3, 0],
  ];
  const trie = PrefixTrie.build(codes, 0);
  const sm = (...z: number[]): number[] => {
    const e = z.map(Math.exp);
    const s = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / s);
  };
  /** P(first, second) by hand for penalty p. */
  const exact = (p: number): Map<string, number> => {
    const out = new Map<string, number>();
    // first item: root {a 2, b 1, c .5}; after a: {E -1, b 1} (nothing generated there yet is among them)
    const [qa, qb, qc] = sm(2, 1, 0.5);
    const [qaE, qab] = sm(-1, 1);
    // after aE (seen a, E): items 1, 2, 3 left: root {a: 2/p, b 1, c .5}; after a only b (item 0 is used), then E
    const [a0, b0, c0] = sm(2 / p, 1, 0.5);
    out.set('0,1', qa * qaE * a0);
    out.set('0,2', qa * qaE * b0);
    out.set('0,3', qa * qaE * c0);
    // after abE (seen a, b, E): items 0, 2, 3 left: root {a: 2/p, b: 1/p, c .5}; after a only E
    const [a1, b1, c1] = sm(2 / p, 1 / p, 0.5);
    out.set('1,0', qa * qab * a1);
    out.set('1,2', qa * qab * b1);
    out.set('1,3', qa * qab * c1);
    // after bE (seen b, E): root {a 2, c .5}; after a: {E: -p, b: 1/p} — both seen, negative multiplied, positive divided
    const [a2, c2] = sm(2, 0.5);
    const [a2E, a2b] = sm(-p, 1 / p);
    out.set('2,0', qb * a2 * a2E);
    out.set('2,1', qb * a2 * a2b);
    out.set('2,3', qb * c2);
    // after cE (seen c, E): root {a 2, b 1}; after a: {E: -p, b 1}
    const [a3, b3] = sm(2, 1);
    const [a3E, a3b] = sm(-p, 1);
    out.set('3,0', qc * a3 * a3E);
    out.set('3,1', qc * a3 * a3b);
    out.set('3,2', qc * b3);
    return out;
  };
  const n = 20000;
  const off = exact(1);
  const on = exact(2);
  assert.ok(Math.abs([...on.values()].reduce((a, v) => a + v, 0) - 1) < 1e-12);
  // the penalty moves the hand-computed distribution: a positive logit seen (a after abE) and a negative one (E after bE)
  assert.ok(off.get('1,0')! - on.get('1,0')! > 0.05);
  assert.ok(on.get('2,0')! < 0.7 * off.get('2,0')!);
  for (const [p, want] of [
    [1, off],
    [2, on],
  ] as const) {
    const model = new ConstLogitsModel([-1, 2, 1, 0.5], 1);
    const res = listSample(
      { model, constraint: trie, numUsers: 1 },
      settings({ listLength: 2, numSamples: n, temperature: 1, repetitionPenalty: p, seed: 11 }),
    );
    assert.equal(model.live, 0);
    const counts = new Map<string, number>();
    for (let q = 0; q < n; q++) {
      const x = responseOf(res, q);
      const key = x.items.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
      // each response's behaviour log-prob is exactly the hand-computed one; model log-probs are the plain softmax
      const lq = x.behaviour.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(lq - Math.log(want.get(key)!)) < 1e-6, `behaviour of ${key}: ${lq}`);
      x.tokens.forEach((t, i) => assert.ok(Math.abs(x.logProbs[i] - model.logProbs[t]) < 1e-12));
    }
    for (const [key, pr] of want) {
      const sd = Math.sqrt((pr * (1 - pr)) / n);
      const f = (counts.get(key) ?? 0) / n;
      assert.ok(Math.abs(f - pr) < 5 * sd, `p = ${p}, pair ${key}: ${f} vs ${pr.toFixed(4)}`);
    }
  }
});

test('temperature 0 without penalty is greedy list decoding; with a penalty it is the penalised argmax', () => {
  const r = rng(203);
  for (let cas = 0; cas < 20; cas++) {
    const { codes, trie, vocab, eos } = randomTrie(r, { maxItems: 12 });
    const U = randInt(r, 1, 3);
    const fake = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const input = { model: new ShiftedLogits(fake, 1), constraint: trie, numUsers: U };
    const K = randInt(r, 1, 4);
    const greedy = listGreedy(input, { listLength: K, excludeHistory: false, scoring: 'full' });
    const t0 = listSample(input, settings({ listLength: K, numSamples: 2, temperature: 0, repetitionPenalty: 1 }));
    for (let q = 0; q < 2 * U; q++) {
      const x = responseOf(t0, q);
      const g = responseOf(greedy, Math.floor(q / 2));
      assert.deepEqual({ ...x, behaviour: [] }, { ...g, behaviour: [] });
      assert.ok(x.behaviour.every((v) => v === 0));
    }
    const pen = listSample(input, settings({ listLength: K, numSamples: 1, temperature: 0, repetitionPenalty: 3 }));
    for (let u = 0; u < U; u++) {
      // brute force: argmax of the penalised logits over the valid tokens
      const tokens: number[] = [];
      const used = new Set<number>();
      let prefix: number[] = [];
      for (let k = 0; k < K && validNext(codes, used, []).length > 0;) {
        const lp = fake.lp(u, tokens);
        const valid = validNext(codes, used, prefix);
        const z = (t: number): number => {
          const v = Math.fround(lp[t] + 1);
          return tokens.includes(t) ? (v > 0 ? v / 3 : v * 3) : v;
        };
        let best = valid[0];
        for (const t of valid) if (z(t) > z(best)) best = t;
        tokens.push(best);
        prefix.push(best);
        if (best === eos) {
          used.add(codes.findIndex((c) => sameCode(c, prefix)));
          prefix = [];
          k++;
        }
      }
      assert.deepEqual(responseOf(pen, u).tokens, tokens, `case ${cas} user ${u}`);
    }
  }
});
