// KV-cache decoding must match a full recompute: prefill T tokens with useCache, then feed one
// token at a time, and compare each step's logits with a full forward over the whole prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, manualSeed, noGrad, randn, tensor, tidy, type Tensor } from '../src/engine/index.js';
import { selectCache, Transformer, type KVCache, type TransformerConfig } from '../src/model/transformer.js';

const CFG: TransformerConfig = {
  vocabSize: 13,
  dModel: 16,
  nHeads: 4,
  nLayers: 2,
  dFF: 32,
  maxPositions: 16,
  dropout: 0,
};
const TOL = 1e-5;

/** A random model with weights large enough that logits are O(1) (so 1e-5 is a tight check). */
function randomModel(seed: number): Transformer {
  manualSeed(seed);
  const m = new Transformer(CFG).eval();
  noGrad(() =>
    tidy(() => {
      for (const [name, p] of m.namedParameters()) {
        const r = randn(p.shape).mul(/ln[^.]*\.weight$/.test(name) ? 0.2 : 0.3);
        p.assign(/ln[^.]*\.weight$/.test(name) ? r.add(1) : r);
      }
    }),
  );
  return m;
}

function ints(values: number[], shape: number[]): Tensor {
  return tensor(values, shape, 'int64');
}

/** Row-major [N, L] token table from a seed. */
function tokenTable(n: number, l: number, seed: number): number[][] {
  let s = seed;
  return Array.from({ length: n }, () =>
    Array.from({ length: l }, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s % CFG.vocabSize;
    }),
  );
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.toFloat64();
  const y = b.toFloat64();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}
