/**
 * Collision resolution and statistics of L-level semantic codes.
 *
 * Resolution (TIGER, Rajput et al. 2023, §3.1: "we append an extra token at the end of the semantic IDs to make them
 * unique"): items whose L level codes are all equal form a group; ordered by item index, its members get an extra
 * disambiguation token 0, 1, 2, …. Mode `needed` (the default) adds the extra token only to items in a group of ≥ 2,
 * so most codes keep L tokens and the trie stays unambiguous because (a) every code ends with EOS and (b) a level
 * prefix either ends (EOS) for a unique item or branches into disambiguators for a group, never both. Mode `all`
 * appends it to every item (TIGER's fixed length L + 1; unique items get 0).
 */

export type Disambiguation = 'needed' | 'all';

export interface ResolvedCodes {
  levels: number;
  /** n × L level codes (unchanged input). */
  codes: Int32Array;
  /** Per item: its disambiguation token index, or -1 when it has none. */
  extra: Int32Array;
  /** Disambiguation tokens needed (largest group size; 1 in mode 'all' without collisions; 0 if none used). */
  numDisambiguators: number;
  /** Groups of ≥ 2 items sharing all L codes. */
  groups: number;
  /** Items in such groups. */
  collidingItems: number;
  /** Largest group (1 when every code is unique). */
  maxGroupSize: number;
}

/** Groups identical L-level codes and assigns disambiguation tokens (see the module comment). */
export function resolveCollisions(codes: Int32Array, n: number, levels: number, mode: Disambiguation): ResolvedCodes {
  if (codes.length !== n * levels) throw new Error(`sid codes: ${codes.length} values for ${n} × ${levels}`);
  const groupOf = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = codes.subarray(i * levels, (i + 1) * levels).join(',');
    const g = groupOf.get(key);
    if (g) g.push(i);
    else groupOf.set(key, [i]);
  }
  const extra = new Int32Array(n).fill(-1);
  let groups = 0;
  let collidingItems = 0;
  let maxGroupSize = n > 0 ? 1 : 0;
  let numDisambiguators = 0;
  for (const members of groupOf.values()) {
    if (members.length > 1) {
      groups++;
      collidingItems += members.length;
    }
    maxGroupSize = Math.max(maxGroupSize, members.length);
    if (members.length > 1 || mode === 'all') {
      members.forEach((item, j) => (extra[item] = j));
      numDisambiguators = Math.max(numDisambiguators, members.length);
    }
  }
  return { levels, codes, extra, numDisambiguators, groups, collidingItems, maxGroupSize };
}

/** Share of items whose full code equals the code of an item with a smaller index (0 = all unique). */
export function collisionRate(codes: ReadonlyArray<ArrayLike<number>>): number {
  if (codes.length === 0) return 0;
  const seen = new Set<string>();
  let dup = 0;
  for (const c of codes) {
    const key = Array.from(c).join(',');
    if (seen.has(key)) dup++;
    else seen.add(key);
  }
  return dup / codes.length;
}

/**
 * Per level: number of distinct codes used, the share of the (effective) codebook they cover, and the perplexity
 * exp(H) of the code distribution divided by the codebook size (1 = perfectly balanced; utilisation alone can be
 * 100% while a few codes hold most items).
 */
export function codebookUsage(
  codes: Int32Array,
  n: number,
  levels: number,
  sizes: readonly number[],
): { used: number[]; utilisation: number[]; balance: number[] } {
  const used: number[] = [];
  const utilisation: number[] = [];
  const balance: number[] = [];
  for (let l = 0; l < levels; l++) {
    const count = new Int32Array(sizes[l]);
    for (let i = 0; i < n; i++) count[codes[i * levels + l]]++;
    let u = 0;
    let h = 0;
    for (const c of count) {
      if (c === 0) continue;
      u++;
      h -= (c / n) * Math.log(c / n);
    }
    used.push(u);
    utilisation.push(sizes[l] > 0 ? u / sizes[l] : 0);
    balance.push(sizes[l] > 0 ? Math.exp(h) / sizes[l] : 0);
  }
  return { used, utilisation, balance };
}

/** Mean over items of ‖residual‖² (sum over dims) and its ratio to the mean ‖x‖². */
export function reconstructionError(
  x: Float32Array,
  residual: Float32Array,
  n: number,
  d: number,
): { mse: number; relative: number } {
  let r = 0;
  let s = 0;
  for (let i = 0; i < n * d; i++) {
    r += residual[i] * residual[i];
    s += x[i] * x[i];
  }
  return { mse: n > 0 ? r / n : 0, relative: s > 0 ? r / s : 0 };
}

/** Statistics recorded with a semantic identifier. */
export interface SidStats {
  quantizer: string;
  levels: number;
  /** Configured codebook size K. */
  codebookSize: number;
  /** Effective codebook size per level (K clamped to the distinct residuals). */
  sizes: number[];
  /** Distinct codes used per level. */
  used: number[];
  /** used / sizes per level. */
  utilisation: number[];
  /** Perplexity of the code distribution / codebook size, per level (1 = balanced). */
  balance: number[];
  /** used / configured K per level. */
  utilisationOfK: number[];
  /** Mean ‖x − x̂‖² after L levels, in the quantised space (embedding for rkmeans, latent for rqvae). */
  reconstructionMse: number;
  /** reconstructionMse / mean ‖x‖². */
  reconstructionRelative: number;
  /** Share of items whose L-level code duplicates an earlier item's, before resolution. */
  collisionRateBefore: number;
  /** The same after resolution (0 by construction; verified). */
  collisionRateAfter: number;
  collisionGroups: number;
  collidingItems: number;
  maxGroupSize: number;
  numDisambiguators: number;
  embeddingFingerprint: string;
  embeddingSource: string;
  /** Wall time of the quantiser + resolution, milliseconds. */
  buildMs: number;
  /** RQ-VAE only: mean loss of each epoch. */
  losses?: number[];
}
