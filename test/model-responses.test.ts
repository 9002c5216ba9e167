// Teacher-forced list responses (src/model/responses.ts): the token rows of item lists (each item's identifier, end
// token included, one after the other) worked out by hand, the teacher-forced tensors (BOS + shifted tokens, mask),
// the valid tokens of every position (trie children, each item restarting at the root) against a brute-force oracle,
// and responseLogProbs against the per-token log-probs the list decoders record (one forward vs the KV-cached steps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, noGrad, tidy } from '../src/engine/index.js';
import { buildTitleIdentifier } from '../src/ids/index.js';
import type { ItemIdentifier } from '../src/ids/types.js';
import { GenRecModel } from '../src/model/genrec.js';
import { listTargetBatch, listTokenRows, responseBatch, responseLogProbs } from '../src/model/responses.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';
import { listGreedy } from '../src/decode/list/list-greedy.js';
import { listSample } from '../src/decode/list/list-sample.js';
import type { ListResponses } from '../src/decode/list/types.js';
import { responseOf, validNext } from './fixtures/list-fake.js';
import { tinyGenRec } from './tiny-genrec-fixture.js';

/**
 * Six items, two levels of sizes [3, 2], no collisions: item i = (⌊i/2⌋, i mod 2). Token layout of
 * src/sid/identifier.ts: specials 0..4 (eos = 2), level a = 5..7, level b = 8..9. So item i is
 * [5 + ⌊i/2⌋, 8 + i mod 2, 2]: item 0 = [5, 8, 2], item 3 = [6, 9, 2], item 5 = [7, 9, 2].
 */
function sidIds(): ItemIdentifier {
  const codes = Int32Array.from([0, 0, 0, 1, 1, 0, 1, 1, 2, 0, 2, 1]);
  return new SemanticIdentifier({
    sizes: [3, 2],
    numDisambiguators: 0,
    codes,
    extra: new Int32Array(6).fill(-1),
    titles: Array.from({ length: 6 }, (_, i) => `item ${i}`),
  });
}

/** Titles of different token lengths (padding between rows, and prefixes shared across items). */
function titleIds(): ItemIdentifier {
  const titles = ['red pen', 'blue pen', 'red ink', 'black pen', 'paper', 'paper clip', 'stapler', 'staples', 'desk'];
  return buildTitleIdentifier(
    titles.map((title, index) => ({ index, title })),
    { vocabSize: 300 },
  );
}

const codeOf = (ids: ItemIdentifier, i: number): number[] => Array.from(ids.code(i));

test('listTokenRows: each item’s identifier in order, end tokens included, padded with -1 (semantic IDs by hand)', () => {
  const ids = sidIds();
  // the hand-derived codes of the fixture's comment
  for (let i = 0; i < 6; i++) assert.deepEqual(codeOf(ids, i), [5 + Math.floor(i / 2), 8 + (i % 2), 2], `item ${i}`);
  const rows = listTokenRows(ids, [[0, 3], [5], [4, 1, 2], []]);
  assert.equal(rows.width, 9);
  assert.deepEqual(Array.from(rows.lengths), [6, 3, 9, 0]);
  assert.deepEqual(Array.from(rows.tokens), [
    ...[5, 8, 2, 6, 9, 2, -1, -1, -1],
    ...[7, 9, 2, -1, -1, -1, -1, -1, -1],
    ...[7, 8, 2, 5, 9, 2, 6, 8, 2],
    ...[-1, -1, -1, -1, -1, -1, -1, -1, -1],
  ]);
  // typed arrays work as lists too; an empty batch of lists has width 1
  assert.deepEqual(Array.from(listTokenRows(ids, [Int32Array.from([2])]).tokens), [6, 8, 2]);
  assert.equal(listTokenRows(ids, [[]]).width, 1);
  assert.throws(() => listTokenRows(ids, [[6]]), /outside \[0, 6\)/);
});

test('listTokenRows on title identifiers: the concatenation of ids.code of each item (different lengths)', () => {
  const ids = titleIds();
  const lists = [[0, 5, 8], [4], [6, 7, 1, 2]];
  const rows = listTokenRows(ids, lists);
  const want = lists.map((l) => l.flatMap((i) => codeOf(ids, i)));
  assert.equal(rows.width, Math.max(...want.map((w) => w.length)));
  lists.forEach((_, r) => {
    const got = Array.from(rows.tokens.subarray(r * rows.width, (r + 1) * rows.width));
    assert.equal(rows.lengths[r], want[r].length, `row ${r} length`);
    assert.deepEqual(got, [...want[r], ...Array(rows.width - want[r].length).fill(-1)], `row ${r}`);
    assert.equal(want[r].filter((t) => t === ids.specials.eos).length, lists[r].length, 'one end token per item');
  });
});

