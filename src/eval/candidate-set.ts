// Candidate-set diagnostics of V-STAR (/work/shared/papers/vstar.md §5, Table 6 and Fig. 3), pure functions over the
// semantic IDs of a candidate pool C(x) and their rewards:
//   - Div(C): the mean over candidate pairs of 1 − LCP(v_i, v_j) / L (LCP = longest common prefix, L = code length);
//   - MaxReward: max over C of R(v);
//   - per SID level ℓ, the Spearman ρ between a prefix signal (the prefix log-probability, or a value prediction) and
//     R(x, y≤ℓ), the mean reward of the pool's candidates that share the prefix y≤ℓ (one point per distinct prefix).
// Averages over queries skip queries where a quantity is undefined (fewer than two candidates or prefixes, or a
// constant side: Spearman ρ needs variation on both), and report how many queries counted.

/** Length of the longest common prefix of two codes. */
export function longestCommonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Div(C) = mean over unordered pairs of 1 − LCP / L; L is the pair's longer code length (codes of one index have one
 * length). NaN for fewer than two candidates.
 */
export function sidDiversity(codes: readonly (readonly number[])[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < codes.length; i++)
    for (let j = i + 1; j < codes.length; j++) {
      const L = Math.max(codes[i].length, codes[j].length);
      if (L === 0) throw new Error('sidDiversity: empty code');
      sum += 1 - longestCommonPrefix(codes[i], codes[j]) / L;
      pairs++;
    }
  return pairs > 0 ? sum / pairs : NaN;
}

/** The best reward in the pool (NaN for an empty pool). */
export function maxReward(rewards: readonly number[]): number {
  return rewards.length ? Math.max(...rewards) : NaN;
}

/** Ranks 1..n with ties sharing their mean rank. */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's ρ (Pearson correlation of average ranks); NaN with fewer than two points or a constant side. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} vs ${y.length} values`);
  const n = x.length;
  if (n < 2) return NaN;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** One candidate of a pool: its code, its reward, and a signal per level (signal[ℓ − 1] scores the prefix y≤ℓ). */
export interface PoolCandidate {
  code: readonly number[];
  reward: number;
  signal: readonly number[];
}

/**
 * Spearman ρ at level ℓ (1-based) for one pool: each distinct prefix y≤ℓ is one point, (its signal, the mean reward of
 * the candidates that share it). Candidates sharing a prefix must agree on its signal (it scores the prefix).
 */
export function prefixSpearman(pool: readonly PoolCandidate[], level: number): number {
  const groups = new Map<string, { signal: number; sum: number; n: number }>();
  for (const c of pool) {
    if (c.code.length < level || c.signal.length < level)
      throw new Error(`prefixSpearman: a candidate has no level ${level}`);
    const key = c.code.slice(0, level).join(',');
    const s = c.signal[level - 1];
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { signal: s, sum: c.reward, n: 1 });
    else {
      if (Math.abs(g.signal - s) > 1e-9 * Math.max(1, Math.abs(s)))
        throw new Error(`prefixSpearman: prefix ${key} has two signals (${g.signal}, ${s})`);
      g.sum += c.reward;
      g.n++;
    }
  }
  const gs = [...groups.values()];
  return spearman(
    gs.map((g) => g.signal),
    gs.map((g) => g.sum / g.n),
  );
}

/** Mean of the finite values and how many there were (the queries where a quantity is defined). */
export function meanDefined(xs: readonly number[]): { mean: number; queries: number } {
  const ok = xs.filter((x) => Number.isFinite(x));
  return { mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN, queries: ok.length };
}
