// The decoder seams: decoders on a Constraint that is not the trie, hidden states out of the step model,
// and dispatch on the decoder setting (including a decoder added by a test: its file + one registry line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, liveTensors, noGrad, tensor, tidy } from '../src/engine/index.js';
import { beamSearch } from '../src/decode/beam.js';
import { exactTopK } from '../src/decode/exact.js';
import { ExcludeItems } from '../src/decode/exclude.js';
import { greedyDecode } from '../src/decode/greedy.js';
import { decoderNames, getDecoder, registerDecoder } from '../src/decode/registry.js';
import type { Hypothesis } from '../src/decode/types.js';
import { recommend, type DecodableModel, type RecommendSettings } from '../src/pipeline/recommend.js';
import { evaluateModel } from '../src/pipeline/evaluate.js';
import { EvalConfigDef } from '../src/pipeline/config.js';
import { tinyGenRec } from './bear-fixture.js';
import { FakeModel, itemScores, randInt, randomTrie, ranking, rng } from './decode-fake.js';
import { toyDecoder } from './fixtures/toy-decoder.js';

registerDecoder(toyDecoder); // the one registry line a new decoder needs

function sameItems(hs: Hypothesis[], want: number[], scores: Float64Array, msg: string): void {
  assert.deepEqual(
    hs.map((h) => h.item),
    want,
    msg,
  );
  hs.forEach((h, i) => assert.ok(Math.abs(h.logProb - scores[want[i]]) < 1e-9, `${msg}: logProb ${i}`));
}

test('decoders on a non-trie Constraint (trie minus per-user items) equal brute force over the remaining items', () => {
  const r = rng(41);
  for (let cas = 0; cas < 30; cas++) {
    const { codes, trie, vocab } = randomTrie(r, { minItems: 5 });
    const U = randInt(r, 1, 4);
    const seeds = Array.from({ length: U }, () => randInt(r, 0, 1e6));
    // each user loses a random subset of items (at most all but one)
    const excluded = seeds.map(() => {
      const n = randInt(r, 0, codes.length - 1);
      const all = Array.from(codes.keys()).sort(() => r() - 0.5);
      return all.slice(0, n);
    });
    const constraint = new ExcludeItems(trie, excluded);
    const model = new FakeModel(vocab, seeds);
    const before = liveTensors();
    const K = codes.length;
    const beam = beamSearch(
      { model, constraint, numUsers: U },
      { beamWidth: K, topK: K, lengthPenalty: 0, scoring: 'full' },
    );
    const exact = exactTopK(
      { model, constraint, numUsers: U },
      { topK: K, maxRowsPerRound: 8, maxPopsPerUser: 2, scoring: 'full' },
    ).hypotheses;
    const greedy = greedyDecode({ model, constraint, numUsers: U }, { scoring: 'full' });
    assert.equal(liveTensors(), before, 'no leaks');
    for (let u = 0; u < U; u++) {
      const scores = itemScores(model, u, codes);
      const gone = new Set(excluded[u]);
      const want = ranking(scores).filter((i) => !gone.has(i));
      const msg = `case ${cas} user ${u}`;
      sameItems(beam[u], want, scores, `${msg} beam`);
      sameItems(exact[u], want, scores, `${msg} exact`);
      assert.ok(!gone.has(greedy[u].item), `${msg}: greedy returned an excluded item`);
      // greedy = the argmax path among the remaining branches
      let prefix: number[] = [];
      let node = constraint.rootOf(u);
      for (;;) {
        const ch = constraint.batchChildren(Int32Array.of(node));
        const lp = model.lp(u, prefix);
        let best = 0;
        for (let c = 1; c < ch.width; c++) if (lp[ch.tokens[c]] > lp[ch.tokens[best]]) best = c;
        prefix = [...prefix, ch.tokens[best]];
        node = ch.next[best];
        if (constraint.itemAt(node) >= 0) break;
      }
      assert.equal(greedy[u].item, constraint.itemAt(node), `${msg} greedy`);
    }
  }
});

