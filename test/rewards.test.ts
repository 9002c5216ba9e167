// Rewards and list metrics (src/rewards/) against hand-worked lists; the arithmetic is in the comments.
// d(i) = 1/log2(i+2): d(0) = 1, d(1) = 1/log2 3 = 0.6309298, d(2) = 0.5, d(3) = 1/log2 5 = 0.4306766, d(4) = 1/log2 6 = 0.3868528.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cosine,
  divReward,
  fairReward,
  hitRewards,
  ild,
  itemSideInfo,
  mgu,
  mguMax,
  ndcgAtK,
  rankRewards,
  recallAtK,
  semanticRewards,
} from '../src/rewards/index.js';

const close = (a: number, b: number, eps = 1e-6): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);
const closeAll = (a: readonly number[], b: readonly number[]): void => {
  assert.equal(a.length, b.length, `${a} vs ${b}`);
  a.forEach((x, i) => close(x, b[i]));
};
const d = (i: number): number => 1 / Math.log2(i + 2);

// Genres: 0 {A}, 1 {B}, 2 {A,B}, 3 none, 4 {C}, 5 {A,C}, 6 none (empty list). C = {A, B, C}, |C| = 3.
const GENRES = [
  { genres: ['A'] },
  { genres: ['B'] },
  { genres: ['A', 'B'] },
  {},
  { genres: ['C'] },
  { genres: ['A', 'C'] },
  { genres: [] },
];
const side = itemSideInfo('toy', GENRES);

test('recall@K: hits over distinct targets; duplicates, short lists and empty targets', () => {
  // [3,1,4,1,5] vs {1,5,9}: hits at 1 (item 1) and 4 (item 5); the second 1 (position 3) is a repeat → 2/3.
  close(recallAtK([3, 1, 4, 1, 5], [1, 5, 9], 5), 2 / 3);
  close(recallAtK([3, 1, 4, 1, 5], [1, 5, 9], 2), 1 / 3); // top 2 = [3,1]: one hit
  close(recallAtK([3, 1, 4, 1, 5], [1, 5, 9], 10), 2 / 3); // K > |list|: the 5 entries only
  close(recallAtK([3, 1, 4, 1, 5], [1, 1, 5, 9], 5), 2 / 3); // a repeated target counts once: 2/3, not 2/4
  assert.equal(recallAtK([1, 1, 1], [1, 2], 3), 0.5); // repeats of one hit cannot reach 2/2
  assert.equal(recallAtK([1, 2], [], 5), 0); // no targets
  assert.equal(recallAtK([], [1], 5), 0); // empty list
});

