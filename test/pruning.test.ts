// Pruning diagnostics (src/eval/pruning/) on hand-worked examples with a table-driven fake StepModel, and the
// sibling-rank computation by step-model walk vs a brute-force reading of the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, setNumThreads } from '../src/engine/index.js';
import { CODES, T0, T1, TRIE, TableModel, tinyGenRec, type Table } from './bear-fixture.js';
import { itemLogProbs, modelPruningDiagnostics, siblingRanksTeacherForced } from '../src/eval/pruning/model.js';
import { pruningDiagnostics } from '../src/eval/pruning/diagnostics.js';
import { siblingRanksFromStepModel, violationSteps, type SiblingRanks } from '../src/eval/pruning/sibling-ranks.js';
import type { PruningSummary } from '../src/eval/pruning/summary.js';

setNumThreads(1);

// Users: (table, target). Exact ranks (0-based) and beam results worked out in the table comments.
const USERS: [Table, number][] = [
  [T0, 4], // exact rank 0; beam [2, 0] → pruned at K=1,2; c has sibling rank 2 ≥ B → violated
  [T1, 1], // exact rank 1; beam [2, 0] → pruned at K=2; ranks 0, 1, 0 → not violated
  [T1, 2], // exact rank 2 → no case; beam rank 0
  [T1, 4], // exact rank 0; pruned at K=1,2; violated (c rank 2)
  [T0, 2], // exact rank 1 → case at K=2 only; beam rank 0 → not pruned
];

/** A summary without its wall-clock timings (which differ between equal runs). */
function withoutSeconds(s: PruningSummary): Omit<PruningSummary, 'seconds'> {
  const { seconds: _seconds, ...rest } = s;
  return rest;
}

function source(model: TableModel) {
  return {
    trie: TRIE,
    numUsers: USERS.length,
    stepModel: () => model,
  };
}