test('step model hidden states: [N, dModel], equal to the transformer final hidden state of each prefix; absent unless asked', () => {
  const model = tinyGenRec(3);
  model.eval();
  const histories = [[1, 2], [5], [7, 3, 0]];
  const trie = model.ids.trie;
  const d = model.transformer.cfg.dModel;
  const before = liveTensors();
  noGrad(() =>
    tidy(() => {
      const plain = model.stepModel(histories).start();
      assert.equal(plain.hidden, undefined, 'no hidden unless asked');
      const sm = model.stepModel(histories, { hidden: true });
      const s0 = sm.start();
      assert.deepEqual(s0.hidden!.shape, [3, d]);
      // advance: user 0 and user 2 take their first valid token, user 0 twice more
      const tok = trie.children(0).tokens;
      const rows = Int32Array.of(0, 2);
      const toks = Int32Array.of(tok[0], tok[tok.length - 1]);
      const s1 = sm.advance(s0.state, tensor(rows, [2], 'int64'), tensor(toks, [2], 'int64'));
      assert.deepEqual(s1.hidden!.shape, [2, d]);
      // reference: one uncached forward over history + BOS + prefix, hidden at the last position
      const ref = (u: number, prefix: number[]): Float32Array => {
        const hist = model.encodeHistories([histories[u]]);
        const x = cat(
          [
            model.embedHistory(hist.items),
            model.transformer.embedTokens(
              tensor(Int32Array.from([model.ids.specials.bos, ...prefix]), [1, prefix.length + 1], 'int64'),
            ),
          ],
          1,
        );
        const keyPadding = cat(
          [hist.padding, tensor(new Uint8Array(prefix.length + 1), [1, prefix.length + 1], 'bool')],
          1,
        );
        const h = model.transformer.forward(x, { keyPadding }).hidden;
        return h.select(1, h.shape[1] - 1).toFloat32();
      };
      const close = (a: Float32Array, b: Float32Array, msg: string): void => {
        assert.equal(a.length, b.length);
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `${msg}[${i}]: ${a[i]} vs ${b[i]}`);
      };
      const h0 = s0.hidden!.toFloat32();
      for (let u = 0; u < 3; u++) close(h0.subarray(u * d, (u + 1) * d), ref(u, []), `start user ${u}`);
      const h1 = s1.hidden!.toFloat32();
      close(h1.subarray(0, d), ref(0, [toks[0]]), 'advance row 0');
      close(h1.subarray(d, 2 * d), ref(2, [toks[1]]), 'advance row 1');
      // and the logits are read from that hidden state: log-probs are those of the uncached forward
      sm.dispose(s0.state);
      sm.dispose(s1.state);
      plain.logProbs.dispose();
      return null;
    }),
  );
  assert.equal(liveTensors(), before, 'no leaks');
});

test('decoders dispose hidden states they do not use (a hidden-giving step model does not leak)', () => {
  const model = tinyGenRec(4);
  model.eval();
  const histories = [[1, 2], [3], [4, 5]];
  const before = liveTensors();
  const input = { model: model.stepModel(histories, { hidden: true }), constraint: model.ids.trie, numUsers: 3 };
  const plainInput = { model: model.stepModel(histories), constraint: model.ids.trie, numUsers: 3 };
  const a = noGrad(() => beamSearch(input, { beamWidth: 3, topK: 3, lengthPenalty: 0, scoring: 'valid' }));
  const b = noGrad(() => beamSearch(plainInput, { beamWidth: 3, topK: 3, lengthPenalty: 0, scoring: 'valid' }));
  noGrad(() => exactTopK(input, { topK: 2, maxRowsPerRound: 4, maxPopsPerUser: 1, scoring: 'full' }));
  assert.deepEqual(a, b, 'hidden states do not change decoding');
  assert.equal(liveTensors(), before, 'no leaks');
});

/** recommend() over the fake step model: each history's first item seeds its user's distribution. */
function fakeRecommender(vocab: number, trie: DecodableModel['ids']['trie']): DecodableModel {
  return {
    training: false,
    eval() {},
    train() {},
    stepModel: (histories) =>
      new FakeModel(
        vocab,
        histories.map((h) => h[0]),
      ),
    ids: { trie },
  };
}

const SETTINGS: RecommendSettings = {
  decoder: 'beam',
  topK: 3,
  beamWidth: 4,
  chunkUsers: 2,
  scoring: 'full',
  temperature: 1,
  sampleSeed: 0,
};

