// Deterministic memory: a long training loop leaks no tensor handles and no native memory, and
// the scope rules (tidy, keep, nested scopes, exceptions) hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adamW,
  clipGradNorm,
  keep,
  liveTensors,
  manualSeed,
  ones,
  scopeDepth,
  tensor,
  tidy,
  unkeep,
  zeros,
  type Tensor,
} from '../src/engine/index.js';
import { Transformer } from '../src/model/transformer.js';

const gc = (globalThis as { gc?: () => void }).gc;
function rssAfterGc(): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().rss;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Note: the native wrapper objects of disposed tensors (~200 bytes per handle) are finalised by
// Node-API only when the event loop turns, so a long *synchronous* loop grows RSS by that much per
// tensor created until it yields. A trainer must yield (await) now and then; this test yields
// every 10 steps, as the trainer should.
test('memory: 1,000 training steps leave liveTensors unchanged and RSS flat', async () => {
  manualSeed(3);
  const model = new Transformer({
    vocabSize: 17,
    dModel: 8,
    nHeads: 2,
    nLayers: 1,
    dFF: 16,
    maxPositions: 8,
    dropout: 0.1,
  });
  const opt = adamW(model.parameters(), { lr: 1e-2 });
  const tokens = Array.from({ length: 4 * 7 }, (_, i) => (i * 7 + 3) % 17);
  const targets = Array.from({ length: 4 * 7 }, (_, i) => (i * 5 + 1) % 17);
  const start = liveTensors();
  let rss100 = 0;
  let first = 0;
  let last = 0;
  for (let step = 1; step <= 1000; step++) {
    const loss = tidy(() => {
      opt.zeroGrad();
      const x = tensor(tokens, [4, 7], 'int64');
      const y = tensor(targets, [28], 'int64');
      const { logits } = model.forward(x);
      const l = logits.view([28, 17]).crossEntropy(y);
      l.backward();
      clipGradNorm(model.parameters(), 1.0);
      opt.step();
      return l.item();
    });
    if (step === 1) first = loss;
    last = loss;
    assert.equal(liveTensors(), start, `step ${step}: live tensors ${liveTensors()} != ${start}`);
    if (step % 10 === 0) await yieldToEventLoop();
    if (step === 100) rss100 = rssAfterGc();
  }
  await yieldToEventLoop();
  const rss1000 = rssAfterGc();
  assert.ok(last < first, `training did not reduce the loss (${first} -> ${last})`);
  const growth = (rss1000 - rss100) / 1e6;
  assert.ok(growth < 50, `RSS grew by ${growth.toFixed(1)} MB between step 100 and step 1000`);
  model.dispose();
  assert.equal(liveTensors(), start - model.parameters().length);
});

test('tidy: intermediates are freed, the returned tensor survives into the parent scope', () => {
  const before = liveTensors();
  const outer = tidy(() => {
    const r = tidy(() => {
      const a = ones([2, 2]);
      const b = a.add(1);
      return b.mul(3);
    });
    assert.equal(liveTensors(), before + 1);
    assert.deepEqual(r.toArray(), [6, 6, 6, 6]);
    return r.sum();
  });
  // only the returned sum survives
  assert.equal(liveTensors(), before + 1);
  assert.equal(outer.item(), 24);
  outer.dispose();
  assert.equal(liveTensors(), before);
});

test('tidy: a tensor returned from an inner scope is freed by the outer scope unless returned again', () => {
  const before = liveTensors();
  let inner: Tensor | null = null;
  tidy(() => {
    inner = tidy(() => zeros([3]).add(2));
    assert.equal(inner.isDisposed, false);
  });
  assert.ok(inner !== null);
  assert.equal((inner as Tensor).isDisposed, true);
  assert.equal(liveTensors(), before);
});

test('tidy: arrays, objects and Maps of tensors in the result survive', () => {
  const before = liveTensors();
  const r = tidy(() => {
    const a = ones([1]);
    const tmp = a.mul(5);
    return {
      list: [a.add(1), a.add(2)],
      nested: { deep: [{ t: tmp.add(1) }] },
      map: new Map([['m', a.add(3)]]),
      n: 7,
    };
  });
  assert.equal(liveTensors(), before + 4);
  assert.deepEqual(
    [...r.list, r.nested.deep[0].t, r.map.get('m') as Tensor].map((t) => t.item()),
    [2, 3, 6, 4],
  );
  for (const t of [...r.list, r.nested.deep[0].t, r.map.get('m') as Tensor]) t.dispose();
  assert.equal(liveTensors(), before);
});

test('tidy: keep exempts a tensor from every scope; unkeep hands it back', () => {
  const before = liveTensors();
  let k: Tensor | null = null;
  tidy(() => {
    tidy(() => {
      k = keep(ones([2]).mul(4));
    });
  });
  assert.ok(k !== null);
  const kept = k as Tensor;
  assert.equal(kept.isDisposed, false);
  assert.deepEqual(kept.toArray(), [4, 4]);
  assert.equal(liveTensors(), before + 1);
  tidy(() => {
    unkeep(kept);
  });
  assert.equal(kept.isDisposed, true);
  assert.equal(liveTensors(), before);
});

test('tidy: an exception inside tidy still frees its tensors and restores the scope stack', () => {
  const before = liveTensors();
  const depth = scopeDepth();
  let inside: Tensor | null = null;
  assert.throws(
    () =>
      tidy(() => {
        inside = ones([4]).add(1);
        tidy(() => {
          ones([3]);
          throw new Error('boom');
        });
      }),
    /boom/,
  );
  assert.equal(scopeDepth(), depth);
  assert.equal((inside as Tensor | null)?.isDisposed, true);
  assert.equal(liveTensors(), before);
  // an exception from libtorch inside tidy behaves the same
  assert.throws(() => tidy(() => ones([2, 3]).matmul(ones([2, 3]))), /matmul/);
  assert.equal(liveTensors(), before);
  assert.equal(scopeDepth(), depth);
});

test('tidy: returning a Promise is refused (and the scope is still closed)', () => {
  const before = liveTensors();
  const depth = scopeDepth();
  assert.throws(() => tidy(() => Promise.resolve(ones([1]))), /Promise/);
  assert.equal(scopeDepth(), depth);
  // the tensors the scope created are freed
  assert.equal(liveTensors(), before);
});

test('dispose: twice is harmless, use after dispose throws', () => {
  const before = liveTensors();
  const t = ones([2]);
  assert.equal(liveTensors(), before + 1);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(liveTensors(), before);
  assert.throws(() => t.add(1), /dispose/);
  assert.equal(String(t), 'Tensor(disposed)');
  // disposing inside a scope that then closes is harmless too
  tidy(() => {
    const u = ones([3]);
    u.dispose();
  });
  assert.equal(liveTensors(), before);
});

test('grad handles are scope-tracked and freeing them keeps the gradient', () => {
  const before = liveTensors();
  const p = keep(ones([3]).requiresGrad_(true));
  tidy(() => p.mul(2).sum().backward());
  assert.equal(liveTensors(), before + 1);
  const g1 = tidy(() => (p.grad as Tensor).toArray());
  assert.deepEqual(g1, [2, 2, 2]);
  assert.equal(liveTensors(), before + 1);
  p.dispose();
  assert.equal(liveTensors(), before);
});
