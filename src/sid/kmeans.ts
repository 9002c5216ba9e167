/**
 * k-means (Lloyd) with seeded k-means++ initialisation, and the residual k-means quantiser built on it.
 *
 * Distances are computed in libtorch, in row chunks of `batchSize`, as ‖x‖² − 2·x·Cᵀ + ‖c‖² (one matmul per chunk);
 * centroid updates and the k-means++ sampling run in JS (float64 sums), so results depend only on the seed (and on
 * libtorch's matmul rounding). Empty clusters are repaired after every update: each takes the point farthest from
 * its current centroid (among clusters with ≥ 2 points), so when the data has ≥ k distinct points every cluster ends
 * up non-empty. Iteration stops after `iters` rounds, when no assignment changes, or when the inertia improves by
 * less than `tol` (relative).
 *
 * Residual k-means (the "RQ-KMeans" of MiniOneRec / OneRec): level 0 clusters the embeddings, level l clusters the
 * residuals x − Σ_{m<l} c_m(x). k at each level is min(codebookSize, number of distinct residual vectors): a catalog
 * smaller than K (or a level whose residuals collapse, e.g. every item alone in its level-0 cluster gives all-zero
 * residuals) gets a smaller codebook instead of empty codes. The identifier's vocabulary uses these effective sizes.
 */
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import { tensor } from '../engine/tensor.js';
import { Rng } from '../util/rng.js';

export interface KMeansOptions {
  /** Number of clusters (≥ 1, ≤ number of points). */
  k: number;
  /** Max Lloyd iterations. Default 50. */
  iters?: number;
  /** Stop when the relative inertia improvement falls below this. Default 1e-4. */
  tol?: number;
  /** Seed of the k-means++ sampling. Default 0. */
  seed?: number;
  /** Rows per distance chunk (memory bound: batchSize × k floats). Default 4096. */
  batchSize?: number;
}

export interface KMeansResult {
  k: number;
  /** k × d centroids, row-major. */
  centroids: Float32Array;
  /** Cluster of every point. */
  assign: Int32Array;
  /** Sum of squared distances of points to their centroids. */
  inertia: number;
  /** Lloyd iterations run. */
  iterations: number;
}

/** Number of distinct rows (bitwise) of an n × d matrix. */
export function countDistinctRows(x: Float32Array, n: number, d: number): number {
  const seen = new Set<string>();
  const bytes = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  for (let i = 0; i < n; i++) {
    // -0 and +0 differ bitwise; normalise through a copy only when needed (rare) — treat as distinct is harmless.
    seen.add(bytes.toString('latin1', i * d * 4, (i + 1) * d * 4));
  }
  return seen.size;
}

/** Nearest centroid and squared distance of every row (libtorch matmul in row chunks). */
export function assignNearest(
  x: Float32Array,
  n: number,
  d: number,
  centroids: Float32Array,
  k: number,
  batchSize = 4096,
): { assign: Int32Array; dist: Float32Array } {
  const assign = new Int32Array(n);
  const dist = new Float32Array(n);
  noGrad(() =>
    tidy(() => {
      const c = tensor(centroids, [k, d]);
      const c2 = c.square().sum(1).unsqueeze(0);
      const ct = c.transpose(0, 1);
      for (let s = 0; s < n; s += batchSize) {
        const m = Math.min(batchSize, n - s);
        tidy(() => {
          const xb = tensor(x.subarray(s * d, (s + m) * d), [m, d]);
          const dd = xb.square().sum(1, true).sub(xb.matmul(ct).mul(2)).add(c2);
          const [v, idx] = dd.minDim(1);
          assign.set(idx.toInt32(), s);
          dist.set(v.clamp(0).toFloat32(), s);
        });
      }
    }),
  );
  return { assign, dist };
}

function sqDist(x: Float32Array, i: number, c: Float32Array | Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const v = x[i * d + t] - c[j * d + t];
    s += v * v;
  }
  return s;
}

/** Seeded k-means++ (Arthur & Vassilvitskii 2007): each next centre is drawn with probability ∝ D(x)². */
export function kmeansPlusPlus(x: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const cent = new Float32Array(k * d);
  const minD = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let j = 0; j < k; j++) {
    cent.set(x.subarray(pick * d, (pick + 1) * d), j * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = sqDist(x, i, cent, j, d);
      if (v < minD[i]) minD[i] = v;
      total += minD[i];
    }
    if (j === k - 1) break;
    if (!(total > 0)) {
      pick = rng.int(n);
      continue;
    }
    let u = rng.nextDouble() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= minD[i];
      if (u < 0 && minD[i] > 0) {
        pick = i;
        break;
      }
    }
    while (minD[pick] === 0 && pick > 0) pick--;
  }
  return cent;
}