test('the decoder setting dispatches: beam, greedy, exact and sample through recommend() equal the decoders', () => {
  assert.deepEqual(decoderNames().slice(0, 4), ['beam', 'greedy', 'sample', 'exact']);
  assert.throws(() => getDecoder('nope'), /unknown decoder 'nope' \(registered: beam, greedy, sample, exact/);
  assert.throws(() => registerDecoder(toyDecoder), /already registered/);
  assert.deepEqual(EvalConfigDef.defaults().decoder, 'beam');
  assert.throws(() => EvalConfigDef.merge(EvalConfigDef.defaults(), { decoder: 'nope' }), /decoder/);
  const r = rng(5);
  const { codes, trie, vocab } = randomTrie(r, { minItems: 8 });
  const seeds = [11, 22, 33, 44, 55];
  const histories = seeds.map((s) => [s]);
  const fake = fakeRecommender(vocab, trie);
  const direct = new FakeModel(vocab, seeds);
  const input = { model: direct, constraint: trie, numUsers: seeds.length };
  const rec = (s: Partial<RecommendSettings>): Hypothesis[][] => recommend(fake, histories, { ...SETTINGS, ...s });
  for (const scoring of ['full', 'valid'] as const) {
    assert.deepEqual(
      rec({ scoring }),
      beamSearch(input, { beamWidth: 4, topK: 3, lengthPenalty: 0, scoring }),
      `beam ${scoring}`,
    );
    assert.deepEqual(
      rec({ decoder: 'greedy', scoring }),
      greedyDecode(input, { scoring }).map((h) => [h]),
      `greedy ${scoring}`,
    );
    assert.deepEqual(
      rec({ decoder: 'exact', scoring }),
      exactTopK(input, { topK: 3, maxRowsPerRound: 1, maxPopsPerUser: 1, scoring }).hypotheses,
      `exact ${scoring}`,
    );
  }
  // exact under 'full' = the brute-force top 3
  const exact = rec({ decoder: 'exact' });
  seeds.forEach((_, u) => {
    const scores = itemScores(direct, u, codes);
    sameItems(exact[u], ranking(scores).slice(0, 3), scores, `exact user ${u}`);
  });
  // sampling: reproducible, distinct items, most likely first, temperature 0 = greedy
  const s1 = rec({ decoder: 'sample', sampleSeed: 9 });
  assert.deepEqual(rec({ decoder: 'sample', sampleSeed: 9 }), s1);
  for (const hs of s1) {
    assert.ok(hs.length >= 1 && hs.length <= 3);
    assert.equal(new Set(hs.map((h) => h.item)).size, hs.length);
    for (let i = 1; i < hs.length; i++) assert.ok(hs[i - 1].logProb >= hs[i].logProb);
  }
  const greedy = rec({ decoder: 'greedy' });
  assert.deepEqual(rec({ decoder: 'sample', temperature: 0 }), greedy);
});

test('a decoder added in a test (its file + one registerDecoder line) decodes through recommend() and evaluateModel', () => {
  const r = rng(8);
  const { codes, trie, vocab } = randomTrie(r, { minItems: 6 });
  const seeds = [3, 1, 4, 1, 5];
  const histories = seeds.map((s) => [s]);
  const fake = fakeRecommender(vocab, trie);
  const direct = new FakeModel(vocab, seeds);
  // brute force: the lexicographically smallest code, scored by the model
  const first = Array.from(codes.keys()).sort((a, b) => {
    const x = codes[a];
    const y = codes[b];
    for (let t = 0; t < Math.min(x.length, y.length); t++) if (x[t] !== y[t]) return x[t] - y[t];
    return x.length - y.length;
  })[0];
  const hyps = recommend(fake, histories, { ...SETTINGS, decoder: toyDecoder.name });
  seeds.forEach((_, u) => {
    const scores = itemScores(direct, u, codes);
    sameItems(hyps[u], [first], scores, `toy user ${u}`);
  });
  // evaluateModel dispatches on the same name (a GenRecModel; every user gets its first item, top-1 lists)
  const model = tinyGenRec(1);
  const lexFirst = (t: typeof model.ids.trie): number => {
    let v = 0;
    while (t.itemAt(v) < 0) v = t.children(v).nodes[0];
    return t.itemAt(v);
  };
  const examples = [0, 1, 2].map((u) => ({ user: `u${u}`, history: [u + 1], target: u, timestamp: 0 }));
  const ev = evaluateModel(model, examples, {
    decoder: toyDecoder.name,
    beamWidth: 1,
    ks: [1],
    chunkUsers: 2,
    scoring: 'valid',
    temperature: 1,
    sampleSeed: 0,
  });
  assert.deepEqual(
    ev.rankings,
    [0, 1, 2].map(() => [lexFirst(model.ids.trie)]),
  );
});
