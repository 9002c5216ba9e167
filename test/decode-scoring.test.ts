// childScores: the two scoring distributions decoders rank by ('full' and 'valid'), by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childScores } from '../src/decode/common.js';
import { tensor, tidy } from '../src/engine/index.js';

test("childScores: 'full' keeps the model's log-probs, 'valid' renormalises over the valid children", () => {
  tidy(() => {
    const lp = tensor([0.5, 0.3, 0.2, 0.6, 0.3, 0.1].map(Math.log), [2, 3], 'float32');
    // row 0: children tokens 0 and 2; row 1: no children (dead row)
    const ch = { width: 2, tokens: Int32Array.from([0, 2, -1, -1]), next: Int32Array.from([5, 6, -1, -1]) };
    const full = childScores(lp, ch, Float64Array.from([1, 2]), 'full').toFloat64();
    assert.ok(Math.abs(full[0] - (1 + Math.log(0.5))) < 1e-6);
    assert.ok(Math.abs(full[1] - (1 + Math.log(0.2))) < 1e-6);
    assert.equal(full[2], -Infinity);
    const valid = childScores(lp, ch, Float64Array.from([1, 2]), 'valid').toFloat64();
    assert.ok(Math.abs(valid[0] - (1 + Math.log(0.5 / 0.7))) < 1e-6);
    assert.ok(Math.abs(valid[1] - (1 + Math.log(0.2 / 0.7))) < 1e-6);
    assert.equal(valid[2], -Infinity, 'a row without children stays -inf (no NaN)');
    assert.equal(valid[3], -Infinity);
  });
});
