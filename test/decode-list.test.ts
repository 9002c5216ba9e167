// List generation under the trie: the list constraint, greedy lists and beam lists against brute force on tiny
// catalogues, batching, the audit counts, and the list-decoder registry (a toy decoder added with one line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import { beamSearch } from '../src/decode/beam.js';
import { ExcludeItems } from '../src/decode/exclude.js';
import { ListConstraint } from '../src/decode/list/list-constraint.js';
import { countListItems } from '../src/decode/list/list-check.js';
import { listGreedy } from '../src/decode/list/list-greedy.js';
import { listBeam } from '../src/decode/list/list-beam.js';
import { listSample } from '../src/decode/list/list-sample.js';
import { getListDecoder, listDecoderNames, registerListDecoder } from '../src/decode/list/registry.js';
import type { ListDecoderSettings, ListResponses } from '../src/decode/list/types.js';
import type { TokenScoring } from '../src/decode/types.js';
import { FakeModel, randInt, randomTrie, rng } from './decode-fake.js';
import { responseOf, validNext } from './fixtures/list-fake.js';
import { toyListDecoder } from './fixtures/toy-list-decoder.js';

registerListDecoder(toyListDecoder); // the one registry line a new list decoder needs

const sameCode = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((t, i) => t === b[i]);

function lse(xs: number[]): number {
  const mx = Math.max(...xs);
  return mx + Math.log(xs.reduce((a, v) => a + Math.exp(v - mx), 0));
}

/** A random subset of items per user (possibly empty, possibly all). */
function randomHistories(r: () => number, U: number, numItems: number): number[][] {
  return Array.from({ length: U }, () => {
    const all = Array.from({ length: numItems }, (_, i) => i).sort(() => r() - 0.5);
    return all.slice(0, randInt(r, 0, Math.min(numItems, 4)));
  });
}

/** Brute force greedy list: at each step the valid token (from the remaining items' codes) with the largest log-prob. */
function bruteGreedy(
  model: FakeModel,
  user: number,
  codes: number[][],
  eos: number,
  K: number,
  excluded: readonly number[],
  scoring: TokenScoring,
): { items: number[]; tokens: number[]; logProbs: number[] } {
  const used = new Set(excluded);
  const items: number[] = [];
  const tokens: number[] = [];
  const logProbs: number[] = [];
  while (items.length < K && validNext(codes, used, []).length > 0) {
    const prefix: number[] = [];
    for (;;) {
      const valid = validNext(codes, used, prefix);
      const lp = model.lp(user, tokens);
      let best = valid[0];
      for (const t of valid) if (lp[t] > lp[best]) best = t;
      logProbs.push(scoring === 'full' ? lp[best] : lp[best] - lse(valid.map((t) => lp[t])));
      tokens.push(best);
      prefix.push(best);
      if (best === eos) break;
    }
    const item = codes.findIndex((c) => sameCode(c, prefix));
    items.push(item);
    used.add(item);
  }
  return { items, tokens, logProbs };
}

function closeArrays(a: number[], b: number[], msg: string, tol = 1e-9): void {
  assert.equal(a.length, b.length, `${msg}: length`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < tol, `${msg}[${i}]: ${v} vs ${b[i]}`));
}

/** The structural invariants of any result: shapes, mask / lengths / itemEnds consistent, item log-prob sums. */
function checkShape(res: ListResponses, msg: string): void {
  const R = res.numUsers * res.numSamples;
  const K = res.listLength;
  assert.equal(res.items.length, R * K);
  assert.equal(res.tokens.length, R * res.width);
  for (let r = 0; r < R; r++) {
    const x = responseOf(res, r);
    assert.equal(x.ends.length, x.items.length);
    assert.equal(x.ends.at(-1) ?? 0, res.lengths[r], `${msg}: the last item ends the response`);
    for (let t = 0; t < res.width; t++) assert.equal(res.mask[r * res.width + t], t < res.lengths[r] ? 1 : 0);
    for (let t = res.lengths[r]; t < res.width; t++) assert.equal(res.tokens[r * res.width + t], -1);
    for (let i = x.items.length; i < K; i++) assert.equal(res.items[r * K + i], -1);
    let start = 0;
    x.ends.forEach((end, i) => {
      const s = x.logProbs.slice(start, end).reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(res.itemLogProbs[r * K + i] - s) < 1e-9, `${msg}: item log-prob ${i}`);
      start = end;
    });
  }
}

