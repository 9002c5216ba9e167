// Gradient checks: analytic gradients (libtorch autograd through our binding) against central
// finite differences in float64, for every differentiable op the Tensor class exposes, and for
// the reference transformer's loss as a whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cat,
  embedding,
  noGrad,
  stack,
  tensor,
  tidy,
  where,
  liveTensors,
  manualSeed,
  type Tensor,
} from '../src/engine/index.js';
import { Transformer, type TransformerConfig } from '../src/model/transformer.js';
import { Rng } from '../src/util/rng.js';

/** Small deterministic PRNG (mulberry32) so inputs do not depend on libtorch's generator. */
function prng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Uniform values in [lo, hi). */
function uniform(shape: number[], lo: number, hi: number, seed: number): Tensor {
  const r = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, () => lo + (hi - lo) * r()),
    shape,
    'float64',
  );
}

/** Values in ±[lo, hi) (random sign): away from 0, for abs/relu/... */
function awayFromZero(shape: number[], lo: number, hi: number, seed: number): Tensor {
  const r = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r())),
    shape,
    'float64',
  );
}

/** Distinct values (a shuffled grid plus small noise), so max/sort/topk have no ties. */
function distinct(shape: number[], seed: number): Tensor {
  const r = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37 + 0.05 * r());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return tensor(v, shape, 'float64');
}

function ints(values: number[], shape?: number[]): Tensor {
  return tensor(values, shape ?? [values.length], 'int64');
}
function bools(values: number[], shape?: number[]): Tensor {
  return tensor(values, shape ?? [values.length], 'bool');
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the fixed random output weighting. */
  seed?: number;
  /** Take the analytic gradient from this function instead of f (only to test the checker itself). */
  analyticFn?: (...xs: Tensor[]) => Tensor;
}

