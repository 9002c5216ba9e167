// List evaluation (src/pipeline/list/evaluate.ts) and the list run's small helpers (src/pipeline/list/run.ts):
// Recall@K / NDCG@K / MGU / ILD and the invalid / repeated / history shares of hand-worked lists, metrics without
// genres reported unavailable, Best-of-N decoding (oracle and likelihood selection) against the sampler's own draws,
// plain sampling, chunking, and the most-popular reference, the alignment prompts and the next-item view of lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, setNumThreads, tidy } from '../src/engine/index.js';
import type { Item, ListDataset, ListExample } from '../src/data/types.js';
import type { ItemIdentifier } from '../src/ids/types.js';
import { ModelConfigDef } from '../src/model/config.js';
import { GenRecModel } from '../src/model/genrec.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';
import { listSample } from '../src/decode/list/list-sample.js';
import { ListConfig } from '../src/pipeline/list/config.js';
import { decodeUserLists, evaluateLists, listMetricNames, scoreLists } from '../src/pipeline/list/evaluate.js';
import { alignmentPrompts, listAsNextItem, popularLists } from '../src/pipeline/list/run.js';
import { itemSideInfo, ndcgAtK } from '../src/rewards/index.js';
import { Rng } from '../src/util/rng.js';
import { assertClose } from './rl-loss-fixture.js';

setNumThreads(1);

// ---- scoring hand-worked lists ------------------------------------------------------------------------------------

/** Genres of items 0..9: 0 {c}, 1 {a}, 2 {b}, 3 {a, b}, 4 [] (none), 5 {a}, 6 {c}, 7 {c}, 8 no genres field, 9 {b}. */
const GENRES: (string[] | undefined)[] = [['c'], ['a'], ['b'], ['a', 'b'], [], ['a'], ['c'], ['c'], undefined, ['b']];
const items = (withGenres: boolean): Item[] =>
  GENRES.map((g, index) => ({
    index,
    rawId: String(index),
    title: `item ${index}`,
    ...(withGenres && g !== undefined ? { genres: g } : {}),
  }));
const ex = (history: number[], targets: number[]): ListExample => ({ user: 'u', history, targets, timestamp: 0 });

const EXAMPLES = [ex([5, 6], [1, 2, 3, 4]), ex([4], [2]), ex([3], [1, 2])];
const LISTS = [
  [1, 7, 3, 2],
  [9, 2, 8],
  [2, 2, 1],
];
const log2 = Math.log2;

