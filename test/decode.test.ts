import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, tensor, type Tensor } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import { beamSearch, beamSearchDetailed } from '../src/decode/beam.js';
import { greedyDecode } from '../src/decode/greedy.js';
import { exactTopK } from '../src/decode/exact.js';
import type { Hypothesis, StepModel } from '../src/decode/types.js';
import {
  FakeConcatModel,
  FakeModel,
  itemScores,
  randInt,
  randomTrie,
  ranking,
  rng,
  type FakeState,
} from './decode-fake.js';

const TOL = 1e-9; // scores are float64 sums of the same float32 values, in the same order

/** Asserts hypotheses equal the brute-force ranking's top entries (same items, same order, same scores). */
function assertMatchesRanking(hs: Hypothesis[], scores: Float64Array, k: number, msg: string): void {
  const rank = ranking(scores);
  assert.equal(hs.length, Math.min(k, scores.length), `${msg}: count`);
  for (let i = 0; i < hs.length; i++) {
    // Exact ties (none expected with random float logits) would make the order ambiguous.
    if (i + 1 < rank.length) assert.notEqual(scores[rank[i]], scores[rank[i + 1]], `${msg}: tie in brute force`);
    assert.equal(hs[i].item, rank[i], `${msg}: rank ${i}`);
    assert.ok(Math.abs(hs[i].logProb - scores[rank[i]]) < 1e-5, `${msg}: logProb at rank ${i}`);
  }
}

function assertValidDistinct(hs: Hypothesis[], trie: PrefixTrie, msg: string): void {
  const seen = new Set<number>();
  for (const h of hs) {
    assert.ok(Number.isInteger(h.item) && h.item >= 0 && h.item < trie.numItems, `${msg}: invalid item ${h.item}`);
    assert.ok(!seen.has(h.item), `${msg}: duplicate item ${h.item}`);
    seen.add(h.item);
  }
  for (let i = 1; i < hs.length; i++) assert.ok(hs[i - 1].logProb >= hs[i].logProb, `${msg}: not sorted`);
}

// ---------------------------------------------------------------------------------------------
// Reference: HF beam search (num_beams=B, length_penalty=0, early_stopping=False) with a
// prefix-constrained logits processor, one user at a time, plain JS arrays.

interface RefResult {
  hyps: Hypothesis[];
  prunedAt: number;
}

function refBeam(
  lp: (prefix: number[]) => Float32Array,
  trie: PrefixTrie,
  B: number,
  K: number,
  stop: 'hf' | 'running',
  target: number,
): RefResult {
  interface Beam {
    toks: number[];
    node: number;
    score: number;
  }
  let beams: Beam[] = [{ toks: [], node: 0, score: 0 }];
  const pool: { item: number; score: number }[] = [];
  const tCode = target >= 0 ? Array.from(trie.codeOf(target)) : [];
  let tState: 'running' | 'pooled' | 'pruned' = 'running';
  let prunedAt = -1;
  const isTargetPrefix = (toks: number[]): boolean =>
    toks.length <= tCode.length && toks.every((t, i) => t === tCode[i]);
  for (let step = 0; beams.length > 0; step++) {
    const cands: Beam[] = [];
    for (const b of beams) {
      const l = lp(b.toks);
      const ch = trie.children(b.node);
      for (let i = 0; i < ch.tokens.length; i++) {
        cands.push({ toks: [...b.toks, ch.tokens[i]], node: ch.nodes[i], score: b.score + l[ch.tokens[i]] });
      }
    }
    cands.sort((x, y) => y.score - x.score);
    const top = cands.slice(0, 2 * B);
    const next: Beam[] = [];
    let tKept = false;
    for (let i = 0; i < top.length; i++) {
      const c = top[i];
      if (c.score === -Infinity) break;
      const item = trie.itemAt(c.node);
      if (item >= 0) {
        if (i >= B) continue;
        let added = false;
        if (pool.length < B) {
          pool.push({ item, score: c.score });
          added = true;
        } else {
          let w = 0;
          for (let j = 1; j < pool.length; j++) if (pool[j].score < pool[w].score) w = j;
          if (c.score > pool[w].score) {
            if (pool[w].item === target && tState === 'pooled') {
              tState = 'pruned';
              prunedAt = trie.depth[trie.itemLeaf[target]] - 1; // evicted after finishing: its last step
            }
            pool[w] = { item, score: c.score };
            added = true;
          }
        }
        if (added && item === target && tState === 'running') {
          tState = 'pooled';
          tKept = true;
        }
      } else {
        next.push(c);
        if (tState === 'running' && isTargetPrefix(c.toks)) tKept = true;
        if (next.length === B) break;
      }
    }
    if (target >= 0 && tState === 'running' && !tKept) {
      tState = 'pruned';
      prunedAt = step;
    }
    const worst = Math.min(...pool.map((p) => p.score));
    const done =
      next.length === 0 || (pool.length === B && (stop === 'hf' ? worst >= top[0].score : next[0].score <= worst));
    if (done) {
      if (target >= 0 && tState === 'running') {
        tState = 'pruned';
        prunedAt = step;
      }
      break;
    }
    beams = next;
  }
  const hyps = pool
    .map((p) => ({ item: p.item, logProb: p.score }))
    .sort((x, y) => y.logProb - x.logProb)
    .slice(0, K);
  return { hyps, prunedAt };
}