test('list constraint: children, items, spelling and paths equal brute force over the remaining items', () => {
  const r = rng(101);
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, eos } = randomTrie(r, { maxItems: 12 });
    const U = randInt(r, 1, 3);
    const K = randInt(r, 1, codes.length + 1);
    const histories = randomHistories(r, U, codes.length);
    const excluding = cas % 2 === 0;
    const lc = new ListConstraint(trie, { numUsers: U, listLength: K, exclude: excluding ? histories : null });
    for (let walk = 0; walk < 4; walk++) {
      const u = walk % U;
      const used = new Set(excluding ? histories[u] : []);
      let node = lc.rootOf(u);
      let prefix: number[] = [];
      const response: number[] = [];
      const items: number[] = [];
      const visited: { node: number; want: number[] }[] = [];
      for (;;) {
        const want = items.length === K ? [] : validNext(codes, used, prefix);
        visited.push({ node, want });
        const ch = lc.batchChildren(Int32Array.of(node));
        assert.deepEqual(Array.from(ch.tokens.subarray(0, want.length)), want, `case ${cas}: children`);
        assert.equal(ch.width, want.length);
        assert.deepEqual(Array.from(lc.spell(node)), response, 'spell = the response so far');
        if (want.length === 0) break;
        const c = randInt(r, 0, want.length - 1);
        node = ch.next[c];
        response.push(want[c]);
        prefix.push(want[c]);
        if (want[c] === eos) {
          const item = codes.findIndex((x) => sameCode(x, prefix));
          assert.equal(lc.itemAt(node), item, 'itemAt after the end token');
          items.push(item);
          used.add(item);
          prefix = [];
        } else assert.equal(lc.itemAt(node), -1);
      }
      // the same nodes queried as one batch give the same rows
      const batch = lc.batchChildren(Int32Array.from(visited, (v) => v.node));
      visited.forEach((v, i) => {
        const row = Array.from(batch.tokens.subarray(i * batch.width, (i + 1) * batch.width)).filter((t) => t >= 0);
        assert.deepEqual(row, v.want, 'batched children');
      });
      assert.equal(items.length, Math.min(K, codes.length - (excluding ? new Set(histories[u]).size : 0)));
    }
    // pathOf: the root, a node per token, and the item completed at its end; the same nodes a walk gives (interning)
    const u = 0;
    const allowed = codes.map((_, i) => i).filter((i) => !(excluding && histories[u].includes(i)));
    for (const item of allowed) {
      const p = lc.pathOf(item, u);
      assert.equal(p.length, codes[item].length + 1);
      assert.equal(p[0], lc.rootOf(u));
      assert.equal(lc.itemAt(p[p.length - 1]), item);
      for (let t = 0; t < codes[item].length; t++) {
        const ch = lc.batchChildren(Int32Array.of(p[t]));
        const c = Array.from(ch.tokens).indexOf(codes[item][t]);
        assert.equal(ch.next[c], p[t + 1], 'pathOf follows the children');
      }
    }
    if (excluding && histories[u].length > 0) assert.throws(() => lc.pathOf(histories[u][0], u), /excluded/);
  }
  // the base must be shared by every user
  const { trie } = randomTrie(rng(3));
  assert.throws(
    () => new ListConstraint(new ExcludeItems(trie, [[], []]), { numUsers: 2, listLength: 2, exclude: null }),
    /shared/,
  );
  assert.throws(() => new ListConstraint(trie, { numUsers: 1, listLength: 0, exclude: null }), /listLength/);
  assert.throws(() => new ListConstraint(trie, { numUsers: 1, listLength: 2, exclude: [[trie.numItems]] }), /no item/);
});

