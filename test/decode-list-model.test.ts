// List decoders on a real GenRec model (tiny, random weights) with title and semantic-ID identifiers: valid distinct
// items spelled in order, log-probs equal to one teacher-forced forward over the whole response (the KV cache across
// items), batching and the shared prefill, and the model's position budget (model.responseItems).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, noGrad, tensor, tidy } from '../src/engine/index.js';
import { buildTitleIdentifier } from '../src/ids/index.js';
import type { ItemIdentifier } from '../src/ids/types.js';
import { GenRecModel } from '../src/model/genrec.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';
import { resolveCollisions } from '../src/sid/codes.js';
import { listBeam } from '../src/decode/list/list-beam.js';
import { listGreedy } from '../src/decode/list/list-greedy.js';
import { listSample } from '../src/decode/list/list-sample.js';
import type { ListResponses } from '../src/decode/list/types.js';
import { responseOf } from './fixtures/list-fake.js';
import { tinyGenRec } from './tiny-genrec-fixture.js';

const K = 4;

function titleIds(): ItemIdentifier {
  const titles = ['red pen', 'blue pen', 'red ink', 'black pen', 'paper', 'paper clip', 'stapler', 'staples', 'desk'];
  return buildTitleIdentifier(
    titles.map((title, index) => ({ index, title })),
    { vocabSize: 300 },
  );
}

function sidIds(): ItemIdentifier {
  // 8 items, 2 levels of sizes [3, 2]; colliding items get a disambiguation token
  const levels = [0, 0, 1, 0, 2, 1, 0, 1, 1, 0, 2, 1, 1, 1, 2, 0];
  const codes = Int32Array.from(levels);
  const r = resolveCollisions(codes, 8, 2, 'needed');
  return new SemanticIdentifier({
    sizes: [3, 2],
    numDisambiguators: r.numDisambiguators,
    codes,
    extra: r.extra,
    titles: Array.from({ length: 8 }, (_, i) => `item ${i}`),
  });
}

const genrec = (ids: ItemIdentifier, responseItems = K, seed = 0): GenRecModel => tinyGenRec(ids, responseItems, seed);

/** log π(token | history, response before it) for every token, from one uncached teacher-forced forward. */
function teacherForced(model: GenRecModel, history: number[], tokens: number[]): number[] {
  if (tokens.length === 0) return [];
  return noGrad(() =>
    tidy(() => {
      const L = tokens.length;
      const targetIn = tensor(Int32Array.from([model.ids.specials.bos, ...tokens.slice(0, L - 1)]), [1, L], 'int64');
      const lp = model.forwardTrain(model.encodeHistories([history]), targetIn).logSoftmax(-1);
      return Array.from(lp.gather(2, tensor(Int32Array.from(tokens), [1, L, 1], 'int64')).toFloat64());
    }),
  );
}

function checkResponses(
  model: GenRecModel,
  res: ListResponses,
  histories: number[][],
  excludeHistory: boolean,
  msg: string,
): void {
  const ids = model.ids;
  for (let q = 0; q < res.numUsers * res.numSamples; q++) {
    const u = Math.floor(q / res.numSamples);
    const x = responseOf(res, q);
    assert.equal(x.items.length, K, `${msg}: K items`);
    assert.equal(new Set(x.items).size, K, `${msg}: distinct`);
    if (excludeHistory)
      assert.ok(
        x.items.every((i) => !histories[u].includes(i)),
        `${msg}: history excluded`,
      );
    assert.deepEqual(
      x.tokens,
      x.items.flatMap((i) => Array.from(ids.code(i))),
      `${msg}: the items' codes in order`,
    );
    assert.ok(
      x.items.every((i, k) => x.ends[k] === x.items.slice(0, k + 1).reduce((a, j) => a + ids.code(j).length, 0)),
    );
    assert.equal(res.invalidItems[q] + res.repeatedItems[q], 0);
    const want = teacherForced(model, histories[u], x.tokens);
    x.logProbs.forEach((v, t) =>
      assert.ok(Math.abs(v - want[t]) < 1e-4, `${msg} response ${q} token ${t}: ${v} vs ${want[t]}`),
    );
  }
}

