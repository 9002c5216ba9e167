/**
 * One item-embedding matrix (the vectors that residual k-means / RQ-VAE quantise to build semantic IDs): its shape,
 * its fingerprint (sha256 of (dim, float32 bytes)), row L2-normalisation, and the truncated-SVD block the computed
 * sources (./text-embeddings.ts, ./cooc-embeddings.ts) share: every block has exactly its configured width (columns
 * beyond the matrix rank are zero).
 */
import { createHash } from 'node:crypto';
import { csrFromRows, randomizedSvd } from './linalg.js';

/** One embedding per item (row i = item with dense index i). */
export interface ItemEmbeddings {
  readonly numItems: number;
  readonly dim: number;
  /** numItems × dim, row-major. */
  readonly data: Float32Array;
  /** sha256 (hex, first 16 chars) over dim (uint32 LE) and the float32 bytes. */
  readonly fingerprint: string;
  /** What produced it, e.g. `text(dim=64)+cooc(dim=64)`. */
  readonly source: string;
}

/** Minimal item shape: dense index, raw id, title, optional genres. */
export interface EmbItem {
  readonly index: number;
  readonly rawId: string;
  readonly title: string;
  readonly genres?: readonly string[];
}

/** Minimal training example shape (dense item indices). */
export interface EmbExample {
  readonly history: readonly number[];
  readonly target: number;
}

/** sha256 of (dim as uint32 LE, then the float32 bytes), hex, first 16 characters. */
export function embeddingFingerprint(data: Float32Array, dim: number): string {
  const h = createHash('sha256');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(dim >>> 0);
  h.update(head);
  h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** Wraps a row-major matrix (frozen, fingerprinted). */
export function makeEmbeddings(data: Float32Array, numItems: number, dim: number, source: string): ItemEmbeddings {
  if (data.length !== numItems * dim) throw new Error(`embeddings: ${data.length} values for ${numItems} × ${dim}`);
  return Object.freeze({ numItems, dim, data, fingerprint: embeddingFingerprint(data, dim), source });
}

/** L2-normalises each row in place (zero rows stay zero). */
export function normalizeRows(data: Float32Array | Float64Array, dim: number): void {
  for (let o = 0; o < data.length; o += dim) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += data[o + c] * data[o + c];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let c = 0; c < dim; c++) data[o + c] *= inv;
    }
  }
}

/** The items ordered by their dense index (each index in [0, n) exactly once). */
export function checkDense<T extends { index: number }>(items: ReadonlyArray<T>): T[] {
  const out = new Array<T>(items.length);
  items.forEach((it, pos) => {
    if (!Number.isInteger(it.index) || it.index < 0 || it.index >= items.length || out[it.index] !== undefined) {
      throw new Error(`embeddings: items[${pos}].index = ${String(it.index)} is not a unique dense index`);
    }
    out[it.index] = it;
  });
  return out;
}

/** Rows · randomized truncated SVD (U·Σ^sigmaPower), `dim` columns, rows L2-normalised. */
export function svdBlock(
  rows: Map<number, number>[],
  cols: number,
  dim: number,
  cfg: { oversample: number; powerIters: number; seed: number },
  sigmaPower: number,
): Float32Array {
  const n = rows.length;
  const svd = randomizedSvd(csrFromRows(rows, cols), dim, cfg.oversample, cfg.powerIters, cfg.seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < svd.k; j++) out[i * dim + j] = svd.u[i * svd.k + j] * Math.pow(svd.sigma[j], sigmaPower);
  }
  normalizeRows(out, dim);
  return out;
}