test('greedy list equals brute-force enumeration of the greedy choice (both scorings, history on and off); no leaks', () => {
  const r = rng(102);
  let compared = 0;
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, vocab, eos } = randomTrie(r, { maxItems: 14 });
    const U = randInt(r, 1, 4);
    const K = randInt(r, 1, Math.min(10, codes.length + 1));
    const model = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const histories = randomHistories(r, U, codes.length);
    const excludeHistory = cas % 3 !== 0;
    const scoring: TokenScoring = cas % 2 === 0 ? 'full' : 'valid';
    const before = liveTensors();
    const res = listGreedy(
      { model, constraint: trie, numUsers: U, histories },
      { listLength: K, excludeHistory, scoring },
    );
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0, 'every state disposed');
    checkShape(res, `case ${cas}`);
    for (let u = 0; u < U; u++) {
      const want = bruteGreedy(model, u, codes, eos, K, excludeHistory ? histories[u] : [], scoring);
      const got = responseOf(res, u);
      const msg = `case ${cas} user ${u}`;
      assert.deepEqual(got.items, want.items, `${msg}: items`);
      assert.deepEqual(got.tokens, want.tokens, `${msg}: tokens`);
      closeArrays(got.logProbs, want.logProbs, `${msg}: log-probs`);
      assert.ok(
        got.behaviour.every((v) => v === 0),
        'greedy behaviour log-probs are 0',
      );
      assert.equal(res.invalidItems[u], 0);
      assert.equal(res.repeatedItems[u], 0);
      const hist = new Set(histories[u]);
      assert.equal(res.historyItems[u], excludeHistory ? 0 : got.items.filter((i) => hist.has(i)).length);
      compared++;
    }
  }
  assert.ok(compared > 60);
});

test('beam list: the top-K of next-item beam search as one list, re-scored token by token as a list', () => {
  const r = rng(103);
  for (let cas = 0; cas < 25; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 5, maxItems: 14 });
    const U = randInt(r, 1, 3);
    const K = randInt(r, 1, 6);
    const B = K + randInt(r, 0, 3);
    const model = new FakeModel(
      vocab,
      Array.from({ length: U }, () => randInt(r, 0, 1e9)),
    );
    const histories = randomHistories(r, U, codes.length);
    const excludeHistory = cas % 2 === 0;
    const scoring: TokenScoring = cas % 4 < 2 ? 'full' : 'valid';
    const before = liveTensors();
    const res = listBeam(
      { model, constraint: trie, numUsers: U, histories },
      { listLength: K, beamWidth: B, excludeHistory, scoring },
    );
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0);
    checkShape(res, `case ${cas}`);
    const base = excludeHistory ? new ExcludeItems(trie, histories) : trie;
    const beam = beamSearch(
      { model, constraint: base, numUsers: U },
      { beamWidth: B, topK: K, lengthPenalty: 0, scoring },
    );
    assert.deepEqual(res.hypotheses, beam);
    for (let u = 0; u < U; u++) {
      const got = responseOf(res, u);
      const items = beam[u].map((h) => h.item);
      assert.deepEqual(got.items, items, 'the beam items, best first');
      assert.deepEqual(
        got.tokens,
        items.flatMap((i) => codes[i]),
        'the concatenated codes',
      );
      // re-scored as a list: token t is scored given the whole response before it
      const used = new Set(excludeHistory ? histories[u] : []);
      const want: number[] = [];
      let prefix: number[] = [];
      got.tokens.forEach((tok, t) => {
        const lp = model.lp(u, got.tokens.slice(0, t));
        const valid = validNext(codes, used, prefix);
        want.push(scoring === 'full' ? lp[tok] : lp[tok] - lse(valid.map((v) => lp[v])));
        prefix.push(tok);
        if (got.ends.includes(t + 1)) {
          used.add(codes.findIndex((c) => sameCode(c, prefix)));
          prefix = [];
        }
      });
      closeArrays(got.logProbs, want, `case ${cas} user ${u}`);
      assert.equal(res.invalidItems[u] + res.repeatedItems[u], 0);
    }
  }
});