test('ndcg@K: IDCG over min(K, |targets|); duplicates, K beyond the list, empty targets', () => {
  // [3,1,4,1,5] vs {1,5,9}, K=5: DCG = d(1) + d(4) = 0.6309298 + 0.3868528 = 1.0177826;
  // IDCG = d(0)+d(1)+d(2) (min(5,3) = 3) = 2.1309298; NDCG = 0.4776237.
  close(ndcgAtK([3, 1, 4, 1, 5], [1, 5, 9], 5), (d(1) + d(4)) / (d(0) + d(1) + d(2)));
  close(ndcgAtK([3, 1, 4, 1, 5], [1, 5, 9], 5), 0.4776237);
  // K=3: top 3 = [3,1,4]: DCG = d(1) = 0.6309298; IDCG still 3 items = 2.1309298 → 0.2960819.
  close(ndcgAtK([3, 1, 4, 1, 5], [1, 5, 9], 3), 0.2960819);
  // 10 targets, K=5, the first 5 generated are all targets: DCG = IDCG (min(5,10) = 5) → exactly 1.
  // (An IDCG over all 10 targets would give 2.9484591 / 4.5442640 = 0.6488.)
  assert.equal(ndcgAtK([0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5), 1);
  // K beyond the list: [1] vs {1,2}, K=5: DCG = d(0) = 1; IDCG = d(0)+d(1) = 1.6309298 → 0.6131472.
  close(ndcgAtK([1], [1, 2], 5), 0.6131472);
  // Duplicates: [1,1,2] vs {1,2}, K=3: the second 1 earns nothing; DCG = d(0) + d(2) = 1.5; IDCG = 1.6309298 →
  // 0.9197208 (counting the repeat would give (1 + 0.6309298 + 0.5)/1.6309298 > 1).
  close(ndcgAtK([1, 1, 2], [1, 2], 3), 0.9197208);
  // Single target at position 2: d(2)/d(0) = 0.5.
  assert.equal(ndcgAtK([7, 8, 9], [9], 5), 0.5);
  assert.equal(ndcgAtK([1, 2], [], 5), 0);
  assert.equal(ndcgAtK([9, 1, 2], [1, 2], 1), 0); // K = 1: only item 9 counts
});

test('hit reward: 1 for each candidate equal to the target, 0 otherwise and without targets', () => {
  assert.deepEqual(hitRewards([4, 7, 4, 2], [4]), [1, 0, 1, 0]); // a repeated target hits at each position
  assert.deepEqual(hitRewards([4, 7], [9]), [0, 0]);
  assert.deepEqual(hitRewards([4, 7], []), [0, 0]);
});

test('rank reward: hit plus −d(i)/Σd for the wrong candidates of a group holding the target', () => {
  // G = 4, target 7 at rank 2: Z = d(0)+d(1)+d(2)+d(3) = 1 + 0.6309298 + 0.5 + 0.4306766 = 2.5616064;
  // r = [−1/Z, −0.6309298/Z, 1, −0.4306766/Z] = [−0.3903800, −0.2463025, 1, −0.1681274].
  closeAll(rankRewards([5, 6, 7, 8], [7]), [-0.39038, -0.2463025, 1, -0.1681274]);
  // The penalties over all G ranks would sum to −1; here the hit's own share d(2)/Z is missing: −(Z − 0.5)/Z.
  const r = rankRewards([5, 6, 7, 8], [7]);
  close(r[0] + r[1] + r[3], -(2.5616064 - 0.5) / 2.5616064);
  assert.deepEqual(rankRewards([5, 6, 8], [7]), [0, 0, 0]); // target not in the group: no signal
  assert.deepEqual(rankRewards([5, 6, 8], []), [0, 0, 0]); // no targets
  // Duplicated target [7,7,1]: both copies 1; Z = 1 + 0.6309298 + 0.5 = 2.1309298; r(2) = −0.5/Z = −0.2346394.
  closeAll(rankRewards([7, 7, 1], [7]), [1, 1, -0.2346394]);
  assert.deepEqual(rankRewards([7], [7]), [1]);
});

test('semantic reward: cosine to the target embedding, and V-STAR’s dense return', () => {
  // e0 = (1,0), e1 = (0,1), e2 = (1,1), e3 = (0,0), e4 = (−2,0).
  const emb = { numItems: 5, dim: 2, data: new Float32Array([1, 0, 0, 1, 1, 1, 0, 0, -2, 0]) };
  const s = itemSideInfo('emb', [{}, {}, {}, {}, {}], emb);
  // target 0: cos = [1, 0, 1/√2 = 0.7071068, 0 (zero vector), −1]
  closeAll(semanticRewards([0, 1, 2, 3, 4], [0], s), [1, 0, Math.SQRT1_2, 0, -1]);
  // dense return: hit → 1, else −(1 − cos) = [1, −1, −0.2928932, −1, −2]
  closeAll(semanticRewards([0, 1, 2, 3, 4], [0], s, 'vstar-return'), [1, -1, -(1 - Math.SQRT1_2), -1, -2]);
  // two targets {1, 0}: the best cosine counts; item 4: max(cos(e4,e1) = 0, cos(e4,e0) = −1) = 0
  closeAll(semanticRewards([1, 4], [1, 0], s), [1, 0]);
  assert.deepEqual(semanticRewards([1, 4], [], s), [0, 0]);
  close(cosine(emb, 2, 1), Math.SQRT1_2);
  assert.throws(() => semanticRewards([5], [0], s), /item 5 is not in the catalogue of data set emb \(5 items\)/);
  assert.throws(() => semanticRewards([0], [0], side), /data set toy has no item embeddings/);
});

test('MGU: hand-computed genre distributions; missing genres, duplicates, undefined cases', () => {
  // history [0,0,1]: A twice, B once → P(A) = 2/3, P(B) = 1/3, P(C) = 0.
  // list [2,4]: A, B, C once each → 1/3 each. MGU = (|1/3−2/3| + |1/3−1/3| + |1/3−0|)/3 = (2/3)/3 = 2/9.
  close(mgu([2, 4], [0, 0, 1], side), 2 / 9);
  close(mgu([2, 4, 3, 6], [0, 0, 1], side), 2 / 9); // items 3 and 6 have no genres: left out
  close(mgu([2, 4], [0, 3, 0, 1], side), 2 / 9); // likewise in the history
  assert.equal(mgu([1, 0, 0], [0, 0, 1], side), 0); // same distribution, any order
  // list [4]: P(C) = 1 → (2/3 + 1/3 + 1)/3 = 2/3 = 2/|C|, the maximum.
  close(mgu([4], [0, 0, 1], side), 2 / 3);
  close(mguMax(side), 2 / 3);
  // Duplicates count at every occurrence: [4,4,0] → P(C) = 2/3, P(A) = 1/3 →
  // (|1/3−2/3| + |0−1/3| + |2/3−0|)/3 = (4/3)/3 = 4/9 (deduplicated [4,0] would give (1/6 + 1/3 + 1/2)/3 = 1/3).
  close(mgu([4, 4, 0], [0, 0, 1], side), 4 / 9);
  close(mgu([4, 0], [0, 0, 1], side), 1 / 3);
  assert.ok(Number.isNaN(mgu([3, 6], [0, 1], side))); // no genre evidence in the list
  assert.ok(Number.isNaN(mgu([0, 1], [3], side))); // nor in the history
  assert.ok(Number.isNaN(mgu([0, 1], [], side))); // empty history
  assert.throws(() => mgu([0, 7], [0], side), /item 7 is not in the catalogue of data set toy \(7 items\)/);
});

test('ILD: mean pairwise Jaccard distance; missing genres, duplicates, fewer than two items', () => {
  // [0,1,2]: {A}-{B}: 1 − 0/2 = 1; {A}-{A,B}: 1 − 1/2 = 0.5; {B}-{A,B}: 0.5.
  // eq. 17: 1/(3·2) · 2·(1 + 0.5 + 0.5) = 4/6 = 2/3.
  close(ild([0, 1, 2], side), 2 / 3);
  // Item 3 (no genres) is left out: still 2/3 (counting it at distance 1 from all would give (2 + 3)/6 = 5/6).
  close(ild([0, 3, 1, 2], side), 2 / 3);
  assert.equal(ild([0, 0], side), 0); // a repeated item is a pair at distance 0
  close(ild([0, 0, 1], side), 2 / 3); // pairs (0,0) = 0, (0,1) = 1, (0,1) = 1 → 2/3
  assert.equal(ild([0, 5], side), 0.5); // {A}-{A,C}: 1 − 1/2
  assert.equal(ild([2, 4], side), 1); // {A,B}-{C}: disjoint
  assert.ok(Number.isNaN(ild([0], side))); // one item: no pair
  assert.ok(Number.isNaN(ild([0, 3, 6], side))); // one item with genres
  assert.ok(Number.isNaN(ild([], side)));
});

test('composite rewards: λ = 0 is the relevance reward; hand-computed R_fair and R_div', () => {
  const inputs = [
    { list: [2, 4], targets: [4, 9], history: [0, 0, 1] },
    { list: [3, 1, 4, 1, 5], targets: [1, 5, 9], history: [2] },
    { list: [0, 0], targets: [], history: [1] },
  ];
  for (const input of inputs) {
    for (const relevance of ['ndcg', 'recall'] as const) {
      const base =
        relevance === 'ndcg' ? ndcgAtK(input.list, input.targets, 3) : recallAtK(input.list, input.targets, 3);
      assert.equal(fairReward(input, side, { relevance, k: 3, lambda: 0 }), base);
      assert.equal(divReward(input, side, { relevance, k: 3, lambda: 0 }), base);
    }
  }
  // list [2,4] vs {4,9}, K=5: NDCG = d(1)/(d(0)+d(1)) = 0.6309298/1.6309298 = 0.3868528.
  // MGU([2,4] | history [0,0,1]) = 2/9 → R_fair(λ=0.5) = 0.3868528 − 0.5·2/9 = 0.2757417.
  // ILD([2,4]) = 1 → R_div(λ=0.5) = 0.3868528 + 0.5 = 0.8868528.
  const input = inputs[0];
  close(fairReward(input, side, { relevance: 'ndcg', k: 5, lambda: 0.5 }), 0.2757417);
  close(divReward(input, side, { relevance: 'ndcg', k: 5, lambda: 0.5 }), 0.8868528);
  // Recall@5 = 1/2 → R_fair = 0.5 − 2·2/9 = 0.0555556 (λ = 2).
  close(fairReward(input, side, { relevance: 'recall', k: 5, lambda: 2 }), 0.0555556);
  // A list without genre evidence takes the worst auxiliary value: [3,3] vs {3}: NDCG = 1;
  // R_fair = 1 − 0.5·(2/3) = 2/3 (MGU undefined → 2/|C|); R_div = 1 + 0.5·0 = 1 (ILD undefined → 0).
  const blind = { list: [3, 3], targets: [3], history: [0] };
  close(fairReward(blind, side, { relevance: 'ndcg', k: 5, lambda: 0.5 }), 2 / 3);
  assert.equal(divReward(blind, side, { relevance: 'ndcg', k: 5, lambda: 0.5 }), 1);
});