for (const [kind, makeIds] of [
  ['title', titleIds],
  ['semantic-ID', sidIds],
] as const) {
  test(`${kind} identifiers: greedy, sampled and beam lists on a tiny GenRec are valid, distinct, and scored as one forward`, () => {
    const model = genrec(makeIds());
    const histories = [[1, 2], [5], [0, 3, 4]];
    const U = histories.length;
    const before = liveTensors();
    for (const excludeHistory of [true, false]) {
      const base = { constraint: model.ids.trie, numUsers: U, histories };
      const greedy = listGreedy(
        { ...base, model: model.stepModel(histories) },
        { listLength: K, excludeHistory, scoring: 'full' },
      );
      checkResponses(model, greedy, histories, excludeHistory, `${kind} greedy`);
      const sample = listSample(
        { ...base, model: model.stepModel(histories, { logits: true }) },
        {
          listLength: K,
          numSamples: 3,
          temperature: 0.8,
          repetitionPenalty: 1.05,
          seed: 1,
          firstUser: 0,
          excludeHistory,
          scoring: 'full',
        },
      );
      checkResponses(model, sample, histories, excludeHistory, `${kind} sample`);
      assert.ok(
        sample.behaviourLogProbs.some((v) => v < 0),
        'sampled tokens have behaviour log-probs',
      );
      const beam = listBeam(
        { ...base, model: model.stepModel(histories) },
        { listLength: K, beamWidth: 6, excludeHistory, scoring: 'valid' },
      );
      for (let u = 0; u < U; u++) {
        assert.deepEqual(
          responseOf(beam, u).items,
          beam.hypotheses[u].map((h) => h.item),
        );
      }
    }
    assert.equal(liveTensors(), before, 'no leaks');
    model.dispose();
  });
}

test('a real model decodes users together as one by one, and G samples on one prefill as separate prefills', () => {
  const model = genrec(titleIds(), K, 3);
  const histories = [[1, 2], [5], [0, 3, 4]];
  const greedySettings = { listLength: K, excludeHistory: true, scoring: 'valid' as const };
  const together = listGreedy(
    { model: model.stepModel(histories), constraint: model.ids.trie, numUsers: 3, histories },
    greedySettings,
  );
  const near = (a: number[], b: number[], msg: string): void =>
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${msg}[${i}]: ${v} vs ${b[i]}`));
  histories.forEach((h, u) => {
    const one = listGreedy(
      { model: model.stepModel([h]), constraint: model.ids.trie, numUsers: 1, histories: [h] },
      greedySettings,
    );
    const a = responseOf(one, 0);
    const b = responseOf(together, u);
    assert.deepEqual(a.tokens, b.tokens, `user ${u}`);
    near(a.logProbs, b.logProbs, `user ${u}`);
  });
  const G = 4;
  const s = {
    listLength: K,
    temperature: 1,
    repetitionPenalty: 1.05,
    seed: 5,
    firstUser: 0,
    excludeHistory: false,
    scoring: 'full' as const,
  };
  const shared = listSample(
    { model: model.stepModel(histories, { logits: true }), constraint: model.ids.trie, numUsers: 3 },
    { ...s, numSamples: G },
  );
  const repeated = histories.flatMap((h) => Array.from({ length: G }, () => h));
  const separate = listSample(
    { model: model.stepModel(repeated, { logits: true }), constraint: model.ids.trie, numUsers: 3 * G },
    { ...s, numSamples: 1 },
  );
  for (let q = 0; q < 3 * G; q++) {
    const a = responseOf(shared, q);
    const b = responseOf(separate, q);
    assert.deepEqual(a.tokens, b.tokens, `response ${q}`);
    near(a.logProbs, b.logProbs, `response ${q}`);
    near(a.behaviour, b.behaviour, `response ${q} behaviour`);
  }
  assert.equal(separate.rowsEvaluated - shared.rowsEvaluated, 3 * G - 3, 'one prefill row per user');
  model.dispose();
});

test('a model sized for fewer items than the list says so (model.responseItems)', () => {
  const model = genrec(titleIds(), 1);
  const before = liveTensors();
  assert.throws(
    () =>
      listGreedy(
        { model: model.stepModel([[1]]), constraint: model.ids.trie, numUsers: 1 },
        { listLength: 8, excludeHistory: false, scoring: 'full' },
      ),
    /model\.responseItems = 1/,
  );
  assert.equal(liveTensors(), before, 'no leaks after the throw');
  model.dispose();
});