test('responseBatch: targetIn = BOS then the tokens shifted by one, targets the tokens (0 at padding), mask 1 at tokens', () => {
  const ids = sidIds();
  const { pad, bos } = ids.specials;
  const before = liveTensors();
  tidy(() => {
    const b = responseBatch(ids, listTokenRows(ids, [[0, 3], [5], []]));
    assert.deepEqual(b.targetIn.shape, [3, 6]);
    assert.equal(b.targetIn.dtype, 'int64');
    assert.equal(b.targets.dtype, 'int64');
    assert.equal(b.mask.dtype, 'float32');
    assert.deepEqual(Array.from(b.targetIn.toInt32()), [
      ...[bos, 5, 8, 2, 6, 9],
      ...[bos, 7, 9, pad, pad, pad],
      ...[bos, pad, pad, pad, pad, pad],
    ]);
    assert.deepEqual(Array.from(b.targets.toInt32()), [
      ...[5, 8, 2, 6, 9, 2],
      ...[7, 9, 2, 0, 0, 0],
      ...[0, 0, 0, 0, 0, 0],
    ]);
    assert.deepEqual(b.mask.toArray(), [...[1, 1, 1, 1, 1, 1], ...[1, 1, 1, 0, 0, 0], ...[0, 0, 0, 0, 0, 0]]);
  });
  assert.equal(liveTensors(), before, 'no leaks');
});

/** The valid tokens at every position of `list`'s response, brute force: each item restarts from its empty prefix. */
function bruteValid(ids: ItemIdentifier, list: number[]): number[][] {
  const codes = Array.from({ length: ids.numItems }, (_, i) => codeOf(ids, i));
  return list.flatMap((i) => codes[i].map((_, t) => validNext(codes, new Set(), codes[i].slice(0, t))));
}

test('listTargetBatch: the valid tokens at each position are the trie children of the prefix and hold the target', () => {
  for (const [kind, ids, lists] of [
    ['semantic-ID', sidIds(), [[0, 3, 5], [2], [4, 1]]],
    ['title', titleIds(), [[0, 5, 8], [4], [6, 7, 1, 2], [3, 2]]],
  ] as const) {
    tidy(() => {
      const tb = listTargetBatch(
        ids,
        lists.map((l) => [...l]),
      );
      const R = lists.length;
      const [, W, C] = tb.valid!.tokens.shape;
      assert.deepEqual(tb.valid!.mask.shape, [R, W, C]);
      assert.equal(tb.valid!.mask.dtype, 'bool');
      const vt = tb.valid!.tokens.toInt32();
      const vm = tb.valid!.mask.toArray();
      const targets = tb.targets.toInt32();
      const mask = tb.mask.toArray();
      // the same teacher-forced tensors as responseBatch of the lists' rows
      const plain = responseBatch(
        ids,
        listTokenRows(
          ids,
          lists.map((l) => [...l]),
        ),
      );
      assert.deepEqual(Array.from(targets), Array.from(plain.targets.toInt32()), `${kind}: targets`);
      assert.deepEqual(Array.from(tb.targetIn.toInt32()), Array.from(plain.targetIn.toInt32()), `${kind}: targetIn`);
      assert.deepEqual(mask, plain.mask.toArray(), `${kind}: mask`);
      let restarts = 0;
      lists.forEach((l, r) => {
        const want = bruteValid(ids, [...l]);
        for (let t = 0; t < W; t++) {
          const got: number[] = [];
          for (let c = 0; c < C; c++) if (vm[(r * W + t) * C + c] === 1) got.push(vt[(r * W + t) * C + c]);
          if (t >= want.length) {
            assert.deepEqual(got, [], `${kind} row ${r} pos ${t}: padding has no valid token`);
            assert.equal(mask[r * W + t], 0);
            continue;
          }
          assert.deepEqual(got, want[t], `${kind} row ${r} pos ${t}`);
          assert.ok(got.includes(targets[r * W + t]), `${kind} row ${r} pos ${t}: the target is valid`);
          if (t > 0 && targets[r * W + t - 1] === ids.specials.eos) {
            assert.deepEqual(got, want[0], `${kind} row ${r} pos ${t}: after an end token the root's children`);
            restarts++;
          }
        }
      });
      assert.ok(restarts >= 3, `${kind}: the fixture restarts at the root after end tokens (${restarts})`);
    });
  }
});