test('scoreLists: recall@K and NDCG@K by hand (IDCG over min(K, |targets|) targets, a repeat counts once)', () => {
  const side = itemSideInfo('hand', items(true));
  const s = scoreLists(LISTS, EXAMPLES, side, [1, 3], {
    invalid: [0, 1, 0],
    repeated: [0, 0, 1],
    inHistory: [0, 0, 0],
  });
  assert.deepEqual(s.metrics, ['recall@1', 'recall@3', 'ndcg@1', 'ndcg@3', 'mgu', 'ild']);
  assert.deepEqual(s.metrics, listMetricNames([1, 3], side));
  // user 0: targets {1, 2, 3, 4}, list 1 7 3 | 2 → hits at positions 0 and 2 in the top 3 (item 2 is 4th)
  //   recall@3 = 2/4; DCG@3 = 1 + 1/log2 4 = 1.5, IDCG@3 = 1 + 1/log2 3 + 1/log2 4 (3 targets fit in 3 slots)
  // user 1: target {2}, list 9 2 8 → recall@3 = 1, DCG@3 = 1/log2 3, IDCG@3 = 1 (one target: not 3 slots)
  // user 2: targets {1, 2}, list 2 2 1 → hits at 0 and 2 (the repeat at 1 earns nothing); IDCG@3 = 1 + 1/log2 3
  const want: Record<string, number[]> = {
    'recall@1': [1 / 4, 0, 1 / 2],
    'recall@3': [2 / 4, 1, 1],
    'ndcg@1': [1, 0, 1],
    'ndcg@3': [1.5 / (1 + 1 / log2(3) + 0.5), 1 / log2(3), 1.5 / (1 + 1 / log2(3))],
  };
  for (const [m, v] of Object.entries(want)) {
    v.forEach((x, u) => assertClose(s.perUser[m][u], x, 1e-12, `${m} user ${u}`));
    assertClose(s.mean[m], (v[0] + v[1] + v[2]) / 3, 1e-12, `mean ${m}`);
  }
  // MGU over genres C = {a, b, c} (|C| = 3):
  //   user 0: P(·|list) over 1 7 3 2 = a 2/5, b 2/5, c 1/5; P(·|history 5 6) = a 1/2, c 1/2
  //           → (|0.4 − 0.5| + |0.4 − 0| + |0.2 − 0.5|) / 3 = 0.8 / 3
  //   user 1: history item 4 has no genre → undefined (NaN), left out of the mean
  //   user 2: list 2 2 1 → b 2/3, a 1/3; history 3 → a 1/2, b 1/2 → (1/6 + 1/6) / 3 = 1/9
  assertClose(s.perUser.mgu[0], 0.8 / 3, 1e-12, 'mgu user 0');
  assert.ok(Number.isNaN(s.perUser.mgu[1]), 'mgu user 1 undefined');
  assertClose(s.perUser.mgu[2], 1 / 9, 1e-12, 'mgu user 2');
  assertClose(s.mean.mgu, (0.8 / 3 + 1 / 9) / 2, 1e-12, 'mean mgu over the users where it is defined');
  // ILD (mean Jaccard distance over pairs of items with genres):
  //   user 0: {a} {c} {a,b} {b}: distances 1, 1/2, 1, 1, 1, 1/2 → 5 / 6
  //   user 1: {b} {b} (item 8 has none): one pair at 0 → 0
  //   user 2: {b} {b} {a}: 0, 1, 1 → 2 / 3
  assertClose(s.perUser.ild[0], 5 / 6, 1e-12, 'ild user 0');
  assert.equal(s.perUser.ild[1], 0);
  assertClose(s.perUser.ild[2], 2 / 3, 1e-12, 'ild user 2');
  assertClose(s.mean.ild, (5 / 6 + 0 + 2 / 3) / 3, 1e-12, 'mean ild');
  // shares over the 10 items of the lists
  assert.equal(s.mean.invalid, 0.1);
  assert.equal(s.mean.repeated, 0.1);
  assert.equal(s.mean.inHistory, 0);
  assert.deepEqual(s.unavailable, {});
});

test('scoreLists without genres: MGU and ILD reported unavailable and absent from the metrics', () => {
  const side = itemSideInfo('plain', items(false));
  const s = scoreLists(LISTS, EXAMPLES, side, [3]);
  assert.deepEqual(s.metrics, ['recall@3', 'ndcg@3']);
  assert.deepEqual(Object.keys(s.mean).sort(), ['ndcg@3', 'recall@3']);
  assert.deepEqual(Object.keys(s.perUser).sort(), ['ndcg@3', 'recall@3']);
  assert.deepEqual(Object.keys(s.unavailable).sort(), ['ild', 'mgu']);
  for (const m of ['mgu', 'ild']) assert.match(s.unavailable[m], /needs item genres; data set plain has none/);
  // the relevance metrics do not depend on genres
  const withGenres = scoreLists(LISTS, EXAMPLES, itemSideInfo('hand', items(true)), [3]);
  assert.deepEqual(s.perUser['ndcg@3'], withGenres.perUser['ndcg@3']);
  assert.equal(s.mean.invalid, undefined, 'no shares without counts');
});

// ---- decoding: greedy, sampling, Best-of-N --------------------------------------------------------------------------

const K = 3;

/** 12 items, two levels of sizes [4, 3]: item i = (⌊i/3⌋, i mod 3). */
function sidIds(): ItemIdentifier {
  return new SemanticIdentifier({
    sizes: [4, 3],
    numDisambiguators: 0,
    codes: Int32Array.from({ length: 24 }, (_, k) => (k % 2 === 0 ? Math.floor(k / 6) : (k >> 1) % 3)),
    extra: new Int32Array(12).fill(-1),
    titles: Array.from({ length: 12 }, (_, i) => `item ${i}`),
  });
}

function genrec(seed: number): GenRecModel {
  manualSeed(seed);
  const model = new GenRecModel(
    ModelConfigDef.parse({ dModel: 16, nHeads: 2, nLayers: 1, dFF: 32, dropout: 0.1, maxHistory: 4, responseItems: K }),
    sidIds(),
  );
  model.eval();
  return model;
}