test('PR@K and the necessary-condition share match the hand-worked example', () => {
  const before = liveTensors();
  const model = new TableModel(USERS.map(([t]) => t));
  const targets = Int32Array.from(USERS, ([, t]) => t);
  {
    // one chunk: this fake model serves all users at once (chunking is tested below)
    const r = pruningDiagnostics(source(model), targets, {
      beamWidth: 2,
      ks: [1, 2],
      chunkUsers: 5,
      exactMode: 'full',
    });
    assert.deepEqual(Array.from(r.perUser.exactRank), [0, 1, -1, 0, 1]);
    assert.deepEqual(Array.from(r.perUser.beamRank), [-1, -1, 0, -1, 0]);
    assert.deepEqual(Array.from(r.perUser.violationStep), [0, -1, -1, 0, -1]);
    assert.deepEqual(Array.from(r.perUser.maxSiblingRank), [2, 1, 1, 2, 1]);
    assert.deepEqual(Array.from(r.perUser.prunedAt), [0, 1, -1, 0, -1]);
    assert.deepEqual(r.summary.byK['pr@1'], { cases: 2, pruned: 2, rate: 1, violated: 2, necessaryShare: 1 });
    assert.deepEqual(r.summary.byK['pr@2'], { cases: 4, pruned: 3, rate: 3 / 4, violated: 2, necessaryShare: 2 / 3 });
    assert.deepEqual(Array.from(r.perUser.pruned['pr@2']), [1, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(r.perUser.isCase['pr@1']), [1, 0, 0, 1, 0]);
    // what pruning costs: exact HR@2 = 4/5, beam HR@2 = 2/5; HR@1 exact 2/5, beam 2/5 (users 2 and 4)
    assert.equal(r.summary.exact['hr@2'], 4 / 5);
    assert.equal(r.summary.beam['hr@2'], 2 / 5);
    assert.equal(r.summary.exact['hr@1'], 2 / 5);
    assert.equal(r.summary.beam['hr@1'], 2 / 5);
    const ndcgRank1 = 1 / Math.log2(3);
    assert.ok(Math.abs(r.summary.exact['ndcg@2'] - (1 + ndcgRank1 + 1 + ndcgRank1) / 5) < 1e-12);
    assert.equal(r.summary.violationRate, 2 / 5);
    assert.equal(r.summary.internalNodes, 9); // root, a, b, c, aa, ab, ba, bb, ca
    assert.equal(r.summary.numNodes, 14);
    for (const x of r.perUser.expansions) assert.ok(x >= 1 && x <= 9, `expansions ${x}`);
    // user 0 (T0): best-first must expand root, a, b, c, ca, then ba before its 2nd item is certain: ≥ 6 rows
    assert.ok(r.perUser.expansions[0] >= 6);
  }
  assert.equal(model.live, 0, 'every state disposed');
  assert.equal(liveTensors(), before, 'no tensor leaked');
});

test('chunked diagnostics equal the unchunked ones', () => {
  const targets = Int32Array.from(USERS, ([, t]) => t);
  const tables = USERS.map(([t]) => t);
  const src = (chunk: boolean) => ({
    trie: TRIE,
    numUsers: USERS.length,
    stepModel: (from: number, to: number) => new TableModel(chunk ? tables.slice(from, to) : tables),
  });
  const full = pruningDiagnostics(src(false), targets, { beamWidth: 2, ks: [1, 2], chunkUsers: 5 });
  const progress: number[][] = [];
  const chunked = pruningDiagnostics(src(true), targets, { beamWidth: 2, ks: [1, 2], chunkUsers: 2 }, (d, t) =>
    progress.push([d, t]),
  );
  assert.deepEqual(progress, [
    [2, 5],
    [4, 5],
    [5, 5],
  ]);
  assert.deepEqual(withoutSeconds(chunked.summary), withoutSeconds(full.summary));
  assert.deepEqual(Array.from(chunked.perUser.beamRank), Array.from(full.perUser.beamRank));
  // B = 3 keeps every root token, so nothing violates; yet T1's ca (.1) loses at step 1 to ba .27, aa .25, ab .2:
  // a pruning WITHOUT violation. T0 beam: ca, ba, aa → [4, 2, 0]; T1 beam: ba, aa, ab → [1 (.06), 2 (.054), 0].
  const wide = pruningDiagnostics(src(true), targets, { beamWidth: 3, ks: [1, 2], chunkUsers: 2 });
  assert.deepEqual(Array.from(wide.perUser.beamRank), [0, 0, 1, -1, 1]);
  assert.deepEqual(wide.summary.byK['pr@1'], { cases: 2, pruned: 1, rate: 1 / 2, violated: 0, necessaryShare: 0 });
  assert.deepEqual(wide.summary.byK['pr@2'], { cases: 4, pruned: 1, rate: 1 / 4, violated: 0, necessaryShare: 0 });
  assert.equal(wide.summary.violationRate, 0);
  // B = 1 (greedy): pr@1 cases u0, u3; T0 greedy a→a (aa .24), T1 greedy a→a (aa .05): both pruned, both violate
  const greedy = pruningDiagnostics(src(true), targets, { beamWidth: 1, ks: [1], chunkUsers: 3 });
  assert.deepEqual(greedy.summary.byK['pr@1'], { cases: 2, pruned: 2, rate: 1, violated: 2, necessaryShare: 1 });
  // no case at all (user 2's target is third in exact order): PR@1 is NaN, not 0
  const one = { trie: TRIE, numUsers: 1, stepModel: () => new TableModel([T1]) };
  const none = pruningDiagnostics(one, Int32Array.of(2), { beamWidth: 2, ks: [1], chunkUsers: 1 });
  assert.equal(none.summary.byK['pr@1'].cases, 0);
  assert.ok(Number.isNaN(none.summary.byK['pr@1'].rate));
});

test('sibling ranks by step-model walk equal a brute-force reading of the tables', () => {
  const targets = Int32Array.from(USERS, ([, t]) => t);
  const model = new TableModel(USERS.map(([t]) => t));
  const r = siblingRanksFromStepModel({ model, trie: TRIE, numUsers: USERS.length }, targets);
  assert.equal(r.width, 3);
  USERS.forEach(([table, item], u) => {
    const code = CODES[item];
    for (let t = 0; t < code.length; t++) {
      const row = table[code.slice(0, t).join(',')];
      const node = TRIE.walk(code.slice(0, t));
      const sibs = Array.from(TRIE.children(node).tokens);
      const p = (tok: number) => row[tok] ?? 0;
      const want = sibs.filter((s) => p(s) > p(code[t])).length;
      assert.equal(r.ranks[u * 3 + t], want, `user ${u} step ${t}`);
    }
  });
  assert.deepEqual(Array.from(r.ranks.subarray(0, 3)), [2, 0, 0]);
  assert.equal(model.live, 0);
});

test('violationSteps: first step with rank ≥ B; padding ignored', () => {
  const r: SiblingRanks = {
    width: 3,
    ranks: Int32Array.from([0, 3, 5, 1, -1, -1, 2, 0, -1]),
    lengths: Int32Array.from([3, 1, 2]),
    logProb: new Float64Array(3),
  };
  assert.deepEqual(Array.from(violationSteps(r, 3)), [1, -1, -1]);
  assert.deepEqual(Array.from(violationSteps(r, 2)), [1, -1, 0]);
  assert.deepEqual(Array.from(violationSteps(r, 6)), [-1, -1, -1]);
});

test('bad settings fail naming the key', () => {
  const model = new TableModel(USERS.map(([t]) => t));
  const targets = Int32Array.from(USERS, ([, t]) => t);
  assert.throws(() => pruningDiagnostics(source(model), targets, { beamWidth: 2, ks: [3], chunkUsers: 5 }), /'ks'/);
  assert.throws(
    () => pruningDiagnostics(source(model), targets, { beamWidth: 0, ks: [1], chunkUsers: 5 }),
    /'beamWidth'/,
  );
  assert.throws(
    () => pruningDiagnostics(source(model), targets.slice(1), { beamWidth: 2, ks: [1], chunkUsers: 5 }),
    /4 targets for 5 users/,
  );
});

/** A tiny GenRecModel, `n` examples over its 12 items, and the targets' sibling ranks computed both ways. */
function genRecCase(n: number, seed: number) {
  const model = tinyGenRec(seed);
  const examples = Array.from({ length: n }, (_, u) => ({
    user: `u${u}`,
    history: [u % 12, (u * 5 + 1) % 12],
    target: (u * 7 + 3) % 12,
    timestamp: 0,
  }));
  const histories = examples.map((e) => e.history);
  const targets = Int32Array.from(examples, (e) => e.target);
  const tf = siblingRanksTeacherForced(model, histories, targets);
  const walk = siblingRanksFromStepModel(
    { model: model.stepModel(histories), trie: model.ids.trie, numUsers: n },
    targets,
  );
  return { model, examples, tf, walk };
}

test('GenRecModel: teacher-forced sibling ranks equal the step-model walk; diagnostics run end to end', () => {
  const { model, examples, tf, walk } = genRecCase(6, 2);
  assert.deepEqual(Array.from(tf.lengths), Array.from(walk.lengths));
  assert.deepEqual(Array.from(tf.ranks), Array.from(walk.ranks));
  const settings = { beamWidth: 3, ks: [1, 3], chunkUsers: 4 };
  const a = modelPruningDiagnostics(model, examples, settings);
  const b = modelPruningDiagnostics(model, examples, { ...settings, ranks: 'step-model' });
  assert.deepEqual(withoutSeconds(a.summary), withoutSeconds(b.summary));
  const s = a.summary.byK['pr@3'];
  assert.ok(s.pruned <= s.cases && s.violated <= s.pruned);
  for (let u = 0; u < 6; u++) {
    const inExact = a.perUser.exactRank[u] >= 0 && a.perUser.exactRank[u] < 3;
    const inBeam = a.perUser.beamRank[u] >= 0 && a.perUser.beamRank[u] < 3;
    assert.equal(a.perUser.pruned['pr@3'][u], inExact && !inBeam ? 1 : 0);
    assert.equal(a.perUser.exact['hr@3'][u], inExact ? 1 : 0);
  }
  for (const x of a.perUser.expansions) assert.ok(x >= 1 && x <= a.summary.internalNodes);
  model.dispose();
});

test("exactMode 'target' (floored search up to the target) gives the same ranks and figures as 'full'", () => {
  const targets = Int32Array.from(USERS, ([, t]) => t);
  const tables = USERS.map(([t]) => t);
  const src = {
    trie: TRIE,
    numUsers: USERS.length,
    stepModel: (from: number, to: number) => new TableModel(tables.slice(from, to)),
  };
  for (const [B, ks] of [
    [2, [1, 2]],
    [3, [1, 2]],
    [1, [1]],
  ] as [number, number[]][]) {
    const full = pruningDiagnostics(src, targets, { beamWidth: B, ks, chunkUsers: 2, exactMode: 'full' });
    const fast = pruningDiagnostics(src, targets, { beamWidth: B, ks, chunkUsers: 2 });
    assert.equal(fast.summary.exactMode, 'target');
    assert.deepEqual(Array.from(fast.perUser.exactRank), Array.from(full.perUser.exactRank), `B=${B}`);
    assert.deepEqual(fast.summary.byK, full.summary.byK);
    assert.deepEqual(fast.summary.exact, full.summary.exact);
    assert.equal(fast.summary.floorMisses, 0);
    assert.ok(fast.summary.meanExpansions <= full.summary.meanExpansions);
  }
});

test("exactMode 'target': pool witnesses settle users the beam list leaves open, scored only for those users", () => {
  // T1 items by probability: 4 .09, 1 .06, 2 .054, 0 .05, 3 .03; beam (B = 2) returns [2, 0]. T0: 4 .25, beam [2, 0].
  const users: [Table, number][] = [
    [T1, 0], // beam has 1 item above the target → searched; the search finds 4 and 1, which enter the pool
    [T1, 0], // beam 1 above + pool item 1 (.06 > .05) → settled by the pool
    [T1, 3], // beam has 2 items above the target → settled by the beam list: its pool is never scored
    [T0, 4], // nothing above the target anywhere → scored, then searched
  ];
  const tables = users.map(([t]) => t);
  const targets = Int32Array.from(users, ([, t]) => t);
  const asked: number[][] = [];
  const src = {
    trie: TRIE,
    numUsers: users.length,
    stepModel: (from: number, to: number) => new TableModel(tables.slice(from, to)),
    scoreItems: (us: Int32Array, items: Int32Array) => {
      asked.push(Array.from(us));
      const P = items.length / us.length;
      return Float64Array.from(items, (item, j) => {
        const code = CODES[item];
        let lp = 0;
        for (let t = 0; t < code.length; t++)
          lp += Math.log(tables[us[Math.floor(j / P)]][code.slice(0, t).join(',')][code[t]]);
        return lp;
      });
    },
  };
  const settings = { beamWidth: 2, ks: [1, 2], chunkUsers: 1 };
  const full = pruningDiagnostics(src, targets, { ...settings, exactMode: 'full' });
  asked.length = 0;
  const fast = pruningDiagnostics(src, targets, settings);
  assert.deepEqual(asked, [[1], [3]]);
  assert.equal(fast.summary.searchedUsers, 2);
  assert.equal(pruningDiagnostics(src, targets, { ...settings, poolSize: 0 }).summary.searchedUsers, 3);
  assert.deepEqual(Array.from(fast.perUser.exactRank), Array.from(full.perUser.exactRank));
  assert.deepEqual(fast.summary.byK, full.summary.byK);
  assert.equal(fast.summary.floorMisses, 0);
});

test("GenRecModel: exactMode 'target' equals 'full', and the teacher-forced target log-prob equals the step-model walk's", () => {
  const { model, examples, tf, walk } = genRecCase(10, 3);
  for (let u = 0; u < 10; u++) {
    assert.ok(tf.logProb[u] < 0 && Math.abs(tf.logProb[u] - walk.logProb[u]) < 1e-4, `user ${u}`);
  }
  const settings = { beamWidth: 3, ks: [1, 3], chunkUsers: 4 };
  const full = modelPruningDiagnostics(model, examples, { ...settings, exactMode: 'full' });
  const fast = modelPruningDiagnostics(model, examples, settings);
  assert.deepEqual(Array.from(fast.perUser.exactRank), Array.from(full.perUser.exactRank));
  assert.deepEqual(fast.summary.byK, full.summary.byK);
  assert.deepEqual(fast.summary.exact, full.summary.exact);
  assert.equal(fast.summary.floorMisses, 0);
  // users whose beam list has ≥ 3 items above the target are settled without search (one root row each)
  assert.ok(fast.summary.searchedUsers < 10, `searched ${fast.summary.searchedUsers} of 10`);
  const skipped = Array.from(fast.perUser.expansions).filter((x) => x === 1).length;
  assert.equal(skipped, 10 - fast.summary.searchedUsers);
  assert.ok(fast.summary.meanExpansions < full.summary.meanExpansions);
  model.dispose();
});

test("GenRecModel with scoring 'valid': teacher-forced log-probs and item scores equal the step-model walk; 'target' equals 'full'", () => {
  const { model, examples } = genRecCase(10, 4);
  const histories = examples.map((e) => e.history);
  const targets = Int32Array.from(examples, (e) => e.target);
  const tfFull = siblingRanksTeacherForced(model, histories, targets);
  const tf = siblingRanksTeacherForced(model, histories, targets, 'valid');
  const walk = siblingRanksFromStepModel(
    { model: model.stepModel(histories), trie: model.ids.trie, numUsers: 10 },
    targets,
    'valid',
  );
  const items = itemLogProbs(model, histories, targets, 3, 'valid');
  assert.deepEqual(Array.from(tf.ranks), Array.from(tfFull.ranks)); // ranks among siblings do not depend on scoring
  let higher = 0;
  for (let u = 0; u < 10; u++) {
    assert.ok(Math.abs(tf.logProb[u] - walk.logProb[u]) < 1e-4, `user ${u}: ${tf.logProb[u]} vs ${walk.logProb[u]}`);
    assert.ok(Math.abs(items[u] - tf.logProb[u]) < 1e-4, `user ${u}: item score`);
    // renormalising over the valid tokens can only raise a token's log-prob
    assert.ok(tf.logProb[u] >= tfFull.logProb[u] - 1e-9);
    if (tf.logProb[u] > tfFull.logProb[u] + 1e-3) higher++;
  }
  assert.ok(higher > 0, 'valid scoring changed no log-prob');
  const settings = { beamWidth: 3, ks: [1, 3], chunkUsers: 4, scoring: 'valid' as const };
  const full = modelPruningDiagnostics(model, examples, { ...settings, exactMode: 'full' });
  const fast = modelPruningDiagnostics(model, examples, settings);
  assert.deepEqual(Array.from(fast.perUser.exactRank), Array.from(full.perUser.exactRank));
  assert.deepEqual(fast.summary.byK, full.summary.byK);
  assert.equal(fast.summary.floorMisses, 0);
  assert.throws(
    () => modelPruningDiagnostics(model, examples, { ...settings, scoring: 'bogus' as 'valid' }),
    /'scoring'/,
  );
  model.dispose();
});