const genrec = tinyGenRec;

/** responseLogProbs of every response of `res` (user u's history per row) against the decoder's recorded logProbs. */
function checkAgainstDecoder(model: GenRecModel, res: ListResponses, histories: number[][], what: string): number {
  const R = res.numUsers * res.numSamples;
  const resp = Array.from({ length: R }, (_, q) => responseOf(res, q));
  const rows = listTokenRows(
    model.ids,
    resp.map((x) => x.items),
  );
  // the decoder's tokens are the items' identifiers
  resp.forEach((x, q) =>
    assert.deepEqual(Array.from(rows.tokens.subarray(q * rows.width, q * rows.width + rows.lengths[q])), x.tokens),
  );
  const rowHist = Array.from({ length: R }, (_, q) => histories[Math.floor(q / res.numSamples)]);
  const lp = noGrad(() => tidy(() => responseLogProbs(model, rowHist, responseBatch(model.ids, rows)).toFloat64()));
  assert.equal(lp.length, R * rows.width);
  let compared = 0;
  resp.forEach((x, q) => {
    for (let t = 0; t < rows.width; t++) {
      const v = lp[q * rows.width + t];
      if (t >= x.tokens.length) {
        assert.ok(v === 0, `${what} response ${q} pos ${t}: 0 at padding, got ${v}`);
        continue;
      }
      assert.ok(v < 0, `${what} response ${q} pos ${t}: a log-prob`);
      assert.ok(Math.abs(v - x.logProbs[t]) < 1e-4, `${what} response ${q} token ${t}: ${v} vs ${x.logProbs[t]}`);
      compared++;
    }
  });
  return compared;
}

for (const [kind, makeIds] of [
  ['semantic-ID', sidIds],
  ['title', titleIds],
] as const) {
  test(`responseLogProbs (${kind}) equals the log-probs recorded by greedy and sampled list decoding`, () => {
    const K = 3;
    const model = genrec(makeIds(), K, 5);
    const histories = [[1, 2], [4], [0, 3, 5]];
    const U = histories.length;
    const before = liveTensors();
    const greedy = listGreedy(
      { model: model.stepModel(histories), constraint: model.ids.trie, numUsers: U, histories },
      { listLength: K, excludeHistory: true, scoring: 'full' },
    );
    let n = checkAgainstDecoder(model, greedy, histories, `${kind} greedy`);
    for (const repetitionPenalty of [1, 1.05]) {
      const sample = listSample(
        { model: model.stepModel(histories, { logits: true }), constraint: model.ids.trie, numUsers: U, histories },
        {
          listLength: K,
          numSamples: 4,
          temperature: 1,
          repetitionPenalty,
          seed: 3,
          firstUser: 0,
          excludeHistory: false,
          scoring: 'full',
        },
      );
      n += checkAgainstDecoder(model, sample, histories, `${kind} sample p=${repetitionPenalty}`);
    }
    assert.ok(n > 40, `${n} tokens compared`);
    assert.equal(liveTensors(), before, 'no leaks');
    model.dispose();
  });
}

test('responseLogProbs is differentiable: the gradient of a sequence log-prob reaches the model, none at padding', () => {
  const ids = sidIds();
  const model = genrec(ids, 3, 2);
  const rows = listTokenRows(ids, [[0, 3, 5], [2]]);
  const histories = [[1], [4, 0]];
  tidy(() => {
    const lp = responseLogProbs(model, histories, responseBatch(ids, rows));
    assert.deepEqual(lp.shape, [2, 9]);
    assert.ok(lp.requiresGrad, 'differentiable outside noGrad');
    lp.sum().backward();
    const norms = model.parameters().map((p) => (p.grad ? p.grad.abs().sum().item() : 0));
    assert.ok(
      norms.some((g) => g > 1e-6),
      'some parameter received a gradient',
    );
    // a row's padding contributes nothing: row 1 padded to 9 tokens gives the same sum as row 1 alone
    const alone = noGrad(() =>
      responseLogProbs(model, [histories[1]], responseBatch(ids, listTokenRows(ids, [[2]])))
        .sum()
        .item(),
    );
    const inBatch = noGrad(() => lp.select(0, 1).sum().item());
    assert.ok(Math.abs(alone - inBatch) < 1e-5, `${alone} vs ${inBatch}`);
  });
  model.dispose();
});