function userSeeds(r: () => number, n: number): number[] {
  return Array.from({ length: n }, () => randInt(r, 0, 1e9));
}

// ---------------------------------------------------------------------------------------------

test('beam search with B ≥ #items returns the brute-force ranking', () => {
  const r = rng(11);
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 4);
    const model = new FakeModel(vocab, userSeeds(r, U));
    const B = codes.length + randInt(r, 0, 3);
    const K = randInt(r, 1, B);
    const before = liveTensors();
    const hs = beamSearch(
      { model, constraint: trie, numUsers: U },
      { beamWidth: B, topK: K, lengthPenalty: 0, scoring: 'full' },
    );
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0, 'every state disposed');
    for (let u = 0; u < U; u++) {
      const msg = `case ${cas} user ${u}`;
      assertValidDistinct(hs[u], trie, msg);
      assertMatchesRanking(hs[u], itemScores(model, u, codes), K, msg);
    }
  }
});

test('beam search matches an unbatched reference of the HF semantics (small B, many users)', () => {
  const r = rng(12);
  let cases = 0;
  let pruned = 0;
  let earlyStops = 0;
  for (let cas = 0; cas < 150; cas++) {
    const { trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 6);
    const model = new FakeModel(vocab, userSeeds(r, U), [0.5, 3, 8][cas % 3]);
    const B = randInt(r, 1, 5);
    const K = randInt(r, 1, B);
    const targets = Int32Array.from({ length: U }, () => randInt(r, 0, trie.numItems - 1));
    const before = liveTensors();
    const res = beamSearchDetailed(
      { model, constraint: trie, numUsers: U },
      { beamWidth: B, topK: K, lengthPenalty: 0, scoring: 'full' },
      { targets },
    );
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(model.liveStates, 0);
    assert.ok(res.prunedAt !== null);
    for (let u = 0; u < U; u++) {
      const msg = `case ${cas} user ${u} (B=${B}, K=${K})`;
      const lp = (p: number[]): Float32Array => model.lp(u, p);
      const hf = refBeam(lp, trie, B, K, 'hf', targets[u]);
      const run = refBeam(lp, trie, B, K, 'running', targets[u]);
      assertValidDistinct(res.hypotheses[u], trie, msg);
      // the two stopping rules give the same items
      assert.deepEqual(run.hyps, hf.hyps, `${msg}: stopping rules differ`);
      assert.equal(res.hypotheses[u].length, hf.hyps.length, `${msg}: count`);
      for (let i = 0; i < hf.hyps.length; i++) {
        assert.equal(res.hypotheses[u][i].item, hf.hyps[i].item, `${msg}: item at ${i}`);
        assert.ok(Math.abs(res.hypotheses[u][i].logProb - hf.hyps[i].logProb) < TOL, `${msg}: score at ${i}`);
      }
      assert.equal(res.prunedAt[u], run.prunedAt, `${msg}: prunedAt`);
      if (run.prunedAt >= 0) pruned++;
      cases++;
    }
    // steps: one start + one advance per step; rows never exceed U·B per step
    assert.ok(res.rowsEvaluated <= U + (res.steps - 1) * U * B);
    if (res.steps < trie.maxDepth) earlyStops++;
  }
  assert.ok(cases > 300);
  assert.ok(pruned > 20, `some targets pruned (${pruned})`);
  assert.ok(earlyStops > 0, 'some searches stop before the maximal depth');
});

