/**
 * Small dense / sparse linear algebra in plain JS (float64), used to build item embeddings: a CSR sparse matrix, a
 * randomized truncated SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 with power iterations) and a cyclic Jacobi
 * eigensolver for the small l × l Gram matrix. Everything is deterministic given the seed (no threading), which is
 * why this lives in JS rather than in libtorch: the sparse products dominate and JS handles them fine at catalog
 * scale (≈ 1e6 non-zeros × 74 columns).
 */
import { Rng } from '../util/rng.js';

/** Compressed sparse rows: row i holds columns indices[indptr[i] .. indptr[i+1]) with the matching values. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** Builds a CSR matrix from per-row maps column → value (columns are sorted). */
export function csrFromRows(rows: ReadonlyArray<Map<number, number>>, cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) indptr[i + 1] = indptr[i] + rows[i].size;
  const indices = new Int32Array(indptr[rows.length]);
  const values = new Float64Array(indptr[rows.length]);
  rows.forEach((m, i) => {
    const keys = [...m.keys()].sort((a, b) => a - b);
    keys.forEach((k, j) => {
      indices[indptr[i] + j] = k;
      values[indptr[i] + j] = m.get(k) as number;
    });
  });
  return { rows: rows.length, cols, indptr, indices, values };
}

/** A (rows × cols) · M (cols × l), M row-major. */
function csrMul(a: Csr, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.rows * l);
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.values[p];
      const r = a.indices[p] * l;
      for (let c = 0; c < l; c++) out[o + c] += v * m[r + c];
    }
  }
  return out;
}

/** Aᵀ (cols × rows) · M (rows × l). */
function csrMulT(a: Csr, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.cols * l);
  for (let i = 0; i < a.rows; i++) {
    const r = i * l;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.values[p];
      const o = a.indices[p] * l;
      for (let c = 0; c < l; c++) out[o + c] += v * m[r + c];
    }
  }
  return out;
}

/**
 * Orthonormalises the columns of M (rows × l, row-major) in place by modified Gram–Schmidt applied twice
 * ("twice is enough"). Columns that are (numerically) in the span of earlier ones become zero.
 */
function orthonormalizeColumns(m: Float64Array, rows: number, l: number): void {
  const norms0 = new Float64Array(l);
  for (let c = 0; c < l; c++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += m[i * l + c] * m[i * l + c];
    norms0[c] = Math.sqrt(s);
  }
  for (let c = 0; c < l; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += m[i * l + p] * m[i * l + c];
        if (dot !== 0) for (let i = 0; i < rows; i++) m[i * l + c] -= dot * m[i * l + p];
      }
    }
    let s = 0;
    for (let i = 0; i < rows; i++) s += m[i * l + c] * m[i * l + c];
    const nrm = Math.sqrt(s);
    if (nrm <= 1e-10 * Math.max(norms0[c], 1e-300)) {
      for (let i = 0; i < rows; i++) m[i * l + c] = 0;
    } else {
      for (let i = 0; i < rows; i++) m[i * l + c] /= nrm;
    }
  }
}

/**
 * Eigen-decomposition of a symmetric n × n matrix (row-major) by cyclic Jacobi rotations. Returns eigenvalues in
 * decreasing order and the eigenvectors as the columns of `vectors` (row-major n × n), each with its
 * largest-magnitude entry positive (a deterministic sign convention).
 */
function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const s = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += s[i] * s[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q] * s[p * n + q];
    if (off <= 1e-30 * Math.max(total, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q];
        if (apq === 0) continue;
        const theta = (s[q * n + q] - s[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const skp = s[k * n + p];
          const skq = s[k * n + q];
          s[k * n + p] = c * skp - sn * skq;
          s[k * n + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          const spk = s[p * n + k];
          const sqk = s[q * n + k];
          s[p * n + k] = c * spk - sn * sqk;
          s[q * n + k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[y * n + y] - s[x * n + x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = s[src * n + src];
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + src]) > Math.abs(big)) big = v[k * n + src];
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = sign * v[k * n + src];
  });
  return { values, vectors };
}

export interface TruncatedSvd {
  /** rows × k left singular vectors (row-major); columns beyond the numerical rank are zero. */
  u: Float64Array;
  /** k singular values, decreasing (zeros beyond the rank). */
  sigma: Float64Array;
  k: number;
}

/**
 * Randomized truncated SVD of a sparse matrix: rank `k`, `oversample` extra random directions, `powerIters` subspace
 * iterations (each one multiplies by A Aᵀ, sharpening the spectrum). k is clamped to min(rows, cols); the result
 * always has exactly min(k, rows, cols) columns.
 */
export function randomizedSvd(a: Csr, k: number, oversample: number, powerIters: number, seed: number): TruncatedSvd {
  const kk = Math.max(0, Math.min(k, a.rows, a.cols));
  const l = Math.min(kk + oversample, a.rows, a.cols);
  if (kk === 0 || l === 0) return { u: new Float64Array(a.rows * kk), sigma: new Float64Array(kk), k: kk };
  const rng = new Rng(seed).fork('randomized-svd');
  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  const q = csrMul(a, omega, l);
  orthonormalizeColumns(q, a.rows, l);
  let qq = q;
  for (let it = 0; it < powerIters; it++) {
    const z = csrMulT(a, qq, l);
    orthonormalizeColumns(z, a.cols, l);
    qq = csrMul(a, z, l);
    orthonormalizeColumns(qq, a.rows, l);
  }
  // B = Qᵀ A (l × cols); Bt = Aᵀ Q. B Bᵀ = Btᵀ Bt (l × l) = Ũ Σ² Ũᵀ.
  const bt = csrMulT(a, qq, l);
  const g = new Float64Array(l * l);
  for (let i = 0; i < a.cols; i++) {
    const o = i * l;
    for (let p = 0; p < l; p++) {
      const x = bt[o + p];
      if (x === 0) continue;
      for (let r = p; r < l; r++) g[p * l + r] += x * bt[o + r];
    }
  }
  for (let p = 0; p < l; p++) for (let r = 0; r < p; r++) g[p * l + r] = g[r * l + p];
  const { values, vectors } = symmetricEigen(g, l);
  const sigma = new Float64Array(kk);
  for (let j = 0; j < kk; j++) sigma[j] = Math.sqrt(Math.max(values[j], 0));
  const u = new Float64Array(a.rows * kk);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < kk; j++) {
      if (sigma[j] <= 1e-12 * Math.max(sigma[0], 1e-300)) continue;
      let s = 0;
      for (let p = 0; p < l; p++) s += qq[i * l + p] * vectors[p * l + j];
      u[i * kk + j] = s;
    }
  }
  for (let j = 0; j < kk; j++) if (sigma[j] <= 1e-12 * Math.max(sigma[0], 1e-300)) sigma[j] = 0;
  return { u, sigma, k: kk };
}