test('batching: users decoded together or one by one give the same lists (greedy, sample, beam)', () => {
  const r = rng(104);
  for (let cas = 0; cas < 12; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 6, maxItems: 14 });
    const U = randInt(r, 2, 4);
    const seeds = Array.from({ length: U }, () => randInt(r, 0, 1e9));
    const histories = randomHistories(r, U, codes.length);
    const K = randInt(r, 2, 5);
    const settings = { listLength: K, excludeHistory: true, scoring: 'valid' as const };
    const sampleSettings = { ...settings, numSamples: 3, temperature: 0.8, repetitionPenalty: 1, seed: cas };
    const all = {
      greedy: listGreedy({ model: new FakeModel(vocab, seeds), constraint: trie, numUsers: U, histories }, settings),
      sample: listSample(
        { model: new FakeModel(vocab, seeds), constraint: trie, numUsers: U, histories },
        { ...sampleSettings, firstUser: 0 },
      ),
      beam: listBeam(
        { model: new FakeModel(vocab, seeds), constraint: trie, numUsers: U, histories },
        { ...settings, beamWidth: K + 1 },
      ),
    };
    for (let u = 0; u < U; u++) {
      const one = { model: new FakeModel(vocab, [seeds[u]]), constraint: trie, numUsers: 1, histories: [histories[u]] };
      assert.deepEqual(responseOf(listGreedy(one, settings), 0), responseOf(all.greedy, u), `greedy user ${u}`);
      assert.deepEqual(responseOf(listBeam(one, { ...settings, beamWidth: K + 1 }), 0), responseOf(all.beam, u));
      const s = listSample(one, { ...sampleSettings, firstUser: u });
      for (let j = 0; j < 3; j++)
        assert.deepEqual(responseOf(s, j), responseOf(all.sample, u * 3 + j), `sample ${u}/${j}`);
    }
  }
});

test('G samples on one prefill equal the user repeated G times with one sample each; one start row per user', () => {
  const r = rng(105);
  for (let cas = 0; cas < 10; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 6, maxItems: 14 });
    const U = randInt(r, 1, 3);
    const G = randInt(r, 2, 5);
    const seeds = Array.from({ length: U }, () => randInt(r, 0, 1e9));
    const histories = randomHistories(r, U, codes.length);
    const s = {
      listLength: 3,
      excludeHistory: false,
      scoring: 'full' as const,
      temperature: 1.2,
      repetitionPenalty: 1,
      seed: 9,
      firstUser: 0,
    };
    const shared = listSample(
      { model: new FakeModel(vocab, seeds), constraint: trie, numUsers: U, histories },
      { ...s, numSamples: G },
    );
    const repeated = seeds.flatMap((x) => Array.from({ length: G }, () => x));
    const separate = listSample(
      {
        model: new FakeModel(vocab, repeated),
        constraint: trie,
        numUsers: U * G,
        histories: histories.flatMap((h) => Array.from({ length: G }, () => h)),
      },
      { ...s, numSamples: 1 },
    );
    for (let q = 0; q < U * G; q++) assert.deepEqual(responseOf(shared, q), responseOf(separate, q), `response ${q}`);
    assert.equal(separate.rowsEvaluated - shared.rowsEvaluated, U * G - U, 'the prefill is once per user');
    assert.equal(shared.steps, separate.steps);
  }
});

test('the audit recounts invalid, repeated and history items from the tokens alone', () => {
  // vocab 4, EOS = 3; items 0 = [0, 3], 1 = [0, 1, 3], 2 = [1, 3], 3 = [3]
  const trie = PrefixTrie.build([[0, 3], [0, 1, 3], [1, 3], [3]], 3);
  const count = (tokens: number[], items: number[], itemEnds: number[]) =>
    countListItems(trie, { user: 0, tokens, items, itemEnds }, [[2]]);
  assert.deepEqual(count([0, 3, 1, 3, 3], [0, 2, 3], [2, 4, 5]), { invalid: 0, repeated: 0, history: 1 });
  assert.deepEqual(count([0, 3, 0, 3], [0, 0], [2, 4]), { invalid: 0, repeated: 1, history: 0 });
  assert.deepEqual(count([0, 1, 3], [0], [3]), { invalid: 1, repeated: 0, history: 0 }, 'spells another item');
  assert.deepEqual(count([0, 2, 3], [0], [3]), { invalid: 1, repeated: 0, history: 0 }, 'an invalid token');
  assert.deepEqual(count([0, 3, 3], [1], [3]), { invalid: 1, repeated: 0, history: 0 }, 'two items in one');
  assert.deepEqual(count([0, 3, 0], [0], [2]), { invalid: 1, repeated: 0, history: 0 }, 'an unfinished item');
  assert.deepEqual(countListItems(trie, { user: 0, tokens: [1, 3], items: [2], itemEnds: [2] }, null).history, 0);
});

