import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/util/rng.js';

const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.uint32());

test('same seed → same stream; different seeds → different streams', () => {
  assert.deepEqual(draw(new Rng(42), 20), draw(new Rng(42), 20));
  assert.deepEqual(draw(new Rng('abc'), 5), draw(new Rng('abc'), 5));
  assert.notDeepEqual(draw(new Rng(42), 5), draw(new Rng(43), 5));
  assert.notDeepEqual(draw(new Rng(1), 5), draw(new Rng('1'), 5));
});

test('fixed values pin the algorithm (determinism across runs and versions)', () => {
  // If this changes, every shuffled split and bootstrap result changes: update only deliberately.
  assert.deepEqual(draw(new Rng(12345), 3), [98356782, 922920493, 2613506921]);
  assert.deepEqual(draw(new Rng(12345).fork('x'), 2), [935355773, 2473134970]);
  assert.deepEqual(new Rng(12345).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [9, 0, 7, 3, 8, 5, 6, 1, 4, 2]);
});

test('sfc32 core matches the reference recurrence', () => {
  // Reference sfc32 (Doty-Humphrey) seeded directly with a known state.
  const ref = (s: number[]): number => {
    let [a, b, c, d] = s;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    s.splice(0, 4, a, b, c, d);
    return t >>> 0;
  };
  const r = new Rng(0);
  const st = r.getState();
  const s = [...st.s];
  for (let i = 0; i < 100; i++) assert.equal(r.uint32(), ref(s));
});

test('next() in [0,1) and roughly uniform (chi-square over 10 bins)', () => {
  const r = new Rng(7);
  const bins = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]++;
  }
  const e = n / 10;
  const chi2 = bins.reduce((s, b) => s + (b - e) ** 2 / e, 0);
  assert.ok(chi2 < 27.9, `chi2=${chi2} (df 9, p=0.001 critical value 27.9)`);
});

test('int(n) is in range, unbiased for awkward n, and rejects bad n', () => {
  const r = new Rng(3);
  const n = 3;
  const counts = [0, 0, 0];
  for (let i = 0; i < 60_000; i++) counts[r.int(n)]++;
  for (const c of counts) assert.ok(Math.abs(c - 20_000) < 600, `counts ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const x = r.int(2 ** 40);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 40);
  }
  assert.equal(r.int(1), 0);
  assert.throws(() => r.int(0), /positive integer/);
  assert.throws(() => r.int(2.5), /positive integer/);
  const x = r.range(5, 8);
  assert.ok(x >= 5 && x < 8);
});

test('shuffle is a permutation, deterministic, and moves things', () => {
  const a = Array.from({ length: 100 }, (_, i) => i);
  const s1 = new Rng(9).shuffle([...a]);
  const s2 = new Rng(9).shuffle([...a]);
  assert.deepEqual(s1, s2);
  assert.deepEqual(
    [...s1].sort((x, y) => x - y),
    a,
  );
  assert.notDeepEqual(s1, a);
  const p = new Rng(9).permutation(100);
  assert.deepEqual(Array.from(p), s1);
  // Each element lands in position 0 about equally often (uniform shuffle).
  const first = new Array<number>(4).fill(0);
  const r = new Rng(11);
  for (let i = 0; i < 40_000; i++) first[r.shuffle([0, 1, 2, 3])[0]]++;
  for (const c of first) assert.ok(Math.abs(c - 10_000) < 500, `first-position counts ${first}`);
});

test('choice and sample', () => {
  const r = new Rng(5);
  const items = ['a', 'b', 'c'];
  for (let i = 0; i < 50; i++) assert.ok(items.includes(r.choice(items)));
  assert.throws(() => r.choice([]), /empty/);
  const s = r.sample([1, 2, 3, 4, 5], 3);
  assert.equal(new Set(s).size, 3);
  assert.throws(() => r.sample([1], 2), /k must be/);
});

test('normal() has mean ≈ 0 and std ≈ 1', () => {
  const r = new Rng(1);
  const n = 50_000;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    ss += z * z;
  }
  const mean = s / n;
  const std = Math.sqrt(ss / n - mean * mean);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.02, `std ${std}`);
  assert.ok(Math.abs(new Rng(1).normal(10, 0) - 10) < 1e-12);
});

test('fork depends on seed and label only, and is independent of the parent', () => {
  const a = new Rng(100);
  const fa = draw(a.fork('shuffle'), 5);
  const b = new Rng(100);
  draw(b, 1000); // draws before forking do not matter
  assert.deepEqual(draw(b.fork('shuffle'), 5), fa);
  assert.notDeepEqual(draw(new Rng(100).fork('negatives'), 5), fa);
  assert.notDeepEqual(draw(new Rng(101).fork('shuffle'), 5), fa);
  assert.notDeepEqual(draw(new Rng(100), 5), fa);
  // nested forks are deterministic too
  assert.deepEqual(draw(new Rng(1).fork('a').fork(2), 3), draw(new Rng(1).fork('a').fork(2), 3));
});

test('getState / fromState resumes exactly', () => {
  const r = new Rng('resume');
  draw(r, 10);
  r.normal(); // leaves a spare normal cached
  const st = r.getState();
  const copy = Rng.fromState(JSON.parse(JSON.stringify(st)));
  assert.equal(copy.normal(), r.normal());
  assert.deepEqual(draw(copy, 10), draw(r, 10));
  assert.deepEqual(draw(copy.fork('x'), 3), draw(r.fork('x'), 3));
});
