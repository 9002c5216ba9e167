// V-STAR's dense semantic returns and one-step TD targets (/work/shared/papers/vstar.md §4.1, eq. 6–9) as pure
// functions over a candidate pool C(x) of semantic IDs and their items' embeddings:
//
//   C(x; y≤ℓ) = the candidates sharing the prefix y≤ℓ                                           (eq. 6)
//   ē(x, y≤ℓ) = mean of e(i) over C(x; y≤ℓ)                                                     (eq. 7)
//   r_ℓ = w_ℓ if y≤ℓ = y*≤ℓ, else −w_ℓ · (1 − cos(ē(x, y≤ℓ), e(y*)))                           (eq. 8)
//   ỹ_ℓ = r_ℓ + γ · V(s_ℓ+1) for ℓ < L, r_L at ℓ = L                                            (eq. 9)
//
// Level weights: the paper's w = [0.3, 0.5, 1.0] for L = 3. For other code lengths (documented generalisation) w_ℓ
// is the piecewise-linear interpolation of those three points placed at relative depths 0, ½ and 1, i.e. at
// (ℓ − 1) / (L − 1); L = 1 takes the last weight, 1.0.

/** The paper's level weights for L = 3 [V-STAR §4.1]. */
const PAPER_LEVEL_WEIGHTS = [0.3, 0.5, 1.0] as const;

/** w_1..w_L for codes of length L (see the module comment). */
export function levelWeights(L: number, base: readonly number[] = PAPER_LEVEL_WEIGHTS): number[] {
  if (!Number.isInteger(L) || L < 1) throw new Error(`levelWeights: code length ${L} is not a positive integer`);
  if (L === base.length) return [...base];
  if (L === 1) return [base[base.length - 1]];
  return Array.from({ length: L }, (_, i) => {
    const t = (i / (L - 1)) * (base.length - 1);
    const lo = Math.floor(t);
    const hi = Math.min(lo + 1, base.length - 1);
    return base[lo] + (t - lo) * (base[hi] - base[lo]);
  });
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * r_ℓ of every candidate at every level, [candidate][ℓ − 1] (eq. 6–8). `codes[i]` is candidate i's semantic ID and
 * `embeddings[i]` its item's embedding; `target` / `targetEmbedding` the ground truth y* and e(y*).
 */
export function denseReturns(
  codes: readonly (readonly number[])[],
  embeddings: readonly ArrayLike<number>[],
  target: readonly number[],
  targetEmbedding: ArrayLike<number>,
  weights: readonly number[] = levelWeights(target.length),
): number[][] {
  const L = target.length;
  if (codes.length !== embeddings.length)
    throw new Error(`denseReturns: ${codes.length} codes but ${embeddings.length} embeddings`);
  if (weights.length !== L) throw new Error(`denseReturns: ${weights.length} level weights for codes of length ${L}`);
  const dim = targetEmbedding.length;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i].length !== L) throw new Error(`denseReturns: candidate ${i} has ${codes[i].length} levels, not ${L}`);
    if (embeddings[i].length !== dim)
      throw new Error(`denseReturns: candidate ${i}'s embedding has ${embeddings[i].length} dimensions, not ${dim}`);
  }
  const out = codes.map(() => new Array<number>(L).fill(0));
  for (let l = 1; l <= L; l++) {
    // the buckets C(x; y≤ℓ) and their mean embeddings
    const buckets = new Map<string, { sum: Float64Array; n: number; members: number[] }>();
    codes.forEach((c, i) => {
      const key = c.slice(0, l).join(',');
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { sum: new Float64Array(dim), n: 0, members: [] }));
      for (let d = 0; d < dim; d++) b.sum[d] += embeddings[i][d];
      b.n++;
      b.members.push(i);
    });
    const targetKey = target.slice(0, l).join(',');
    const w = weights[l - 1];
    for (const [key, b] of buckets) {
      const r =
        key === targetKey
          ? w
          : -w *
            (1 -
              cosine(
                b.sum.map((s) => s / b.n),
                targetEmbedding,
              ));
      for (const i of b.members) out[i][l - 1] = r;
    }
  }
  return out;
}

/** ỹ_ℓ of one path (eq. 9): `rewards[ℓ − 1]` = r_ℓ, `values[ℓ − 1]` = V(s_ℓ) (values[L − 1] is not read). */
export function tdTargets(rewards: readonly number[], values: readonly number[], gamma: number): number[] {
  if (rewards.length !== values.length)
    throw new Error(`tdTargets: ${rewards.length} rewards but ${values.length} values`);
  if (!(gamma > 0 && gamma <= 1)) throw new Error(`tdTargets: γ = ${gamma} is not in (0, 1]`);
  const L = rewards.length;
  return rewards.map((r, i) => (i < L - 1 ? r + gamma * values[i + 1] : r));
}