test('beam search: prunedAt is -1 exactly when the target is in the final pool (topK = B)', () => {
  const r = rng(13);
  for (let cas = 0; cas < 40; cas++) {
    const { trie, vocab } = randomTrie(r);
    const U = 4;
    const model = new FakeModel(vocab, userSeeds(r, U));
    const B = randInt(r, 1, 4);
    const targets = Int32Array.from({ length: U }, () => randInt(r, 0, trie.numItems - 1));
    const res = beamSearchDetailed(
      { model, constraint: trie, numUsers: U },
      { beamWidth: B, topK: B, lengthPenalty: 0, scoring: 'full' },
      { targets },
    );
    for (let u = 0; u < U; u++) {
      const inPool = res.hypotheses[u].some((h) => h.item === targets[u]);
      assert.equal(res.prunedAt![u] === -1, inPool, `case ${cas} user ${u}`);
      if (!inPool) assert.ok(res.prunedAt![u] < trie.depth[trie.itemLeaf[targets[u]]]);
    }
  }
});

test('beam search: hand-checked example (rank-≥B EOS skipped, root with one child, short pool)', () => {
  // vocab 4, EOS = 3. items: 0 = [0, EOS], 1 = [0, 1, EOS], 2 = [0, 2, EOS]
  const trie = PrefixTrie.build(
    [
      [0, 3],
      [0, 1, 3],
      [0, 2, 3],
    ],
    3,
  );
  const L = Math.log;
  // Hand-written distributions per prefix (mass outside the trie's valid tokens is allowed).
  const table: Record<string, number[]> = {
    '': [L(0.9), L(0.05), L(0.03), L(0.02)],
    '0': [L(0.1), L(0.5), L(0.15), L(0.25)], // children: 1 (0.5), 2 (0.15), EOS (0.25)
    '0,1': [L(0.1), L(0.1), L(0.1), L(0.7)],
    '0,2': [L(0.1), L(0.1), L(0.1), L(0.7)],
  };
  const model = new TableModel(4, table);
  const lp0 = Math.fround(L(0.9));
  const f = (x: number): number => Math.fround(L(x));
  // B = 1: step 0 -> [0]; step 1 candidates (top 2): [0,1] 0.45, [0,EOS] 0.225 (rank 1 ≥ B: skipped);
  // step 2: [0,1,EOS] -> pool = {item 1}. Item 0 (0.225) beats nothing... it was skipped.
  const h1 = beamSearch(
    { model, constraint: trie, numUsers: 1 },
    { beamWidth: 1, topK: 1, lengthPenalty: 0, scoring: 'full' },
  )[0];
  assert.deepEqual(
    h1.map((h) => h.item),
    [1],
  );
  assert.ok(Math.abs(h1[0].logProb - (lp0 + f(0.5) + f(0.7))) < 1e-12);
  // B = 2: step 1 top-4: [0,1] .45, [0,EOS] .225 (rank 1 < 2: pooled), [0,2] .135; beams [0,1], [0,2].
  // pool after step 2: {0: .225, 1: .315} full; [0,2,EOS] .0945 < worst: not added.
  const h2 = beamSearch(
    { model, constraint: trie, numUsers: 1 },
    { beamWidth: 2, topK: 2, lengthPenalty: 0, scoring: 'full' },
  )[0];
  assert.deepEqual(
    h2.map((h) => h.item),
    [1, 0],
  );
  // B = 5 > #items: everything, sorted: 1 (.315), 0 (.225), 2 (.0945)
  const h5 = beamSearch(
    { model, constraint: trie, numUsers: 1 },
    { beamWidth: 5, topK: 5, lengthPenalty: 0, scoring: 'full' },
  )[0];
  assert.deepEqual(
    h5.map((h) => h.item),
    [1, 0, 2],
  );
  model.users = 3;
  const res = beamSearchDetailed(
    { model, constraint: trie, numUsers: 3 },
    { beamWidth: 1, topK: 1, lengthPenalty: 0, scoring: 'full' },
    { targets: Int32Array.from([0, 1, 2]) },
  );
  assert.deepEqual(Array.from(res.prunedAt!), [1, -1, 1]); // item 0: EOS at rank 1 ≥ B; item 2: not a beam
});