function maxAbs(a: Tensor): number {
  return a.toArray().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

const prefix = (rows: number[][], len: number): Tensor =>
  ints(
    rows.flatMap((r) => r.slice(0, len)),
    [rows.length, len],
  );
const column = (rows: number[][], at: number): Tensor =>
  ints(
    rows.map((r) => r[at]),
    [rows.length, 1],
  );
const padMask = (pads: number[], len: number): Tensor =>
  tensor(
    pads.flatMap((p) => Array.from({ length: len }, (_, j) => (j < p ? 1 : 0))),
    [pads.length, len],
    'bool',
  );

/**
 * Prefill `t` tokens, then decode the remaining ones step by step; at every step compare the new
 * logits with the last position of a full forward. Returns the largest difference seen.
 */
function decodeAndCompare(model: Transformer, rows: number[][], t: number, pads?: number[]): number {
  const total = rows[0].length;
  let worst = 0;
  noGrad(() =>
    tidy(() => {
      const kp = (len: number): Tensor | undefined => (pads ? padMask(pads, len) : undefined);
      const pre = model.forward(prefix(rows, t), { useCache: true, keyPadding: kp(t) });
      assert.ok(pre.cache);
      assert.equal(pre.cache.length, t);
      const full0 = model.forward(prefix(rows, t), { keyPadding: kp(t) });
      worst = Math.max(worst, maxAbsDiff(pre.logits, full0.logits));
      let cache: KVCache = pre.cache;
      for (let s = t; s < total; s++) {
        const step = model.forward(column(rows, s), { cache, keyPadding: kp(s + 1) });
        assert.ok(step.cache);
        assert.equal(step.cache.length, s + 1);
        assert.deepEqual(step.logits.shape, [rows.length, 1, CFG.vocabSize]);
        const full = model.forward(prefix(rows, s + 1), { keyPadding: kp(s + 1) });
        const last = full.logits.slice(1, s, s + 1);
        assert.ok(maxAbs(last) > 0.3, 'logits are too small for the tolerance to mean anything');
        worst = Math.max(worst, maxAbsDiff(step.logits, last));
        cache = step.cache;
      }
    }),
  );
  return worst;
}

test('kv cache: incremental decoding matches a full recompute', () => {
  const before = liveTensors();
  const model = randomModel(1);
  try {
    const d = decodeAndCompare(model, tokenTable(3, 10, 5), 5);
    assert.ok(d < TOL, `max |cached - full| = ${d}`);
    // prefill of a single token, then 7 steps
    const d1 = decodeAndCompare(model, tokenTable(2, 8, 9), 1);
    assert.ok(d1 < TOL, `max |cached - full| = ${d1}`);
  } finally {
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('kv cache: left padding (keyPadding) matches a full recompute, and pad tokens do not matter', () => {
  const before = liveTensors();
  const model = randomModel(2);
  try {
    const rows = tokenTable(3, 10, 11);
    const pads = [0, 2, 4];
    const d = decodeAndCompare(model, rows, 5, pads);
    assert.ok(d < TOL, `max |cached - full| = ${d}`);
    // Changing the pad tokens does not change the logits of the real positions.
    noGrad(() =>
      tidy(() => {
        const other = rows.map((r, i) => r.map((v, j) => (j < pads[i] ? (v + 5) % CFG.vocabSize : v)));
        const a = model.forward(prefix(rows, 10), { keyPadding: padMask(pads, 10) }).logits;
        const b = model.forward(prefix(other, 10), { keyPadding: padMask(pads, 10) }).logits;
        const av = a.toFloat64();
        const bv = b.toFloat64();
        let worst = 0;
        pads.forEach((p, i) => {
          for (let j = p; j < 10; j++) {
            for (let v = 0; v < CFG.vocabSize; v++) {
              const k = (i * 10 + j) * CFG.vocabSize + v;
              worst = Math.max(worst, Math.abs(av[k] - bv[k]));
            }
          }
        });
        assert.ok(worst < TOL, `pad tokens changed real logits by ${worst}`);
        // ...while without the mask they would (so the check above is not vacuous)
        const c = model.forward(prefix(other, 10)).logits;
        assert.ok(maxAbsDiff(a.slice(0, 1, 2), c.slice(0, 1, 2)) > 1e-3);
      }),
    );
  } finally {
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('kv cache: decoding after selectCache (reorder and expand rows) matches a full recompute', () => {
  const before = liveTensors();
  const model = randomModel(3);
  try {
    const rows = tokenTable(3, 9, 21);
    const pads = [1, 0, 3];
    const order = [2, 0, 0, 1];
    const t = 4;
    noGrad(() =>
      tidy(() => {
        const pre = model.forward(prefix(rows, t), { useCache: true, keyPadding: padMask(pads, t) });
        assert.ok(pre.cache);
        const index = ints(order, [order.length]);
        let cache = selectCache(pre.cache, index);
        assert.equal(cache.length, t);
        assert.deepEqual(cache.layers[0].k.shape, [4, CFG.nHeads, t, CFG.dModel / CFG.nHeads]);
        // new rows: row i continues original row order[i], but with its own continuation tokens
        const cont = tokenTable(4, 9, 77);
        const newRows = order.map((o, i) => [...rows[o].slice(0, t), ...cont[i].slice(t)]);
        const newPads = order.map((o) => pads[o]);
        let worst = 0;
        let wrong = 0;
        for (let s = t; s < 9; s++) {
          const step = model.forward(column(newRows, s), { cache, keyPadding: padMask(newPads, s + 1) });
          const full = model.forward(prefix(newRows, s + 1), { keyPadding: padMask(newPads, s + 1) });
          worst = Math.max(worst, maxAbsDiff(step.logits, full.logits.slice(1, s, s + 1)));
          if (s === t) {
            // an un-reordered cache (rows 0,1,2 + a copy) gives clearly different logits
            const bad = selectCache(pre.cache, ints([0, 1, 2, 0], [4]));
            const b = model.forward(column(newRows, s), { cache: bad, keyPadding: padMask(newPads, s + 1) });
            wrong = maxAbsDiff(b.logits, full.logits.slice(1, s, s + 1));
          }
          assert.ok(step.cache);
          cache = step.cache;
        }
        assert.ok(worst < TOL, `max |cached - full| = ${worst}`);
        assert.ok(wrong > 1e-2, `a wrongly ordered cache was not noticed (${wrong})`);
      }),
    );
  } finally {
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('kv cache: exceeding maxPositions through the cache throws', () => {
  const model = randomModel(4);
  try {
    noGrad(() =>
      tidy(() => {
        const pre = model.forward(prefix(tokenTable(1, 16, 3), 16), { useCache: true });
        assert.ok(pre.cache);
        assert.throws(
          () => model.forward(ints([1], [1, 1]), { cache: pre.cache }),
          /17 positions exceeds maxPositions 16/,
        );
      }),
    );
  } finally {
    model.dispose();
  }
});
