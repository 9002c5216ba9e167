// A uniform random sample of rows without replacement, kept in their original order (train subsampling of the
// windows and sequences loaders).
import { Rng } from '../util/rng.js';

/** `n` of `rows` drawn uniformly without replacement (partial Fisher–Yates, seed `seed`), in file order. */
export function sampleRows<T>(rows: readonly T[], n: number, seed: number): T[] {
  if (n >= rows.length) return [...rows];
  const rng = new Rng(seed);
  const idx = Array.from({ length: rows.length }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => rows[i]);
}
