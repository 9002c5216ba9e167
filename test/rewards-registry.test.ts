// The reward registry (src/rewards/registry.ts): lookup by name, typed config sections, needs of the data set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/util/config.js';
import {
  REWARDS,
  RewardsConfig,
  createReward,
  itemSideInfo,
  rewardEntry,
  unavailableReason,
  type Reward,
  type RewardInput,
} from '../src/rewards/index.js';

const ITEMS = [{ genres: ['A'] }, { genres: ['B'] }, { genres: ['A', 'B'] }, {}];
const EMB = { numItems: 4, dim: 2, data: new Float32Array([1, 0, 0, 1, 1, 1, 0, 0]) };
const full = itemSideInfo('full', ITEMS, EMB);
const bare = itemSideInfo('bare', [{}, { genres: [] }, {}, {}]); // no genres, no embeddings

const listScore = (r: Reward, input: RewardInput): number => {
  assert.equal(r.scope, 'list');
  return r.scope === 'list' ? r.score(input) : NaN;
};

test('every entry: a doc, a paper, a direction, defaults that parse; created on a data set with everything', () => {
  assert.deepEqual(Object.keys(REWARDS), ['recall', 'ndcg', 'hit', 'rank', 'semantic', 'mgu', 'ild', 'fair', 'div']);
  for (const name of Object.keys(REWARDS)) {
    const e = rewardEntry(name);
    assert.ok(e.doc.length > 10 && e.paper.length > 3, name);
    const r = createReward(name, full);
    assert.equal(r.name, name);
    assert.equal(r.scope, e.scope);
    assert.equal(r.higherIsBetter, name !== 'mgu', name);
  }
  assert.deepEqual(
    Object.keys(REWARDS).filter((n) => rewardEntry(n).scope === 'candidates'),
    ['hit', 'rank', 'semantic'],
  );
});

test('created rewards score like their functions, with the section applied', () => {
  const input = { list: [3, 1, 2], targets: [1, 2], history: [0] };
  // K = 1: [3] holds no target → 0; K = 5 (default): DCG = d(1) + d(2) = 0.6309298 + 0.5; IDCG = 1 + 0.6309298 →
  // 1.1309298 / 1.6309298 = 0.6934264.
  assert.equal(listScore(createReward('ndcg', full, { k: 1 }), input), 0);
  assert.ok(Math.abs(listScore(createReward('ndcg', full), input) - 0.6934264) < 1e-6);
  assert.equal(listScore(createReward('recall', full, { k: 2 }), input), 0.5);
  // fair with λ = 0 is NDCG; with λ = 1: MGU([3,1,2] | [0]) = ({A: 1/3, B: 2/3} vs {A: 1}) = (2/3 + 2/3)/2 = 2/3.
  assert.equal(
    listScore(createReward('fair', full, { lambda: 0 }), input),
    listScore(createReward('ndcg', full), input),
  );
  assert.ok(Math.abs(listScore(createReward('fair', full, { lambda: 1 }), input) - (0.6934264 - 2 / 3)) < 1e-6);
  const rank = createReward('rank', full);
  assert.equal(rank.scope, 'candidates');
  if (rank.scope === 'candidates') assert.deepEqual(rank.score({ list: [1, 0], targets: [0], history: [] }).length, 2);
  const sem = createReward('semantic', full, { form: 'vstar-return' });
  if (sem.scope === 'candidates') assert.deepEqual(sem.score({ list: [0, 1], targets: [0], history: [] }), [1, -1]);
});