/** Lloyd's k-means on an n × d row-major matrix. */
export function kmeans(x: Float32Array, n: number, d: number, opts: KMeansOptions): KMeansResult {
  const { k } = opts;
  const iters = opts.iters ?? 50;
  const tol = opts.tol ?? 1e-4;
  const batchSize = opts.batchSize ?? 4096;
  if (x.length !== n * d) throw new Error(`kmeans: ${x.length} values for ${n} × ${d}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`kmeans: k = ${k} must be an integer in [1, ${n}]`);
  const rng = new Rng(opts.seed ?? 0).fork('kmeans++');
  const cent = kmeansPlusPlus(x, n, d, k, rng);
  let { assign, dist } = assignNearest(x, n, d, cent, k, batchSize);
  let inertia = dist.reduce((a, b) => a + b, 0);
  let iterations = 0;
  for (let it = 0; it < iters; it++) {
    iterations++;
    // Update: means of the assigned points (float64 sums).
    const sums = new Float64Array(k * d);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      counts[c]++;
      for (let t = 0; t < d; t++) sums[c * d + t] += x[i * d + t];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) for (let t = 0; t < d; t++) cent[c * d + t] = sums[c * d + t] / counts[c];
    }
    // Repair empty clusters with the farthest points of clusters that can spare one.
    const taken = new Uint8Array(n);
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) continue;
      let best = -1;
      for (let i = 0; i < n; i++) {
        if (taken[i] || counts[assign[i]] < 2) continue;
        if (best === -1 || dist[i] > dist[best]) best = i;
      }
      if (best === -1 || !(dist[best] > 0)) continue;
      taken[best] = 1;
      counts[assign[best]]--;
      counts[c] = 1;
      cent.set(x.subarray(best * d, (best + 1) * d), c * d);
    }
    const next = assignNearest(x, n, d, cent, k, batchSize);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next.assign[i] !== assign[i]) changed++;
    const newInertia = next.dist.reduce((a, b) => a + b, 0);
    assign = next.assign;
    dist = next.dist;
    const improvement = inertia > 0 ? (inertia - newInertia) / inertia : 0;
    inertia = newInertia;
    if (changed === 0 || (improvement >= 0 && improvement < tol)) break;
  }
  return { k, centroids: cent, assign, inertia, iterations };
}

export interface ResidualKMeansOptions {
  /** Number of levels L. */
  levels: number;
  /** Codebook size K per level (clamped to the number of distinct residuals). */
  codebookSize: number;
  iters?: number;
  tol?: number;
  seed?: number;
  batchSize?: number;
}

export interface ResidualQuantization {
  levels: number;
  /** Effective codebook size per level. */
  sizes: number[];
  /** Per level: sizes[l] × d centroids. */
  codebooks: Float32Array[];
  /** n × L codes, row-major. */
  codes: Int32Array;
  /** n × d residual after the last level. */
  residual: Float32Array;
}

/** Residual k-means: level l quantises the residual left by levels 0..l-1. */
export function residualKMeans(
  x: Float32Array,
  n: number,
  d: number,
  opts: ResidualKMeansOptions,
): ResidualQuantization {
  const { levels, codebookSize } = opts;
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`residual k-means: levels = ${levels} must be ≥ 1`);
  if (!Number.isInteger(codebookSize) || codebookSize < 1) {
    throw new Error(`residual k-means: codebookSize = ${codebookSize} must be ≥ 1`);
  }
  if (n < 1) throw new Error('residual k-means: no points');
  const residual = Float32Array.from(x);
  const codes = new Int32Array(n * levels);
  const sizes: number[] = [];
  const codebooks: Float32Array[] = [];
  for (let l = 0; l < levels; l++) {
    const k = Math.min(codebookSize, countDistinctRows(residual, n, d));
    const km = kmeans(residual, n, d, {
      k,
      iters: opts.iters,
      tol: opts.tol,
      seed: (opts.seed ?? 0) * 1000 + l,
      batchSize: opts.batchSize,
    });
    sizes.push(k);
    codebooks.push(km.centroids);
    for (let i = 0; i < n; i++) {
      const c = km.assign[i];
      codes[i * levels + l] = c;
      for (let t = 0; t < d; t++) residual[i * d + t] -= km.centroids[c * d + t];
    }
  }
  return { levels, sizes, codebooks, codes, residual };
}
