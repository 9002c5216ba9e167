// Forward values of the engine's ops against hand-computed results; creation, dtypes, seeding
// and the optimizers' update rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adam,
  adamW,
  arange,
  arangeRange,
  cat,
  clipGradNorm,
  embedding,
  full,
  fullLike,
  keep,
  liveTensors,
  manualSeed,
  noGrad,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  scalar,
  sgd,
  stack,
  tensor,
  tidy,
  where,
  zeros,
  zerosLike,
  isGradEnabled,
  type Tensor,
} from '../src/engine/index.js';

function close(actual: number[], expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} != ${expected.length}`);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]) <= tol, `[${i}]: ${a} != ${expected[i]} (±${tol})\n${actual}\n${expected}`);
  });
}
const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape ?? [v.length], 'float64');
const i64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape ?? [v.length], 'int64');

test('ops: softmax, logSoftmax, logsumexp of [1, 2, 3]', () => {
  tidy(() => {
    const x = f64([1, 2, 3]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    close(x.softmax(0).toArray(), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z], 1e-12);
    close(x.softmax(0).toArray(), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], 1e-12);
    close(x.logSoftmax(0).toArray(), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)], 1e-12);
    close([x.logsumexp(0).item()], [Math.log(z)], 1e-12);
    // large values do not overflow
    close([f64([1000, 1000]).logsumexp(0).item()], [1000 + Math.log(2)], 1e-9);
    // by row, keepdim
    const m = f64([0, 0, Math.log(3), 0], [2, 2]);
    const l = m.logsumexp(1, true);
    assert.deepEqual(l.shape, [2, 1]);
    close(l.toArray(), [Math.log(2), Math.log(4)], 1e-12);
  });
});

test('ops: topk, sort, argsort, argmax, maxDim/minDim indices', () => {
  tidy(() => {
    const x = f64([3, 1, 4, 1.5, 9, 2.6], [2, 3]);
    const [v, i] = x.topk(2);
    assert.deepEqual(v.toArray(), [4, 3, 9, 2.6]);
    assert.deepEqual(i.toArray(), [2, 0, 1, 2]);
    assert.equal(i.dtype, 'int64');
    const [vs, is] = x.topk(1, 1, false);
    assert.deepEqual(vs.toArray(), [1, 1.5]);
    assert.deepEqual(is.toArray(), [1, 0]);
    const [sv, si] = f64([5, 2, 8, 2, 1]).sort();
    assert.deepEqual(sv.toArray(), [1, 2, 2, 5, 8]);
    assert.deepEqual(si.toArray(), [4, 1, 3, 0, 2]); // stable: the two 2s keep their order
    const [dv, di] = f64([5, 2, 8, 2, 1]).sort(-1, true);
    assert.deepEqual(dv.toArray(), [8, 5, 2, 2, 1]);
    assert.deepEqual(di.toArray(), [2, 0, 1, 3, 4]);
    assert.deepEqual(f64([5, 2, 8]).argsort(0, true).toArray(), [2, 0, 1]);
    assert.deepEqual(x.argmax(1).toArray(), [2, 1]);
    const [mv, mi] = x.maxDim(0);
    assert.deepEqual(mv.toArray(), [3, 9, 4]);
    assert.deepEqual(mi.toArray(), [0, 1, 0]);
    const [nv, ni] = x.minDim(1, true);
    assert.deepEqual(nv.shape, [2, 1]);
    assert.deepEqual(nv.toArray(), [1, 1.5]);
    assert.deepEqual(ni.toArray(), [1, 0]);
    assert.equal(x.max().item(), 9);
    assert.equal(x.min().item(), 1);
    assert.deepEqual(x.amax(0).toArray(), [3, 9, 4]);
  });
});

test('ops: multinomial with a one-hot distribution always draws the hot index', () => {
  tidy(() => {
    manualSeed(0);
    // one-hot rows (the weights need not be normalised)
    const probs = f64([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 5], [3, 4]);
    for (let k = 0; k < 20; k++) {
      assert.deepEqual(probs.multinomial(1).toArray(), [2, 0, 3]);
    }
    const draws = probs.multinomial(3, true);
    assert.deepEqual(draws.shape, [3, 3]);
    assert.deepEqual(draws.toArray(), [2, 2, 2, 0, 0, 0, 3, 3, 3]);
    // without replacement from a two-point distribution: both indices, each once
    const two = f64([0, 1, 0, 1]).multinomial(2).toArray().sort();
    assert.deepEqual(two, [1, 3]);
  });
});

test('ops: cumsum, where, maskedFill, gather, scatter, scatterAdd, indexAdd, indexSelect, index', () => {
  tidy(() => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual(x.cumsum(1).toArray(), [1, 3, 6, 4, 9, 15]);
    assert.deepEqual(x.cumsum(0).toArray(), [1, 2, 3, 5, 7, 9]);
    const c = tensor([1, 0, 1, 0, 0, 1], [2, 3], 'bool');
    assert.deepEqual(where(c, x, x.neg()).toArray(), [1, -2, 3, -4, -5, 6]);
    assert.deepEqual(c.where(7, x).toArray(), [7, 2, 7, 4, 5, 7]);
    assert.deepEqual(c.where(x, 0).toArray(), [1, 0, 3, 0, 0, 6]);
    assert.deepEqual(c.where(1, 0).toArray(), [1, 0, 1, 0, 0, 1]);
    assert.deepEqual(x.maskedFill(tensor([0, 1, 0], [3], 'bool'), -1).toArray(), [1, -1, 3, 4, -1, 6]);
    assert.deepEqual(x.gather(1, i64([2, 0, 1, 1], [2, 2])).toArray(), [3, 1, 5, 5]);
    assert.deepEqual(
      zeros([2, 3], 'float64')
        .scatter(1, i64([2, 0], [2, 1]), f64([8, 9], [2, 1]))
        .toArray(),
      [0, 0, 8, 9, 0, 0],
    );
    assert.deepEqual(
      zeros([2, 3], 'float64')
        .scatter(1, i64([1, 1], [2, 1]), 4)
        .toArray(),
      [0, 4, 0, 0, 4, 0],
    );
    // scatterAdd accumulates repeated indices
    assert.deepEqual(
      zeros([2, 3], 'float64')
        .scatterAdd(1, i64([0, 0, 2, 1, 1, 1], [2, 3]), x)
        .toArray(),
      [3, 0, 3, 0, 15, 0],
    );
    assert.deepEqual(
      zeros([3, 2], 'float64')
        .indexAdd(0, i64([2, 2]), f64([1, 2, 3, 4], [2, 2]))
        .toArray(),
      [0, 0, 0, 0, 4, 6],
    );
    assert.deepEqual(x.indexSelect(1, i64([2, 2, 0])).toArray(), [3, 3, 1, 6, 6, 4]);
    assert.deepEqual(x.index([i64([1, 0]), i64([0, 2])]).toArray(), [4, 3]);
    assert.deepEqual(x.index([c]).toArray(), [1, 3, 6]);
    assert.deepEqual(x.index([null, i64([1])]).toArray(), [2, 5]);
  });
});

test('ops: elementwise, comparisons, reductions, shapes', () => {
  tidy(() => {
    const x = f64([-1.5, 0, 2.25, 4], [2, 2]);
    assert.deepEqual(x.add(1).toArray(), [-0.5, 1, 3.25, 5]);
    assert.deepEqual(x.add(x, 2).toArray(), [-4.5, 0, 6.75, 12]);
    assert.deepEqual(x.sub(f64([1, 2])).toArray(), [-2.5, -2, 1.25, 2]);
    assert.deepEqual(x.rsub(1).toArray(), [2.5, 1, -1.25, -3]);
    assert.deepEqual(x.mul(2).toArray(), [-3, 0, 4.5, 8]);
    assert.deepEqual(x.div(f64([2, 4])).toArray(), [-0.75, 0, 1.125, 1]);
    assert.deepEqual(x.pow(2).toArray(), [2.25, 0, 5.0625, 16]);
    assert.deepEqual(x.abs().sqrt().toArray(), [Math.sqrt(1.5), 0, 1.5, 2]);
    assert.deepEqual(x.clamp(-1, 2).toArray(), [-1, 0, 2, 2]);
    assert.deepEqual(x.clamp(null, 0).toArray(), [-1.5, 0, 0, 0]);
    assert.deepEqual(x.relu().toArray(), [0, 0, 2.25, 4]);
    assert.deepEqual(x.sign().toArray(), [-1, 0, 1, 1]);
    assert.deepEqual(x.floor().toArray(), [-2, 0, 2, 4]);
    assert.deepEqual(f64([-3, 7]).remainder(5).toArray(), [2, 2]); // Python %
    assert.deepEqual(f64([-3, 7]).floorDivide(2).toArray(), [-2, 3]);
    close(f64([0]).sigmoid().toArray(), [0.5]);
    close(f64([0, 1]).gelu().toArray(), [0, 0.8413447460685429], 1e-12);
    close(f64([1]).gelu('tanh').toArray(), [0.8411919906082768], 1e-12);
    close(f64([0]).logSigmoid().toArray(), [-Math.log(2)], 1e-12);
    close(f64([1e-10]).log1p().toArray(), [1e-10], 1e-20);
    assert.deepEqual(x.gt(0).toArray(), [0, 0, 1, 1]);
    assert.equal(x.gt(0).dtype, 'bool');
    assert.deepEqual(x.eq(0).logicalOr(x.lt(-1)).toArray(), [1, 1, 0, 0]);
    assert.deepEqual(x.ge(0).logicalAnd(x.le(2.25)).logicalNot().toArray(), [1, 0, 0, 1]);
    assert.deepEqual(x.ne(f64([0, 0, 0, 4], [2, 2])).toArray(), [1, 0, 1, 0]);
    assert.deepEqual(f64([1, Infinity, NaN]).isfinite().toArray(), [1, 0, 0]);
    assert.equal(x.gt(3).any().item(), 1);
    assert.equal(x.gt(3).all().item(), 0);
    assert.deepEqual(x.maximum(f64([0, 1], [1, 2])).toArray(), [0, 1, 2.25, 4]);
    assert.deepEqual(x.minimum(f64([0, 1], [1, 2])).toArray(), [-1.5, 0, 0, 1]);
    assert.equal(x.sum().item(), 4.75);
    assert.deepEqual(x.sum(0).toArray(), [0.75, 4]);
    assert.deepEqual(x.mean(1, true).shape, [2, 1]);
    assert.deepEqual(x.mean(1).toArray(), [-0.75, 3.125]);
    close([f64([3, 4]).norm().item()], [5], 1e-12);
    const y = arange(24).reshape([2, 3, 4]);
    assert.deepEqual(y.permute([2, 0, 1]).shape, [4, 2, 3]);
    assert.deepEqual(y.transpose(0, 2).contiguous().view([-1]).slice(0, 0, 3).toArray(), [0, 12, 4]);
    assert.deepEqual(y.flatten(0, 1).shape, [6, 4]);
    assert.deepEqual(y.slice(2, 1, null, 2).select(0, 1).toArray(), [13, 15, 17, 19, 21, 23]);
    assert.deepEqual(y.narrow(1, 1, 1).squeeze(1).shape, [2, 4]);
    assert.deepEqual(y.unsqueeze(0).shape, [1, 2, 3, 4]);
    assert.deepEqual(i64([1, 2]).repeat([2]).toArray(), [1, 2, 1, 2]);
    assert.deepEqual(i64([1, 2]).repeatInterleave(2, 0).toArray(), [1, 1, 2, 2]);
    assert.deepEqual(i64([1, 2], [2, 1]).expand([2, 3]).toArray(), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(
      arange(5)
        .split(2)
        .map((t) => t.toArray()),
      [[0, 1], [2, 3], [4]],
    );
    assert.deepEqual(
      arange(4)
        .reshape([2, 2])
        .unbind(1)
        .map((t) => t.toArray()),
      [
        [0, 2],
        [1, 3],
      ],
    );
    assert.deepEqual(ones([3, 3]).tril().toArray(), [1, 0, 0, 1, 1, 0, 1, 1, 1]);
    assert.deepEqual(ones([2, 3]).triu(1).toArray(), [0, 1, 1, 0, 0, 1]);
    assert.deepEqual(cat([i64([1]), i64([2, 3])]).toArray(), [1, 2, 3]);
    assert.deepEqual(stack([i64([1, 2]), i64([3, 4])], 1).toArray(), [1, 3, 2, 4]);
  });
});

test('ops: matmul, linear, layerNorm, crossEntropy, embedding values', () => {
  tidy(() => {
    const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = f64([1, 0, 0, 1, 1, 1], [3, 2]);
    assert.deepEqual(a.matmul(b).toArray(), [4, 5, 10, 11]);
    assert.deepEqual(a.linear(b.transpose(0, 1), f64([10, 20])).toArray(), [14, 25, 20, 31]);
    // layerNorm of [1, 2, 3]: mean 2, var 2/3 (biased)
    const s = Math.sqrt(2 / 3 + 1e-5);
    close(
      f64([1, 2, 3])
        .layerNorm([3], f64([1, 2, 1]), f64([0, 0, 1]))
        .toArray(),
      [-1 / s, 0, 1 / s + 1],
      1e-12,
    );
    // crossEntropy: -log softmax at the target
    const logits = f64([1, 2, 3, 0, 0, 0], [2, 3]);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const l0 = lse - 3;
    const l1 = Math.log(3);
    close([logits.crossEntropy(i64([2, 1])).item()], [(l0 + l1) / 2], 1e-12);
    close([logits.crossEntropy(i64([2, 1]), { reduction: 'sum' }).item()], [l0 + l1], 1e-12);
    close(logits.crossEntropy(i64([2, 1]), { reduction: 'none' }).toArray(), [l0, l1], 1e-12);
    close([logits.crossEntropy(i64([2, -100])).item()], [l0], 1e-12);
    close([logits.crossEntropy(i64([2, 1]), { ignoreIndex: 1 }).item()], [l0], 1e-12);
    // label smoothing ε: (1-ε)·nll + ε·mean over classes of -log p
    const eps = 0.3;
    const smooth0 = (1 - eps) * l0 + (eps / 3) * (lse - 1 + (lse - 2) + (lse - 3));
    close([logits.crossEntropy(i64([2, -100]), { labelSmoothing: eps }).item()], [smooth0], 1e-12);
    const w = f64([0, 0, 1, 1, 2, 2], [3, 2]);
    const e = embedding(w, i64([2, 0, 1, 2], [2, 2]));
    assert.deepEqual(e.shape, [2, 2, 2]);
    assert.deepEqual(e.toArray(), [2, 2, 0, 0, 1, 1, 2, 2]);
  });
});

test('ops: creation functions', () => {
  tidy(() => {
    assert.deepEqual(zeros([2, 2]).toArray(), [0, 0, 0, 0]);
    assert.equal(zeros([2]).dtype, 'float32');
    assert.deepEqual(ones([3], 'int64').toArray(), [1, 1, 1]);
    assert.equal(ones([3], 'int64').dtype, 'int64');
    assert.deepEqual(full([2], 2.5, 'float64').toArray(), [2.5, 2.5]);
    assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
    assert.equal(arange(4).dtype, 'int64');
    assert.deepEqual(arangeRange(2, 9, 3).toArray(), [2, 5, 8]);
    assert.deepEqual(arangeRange(0, 1, 0.25, 'float64').toArray(), [0, 0.25, 0.5, 0.75]);
    const s = scalar(3.5, 'float64');
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    assert.equal(s.numel, 1);
    const x = f64([1, 2, 3]);
    assert.deepEqual(zerosLike(x).toArray(), [0, 0, 0]);
    assert.equal(zerosLike(x).dtype, 'float64');
    assert.deepEqual(onesLike(x).toArray(), [1, 1, 1]);
    assert.deepEqual(fullLike(x, -2).toArray(), [-2, -2, -2]);
    // default dtypes from typed arrays and from plain numbers
    assert.equal(tensor(new Float32Array(2)).dtype, 'float32');
    assert.equal(tensor(new Float64Array(2)).dtype, 'float64');
    assert.equal(tensor(new Int32Array(2)).dtype, 'int64');
    assert.equal(tensor(new BigInt64Array(2)).dtype, 'int64');
    assert.equal(tensor(new Uint8Array(2)).dtype, 'bool');
    assert.equal(tensor([1, 2]).dtype, 'float32');
    assert.equal(tensor([1, 2], [2], 'int32').dtype, 'int32');
    assert.equal(tensor([1, 0], [2], 'uint8').dtype, 'uint8');
    assert.deepEqual(tensor([], [0, 3]).shape, [0, 3]);
    // random creation: ranges and shapes
    const r = rand([1000]).toArray();
    assert.ok(r.every((v) => v >= 0 && v < 1));
    const ri = randint(5, [1000]).toArray();
    assert.ok(ri.every((v) => Number.isInteger(v) && v >= 0 && v < 5));
    assert.equal(new Set(ri).size, 5);
    const g = randn([4000], 'float64').toArray();
    const mean = g.reduce((a, v) => a + v, 0) / g.length;
    const sd = Math.sqrt(g.reduce((a, v) => a + (v - mean) ** 2, 0) / g.length);
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(sd - 1) < 0.1, `randn mean ${mean}, sd ${sd}`);
  });
});

test('ops: dtype conversion and typed-array round trips', () => {
  tidy(() => {
    const x = f64([1.7, -2.2, 0, 3e9]);
    assert.deepEqual(Array.from(x.toFloat64()), [1.7, -2.2, 0, 3e9]);
    assert.deepEqual(Array.from(x.toFloat32()), [Math.fround(1.7), Math.fround(-2.2), 0, 3e9]);
    assert.deepEqual(Array.from(x.long().toBigInt64()), [1n, -2n, 0n, 3000000000n]); // truncation toward 0
    assert.deepEqual(Array.from(f64([1.7, -2.2]).toInt32()), [1, -2]);
    assert.deepEqual(Array.from(x.toBool()), [1, 1, 0, 1]);
    assert.equal(x.float().dtype, 'float32');
    assert.equal(x.float().double().dtype, 'float64');
    assert.equal(x.to('int32').dtype, 'int32');
    assert.equal(x.to('bool').dtype, 'bool');
    // exact round trips through each dtype
    const i = new BigInt64Array([-(2n ** 40n), 7n, 2n ** 40n]);
    assert.deepEqual(tensor(i, [3]).toBigInt64(), i);
    const f = new Float32Array([0.1, -1e-30, 3.4e38]);
    assert.deepEqual(tensor(f, [3]).toFloat32(), f);
    const d = new Float64Array([Math.PI, -5e-324, 1e300]);
    assert.deepEqual(tensor(d, [3]).toFloat64(), d);
    const n = new Int32Array([-2147483648, 0, 2147483647]);
    assert.deepEqual(tensor(n, [3], 'int32').toInt32(), n);
    assert.deepEqual(tensor(n, [3]).toInt32(), n); // via int64
    const bl = new Uint8Array([1, 0, 1]);
    assert.deepEqual(tensor(bl, [3]).toBool(), bl);
    assert.deepEqual(tensor([0, 128, 255], [3], 'uint8').toArray(), [0, 128, 255]);
    assert.deepEqual(tensor([5, 6], [2, 1]).toArray(), [5, 6]);
    // a non-contiguous view comes out in logical (row-major) order
    assert.deepEqual(arange(6).reshape([2, 3]).transpose(0, 1).toArray(), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(Array.from(arange(6).reshape([2, 3]).transpose(0, 1).toInt32()), [0, 3, 1, 4, 2, 5]);
  });
});

test('ops: manualSeed makes randn, rand, randint, multinomial and dropout reproducible', () => {
  tidy(() => {
    const draw = (): number[] => [
      ...randn([5]).toArray(),
      ...rand([3]).toArray(),
      ...randint(100, [3]).toArray(),
      ...f64([1, 2, 3, 4]).multinomial(2).toArray(),
      ...ones([8]).dropout(0.5, true).toArray(),
    ];
    manualSeed(42);
    const a = draw();
    manualSeed(42);
    const b = draw();
    manualSeed(43);
    const c = draw();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.slice(0, 5), c.slice(0, 5));
    // dropout in training mode scales the survivors by 1/(1-p)
    assert.ok(a.slice(-8).every((v) => v === 0 || v === 2));
  });
});

test('ops: grad mode and autograd basics', () => {
  tidy(() => {
    assert.equal(isGradEnabled(), true);
    const p = f64([2, 3]).requiresGrad_(true);
    assert.equal(p.requiresGrad, true);
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return p.mul(2);
    });
    assert.equal(isGradEnabled(), true);
    assert.equal(y.requiresGrad, false);
    p.mul(p).sum().backward();
    assert.deepEqual((p.grad as Tensor).toArray(), [4, 6]);
    p.mul(p).sum().backward(); // accumulates
    assert.deepEqual((p.grad as Tensor).toArray(), [8, 12]);
    p.clearGrad();
    assert.equal(p.grad, null);
    assert.equal(p.detach().requiresGrad, false);
    const q = f64([1, 2]).requiresGrad_(true);
    q.mul(3).backward(f64([1, 10]));
    assert.deepEqual((q.grad as Tensor).toArray(), [3, 30]);
  });
});

test('optim: AdamW, Adam and SGD one step match the hand-computed update', () => {
  const before = liveTensors();
  tidy(() => {
    const lr = 0.1;
    const g = 3; // gradient of 3p
    const step = (p: Tensor, opt: { zeroGrad(): void; step(): void }): number => {
      opt.zeroGrad();
      tidy(() => p.mul(g).sum().backward());
      opt.step();
      return p.item();
    };
    // AdamW (decoupled decay): p ← p(1 - lr·wd) - lr·m̂/(√v̂ + eps), m̂ = g, v̂ = g² on step 1
    const p = keep(f64([1]).requiresGrad_(true));
    const opt = adamW([p], { lr, weightDecay: 0.01, eps: 1e-8 });
    const p1 = 1 * (1 - lr * 0.01) - (lr * g) / (Math.sqrt(g * g) + 1e-8);
    close([step(p, opt)], [p1], 1e-15);
    // step 2: m = 0.1·0.9·g… with bias corrections
    const b1 = 0.9;
    const b2 = 0.999;
    const m2 = (1 - b1) * g * b1 + (1 - b1) * g;
    const v2 = (1 - b2) * g * g * b2 + (1 - b2) * g * g;
    const mh = m2 / (1 - b1 ** 2);
    const vh = v2 / (1 - b2 ** 2);
    const p2 = p1 * (1 - lr * 0.01) - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    close([step(p, opt)], [p2], 1e-15);
    p.dispose();
    // Adam with L2 weight decay: g ← g + wd·p
    const q = keep(f64([2]).requiresGrad_(true));
    const optA = adam([q], { lr, weightDecay: 0.5 });
    const ga = g + 0.5 * 2;
    close([step(q, optA)], [2 - (lr * ga) / (Math.abs(ga) + 1e-8)], 1e-15);
    q.dispose();
    // SGD with momentum: buf = g on the first step
    const r = keep(f64([1]).requiresGrad_(true));
    const optS = sgd([r], { lr, momentum: 0.9 });
    close([step(r, optS)], [1 - lr * g], 1e-15);
    close([step(r, optS)], [1 - lr * g - lr * (0.9 * g + g)], 1e-15);
    optS.setLr(0.01);
    assert.equal(optS.learningRate, 0.01);
    r.dispose();
  });
  assert.equal(liveTensors(), before);
});

test('optim: clipGradNorm returns the norm before clipping and scales the gradients', () => {
  tidy(() => {
    const a = f64([0, 0]).requiresGrad_(true);
    const b = f64([0]).requiresGrad_(true);
    a.mul(f64([3, 0]))
      .sum()
      .add(b.mul(4).sum())
      .backward();
    const n = clipGradNorm([a, b], 1);
    close([n], [5], 1e-12);
    close((a.grad as Tensor).toArray(), [0.6, 0], 1e-6);
    close((b.grad as Tensor).toArray(), [0.8], 1e-6);
    // below the threshold nothing changes
    close([clipGradNorm([a, b], 10)], [1], 1e-6);
    close((a.grad as Tensor).toArray(), [0.6, 0], 1e-6);
  });
});