test('a reward that needs genres or embeddings the data set lacks is refused by name', () => {
  for (const name of ['mgu', 'ild', 'fair', 'div']) {
    assert.throws(
      () => createReward(name, bare),
      new RegExp(`^Error: reward '${name}' needs item genres; data set bare has none$`),
    );
    assert.equal(unavailableReason(name, bare), `reward '${name}' needs item genres; data set bare has none`);
  }
  assert.throws(
    () => createReward('semantic', bare),
    /reward 'semantic' needs item embeddings; data set bare has none/,
  );
  const genresOnly = itemSideInfo('genres-only', ITEMS);
  assert.equal(unavailableReason('mgu', genresOnly), undefined);
  assert.match(unavailableReason('semantic', genresOnly) ?? '', /needs item embeddings; data set genres-only/);
  for (const name of ['recall', 'ndcg', 'hit', 'rank']) {
    assert.equal(unavailableReason(name, bare), undefined);
    createReward(name, bare);
  }
  assert.equal(bare.genres, undefined); // empty genre lists count as none
  assert.equal(full.genreCount, 2);
});

test('lookup and config errors name the reward or the key', () => {
  assert.throws(
    () => createReward('ndgc', full),
    /unknown reward 'ndgc' \(did you mean 'ndcg'\?\); known: recall, ndcg,/,
  );
  assert.throws(() => rewardEntry('toString'), /unknown reward 'toString'/);
  assert.throws(
    () => createReward('fair', full, { lamda: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.key, 'lamda');
      assert.match(e.message, /unknown key 'lamda' in fair config; did you mean 'lambda'\?/);
      return true;
    },
  );
  assert.throws(() => createReward('fair', full, { lambda: -1 }), /fair\.lambda: must be >= 0, got -1/);
  assert.throws(() => createReward('ndcg', full, { k: 0 }), /ndcg\.k: must be >= 1, got 0/);
  assert.throws(() => createReward('recall', full, { k: 2.5 }), /recall\.k: must be an integer, got 2\.5/);
  assert.throws(() => createReward('div', full, { relevance: 'mrr' }), /div\.relevance/);
  assert.throws(() => createReward('hit', full, { k: 5 }), /unknown key 'k' in hit config/);
  // The config is checked before the data set: a bad key is reported even where the reward is unavailable.
  assert.throws(() => createReward('mgu', bare, { x: 1 }), /unknown key 'x' in mgu config/);
});

test('RewardsConfig: every section with the paper defaults; errors name the dotted key', () => {
  const d = RewardsConfig.defaults();
  assert.equal(d.fair.lambda, 0.5);
  assert.equal(d.div.lambda, 0.5);
  assert.equal(d.fair.relevance, 'ndcg');
  assert.equal(d.ndcg.k, 5);
  assert.equal(d.recall.k, 5);
  assert.equal(d.semantic.form, 'cosine');
  const c = RewardsConfig.parse({ fair: { lambda: 2 }, ndcg: { k: 3 } });
  assert.equal(c.fair.lambda, 2);
  assert.equal(c.fair.k, 5);
  assert.equal(c.ndcg.k, 3);
  assert.equal(listScore(createReward('fair', full, c.fair), { list: [0], targets: [0], history: [0] }), 1);
  assert.throws(() => RewardsConfig.parse({ fiar: {} }), /unknown key 'fiar' in rewards config; did you mean 'fair'\?/);
  assert.throws(() => RewardsConfig.parse({ div: { lambda: 'big' } }), /rewards\.div\.lambda: must be a finite number/);
  assert.ok(RewardsConfig.keys().includes('fair.lambda'));
  assert.match(RewardsConfig.docs(), /BLADE §4\.4/);
});

test('side information: embedding shape and catalogue checks', () => {
  assert.throws(
    () => itemSideInfo('x', ITEMS, { numItems: 3, dim: 2, data: new Float32Array(6) }),
    /3 rows for 4 items/,
  );
  assert.throws(
    () => itemSideInfo('x', ITEMS, { numItems: 4, dim: 2, data: new Float32Array(7) }),
    /7 values, not 4 × 2/,
  );
  const mgu = createReward('mgu', full);
  assert.throws(
    () => mgu.score({ list: [4], targets: [], history: [0] }),
    /item 4 is not in the catalogue of data set full/,
  );
});