/** A model reading log-probs from a table keyed by prefix (same distributions for every user). */
class TableModel implements StepModel<{ p: Tensor; keys: string[] }> {
  liveStates = 0;
  constructor(
    readonly vocabSize: number,
    private readonly table: Record<string, number[]>,
  ) {}
  private emit(keys: string[]): { logProbs: Tensor; state: { p: Tensor; keys: string[] } } {
    const V = this.vocabSize;
    const out = new Float32Array(keys.length * V).fill(-Infinity);
    keys.forEach((k, i) => {
      const row = this.table[k];
      if (row) out.set(row, i * V);
    });
    this.liveStates++;
    return { logProbs: tensor(out, [keys.length, V]), state: { p: tensor([keys.length]), keys } };
  }
  start(): { logProbs: Tensor; state: { p: Tensor; keys: string[] } } {
    return this.emit(Array.from({ length: this.users }, () => ''));
  }
  /** Number of (identical) users served by start(). */
  users = 1;
  advance(
    state: { p: Tensor; keys: string[] },
    rows: Tensor,
    tokens: Tensor,
  ): { logProbs: Tensor; state: { p: Tensor; keys: string[] } } {
    const r = rows.toInt32();
    const t = tokens.toInt32();
    return this.emit(Array.from(r, (row, i) => (state.keys[row] === '' ? `${t[i]}` : `${state.keys[row]},${t[i]}`)));
  }
  dispose(state: { p: Tensor }): void {
    state.p.dispose();
    this.liveStates--;
  }
}

test('greedy decoding equals the brute-force greedy path', () => {
  const r = rng(14);
  for (let cas = 0; cas < 60; cas++) {
    const { trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 6);
    const model = new FakeModel(vocab, userSeeds(r, U));
    const before = liveTensors();
    const hs = greedyDecode({ model, constraint: trie, numUsers: U }, { scoring: 'full' });
    assert.equal(liveTensors(), before);
    assert.equal(model.liveStates, 0);
    for (let u = 0; u < U; u++) {
      let node = 0;
      let score = 0;
      const prefix: number[] = [];
      while (trie.itemAt(node) < 0) {
        const l = model.lp(u, prefix);
        const ch = trie.children(node);
        let best = 0;
        for (let i = 1; i < ch.tokens.length; i++) if (l[ch.tokens[i]] > l[ch.tokens[best]]) best = i;
        score += l[ch.tokens[best]];
        prefix.push(ch.tokens[best]);
        node = ch.nodes[best];
      }
      assert.equal(hs[u].item, trie.itemAt(node), `case ${cas} user ${u}`);
      assert.ok(Math.abs(hs[u].logProb - score) < TOL);
    }
  }
});

