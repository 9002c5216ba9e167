import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, resolveWarmup, type ScheduleSpec } from '../src/train/schedule.js';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('warm-up: linear from lr/warmup to lr', () => {
  const s: ScheduleSpec = { lr: 2, totalSteps: 11, warmupSteps: 4, kind: 'constant', minLrRatio: 0 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((i) => learningRateAt(i, s)),
    [0.5, 1, 1.5, 2, 2, 2],
  );
});

test('cosine and linear decay by hand (peak after warm-up, floor at the last step)', () => {
  // total 11, warm-up 2 → decay over steps 2..10, q = (step − 2) / 8
  const cos: ScheduleSpec = { lr: 1, totalSteps: 11, warmupSteps: 2, kind: 'cosine', minLrRatio: 0.1 };
  const lin: ScheduleSpec = { ...cos, kind: 'linear' };
  close(learningRateAt(2, cos), 1);
  close(learningRateAt(4, cos), 0.1 + 0.9 * ((1 + Math.SQRT1_2) / 2)); // q = 1/4: 0.868198
  close(learningRateAt(6, cos), 0.55); // q = 1/2
  close(learningRateAt(10, cos), 0.1);
  close(learningRateAt(50, cos), 0.1); // past the end: stays at the floor
  close(learningRateAt(2, lin), 1);
  close(learningRateAt(4, lin), 0.775);
  close(learningRateAt(6, lin), 0.55);
  close(learningRateAt(10, lin), 0.1);
  // no warm-up: step 0 is the peak
  close(learningRateAt(0, { ...cos, warmupSteps: 0 }), 1);
  // monotone non-increasing after warm-up
  for (let i = 2; i < 10; i++) assert.ok(learningRateAt(i + 1, cos) <= learningRateAt(i, cos));
});

test('warm-up as a fraction or a number of steps; bad values fail loudly', () => {
  assert.equal(resolveWarmup(0.1, 95), 10); // round(9.5)
  assert.equal(resolveWarmup(0.05, 100), 5);
  assert.equal(resolveWarmup(0, 100), 0);
  assert.equal(resolveWarmup(3, 100), 3);
  assert.equal(resolveWarmup(1, 100), 1);
  assert.equal(resolveWarmup(500, 100), 100);
  assert.throws(() => resolveWarmup(1.5, 100), /neither a fraction/);
  assert.throws(() => resolveWarmup(-0.1, 100), /warmup must be >= 0/);
  const s: ScheduleSpec = { lr: 1, totalSteps: 10, warmupSteps: 0, kind: 'cosine', minLrRatio: 0 };
  assert.throws(() => learningRateAt(-1, s), /non-negative integer/);
  assert.throws(() => learningRateAt(1.5, s), /non-negative integer/);
  assert.throws(() => learningRateAt(0, { ...s, minLrRatio: 2 }), /minLrRatio/);
});
