// inEvalMode: the one place that switches a model to eval mode for a computation and restores its mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inEvalMode, Linear, Module } from '../src/engine/index.js';

class Net extends Module {
  readonly fc = this.child('fc', new Linear(2, 2));
}

test('inEvalMode: eval mode inside (children too), the previous mode after a return or a throw, nested', () => {
  const net = new Net();
  try {
    assert.equal(net.training, true);
    const seen = inEvalMode(net, () => [net.training, net.fc.training]);
    assert.deepEqual(seen, [false, false]);
    assert.equal(net.training, true);
    assert.equal(net.fc.training, true);

    assert.throws(
      () =>
        inEvalMode(net, () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(net.training, true);
    assert.equal(net.fc.training, true);

    // nested: the inner call restores eval mode, the outer one training mode
    inEvalMode(net, () => {
      inEvalMode(net, () => assert.equal(net.training, false));
      assert.equal(net.training, false);
    });
    assert.equal(net.training, true);

    // a model already in eval mode stays there
    net.eval();
    assert.equal(
      inEvalMode(net, () => 7),
      7,
    );
    assert.equal(net.training, false);
    assert.equal(net.fc.training, false);
  } finally {
    net.dispose();
  }
});