/** 20 users with random histories (2 items) and target lists (3 other items). */
function users(seed: number): ListExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: 20 }, (_, u) => {
    const perm = Array.from(rng.permutation(12));
    return { user: `u${u}`, history: perm.slice(0, 2), targets: perm.slice(2, 5), timestamp: u };
  });
}

const settings = (o: Partial<ListConfig>): ListConfig =>
  ListConfig.parse({ listLength: K, ks: [1, 3], chunkUsers: 64, ...o });

/** The sampler's own responses: G lists per user in one call (what decodeUserLists draws from). */
function sampled(model: GenRecModel, us: readonly ListExample[], s: ListConfig, G: number) {
  const histories = us.map((e) => e.history);
  const res = noGrad(() =>
    tidy(() =>
      listSample(
        {
          model: model.stepModel(histories, { logits: true }),
          constraint: model.ids.trie,
          numUsers: us.length,
          histories,
        },
        {
          listLength: K,
          numSamples: G,
          temperature: s.temperature,
          repetitionPenalty: s.repetitionPenalty,
          seed: s.seed,
          firstUser: 0,
          excludeHistory: s.excludeHistory,
          scoring: s.scoring,
        },
      ),
    ),
  );
  return us.map((_, u) =>
    Array.from({ length: G }, (_, g) => {
      const r = u * G + g;
      let ll = 0;
      for (let i = 0; i < res.itemCounts[r]; i++) ll += res.itemLogProbs[r * K + i];
      return { list: Array.from(res.items.subarray(r * K, r * K + res.itemCounts[r])), ll };
    }),
  );
}

test('Best-of-N by the oracle: the best of the user’s N samples by NDCG@K, never below the first sample', () => {
  const model = genrec(4);
  const us = users(1);
  const N = 4;
  const s = settings({ decoder: 'sample', bestOf: N, bestBy: 'oracle', seed: 9 });
  const samples = sampled(model, us, s, N);
  const best = decodeUserLists(model, us, s);
  assert.equal(best.listsDecoded, us.length * N);
  let improved = 0;
  us.forEach((e, u) => {
    const scores = samples[u].map((x) => ndcgAtK(x.list, e.targets, K));
    const got = ndcgAtK(best.lists[u], e.targets, K);
    assert.ok(
      samples[u].some((x) => x.list.join() === best.lists[u].join()),
      `user ${u}: the chosen list is one of the samples`,
    );
    assert.ok(got >= scores[0], `user ${u}: NDCG ${got} below the first sample's ${scores[0]}`);
    assert.equal(got, Math.max(...scores), `user ${u}: the best sample`);
    if (got > scores[0]) improved++;
    assert.equal(best.invalid[u] + best.repeated[u] + best.inHistory[u], 0);
  });
  assert.ok(improved >= 3, `Best-of-${N} beats the first sample for some users (${improved})`);
  // the same users decoded in chunks of 3 (firstUser keeps each user's draws) choose the same lists
  assert.deepEqual(decodeUserLists(model, us, { ...s, chunkUsers: 3 }).lists, best.lists);
  model.dispose();
});

test('Best-of-N by likelihood picks the most likely sample; bestOf = 1 is plain sampling; greedy is one list', () => {
  const model = genrec(6);
  const us = users(2);
  const N = 4;
  const s = settings({ decoder: 'sample', bestOf: N, bestBy: 'likelihood', seed: 2 });
  const samples = sampled(model, us, s, N);
  const best = decodeUserLists(model, us, s);
  let notFirst = 0;
  us.forEach((_, u) => {
    const lls = samples[u].map((x) => x.ll);
    const i = lls.indexOf(Math.max(...lls));
    assert.deepEqual(best.lists[u], samples[u][i].list, `user ${u}`);
    if (i !== 0) notFirst++;
  });
  assert.ok(notFirst >= 3, `the most likely sample is not always the first (${notFirst})`);
  // bestOf 1 (whatever bestBy): exactly the sampler's one list per user
  for (const bestBy of ['oracle', 'likelihood'] as const) {
    const one = settings({ decoder: 'sample', bestOf: 1, bestBy, seed: 2 });
    const plain = sampled(model, us, one, 1).map((x) => x[0].list);
    const d = decodeUserLists(model, us, one);
    assert.deepEqual(d.lists, plain, `bestOf 1, bestBy ${bestBy}`);
    assert.equal(d.listsDecoded, us.length);
  }
  // bestOf is a sampling setting: greedy decodes one list per user
  const greedy = decodeUserLists(model, us, settings({ decoder: 'greedy', bestOf: N }));
  assert.equal(greedy.listsDecoded, us.length);
  model.dispose();
});

