import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatDuration, logWriter, progressCallback } from '../src/util/progress.js';
import { codeVersion, computeCodeVersion, findPackageRoot } from '../src/util/version.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function fake(): { now: number; clock: () => number; lines: string[]; writer: (s: string) => void } {
  const f = {
    now: 1000,
    clock: () => f.now,
    lines: [] as string[],
    writer: (s: string) => void f.lines.push(s),
  };
  return f;
}

test('formatDuration', () => {
  assert.equal(formatDuration(4.25), '4.3s');
  assert.equal(formatDuration(75), '1m15s');
  assert.equal(formatDuration(3725), '1h02m05s');
  assert.equal(formatDuration(10), '10s');
  assert.equal(formatDuration(NaN), '?');
});

test('throughput and ETA arithmetic with a fake clock', () => {
  const f = fake();
  const p = new Progress({
    total: 100,
    label: 'train',
    intervalSec: 5,
    clock: f.clock,
    writer: f.writer,
    unit: 'samples',
  });
  // 20 steps of 32 samples in 10 seconds: 2 steps/s, 64 samples/s, 80 steps left → 40 s.
  for (let i = 0; i < 20; i++) {
    f.now += 0.5;
    p.update({ items: 32 });
  }
  const s = p.snapshot();
  assert.equal(s.done, 20);
  assert.equal(s.items, 640);
  assert.equal(s.elapsedSec, 10);
  assert.equal(s.stepsPerSec, 2);
  assert.equal(s.itemsPerSec, 64);
  assert.equal(s.etaSec, 40);
  assert.equal(s.loss, undefined);
  assert.equal(p.line(), '[train]  20/100 (20.0%) | 64.0 samples/s | elapsed 10s | ETA 40s');
});

test('prints at most every intervalSec seconds, and always on finish', () => {
  const f = fake();
  const p = new Progress({ total: 10, intervalSec: 5, clock: f.clock, writer: f.writer });
  const printed: boolean[] = [];
  for (let i = 0; i < 10; i++) {
    f.now += 2;
    printed.push(p.update());
  }
  // prints at t=+6 (≥5 since start), then +12 (≥5 since +6), then +18
  assert.deepEqual(printed, [false, false, true, false, false, true, false, false, true, false]);
  assert.equal(f.lines.length, 3);
  assert.ok(f.lines.every((l) => l.endsWith('\n')));
  const fin = p.finish();
  assert.equal(f.lines.length, 4);
  assert.equal(fin.etaSec, 0);
  assert.match(f.lines[3], /^\[progress\] 10\/10 \(100\.0%\) \| 0\.50 items\/s \| elapsed 20s \| ETA 0\.0s\n$/);
});

test('progressCallback: chunk counts become steps, with users/s, ETA and a final line at the total', () => {
  const f = fake();
  const cb = progressCallback('test', 1000, { clock: f.clock, writer: f.writer, intervalSec: 10 });
  f.now += 5;
  cb(100, 1000); // too soon: no line
  assert.equal(f.lines.length, 0);
  f.now += 5;
  cb(200, 1000);
  assert.equal(f.lines.length, 1);
  assert.match(f.lines[0], /^\[test\]  200\/1000 \(20\.0%\) \| 20\.0 users\/s \| elapsed 10s \| ETA 40s/);
  f.now += 40;
  cb(1000, 1000);
  assert.equal(f.lines.length, 3, 'the interval has passed, and the final line is always printed');
  assert.match(f.lines[2], /1000\/1000 \(100\.0%\) \| 20\.0 users\/s \| elapsed 50s/);
});

test('loss is a bias-corrected EMA', () => {
  const f = fake();
  const p = new Progress({ smoothing: 0.5, clock: f.clock, writer: f.writer, intervalSec: 1e9 });
  p.update({ loss: 4 });
  assert.equal(p.snapshot().loss, 4); // first value is reported as-is (bias correction)
  p.update({ loss: 2 });
  // ema = 0.5*(0.5*4) + 0.5*2 = 2; debias /(1-0.25) → 2.6667 (weights 1/3, 2/3)
  assert.ok(Math.abs((p.snapshot().loss ?? NaN) - (4 / 3 + 4 / 3)) < 1e-12);
  p.update({ loss: NaN }); // ignored
  assert.ok(Math.abs((p.snapshot().loss ?? NaN) - 8 / 3) < 1e-12);
  // unknown total: no ETA
  f.now += 3;
  assert.equal(p.snapshot().etaSec, undefined);
  assert.match(p.line(), /^\[progress\] 3 \| loss 2\.667 \| 1\.00 items\/s \| elapsed 3\.0s$/);
  assert.throws(() => new Progress({ smoothing: 1 }), /smoothing/);
});

test('code version: package version, fail-soft commit', () => {
  const v = codeVersion();
  assert.equal(v.packageVersion, '0.1.0');
  assert.match(v.commit, /^(unknown|[0-9a-f]{4,40}(-dirty)?)$/);
  assert.equal(v.string, `genrec@0.1.0+${v.commit}`);
  assert.equal(codeVersion(), v); // cached
  const dir = mkdtempSync(path.join(tmpdir(), 'genrec-version-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pkg', version: '9.9.9' }));
    assert.equal(findPackageRoot(path.join(dir)), dir);
    const w = computeCodeVersion(dir);
    assert.equal(w.packageVersion, '9.9.9');
    assert.equal(w.commit, 'unknown'); // not a git checkout
    assert.equal(w.string, 'pkg@9.9.9+unknown');
    // a copy of dist/ outside the checkout: the build stamp supplies the commit; a malformed stamp is ignored
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'dist', 'build-info.json'), JSON.stringify({ commit: 'abc1234-dirty' }));
    assert.equal(computeCodeVersion(dir).string, 'pkg@9.9.9+abc1234-dirty');
    writeFileSync(path.join(dir, 'dist', 'build-info.json'), JSON.stringify({ commit: 'rm -rf /' }));
    assert.equal(computeCodeVersion(dir).commit, 'unknown');
    writeFileSync(path.join(dir, 'dist', 'build-info.json'), '{');
    assert.equal(computeCodeVersion(dir).commit, 'unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('logWriter drops only the trailing newline of a progress line', () => {
  const got: string[] = [];
  const w = logWriter((l) => got.push(l));
  w('[decode] 3/10 users\n');
  w('no newline');
  w('two\n\n');
  assert.deepEqual(got, ['[decode] 3/10 users', 'no newline', 'two\n']);
});