/**
 * Compares the gradient of sum(f(xs) * w) (w: a fixed random weighting of f's output) computed by
 * backward with central differences, for every element of every input. Inputs must be float64.
 * Throws an AssertionError listing the worst mismatches. Frees everything it creates.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const datas = inputs.map((x) => {
    assert.equal(x.dtype, 'float64', 'gradcheck: inputs must be float64');
    return x.toFloat64();
  });
  const shapes = inputs.map((x) => x.shape);
  tidy(() => {
    // Analytic.
    const leaves = datas.map((d, i) => tensor(d, shapes[i], 'float64').requiresGrad_(true));
    const y = (opts.analyticFn ?? f)(...leaves);
    assert.equal(y.dtype, 'float64', `gradcheck: f returned ${y.dtype}, expected float64`);
    const r = prng(opts.seed ?? 12345);
    const w = tensor(
      Array.from({ length: y.numel }, () => 0.5 + r()),
      y.shape,
      'float64',
    );
    y.mul(w).sum().backward();
    const analytic = leaves.map((l) => {
      const g = l.grad;
      return g === null ? new Float64Array(l.numel) : g.toFloat64();
    });
    // Numerical.
    const evalAt = (i: number, j: number, delta: number): number =>
      tidy(() =>
        noGrad(() => {
          const xs = datas.map((d, k) => {
            if (k !== i) return tensor(d, shapes[k], 'float64');
            const c = Float64Array.from(d);
            c[j] += delta;
            return tensor(c, shapes[k], 'float64');
          });
          return f(...xs)
            .mul(w)
            .sum()
            .item();
        }),
      );
    const bad: string[] = [];
    let checked = 0;
    for (let i = 0; i < datas.length; i++) {
      for (let j = 0; j < datas[i].length; j++) {
        const num = (evalAt(i, j, eps) - evalAt(i, j, -eps)) / (2 * eps);
        const ana = analytic[i][j];
        checked++;
        if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
          bad.push(`input ${i} [${shapes[i].join(', ')}] element ${j}: analytic ${ana}, numerical ${num}`);
        }
      }
    }
    assert.ok(checked > 0, 'gradcheck: nothing to check');
    if (bad.length > 0) {
      assert.fail(`gradcheck: ${bad.length} of ${checked} gradient entries differ:\n  ${bad.slice(0, 8).join('\n  ')}`);
    }
  });
}

interface Case {
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
}

const S = [2, 3];
let seed = 1;
const u = (shape: number[] = S, lo = -1, hi = 1): Tensor => uniform(shape, lo, hi, seed++);
const pos = (shape: number[] = S): Tensor => uniform(shape, 0.5, 2, seed++);
const nz = (shape: number[] = S): Tensor => awayFromZero(shape, 0.2, 1.5, seed++);

const cases: Case[] = [
  // ---- elementwise, tensor and scalar forms ----
  { name: 'add tensor', f: (a, b) => a.add(b), inputs: () => [u(), u()] },
  { name: 'add tensor alpha, broadcast', f: (a, b) => a.add(b, 2.5), inputs: () => [u(), u([3])] },
  { name: 'add scalar', f: (a) => a.add(1.5), inputs: () => [u()] },
  { name: 'sub tensor, broadcast', f: (a, b) => a.sub(b), inputs: () => [u([2, 1]), u()] },
  { name: 'sub scalar', f: (a) => a.sub(0.3), inputs: () => [u()] },
  { name: 'rsub', f: (a) => a.rsub(2), inputs: () => [u()] },
  { name: 'mul tensor', f: (a, b) => a.mul(b), inputs: () => [u(), u()] },
  { name: 'mul scalar', f: (a) => a.mul(-1.7), inputs: () => [u()] },
  { name: 'div tensor', f: (a, b) => a.div(b), inputs: () => [u(), nz()] },
  { name: 'div scalar', f: (a) => a.div(0.7), inputs: () => [u()] },
  { name: 'pow scalar', f: (a) => a.pow(3), inputs: () => [u()] },
  { name: 'pow fractional', f: (a) => a.pow(1.5), inputs: () => [pos()] },
  { name: 'pow tensor', f: (a, b) => a.pow(b), inputs: () => [pos(), u()] },
  { name: 'neg', f: (a) => a.neg(), inputs: () => [u()] },
  { name: 'exp', f: (a) => a.exp(), inputs: () => [u()] },
  { name: 'log', f: (a) => a.log(), inputs: () => [pos()] },
  { name: 'log1p', f: (a) => a.log1p(), inputs: () => [u(S, -0.5, 1)] },
  { name: 'sqrt', f: (a) => a.sqrt(), inputs: () => [pos()] },
  { name: 'rsqrt', f: (a) => a.rsqrt(), inputs: () => [pos()] },
  { name: 'abs', f: (a) => a.abs(), inputs: () => [nz()] },
  { name: 'square', f: (a) => a.square(), inputs: () => [u()] },
  { name: 'tanh', f: (a) => a.tanh(), inputs: () => [u(S, -2, 2)] },
  { name: 'sigmoid', f: (a) => a.sigmoid(), inputs: () => [u(S, -3, 3)] },
  { name: 'logSigmoid', f: (a) => a.logSigmoid(), inputs: () => [u(S, -3, 3)] },
  { name: 'relu', f: (a) => a.relu(), inputs: () => [nz()] },
  { name: "gelu 'none'", f: (a) => a.gelu('none'), inputs: () => [u(S, -2, 2)] },
  { name: "gelu 'tanh'", f: (a) => a.gelu('tanh'), inputs: () => [u(S, -2, 2)] },
  { name: 'sin', f: (a) => a.sin(), inputs: () => [u(S, -3, 3)] },
  { name: 'cos', f: (a) => a.cos(), inputs: () => [u(S, -3, 3)] },
  {
    name: 'clamp (away from the bounds)',
    f: (a) => a.clamp(-0.5, 0.5),
    inputs: () => [tensor([-0.9, -0.3, 0.1, 0.45, 0.7, -0.05], S, 'float64')],
  },
  {
    name: 'clamp min only',
    f: (a) => a.clamp(0.1),
    inputs: () => [tensor([-0.9, -0.3, 0.2, 0.45, 0.7, 0.05], S, 'float64')],
  },
  {
    name: 'maximum',
    f: (a, b) => a.maximum(b),
    inputs: () => [tensor([1, -1, 0.5, 2, -3, 0], S, 'float64'), tensor([0.5, 0, 1, -2, -1, 0.3], S, 'float64')],
  },
  {
    name: 'minimum',
    f: (a, b) => a.minimum(b),
    inputs: () => [tensor([1, -1, 0.5, 2, -3, 0], S, 'float64'), tensor([0.5, 0, 1, -2, -1, 0.3], S, 'float64')],
  },
  { name: 'where (tensor, tensor)', f: (a, b) => where(bools([1, 0, 1, 0, 0, 1], S), a, b), inputs: () => [u(), u()] },
  { name: 'where (scalar, tensor)', f: (b) => bools([1, 0, 1, 0, 0, 1], S).where(0.5, b), inputs: () => [u()] },
  { name: 'where (tensor, scalar)', f: (a) => bools([1, 0, 1, 0, 0, 1], S).where(a, -2), inputs: () => [u()] },
  { name: 'maskedFill', f: (a) => a.maskedFill(bools([0, 1, 0], [3]), -4), inputs: () => [u()] },
  // ---- reductions ----
  { name: 'sum all', f: (a) => a.sum(), inputs: () => [u()] },
  { name: 'sum dim', f: (a) => a.sum(1), inputs: () => [u([2, 3, 2])] },
  { name: 'sum dims keepdim', f: (a) => a.sum([0, 2], true), inputs: () => [u([2, 3, 2])] },
  { name: 'mean all', f: (a) => a.mean(), inputs: () => [u()] },
  { name: 'mean dim keepdim', f: (a) => a.mean(-1, true), inputs: () => [u([2, 3, 2])] },
  { name: 'mean dim', f: (a) => a.mean(0), inputs: () => [u()] },
  { name: 'amax', f: (a) => a.amax(1), inputs: () => [distinct([2, 4], seed++)] },
  { name: 'amax keepdim, dims', f: (a) => a.amax([0, 2], true), inputs: () => [distinct([2, 3, 2], seed++)] },
  { name: 'maxDim values', f: (a) => a.maxDim(1)[0], inputs: () => [distinct([3, 4], seed++)] },
  { name: 'minDim values keepdim', f: (a) => a.minDim(0, true)[0], inputs: () => [distinct([3, 4], seed++)] },
  { name: 'max (all)', f: (a) => a.max(), inputs: () => [distinct([3, 4], seed++)] },
  { name: 'min (all)', f: (a) => a.min(), inputs: () => [distinct([3, 4], seed++)] },
  { name: 'logsumexp', f: (a) => a.logsumexp(1), inputs: () => [u([2, 4], -2, 2)] },
  { name: 'logsumexp keepdim', f: (a) => a.logsumexp(0, true), inputs: () => [u([3, 2], -2, 2)] },
  { name: 'norm', f: (a) => a.norm(), inputs: () => [u()] },
  { name: 'cumsum', f: (a) => a.cumsum(1), inputs: () => [u([2, 4])] },
  { name: 'cumsum dim 0', f: (a) => a.cumsum(0), inputs: () => [u([3, 2])] },
  // ---- shape ----
  { name: 'reshape', f: (a) => a.reshape([3, 2]).mul(a.reshape([3, 2])), inputs: () => [u()] },
  { name: 'view', f: (a) => a.view([6]), inputs: () => [u()] },
  { name: 'flatten', f: (a) => a.flatten(1), inputs: () => [u([2, 3, 2])] },
  { name: 'permute', f: (a) => a.permute([2, 0, 1]).contiguous(), inputs: () => [u([2, 3, 2])] },
  { name: 'transpose', f: (a) => a.transpose(0, 1), inputs: () => [u()] },
  { name: 'unsqueeze', f: (a) => a.unsqueeze(1), inputs: () => [u()] },
  { name: 'squeeze all', f: (a) => a.squeeze(), inputs: () => [u([2, 1, 3])] },
  { name: 'squeeze dim', f: (a) => a.squeeze(1), inputs: () => [u([2, 1, 3])] },
  { name: 'expand', f: (a) => a.expand([4, 2, 3]), inputs: () => [u([2, 1])] },
  { name: 'contiguous of transpose', f: (a) => a.transpose(0, 1).contiguous().view([6]), inputs: () => [u()] },
  { name: 'clone', f: (a) => a.clone().mul(a), inputs: () => [u()] },
  // ---- indexing ----
  { name: 'slice', f: (a) => a.slice(1, 1, null), inputs: () => [u([2, 4])] },
  { name: 'slice step, negative start', f: (a) => a.slice(1, -4, null, 2), inputs: () => [u([2, 5])] },
  { name: 'narrow', f: (a) => a.narrow(0, 1, 2), inputs: () => [u([4, 2])] },
  { name: 'select', f: (a) => a.select(1, -1), inputs: () => [u()] },
  { name: 'indexSelect (repeated index)', f: (a) => a.indexSelect(0, ints([2, 0, 2])), inputs: () => [u([3, 2])] },
  { name: 'index (one dim)', f: (a) => a.index([ints([1, 1, 0])]), inputs: () => [u([2, 3])] },
  { name: 'index (two dims)', f: (a) => a.index([ints([0, 1, 1]), ints([2, 0, 2])]), inputs: () => [u([2, 3])] },
  { name: 'index (null, dim 1)', f: (a) => a.index([null, ints([2, 0])]), inputs: () => [u([2, 3])] },
  { name: 'index (bool mask)', f: (a) => a.index([bools([1, 0, 1, 1, 0, 0], S)]), inputs: () => [u()] },
  { name: 'gather', f: (a) => a.gather(1, ints([0, 2, 2, 1], [2, 2])), inputs: () => [u()] },
  {
    name: 'scatter (src form)',
    f: (a, s) => a.scatter(1, ints([2, 0, 1, 2], [2, 2]), s),
    inputs: () => [u([2, 4]), u([2, 2])],
  },
  {
    name: 'scatterAdd (repeated index)',
    f: (a, s) => a.scatterAdd(1, ints([2, 2, 0, 0, 2, 1], [2, 3]), s),
    inputs: () => [u([2, 3]), u([2, 3])],
  },
  { name: 'indexAdd', f: (a, s) => a.indexAdd(0, ints([1, 1, 0]), s), inputs: () => [u([2, 3]), u([3, 3])] },
  { name: 'repeat', f: (a) => a.repeat([2, 3]), inputs: () => [u([2, 2])] },
  { name: 'repeatInterleave', f: (a) => a.repeatInterleave(2, 1), inputs: () => [u()] },
  { name: 'split', f: (a) => a.split(2, 1)[1], inputs: () => [u([2, 5])] },
  {
    name: 'split (all chunks)',
    f: (a) => {
      const [p, q, r] = a.split(2, 1);
      return cat([p.mul(2), q.square(), r.exp()], 1);
    },
    inputs: () => [u([2, 5])],
  },
  {
    name: 'unbind',
    f: (a) => {
      const [p, q] = a.unbind(0);
      return p.mul(q).add(q);
    },
    inputs: () => [u()],
  },
  { name: 'tril', f: (a) => a.tril(), inputs: () => [u([3, 3])] },
  { name: 'tril(-1)', f: (a) => a.tril(-1), inputs: () => [u([3, 4])] },
  { name: 'triu(1)', f: (a) => a.triu(1), inputs: () => [u([3, 3])] },
  { name: 'cat', f: (a, b) => cat([a, b, a], 1), inputs: () => [u([2, 2]), u([2, 1])] },
  { name: 'stack', f: (a, b) => stack([a, b], 1), inputs: () => [u(), u()] },
  // ---- linear algebra and nn ----
  { name: 'matmul 2D', f: (a, b) => a.matmul(b), inputs: () => [u([2, 3]), u([3, 4])] },
  { name: 'matmul batched', f: (a, b) => a.matmul(b), inputs: () => [u([2, 2, 3]), u([2, 3, 2])] },
  { name: 'matmul broadcast batch', f: (a, b) => a.matmul(b), inputs: () => [u([2, 2, 3]), u([3, 2])] },
  { name: 'matmul vector', f: (a, b) => a.matmul(b), inputs: () => [u([2, 3]), u([3])] },
  { name: 'linear with bias', f: (x, w, b) => x.linear(w, b), inputs: () => [u([2, 3]), u([4, 3]), u([4])] },
  { name: 'linear without bias (3D input)', f: (x, w) => x.linear(w), inputs: () => [u([2, 2, 3]), u([4, 3])] },
  { name: 'softmax', f: (a) => a.softmax(-1), inputs: () => [u([2, 4], -2, 2)] },
  { name: 'softmax dim 0', f: (a) => a.softmax(0), inputs: () => [u([3, 2], -2, 2)] },
  { name: 'logSoftmax', f: (a) => a.logSoftmax(1), inputs: () => [u([2, 4], -2, 2)] },
  {
    name: 'layerNorm (input, weight, bias)',
    f: (x, w, b) => x.layerNorm([4], w, b),
    inputs: () => [u([2, 3, 4], -2, 2), u([4], 0.5, 1.5), u([4])],
  },
  { name: 'layerNorm without affine', f: (x) => x.layerNorm([3], null, null), inputs: () => [u([2, 3], -2, 2)] },
  {
    name: 'layerNorm over 2 dims',
    f: (x, w) => x.layerNorm([2, 3], w, null),
    inputs: () => [u([2, 2, 3], -2, 2), u([2, 3])],
  },
  { name: 'crossEntropy mean', f: (x) => x.crossEntropy(ints([2, 0, 3])), inputs: () => [u([3, 4], -2, 2)] },
  {
    name: 'crossEntropy sum',
    f: (x) => x.crossEntropy(ints([2, 0, 3]), { reduction: 'sum' }),
    inputs: () => [u([3, 4], -2, 2)],
  },
  {
    name: 'crossEntropy none',
    f: (x) => x.crossEntropy(ints([2, 0, 3]), { reduction: 'none' }),
    inputs: () => [u([3, 4], -2, 2)],
  },
  {
    name: 'crossEntropy ignoreIndex',
    f: (x) => x.crossEntropy(ints([2, -100, 3, 1])),
    inputs: () => [u([4, 4], -2, 2)],
  },
  {
    name: 'crossEntropy custom ignoreIndex, none',
    f: (x) => x.crossEntropy(ints([2, 0, 3, 0]), { ignoreIndex: 0, reduction: 'none' }),
    inputs: () => [u([4, 4], -2, 2)],
  },
  {
    name: 'crossEntropy labelSmoothing',
    f: (x) => x.crossEntropy(ints([2, 0, 3]), { labelSmoothing: 0.1 }),
    inputs: () => [u([3, 4], -2, 2)],
  },
  {
    name: 'crossEntropy labelSmoothing + ignoreIndex + sum',
    f: (x) => x.crossEntropy(ints([2, 0, -100]), { labelSmoothing: 0.2, reduction: 'sum' }),
    inputs: () => [u([3, 4], -2, 2)],
  },
  { name: 'embedding (weight grad)', f: (w) => embedding(w, ints([3, 0, 3, 1], [2, 2])), inputs: () => [u([4, 3])] },
  // ---- search ----
  { name: 'topk values', f: (a) => a.topk(2)[0], inputs: () => [distinct([2, 5], seed++)] },
  { name: 'topk smallest, dim 0', f: (a) => a.topk(2, 0, false)[0], inputs: () => [distinct([3, 2], seed++)] },
  { name: 'sort values', f: (a) => a.sort()[0], inputs: () => [distinct([2, 4], seed++)] },
  { name: 'sort descending values', f: (a) => a.sort(1, true)[0], inputs: () => [distinct([2, 4], seed++)] },
  // ---- dropout that must be the identity ----
  { name: 'dropout p=0 (train)', f: (a) => a.dropout(0, true).mul(1), inputs: () => [u()] },
  { name: 'dropout p=0.5 eval', f: (a) => a.dropout(0.5, false).mul(1), inputs: () => [u()] },
  // ---- dtype ----
  {
    name: 'to float64 (no-op) and back through float64',
    f: (a) => a.to('float64').double().mul(a),
    inputs: () => [u()],
  },
  // ---- compositions ----
  {
    name: 'attention-like composition',
    f: (q, k, v) => q.matmul(k.transpose(-2, -1)).mul(0.5).softmax(-1).matmul(v),
    inputs: () => [u([2, 3, 2]), u([2, 3, 2]), u([2, 3, 2])],
  },
];

for (const c of cases) {
  test(`gradcheck: ${c.name}`, () => {
    const before = liveTensors();
    tidy(() => gradcheck(c.f, c.inputs()));
    assert.equal(liveTensors(), before, 'gradcheck leaked tensors');
  });
}

test('gradcheck: dropout p=0 and train=false return the input unchanged', () => {
  tidy(() => {
    const x = u();
    assert.deepEqual(x.dropout(0, true).toArray(), x.toArray());
    assert.deepEqual(x.dropout(0.9, false).toArray(), x.toArray());
  });
});

test('embedding with paddingIdx: the pad row gets no gradient, the others the usual one', () => {
  tidy(() => {
    const w = u([4, 3]).requiresGrad_(true);
    embedding(w, ints([3, 0, 3, 1], [2, 2]), 0)
      .sum()
      .backward();
    const g = w.grad;
    assert.ok(g !== null);
    assert.deepEqual(g.toArray(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2]);
  });
});

test('gradcheck helper detects a wrong analytic gradient', () => {
  tidy(() => {
    // forward is x², but the detached factor makes the analytic gradient x instead of 2x
    assert.throws(() => gradcheck((x) => x.mul(x.detach()), [u()]), /gradcheck: \d+ of 6 gradient entries differ/);
    // the numerical gradient of sin against the analytic gradient of cos
    assert.throws(
      () => gradcheck((x) => x.sin(), [u()], { analyticFn: (x) => x.cos() }),
      /gradcheck: \d+ of 6 gradient entries differ/,
    );
    // a missing gradient (fully detached) for one input of two
    assert.throws(() => gradcheck((a, b) => a.mul(b.detach()), [u(), u()]), /input 1 \[2, 3\]/);
    // a small error (1e-3 relative) is still caught at the default tolerances
    assert.throws(() => gradcheck((x) => x.mul(x.detach().mul(1e-3)).add(x), [u()]), /gradcheck/);
    // ...and the correct versions pass
    gradcheck((x) => x.mul(x), [u()]);
    gradcheck((a, b) => a.mul(b), [u(), u()]);
  });
});

test('gradcheck: reference transformer loss (float64, with key padding)', () => {
  const before = liveTensors();
  manualSeed(7);
  const cfg: TransformerConfig = {
    vocabSize: 11,
    dModel: 8,
    nHeads: 2,
    nLayers: 2,
    dFF: 16,
    maxPositions: 8,
    dropout: 0,
    dtype: 'float64',
  };
  const model = new Transformer(cfg);
  try {
    const named = model.namedParameters();
    // Move away from the default init (tiny weights, LayerNorm at identity) so every path matters.
    noGrad(() =>
      tidy(() => {
        named.forEach(([name, p], i) => {
          const r = uniform(p.shape, -0.6, 0.6, 1000 + i);
          p.assign(/ln[^.]*\.weight$/.test(name) ? r.add(1) : r);
        });
      }),
    );
    const N = 2;
    const T = 5;
    // Row 1 is left-padded by 2 positions (pad token 0); its padded targets are ignored.
    const tokens = [3, 7, 1, 9, 4, 0, 0, 5, 2, 10];
    const targets = [7, 1, 9, 4, 6, -100, -100, 2, 10, 8];
    const padding = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0];
    const loss = (): Tensor => {
      const { logits } = model.forward(ints(tokens, [N, T]), { keyPadding: bools(padding, [N, T]) });
      return logits.view([N * T, cfg.vocabSize]).crossEntropy(ints(targets));
    };
    // Analytic gradients of all parameters.
    const analytic = tidy(() => {
      const l = loss();
      l.backward();
      return named.map(([, p]) => {
        const g = p.grad;
        return g === null ? new Float64Array(p.numel) : g.toFloat64();
      });
    });
    // Every parameter gets a gradient except the rows of embeddings that are never used.
    const r = prng(99);
    const eps = 1e-6;
    const bad: string[] = [];
    let checked = 0;
    let nonzero = 0;
    named.forEach(([name, p], i) => {
      const data = p.toFloat64();
      // check every element of small parameters, a random ≥ 40% subset of the others
      const frac = p.numel <= 16 ? 1 : 0.4;
      for (let j = 0; j < data.length; j++) {
        if (r() > frac) continue;
        const at = (delta: number): number =>
          tidy(() =>
            noGrad(() => {
              const c = Float64Array.from(data);
              c[j] += delta;
              p.assign(tensor(c, p.shape, 'float64'));
              return loss().item();
            }),
          );
        const num = (at(eps) - at(-eps)) / (2 * eps);
        tidy(() => p.assign(tensor(data, p.shape, 'float64')));
        const ana = analytic[i][j];
        checked++;
        if (Math.abs(num) > 1e-8) nonzero++;
        if (!(Math.abs(ana - num) <= 1e-6 + 1e-4 * Math.abs(num))) {
          bad.push(`${name}[${j}]: analytic ${ana}, numerical ${num}`);
        }
      }
    });
    assert.ok(checked >= 200, `only ${checked} entries checked`);
    assert.ok(nonzero >= 0.8 * checked, `only ${nonzero} of ${checked} gradients are non-zero`);
    assert.deepEqual(bad, []);
    // The padded key positions must not influence the loss: changing the pad tokens changes nothing.
    tidy(() =>
      noGrad(() => {
        const a = loss().item();
        const other = tokens.slice();
        other[5] = 8;
        other[6] = 4;
        const { logits } = model.forward(ints(other, [N, T]), { keyPadding: bools(padding, [N, T]) });
        const b = logits
          .view([N * T, cfg.vocabSize])
          .crossEntropy(ints(targets))
          .item();
        assert.ok(Math.abs(a - b) < 1e-12, `pad tokens changed the loss: ${a} vs ${b}`);
      }),
    );
  } finally {
    model.dispose();
  }
  assert.equal(liveTensors(), before);
});
