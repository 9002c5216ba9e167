// Traced beam search (the report's beam tree): tracing changes nothing about the result, and the trace tells the
// same story as the search: its finished entries are the final pool, its kept beams are the next step's parents,
// ranks respect the top 2B, and the target's prefix is pruned exactly at prunedAt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beamSearchDetailed } from '../src/decode/beam.js';
import type { BeamTrace } from '../src/decode/beam-trace.js';
import { liveTensors } from '../src/engine/index.js';
import { FakeModel, randInt, randomTrie, rng } from './decode-fake.js';

test('traced beam search returns what the normal search returns, and its trace is consistent', () => {
  const r = rng(21);
  let fellOut = 0;
  let finishedTargets = 0;
  for (let cas = 0; cas < 60; cas++) {
    const { trie, vocab } = randomTrie(r);
    const U = randInt(r, 1, 4);
    const seeds = Array.from({ length: U }, () => randInt(r, 0, 1e6));
    const B = randInt(r, 1, 4);
    const K = randInt(r, 1, B);
    const targets = Int32Array.from({ length: U }, () => randInt(r, 0, trie.numItems - 1));
    const settings = { beamWidth: B, topK: K, lengthPenalty: 0 as const, scoring: 'full' as const };
    const plain = beamSearchDetailed({ model: new FakeModel(vocab, seeds), constraint: trie, numUsers: U }, settings, {
      targets,
    });
    const before = liveTensors();
    const model = new FakeModel(vocab, seeds);
    const traced = beamSearchDetailed({ model, constraint: trie, numUsers: U }, settings, { targets, trace: true });
    assert.equal(liveTensors(), before, 'no tensor leaks');
    assert.equal(plain.traces, null, 'no trace unless asked');
    assert.deepEqual(traced.hypotheses, plain.hypotheses, `case ${cas}: same lists`);
    assert.deepEqual(traced.prunedAt, plain.prunedAt, `case ${cas}: same pruning steps`);
    assert.equal(traced.steps, plain.steps);
    const traces: BeamTrace[] | null = traced.traces;
    assert.ok(traces !== null && traces.length === U);
    for (let u = 0; u < U; u++) {
      const msg = `case ${cas} user ${u} (B=${B}, K=${K})`;
      const t: BeamTrace = traces[u];
      assert.equal(t.root, trie.rootOf(u));
      const finished = t.entries.filter((e) => e.fate === 'finished').map((e) => e.item);
      assert.ok(finished.length <= B, `${msg}: pool of at most B`);
      for (const h of traced.hypotheses[u])
        assert.ok(finished.includes(h.item), `${msg}: returned item ${h.item} finished`);
      const steps = Math.max(-1, ...t.entries.map((e) => e.step)) + 1;
      for (let s = 0; s < steps; s++) {
        const at = t.entries.filter((e) => e.step === s);
        const beams = at.filter((e) => e.fate === 'beam' || e.fate === 'stopped');
        assert.ok(beams.length <= B, `${msg} step ${s}: at most B beams`);
        for (const e of at) {
          if (e.fate === 'outside') assert.equal(e.rank, -1);
          else assert.ok(e.rank >= 0 && e.rank < 2 * B, `${msg} step ${s}: ${e.fate} ranked ${e.rank}`);
          if (e.fate === 'eos-rank') assert.ok(e.rank >= B);
          assert.equal(e.item, trie.itemAt(e.node));
        }
        // the parents of step s + 1 are exactly the beams kept at step s
        const parents = new Set(t.entries.filter((e) => e.step === s + 1).map((e) => e.parent));
        const kept = new Set(at.filter((e) => e.fate === 'beam').map((e) => e.node));
        assert.deepEqual([...parents].sort(), [...kept].sort(), `${msg} step ${s}: kept beams are the next parents`);
      }
      // the target's prefix is pruned at prunedAt (or its item finished)
      const path = trie.pathOf(targets[u], u);
      const p = traced.prunedAt?.[u] ?? -1;
      if (p >= 0) {
        fellOut++;
        const e = t.entries.find((x) => x.node === path[p + 1] && x.step === p);
        assert.ok(e !== undefined, `${msg}: the target's prefix is a candidate at step ${p}`);
        assert.ok(!['beam', 'finished'].includes(e.fate), `${msg}: pruned at ${p}, but its fate is ${e.fate}`);
      } else {
        finishedTargets++;
        assert.ok(finished.includes(targets[u]), `${msg}: the target finished`);
      }
    }
  }
  assert.ok(
    fellOut > 5 && finishedTargets > 5,
    `both outcomes covered (${fellOut} pruned, ${finishedTargets} finished)`,
  );
});