test('exact top-K equals brute force for every K and batching, with and without model.concat, compaction and eviction', () => {
  const r = rng(15);
  let callsPlain = 0;
  let callsConcat = 0;
  let compactions = 0;
  let evictions = 0;
  for (let cas = 0; cas < 60; cas++) {
    const { codes, trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 5);
    const seeds = userSeeds(r, U);
    const peak = [0.5, 3, 8][cas % 3];
    const internal = new Set<number>();
    for (let v = 0; v < trie.numNodes; v++) if (trie.childCount(v) > 0) internal.add(v);
    for (const K of [1, randInt(r, 1, codes.length), codes.length, codes.length + 2]) {
      const batching = [
        { maxRowsPerRound: 1, maxPopsPerUser: 1 },
        { maxRowsPerRound: 64, maxPopsPerUser: 1 },
        { maxRowsPerRound: 7, maxPopsPerUser: 3 },
      ][randInt(r, 0, 2)];
      const results = [];
      const variants = [
        { model: new FakeModel(vocab, seeds, peak), maxStateRows: 1e9 },
        { model: new FakeConcatModel(vocab, seeds, peak), maxStateRows: 1e9 },
        // state limits that force compaction / eviction after (nearly) every round
        { model: new FakeConcatModel(vocab, seeds, peak), maxStateRows: randInt(r, 1, 6) },
        { model: new FakeModel(vocab, seeds, peak), maxStateRows: 1 },
      ];
      for (const { model, maxStateRows } of variants) {
        const before = liveTensors();
        const res = exactTopK(
          { model, constraint: trie, numUsers: U },
          { topK: K, ...batching, maxStateRows, scoring: 'full' },
        );
        if (maxStateRows === 1e9) assert.equal(res.compactions + res.evictions + res.recomputedRows, 0);
        compactions += res.compactions;
        evictions += res.evictions;
        assert.equal(liveTensors(), before, 'no tensor leaks');
        assert.equal(model.liveStates, 0, 'every segment (and concatenated state) disposed');
        assert.equal(res.internalNodes, internal.size);
        assert.equal(model.starts + model.advances, res.modelCalls);
        assert.equal(
          model.rows,
          res.expansions.reduce((a, b) => a + b, 0) + res.recomputedRows,
          'model rows = expansions + recomputed rows',
        );
        for (let u = 0; u < U; u++) {
          const msg = `case ${cas} K=${K} user ${u}`;
          assertValidDistinct(res.hypotheses[u], trie, msg);
          assertMatchesRanking(res.hypotheses[u], itemScores(model, u, codes), K, msg);
          assert.ok(res.expansions[u] >= 1 && res.expansions[u] <= res.internalNodes, `${msg}: expansions`);
        }
        results.push(res);
      }
      assert.deepEqual(results[0].hypotheses, results[1].hypotheses);
      assert.deepEqual(results[0].expansions, results[1].expansions, 'same search, different batching of calls');
      for (const i of [2, 3]) {
        assert.deepEqual(results[i].hypotheses, results[1].hypotheses, 'compaction / eviction keep the result');
        assert.deepEqual(results[i].expansions, results[1].expansions, 'compaction / eviction keep the search');
      }
      callsPlain += results[0].modelCalls;
      callsConcat += results[1].modelCalls;
    }
  }
  assert.ok(callsConcat < 0.8 * callsPlain, `concat saves model calls (${callsConcat} vs ${callsPlain})`);
  assert.ok(compactions > 50 && evictions > 50, `compaction (${compactions}) and eviction (${evictions}) ran`);
});

test('exact top-K: a state limit bounds live model state on a long search, same result', () => {
  const r = rng(18);
  const { codes, trie, vocab } = randomTrie(r, { minItems: 400, maxItems: 400, maxLen: 8 });
  const U = 8;
  const seeds = userSeeds(r, U);
  const run = (maxStateRows: number | undefined) => {
    const model = new FakeConcatModel(vocab, seeds, 1); // flat model: long searches, big frontiers
    const res = exactTopK(
      { model, constraint: trie, numUsers: U },
      { topK: 10, maxRowsPerRound: 16, maxPopsPerUser: 2, scoring: 'full', maxStateRows },
    );
    assert.equal(model.liveStates, 0);
    return { res, model };
  };
  const loose = run(1e9);
  const tight = run(32);
  assert.equal(loose.res.compactions + loose.res.evictions, 0);
  assert.ok(tight.res.compactions > 0 && tight.res.evictions > 0);
  assert.ok(tight.res.recomputedRows > 0);
  assert.deepEqual(tight.res.hypotheses, loose.res.hypotheses);
  assert.deepEqual(tight.res.expansions, loose.res.expansions);
  for (let u = 0; u < U; u++)
    assertMatchesRanking(tight.res.hypotheses[u], itemScores(tight.model, u, codes), 10, `user ${u}`);
  assert.ok(
    tight.res.peakStateRows <= 32 + 16 + 16 && tight.res.peakStateRows < 0.5 * loose.res.peakStateRows,
    `peak state rows ${tight.res.peakStateRows} vs ${loose.res.peakStateRows} without compaction`,
  );
});