test('evaluateLists: the decoded lists scored by scoreLists, with throughput', () => {
  const model = genrec(8);
  const us = users(3);
  const side = itemSideInfo('hand', [...items(true), ...items(true).slice(0, 2)]);
  const s = settings({ decoder: 'sample', bestOf: 2, seed: 1 });
  const r = evaluateLists(model, us, s, side);
  const d = decodeUserLists(model, us, s);
  assert.deepEqual(r.lists, d.lists);
  const scores = scoreLists(d.lists, us, side, s.ks, d);
  assert.deepEqual(r.mean, scores.mean);
  assert.deepEqual(r.metrics, ['recall@1', 'recall@3', 'ndcg@1', 'ndcg@3', 'mgu', 'ild']);
  assert.equal(r.listsDecoded, 2 * us.length);
  assert.ok(r.usersPerSec > 0 && r.listsPerSec > r.usersPerSec);
  assert.equal(r.mean.invalid, 0);
  assert.equal(r.mean.repeated, 0);
  assert.equal(r.mean.inHistory, 0, 'excludeHistory');
  model.dispose();
});

// ---- the list run's helpers ----------------------------------------------------------------------------------------

function handDataset(): ListDataset {
  // training target counts: item 3 ×3, item 1 ×2, item 5 ×2, item 0 ×1, items 2 and 4 never
  const train = [ex([2], [3, 1, 5]), ex([4], [3, 1, 0]), ex([2, 4], [3, 5])];
  return {
    name: 'hand',
    items: items(false).slice(0, 6),
    hasGenres: false,
    train,
    valid: [],
    test: [ex([3, 1], [0]), ex([], [2])],
    protocol: { name: 'hand', params: {} },
    fingerprint: 'x',
    log: [],
  };
}

test('popularLists: the most frequent training targets (ties by index), history excluded with excludeHistory', () => {
  const ds = handDataset();
  // order by count: 3 (3), 1 (2), 5 (2), 0 (1), 2 (0), 4 (0)
  assert.deepEqual(popularLists(ds, ds.test, 3, false), [
    [3, 1, 5],
    [3, 1, 5],
  ]);
  assert.deepEqual(popularLists(ds, ds.test, 3, true), [
    [5, 0, 2],
    [3, 1, 5],
  ]);
  assert.deepEqual(popularLists(ds, [ex([3, 1, 5, 0, 2], [])], 3, true), [[4]], 'shorter when the catalogue runs out');
});

test('alignmentPrompts: n training examples drawn by the seed, all of them (shuffled) when fewer', () => {
  const train = Array.from({ length: 10 }, (_, i) => ex([i], [i + 1]));
  const a = alignmentPrompts(train, 4, 0);
  assert.equal(a.length, 4);
  assert.equal(new Set(a).size, 4);
  assert.deepEqual(alignmentPrompts(train, 4, 0), a, 'deterministic');
  assert.notDeepEqual(alignmentPrompts(train, 4, 1), a, 'another seed, other prompts');
  const all = alignmentPrompts(train, 50, 0);
  assert.equal(all.length, 10);
  assert.deepEqual(
    all.map((e) => e.history[0]).sort((x, y) => x - y),
    train.map((e) => e.history[0]),
  );
});

test('listAsNextItem: each target becomes a next-item row after the history and the targets before it', () => {
  const ds = handDataset();
  const next = listAsNextItem(ds);
  assert.deepEqual(
    next.train.map((r) => [r.history, r.target]),
    [
      [[2], 3],
      [[2, 3], 1],
      [[2, 3, 1], 5],
      [[4], 3],
      [[4, 3], 1],
      [[4, 3, 1], 0],
      [[2, 4], 3],
      [[2, 4, 3], 5],
    ],
  );
  assert.deepEqual([next.valid.length, next.test.length], [0, 0]);
  assert.equal(next.items, ds.items);
});