test('catalogue exhaustion: K beyond the allowed items gives each allowed item once', () => {
  const codes = [[0, 3], [0, 1, 3], [1, 3], [3]];
  const trie = PrefixTrie.build(codes, 3);
  const model = new FakeModel(4, [1, 2]);
  const histories = [[1], []];
  const res = listGreedy(
    { model, constraint: trie, numUsers: 2, histories },
    { listLength: 10, excludeHistory: true, scoring: 'full' },
  );
  assert.deepEqual(Array.from(res.itemCounts), [3, 4]);
  assert.deepEqual(responseOf(res, 0).items.sort(), [0, 2, 3]);
  assert.deepEqual(responseOf(res, 1).items.sort(), [0, 1, 2, 3]);
  // every item excluded: empty responses, no model rows beyond the prefill
  const none = listGreedy(
    { model, constraint: trie, numUsers: 1, histories: [[0, 1, 2, 3]] },
    { listLength: 2, excludeHistory: true, scoring: 'full' },
  );
  assert.equal(none.lengths[0], 0);
  assert.equal(none.width, 0);
  assert.equal(none.rowsEvaluated, 0, 'nothing to decode: the model is not started');
});

test('list decoder registry: built-ins, unknown names, and a toy decoder added with one registerListDecoder line', () => {
  assert.deepEqual(listDecoderNames(), ['greedy', 'sample', 'beam', 'toy-first-token']);
  assert.throws(() => getListDecoder('nope'), /unknown list decoder 'nope' \(registered: greedy, sample, beam/);
  assert.throws(() => registerListDecoder(toyListDecoder), /already registered/);
  const r = rng(106);
  const { codes, trie, vocab } = randomTrie(r, { minItems: 6 });
  const seeds = [5, 6, 7];
  const histories = [[0], [], [1, 2]];
  const s: ListDecoderSettings = {
    listLength: 3,
    excludeHistory: true,
    scoring: 'full',
    numSamples: 2,
    temperature: 0.8,
    repetitionPenalty: 1,
    seed: 4,
    firstUser: 0,
    beamWidth: 4,
  };
  const input = () => ({ model: new FakeModel(vocab, seeds), constraint: trie, numUsers: 3, histories });
  assert.deepEqual(getListDecoder('greedy').run(input(), s), listGreedy(input(), s));
  assert.deepEqual(getListDecoder('sample').run(input(), s), listSample(input(), s));
  assert.deepEqual(getListDecoder('beam').run(input(), s), listBeam(input(), s));
  // the toy decoder: each user's lexicographically first remaining codes, in order
  const toy = getListDecoder('toy-first-token').run(input(), s);
  const lex = Array.from(codes.keys()).sort((a, b) => {
    const x = codes[a];
    const y = codes[b];
    for (let t = 0; t < Math.min(x.length, y.length); t++) if (x[t] !== y[t]) return x[t] - y[t];
    return x.length - y.length;
  });
  seeds.forEach((_, u) => {
    const want = lex.filter((i) => !histories[u].includes(i)).slice(0, 3);
    assert.deepEqual(responseOf(toy, u).items, want, `toy user ${u}`);
  });
});

test('list decoders reject bad settings and inputs', () => {
  const { trie, vocab } = randomTrie(rng(107));
  const input = { model: new FakeModel(vocab, [1]), constraint: trie, numUsers: 1 };
  const g = { listLength: 2, excludeHistory: false, scoring: 'full' as const };
  assert.throws(() => listGreedy(input, { ...g, listLength: 0 }), /'listLength'/);
  assert.throws(() => listGreedy(input, { ...g, scoring: 'nope' as TokenScoring }), /'scoring'/);
  assert.throws(() => listGreedy(input, { ...g, excludeHistory: true }), /excludeHistory needs the histories/);
  assert.throws(() => listGreedy({ ...input, histories: [[], []] }, g), /2 histories for 1 users/);
  assert.throws(() => listBeam(input, { ...g, beamWidth: 1 }), /'beamWidth'/);
  const s = { ...g, numSamples: 1, temperature: 1, repetitionPenalty: 1, seed: 0, firstUser: 0 };
  assert.throws(() => listSample(input, { ...s, numSamples: 0 }), /'numSamples'/);
  assert.throws(() => listSample(input, { ...s, temperature: -1 }), /'temperature'/);
  assert.throws(() => listSample(input, { ...s, repetitionPenalty: 0.9 }), /'repetitionPenalty'/);
  assert.throws(() => listSample(input, { ...s, seed: 1.5 }), /'seed'/);
  assert.throws(() => listSample(input, { ...s, repetitionPenalty: 1.05 }), /raw logits/);
  assert.equal(input.model.liveStates, 0, 'states freed after a throw');
});