test('exact top-K with per-user floors equals brute force over the items above each floor', () => {
  const r = rng(17);
  for (let cas = 0; cas < 40; cas++) {
    const { codes, trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 5);
    const model = new FakeModel(vocab, userSeeds(r, U), [0.5, 3, 8][cas % 3]);
    const scores = Array.from({ length: U }, (_, u) => itemScores(model, u, codes));
    // a floor between two item scores, below every item, or +Infinity (user skipped)
    const thresholds = Float64Array.from(scores, (sc, u) => {
      const sorted = Array.from(sc).sort((a, b) => b - a);
      if (u === 0 && cas % 4 === 0) return Infinity;
      if (u === 1) return -Infinity;
      const i = randInt(r, 0, sorted.length - 1);
      return i + 1 < sorted.length ? (sorted[i] + sorted[i + 1]) / 2 : sorted[i] - 1;
    });
    const K = randInt(r, 1, codes.length + 1);
    const floored = exactTopK(
      { model, constraint: trie, numUsers: U },
      { topK: K, maxRowsPerRound: 16, maxPopsPerUser: 2, scoring: 'full', thresholds },
    );
    const plain = exactTopK(
      { model, constraint: trie, numUsers: U },
      { topK: K, maxRowsPerRound: 16, maxPopsPerUser: 2, scoring: 'full' },
    );
    for (let u = 0; u < U; u++) {
      const msg = `case ${cas} user ${u}`;
      const want = plain.hypotheses[u].filter((h) => h.logProb > thresholds[u]);
      assert.deepEqual(floored.hypotheses[u], want, msg);
      assert.ok(floored.expansions[u] <= plain.expansions[u], `${msg}: a floor never adds work`);
      if (thresholds[u] === Infinity) assert.equal(floored.expansions[u], 1, `${msg}: only the root row`);
      const above = Array.from(scores[u]).filter((x) => x > thresholds[u]).length;
      assert.equal(floored.hypotheses[u].length, Math.min(K, above), `${msg}: count`);
    }
  }
  const { trie, vocab } = randomTrie(rng(3));
  const model = new FakeModel(vocab, [1], 1);
  assert.throws(
    () =>
      exactTopK(
        { model, constraint: trie, numUsers: 1 },
        { topK: 1, maxRowsPerRound: 1, maxPopsPerUser: 1, scoring: 'full', thresholds: new Float64Array(2) },
      ),
    /'thresholds' has 2 entries for 1 users/,
  );
});

test('exact top-K expands far fewer prefixes than exhaustive scoring on a peaked model', () => {
  const r = rng(16);
  const { codes, trie, vocab } = randomTrie(r, { minItems: 400, maxItems: 400, maxLen: 8 });
  assert.ok(codes.length > 300);
  const U = 8;
  const model = new FakeModel(vocab, userSeeds(r, U), 12);
  const res = exactTopK(
    { model, constraint: trie, numUsers: U },
    { topK: 5, maxRowsPerRound: 64, maxPopsPerUser: 2, scoring: 'full' },
  );
  const mean = res.expansions.reduce((a, b) => a + b, 0) / U;
  assert.ok(mean < 0.25 * res.internalNodes, `mean expansions ${mean} vs ${res.internalNodes} internal nodes`);
  for (let u = 0; u < U; u++) assertMatchesRanking(res.hypotheses[u], itemScores(model, u, codes), 5, `user ${u}`);
  // and beam search with a wide beam finds the same top-5 here
  const bs = beamSearch(
    { model, constraint: trie, numUsers: U },
    { beamWidth: 50, topK: 5, lengthPenalty: 0, scoring: 'full' },
  );
  for (let u = 0; u < U; u++) {
    assert.deepEqual(
      bs[u].map((h) => h.item),
      res.hypotheses[u].map((h) => h.item),
    );
  }
});

