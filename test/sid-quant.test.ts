import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors, setNumThreads } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';
import { assignNearest, countDistinctRows, kmeans, residualKMeans } from '../src/sid/kmeans.js';
import { trainRqVae } from '../src/sid/rqvae.js';
import { codebookUsage } from '../src/sid/codes.js';

setNumThreads(1);

/** 4 blobs (far apart) × 4 sub-blobs (the same 4 offsets in every blob) × `per` points. */
function planted(per: number, seed = 1): { x: Float32Array; n: number; d: number; blob: number[]; sub: number[] } {
  const d = 6;
  const rng = new Rng(seed);
  const centers = [
    [20, 0, 0, 0, 0, 0],
    [0, 20, 0, 0, 0, 0],
    [0, 0, 20, 0, 0, 0],
    [-20, -20, 0, 0, 0, 0],
  ];
  const offsets = [
    [0, 0, 0, 3, 0, 0],
    [0, 0, 0, -3, 0, 0],
    [0, 0, 0, 0, 3, 0],
    [0, 0, 0, 0, -3, 0],
  ];
  const rows: number[] = [];
  const blob: number[] = [];
  const sub: number[] = [];
  for (let b = 0; b < 4; b++) {
    for (let s = 0; s < 4; s++) {
      for (let p = 0; p < per; p++) {
        for (let t = 0; t < d; t++) rows.push(centers[b][t] + offsets[s][t] + rng.normal(0, 0.1));
        blob.push(b);
        sub.push(s);
      }
    }
  }
  return { x: Float32Array.from(rows), n: blob.length, d, blob, sub };
}

/** True when `codes` and `truth` induce the same partition (a bijection between labels). */
function samePartition(codes: ArrayLike<number>, truth: ArrayLike<number>): boolean {
  const fwd = new Map<number, number>();
  const bwd = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const a = codes[i];
    const b = truth[i];
    if ((fwd.has(a) && fwd.get(a) !== b) || (bwd.has(b) && bwd.get(b) !== a)) return false;
    fwd.set(a, b);
    bwd.set(b, a);
  }
  return true;
}

test('assignNearest matches brute force distances', () => {
  const x = Float32Array.from([0, 0, 1, 0, 5, 5, 4, 6]);
  const c = Float32Array.from([0, 0, 5, 5]);
  const { assign, dist } = assignNearest(x, 4, 2, c, 2, 3); // chunk of 3 rows: exercises the chunk boundary
  assert.deepEqual(Array.from(assign), [0, 0, 1, 1]);
  assert.deepEqual(
    Array.from(dist).map((v) => Math.round(v * 1e4) / 1e4),
    [0, 1, 0, 2],
  );
});

test('kmeans recovers 4 separated blobs and is deterministic for a seed', () => {
  const { x, n, d, blob } = planted(8);
  const a = kmeans(x, n, d, { k: 4, seed: 3 });
  assert.ok(samePartition(a.assign, blob));
  const b = kmeans(x, n, d, { k: 4, seed: 3 });
  assert.deepEqual(Array.from(b.assign), Array.from(a.assign));
  assert.deepEqual(Array.from(b.centroids), Array.from(a.centroids));
  assert.throws(() => kmeans(x, n, d, { k: n + 1 }), /k = 129 must be an integer in \[1, 128\]/);
});

test('kmeans: every cluster is non-empty when k equals the number of distinct points', () => {
  // 3 distinct points, duplicated: k = 3 must give 3 used clusters.
  const x = Float32Array.from([0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
  assert.equal(countDistinctRows(x, 7, 2), 3);
  const r = kmeans(x, 7, 2, { k: 3, seed: 0 });
  assert.equal(new Set(r.assign).size, 3);
  assert.ok(r.inertia < 1e-9);
});

test('residual k-means: level 0 = blobs, levels 0+1 = (blob, sub-blob), exactly', () => {
  const { x, n, d, blob, sub } = planted(6);
  const q = residualKMeans(x, n, d, { levels: 2, codebookSize: 4, seed: 0 });
  assert.deepEqual(q.sizes, [4, 4]);
  const l0 = Array.from({ length: n }, (_, i) => q.codes[i * 2]);
  const l1 = Array.from({ length: n }, (_, i) => q.codes[i * 2 + 1]);
  assert.ok(samePartition(l0, blob), 'level-0 codes identify the blobs');
  assert.ok(samePartition(l1, sub), 'level-1 codes identify the sub-blob (shared offsets)');
  // Residual after two levels is just the noise (σ = 0.1 per dim, 6 dims → E‖r‖² ≈ 0.06).
  let ss = 0;
  for (const v of q.residual) ss += v * v;
  assert.ok(ss / n < 0.1, `mean squared residual ${ss / n}`);
});

test('residual k-means clamps K to the number of distinct residuals', () => {
  const x = Float32Array.from([0, 0, 1, 1, 2, 2]);
  const q = residualKMeans(x, 3, 2, { levels: 2, codebookSize: 256 });
  assert.deepEqual(q.sizes, [3, 1]); // level 0 is exact, so every residual is 0 (one distinct point)
});

test('RQ-VAE: loss falls and every code of every level is used (tiny)', () => {
  const before = liveTensors();
  const { x, n, d } = planted(4);
  const r = trainRqVae(x, n, d, 2, 4, { hidden: [16], latentDim: 4, epochs: 40, batchSize: 32, lr: 3e-3 }, 7);
  assert.equal(r.losses.length, 40);
  assert.ok(r.losses[39] < 0.5 * r.losses[0], `loss ${r.losses[0]} → ${r.losses[39]}`);
  const usage = codebookUsage(r.codes, n, 2, r.sizes);
  assert.deepEqual(usage.used, [4, 4]);
  r.model.dispose();
  assert.ok(liveTensors() <= before + 2, `leaked ${liveTensors() - before} tensors`);
});
