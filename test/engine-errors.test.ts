// Bad input must throw clear JS errors (naming the op and the input shapes) and leave the
// process, and the engine, in working order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adamW,
  embedding,
  liveTensors,
  native,
  ones,
  op,
  randn,
  scalar,
  tensor,
  tidy,
  zeros,
} from '../src/engine/index.js';

/** assert.throws with a message check that prints the actual message on failure. */
function throwsWith(fn: () => unknown, ...patterns: (RegExp | string)[]): Error {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, 'expected an Error to be thrown');
  for (const p of patterns) {
    const ok = typeof p === 'string' ? caught.message.includes(p) : p.test(caught.message);
    assert.ok(ok, `message ${JSON.stringify(caught.message)} does not match ${String(p)}`);
  }
  return caught;
}

test('errors: wrong dtypes', () => {
  tidy(() => {
    const w = randn([4, 3]);
    throwsWith(() => embedding(w, tensor([1, 2], [2], 'float32')), 'embedding', 'indices', '[2] float32');
    throwsWith(() => ones([2, 3]).matmul(ones([3, 2], 'float64')), 'matmul', '[2, 3] float32', '[3, 2] float64');
    throwsWith(() => ones([2, 3]).indexSelect(0, tensor([0], [1], 'float32')), 'index_select', /int32 or int64/);
    throwsWith(() => ones([3]).gather(0, tensor([0], [1], 'float32')), 'gather');
    throwsWith(() => ones([2]).long().requiresGrad_(true), 'requiresGrad', /floating point/);
    throwsWith(() => ones([2]).to('float16' as 'float32'), /unknown dtype 'float16'/);
  });
});

test('errors: mismatched shapes name the op and both shapes', () => {
  tidy(() => {
    throwsWith(() => ones([2, 3]).matmul(ones([2, 3])), 'matmul', '[2, 3]', /\[2, 3\].*\[2, 3\]/);
    throwsWith(() => ones([2, 3]).add(ones([4, 5])), 'add', '[2, 3]', '[4, 5]');
    throwsWith(() => ones([2, 3]).mul(ones([2])), 'mul', '[2, 3]', '[2]');
    throwsWith(() => ones([2, 3]).view([4]), 'view', '[2, 3]');
    throwsWith(() => ones([2, 3]).select(0, 5), 'select', /out of range/);
    throwsWith(() => ones([2, 4]).crossEntropy(tensor([0], [1], 'int64')), 'cross_entropy', '[2, 4]', '[1] int64');
    throwsWith(() => embedding(randn([4, 3]), tensor([7], [1], 'int64')), 'embedding', /out of range/);
    throwsWith(() => ones([3]).topk(5), 'topk');
    throwsWith(() => tensor([-1, 2], [2]).multinomial(1), 'multinomial');
  });
});

test('errors: use after dispose', () => {
  const t = ones([2]);
  t.dispose();
  throwsWith(() => t.add(1), 'dispose');
  throwsWith(() => tidy(() => ones([2]).add(t)), 'add', 'dispose');
  throwsWith(() => t.shape, 'dispose');
  throwsWith(() => t.toFloat32(), 'dispose');
  throwsWith(() => t.item(), 'dispose');
  throwsWith(() => t.backward(), 'dispose');
  const p = ones([1]).requiresGrad_(true);
  const opt = adamW([p], { lr: 0.1 });
  p.dispose();
  throwsWith(() => adamW([p], { lr: 0.1 }), 'dispose');
  opt.zeroGrad(); // the optimizer holds its own reference: still safe to use
});

test('errors: wrong argument types to op', () => {
  tidy(() => {
    const a = ones([2]);
    const e = throwsWith(() => op('add', 'Tensor', a, 'hello'), 'add', "argument 'other' must be a tensor");
    assert.ok(e instanceof TypeError);
    throwsWith(() => op('add', 'Tensor', 'hello', a), "argument 'self' must be a tensor");
    throwsWith(() => op('softmax', 'int', a, 0.5), "argument 'dim' must be an integer");
    throwsWith(() => op('clamp', '', a, 'a'), "argument 'min' must be a number");
    throwsWith(() => op('cat', '', [a, 3 as unknown as typeof a], 0), "argument 'tensors'[1] must be a tensor");
    throwsWith(() => op('sum', 'dim_IntList', a, 'x'), "argument 'dim' must be an array");
    throwsWith(() => op('add', 'Tensor', a, a, 1, 2, 3), 'takes 3 arguments, got 5');
    throwsWith(() => op('add', 'Tensor', a), "missing argument 'other'");
    throwsWith(() => op('zeros', '', [2], 'floatx'), /unknown dtype 'floatx'/);
  });
});

test('errors: tensor() with a shape that does not fit the data', () => {
  throwsWith(() => tensor([1, 2, 3], [2, 2]), 'shape [2, 2] needs 4 values, got 3');
  throwsWith(() => tensor(new Float64Array(5), [2, 3]), 'needs 6 values, got 5');
  throwsWith(() => tensor([1.5], [1], 'int64'), /not a 32-bit integer/);
  throwsWith(() => zeros([-1]), 'zeros', /negative dimension/);
  throwsWith(() => native.fromTyped(new Float32Array(3), [2], 'float32'), 'fromTyped', /2 elements but data has 3/);
});

test('errors: unknown op or overload', () => {
  throwsWith(() => op('no_such_op', ''), 'no operator aten::no_such_op');
  throwsWith(() => op('add', 'NoSuchOverload', ones([1]), ones([1])), 'no operator aten::add.NoSuchOverload');
});

test('errors: backward misuse', () => {
  tidy(() => {
    const p = ones([2, 2]).requiresGrad_(true);
    throwsWith(() => p.mul(2).backward(), 'backward', /only for scalar outputs/, '[2, 2]');
    throwsWith(() => ones([2]).sum().backward(), 'backward', /does not require grad/);
    const l = p.mul(p).sum();
    l.backward();
    throwsWith(() => l.backward(), 'backward', /second time/);
    throwsWith(() => p.mul(2).backward(ones([3])), 'backward', /\[3\]/);
    throwsWith(() => scalar(1).item() + ones([2]).item(), 'item', /2 elements/);
  });
});

test('errors: the process keeps working after all of the above', () => {
  const before = liveTensors();
  const r = tidy(() =>
    ones([2, 3])
      .matmul(ones([3, 2]).mul(2))
      .toArray(),
  );
  assert.deepEqual(r, [6, 6, 6, 6]);
  assert.equal(liveTensors(), before);
});