test('decoders reject bad settings and bad model outputs, without leaking', () => {
  const { trie, vocab } = randomTrie(rng(17));
  const model = new FakeModel(vocab, [1, 2]);
  const input = { model, constraint: trie, numUsers: 2 };
  assert.throws(() => beamSearch(input, { beamWidth: 2, topK: 3, lengthPenalty: 0, scoring: 'full' }), /'topK'/);
  assert.throws(() => beamSearch(input, { beamWidth: 0, topK: 1, lengthPenalty: 0, scoring: 'full' }), /'beamWidth'/);
  assert.throws(() => beamSearch(input, { beamWidth: 2.5, topK: 1, lengthPenalty: 0, scoring: 'full' }), /'beamWidth'/);
  assert.throws(
    () => beamSearch(input, { beamWidth: 2, topK: 1, lengthPenalty: 1 as unknown as 0, scoring: 'full' }),
    /'lengthPenalty'/,
  );
  assert.throws(
    () =>
      beamSearchDetailed(
        input,
        { beamWidth: 2, topK: 1, lengthPenalty: 0, scoring: 'full' },
        { targets: Int32Array.from([0]) },
      ),
    /'targets'/,
  );
  assert.throws(
    () =>
      beamSearchDetailed(
        input,
        { beamWidth: 2, topK: 1, lengthPenalty: 0, scoring: 'full' },
        { targets: Int32Array.from([0, 999]) },
      ),
    /targets\[1\]/,
  );
  assert.throws(
    () => exactTopK(input, { topK: 1, maxRowsPerRound: 0, maxPopsPerUser: 1, scoring: 'full' }),
    /'maxRowsPerRound'/,
  );
  assert.throws(
    () => exactTopK(input, { topK: 1, maxRowsPerRound: 1, maxPopsPerUser: 1, scoring: 'full', maxStateRows: 0 }),
    /'maxStateRows'/,
  );
  assert.throws(() => greedyDecode({ model, constraint: trie, numUsers: -1 }, { scoring: 'full' }), /'numUsers'/);
  assert.equal(
    beamSearch({ model, constraint: trie, numUsers: 0 }, { beamWidth: 2, topK: 1, lengthPenalty: 0, scoring: 'full' })
      .length,
    0,
  );

  // A model whose advance returns the wrong shape: loud error, nothing leaked.
  class BadModel extends FakeModel {
    override advance(state: FakeState, rows: Tensor, tokens: Tensor): { logProbs: Tensor; state: FakeState } {
      const out = super.advance(state, rows, tokens);
      return { logProbs: out.logProbs.narrow(1, 0, 2), state: out.state };
    }
  }
  const bad = new BadModel(vocab, [1, 2]);
  const before = liveTensors();
  const deep = trie.maxDepth > 1;
  if (deep) {
    assert.throws(
      () =>
        beamSearch(
          { model: bad, constraint: trie, numUsers: 2 },
          { beamWidth: 2, topK: 1, lengthPenalty: 0, scoring: 'full' },
        ),
      /logProbs of shape \[\d+, 2\], expected/,
    );
    assert.throws(
      () =>
        exactTopK(
          { model: bad, constraint: trie, numUsers: 2 },
          { topK: 3, maxRowsPerRound: 4, maxPopsPerUser: 1, scoring: 'full' },
        ),
      /expected/,
    );
    assert.equal(liveTensors(), before);
    assert.equal(bad.liveStates, 0);
  }
});
