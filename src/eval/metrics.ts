/**
 * Ranking metrics with a registry (in the spirit of RecBole's metric registry).
 *
 * A ranking is a list of item indices, best first. A target is either one item (next-item task) or a set of
 * items (list task, e.g. BLADE). Per-user values are returned as `Float64Array`s (for paired bootstrap) along with
 * their means.
 *
 * Built-in metrics (K = cutoff, rank = 0-based position of the first occurrence of a relevant item):
 * - `hr@K`        1 if any target is in the top K.
 * - `ndcg@K`      binary-relevance DCG / ideal DCG; for a single target `1/log2(rank+2)` if rank < K, else 0.
 * - `mrr@K`       `1/(rank+1)` of the first relevant item in the top K, else 0.
 * - `recall@K`    |top K ∩ targets| / |targets|.
 * - `precision@K` |top K ∩ targets| / K.
 * - `invalid`, `invalid@K`  share of the (top K) list entries that are not valid items (non-integer, negative,
 *   or ≥ `numItems` when given); 0 for an empty list. Lower is better.
 * Repeated items in a ranking count once (at their first position).
 */
import { closest } from '../util/suggest.js';

/** Context shared by all metric computations. */
export interface MetricContext {
  /** Number of items in the catalogue; entries ≥ this count as invalid. */
  numItems?: number;
}

/** A registered metric family (e.g. `ndcg`, used as `ndcg@10`). */
export interface MetricSpec {
  /** Family name, lowercase, e.g. `ndcg`. */
  base: string;
  /** Whether the name needs a cutoff (`ndcg@10`); `optional` allows both `invalid` and `invalid@5`. */
  cutoff: 'required' | 'optional' | 'none';
  higherIsBetter: boolean;
  doc: string;
  /**
   * Per-user value. `ranking`: item indices best first; `targets`: distinct relevant items (non-empty);
   * `k`: the cutoff, or `Infinity` when the metric was used without one.
   */
  compute(ranking: ArrayLike<number>, targets: readonly number[], k: number, ctx: MetricContext): number;
}

/** A parsed metric name. */
export interface ParsedMetric {
  /** Canonical name, e.g. `ndcg@10`. */
  name: string;
  base: string;
  /** Cutoff, or `Infinity` when none was given. */
  k: number;
  spec: MetricSpec;
}

/** The next-item ranking metrics at cut-offs `ks`: `hr@K` and `ndcg@K` for each K, in that order. */
export function rankingMetricNames(ks: readonly number[]): string[] {
  return ks.flatMap((k) => [`hr@${k}`, `ndcg@${k}`]);
}

const registry = new Map<string, MetricSpec>();

/** Add a metric family to the registry; throws if the name is taken. */
export function registerMetric(spec: MetricSpec): void {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.base)) throw new Error(`invalid metric name '${spec.base}'`);
  if (registry.has(spec.base)) throw new Error(`metric '${spec.base}' is already registered`);
  registry.set(spec.base, spec);
}

/** Registered metric families as usage patterns (`ndcg@K`, `invalid[@K]`). */
export function listMetrics(): string[] {
  return [...registry.values()].map((s) =>
    s.cutoff === 'required' ? `${s.base}@K` : s.cutoff === 'optional' ? `${s.base}[@K]` : s.base,
  );
}

/** Parse a name like `ndcg@10`; throws a descriptive error for unknown metrics or bad cutoffs. */
export function parseMetric(name: string): ParsedMetric {
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:@\s*(\S+))?\s*$/.exec(name);
  const known = `known metrics: ${listMetrics().join(', ')}`;
  if (!m) throw new Error(`cannot parse metric name '${name}'; expected e.g. 'ndcg@10'; ${known}`);
  const base = m[1].toLowerCase();
  const spec = registry.get(base);
  if (!spec) {
    const hint = closest(base, [...registry.keys()]);
    const suggestion = hint ? `; did you mean '${hint}${m[2] !== undefined ? '@' + m[2] : ''}'?` : '';
    throw new Error(`unknown metric '${name}'${suggestion}; ${known}`);
  }
  if (m[2] === undefined) {
    if (spec.cutoff === 'required') throw new Error(`metric '${name}' needs a cutoff, e.g. '${base}@10'`);
    return { name: base, base, k: Infinity, spec };
  }
  if (spec.cutoff === 'none') throw new Error(`metric '${base}' takes no cutoff, got '${name}'`);
  const k = /^\d+$/.test(m[2]) ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(k) || k < 1) throw new Error(`metric '${name}': cutoff must be a positive integer`);
  return { name: `${base}@${k}`, base, k, spec };
}

/** Index of the first relevant item within the first `k` entries, or -1. */
function firstHit(ranking: ArrayLike<number>, targets: readonly number[], k: number): number {
  const n = Math.min(ranking.length, k);
  if (targets.length === 1) {
    const t = targets[0];
    for (let i = 0; i < n; i++) if (ranking[i] === t) return i;
    return -1;
  }
  const set = new Set(targets);
  for (let i = 0; i < n; i++) if (set.has(ranking[i])) return i;
  return -1;
}

/** Positions (within the first `k`) of relevant items, counting each item at its first occurrence only. */
function hitPositions(ranking: ArrayLike<number>, targets: readonly number[], k: number): number[] {
  const n = Math.min(ranking.length, k);
  const remaining = new Set(targets);
  const out: number[] = [];
  for (let i = 0; i < n && remaining.size > 0; i++) {
    if (remaining.delete(ranking[i])) out.push(i);
  }
  return out;
}

const discount = (rank: number): number => 1 / Math.log2(rank + 2);

registerMetric({
  base: 'hr',
  cutoff: 'required',
  higherIsBetter: true,
  doc: 'Hit ratio: 1 if any target is in the top K.',
  compute: (r, t, k) => (firstHit(r, t, k) >= 0 ? 1 : 0),
});

registerMetric({
  base: 'ndcg',
  cutoff: 'required',
  higherIsBetter: true,
  doc: 'Binary-relevance NDCG: sum of 1/log2(rank+2) over hits in the top K, divided by the ideal DCG.',
  compute: (r, t, k) => {
    if (t.length === 1) {
      const rank = firstHit(r, t, k);
      return rank >= 0 ? discount(rank) : 0;
    }
    let dcg = 0;
    for (const p of hitPositions(r, t, k)) dcg += discount(p);
    let idcg = 0;
    const ideal = Math.min(t.length, k);
    for (let i = 0; i < ideal; i++) idcg += discount(i);
    return dcg / idcg;
  },
});

registerMetric({
  base: 'mrr',
  cutoff: 'required',
  higherIsBetter: true,
  doc: 'Reciprocal rank 1/(rank+1) of the first relevant item in the top K.',
  compute: (r, t, k) => {
    const rank = firstHit(r, t, k);
    return rank >= 0 ? 1 / (rank + 1) : 0;
  },
});

registerMetric({
  base: 'recall',
  cutoff: 'required',
  higherIsBetter: true,
  doc: 'Share of the targets found in the top K.',
  compute: (r, t, k) => hitPositions(r, t, k).length / t.length,
});

registerMetric({
  base: 'precision',
  cutoff: 'required',
  higherIsBetter: true,
  doc: 'Share of the K slots holding a target.',
  compute: (r, t, k) => hitPositions(r, t, k).length / k,
});

registerMetric({
  base: 'invalid',
  cutoff: 'optional',
  higherIsBetter: false,
  doc: 'Share of list entries (top K, or all) that are not valid item indices.',
  compute: (r, _t, k, ctx) => {
    const n = Math.min(r.length, k);
    if (n === 0) return 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const x = r[i];
      if (!Number.isInteger(x) || x < 0 || (ctx.numItems !== undefined && x >= ctx.numItems)) bad++;
    }
    return bad / n;
  },
});

/** Output of {@link evaluateRankings}. */
export interface EvalResult {
  /** Number of users. */
  n: number;
  /** Canonical metric names in request order. */
  metrics: string[];
  /** Per-user values, one `Float64Array` of length `n` per metric. */
  perUser: Record<string, Float64Array>;
  /** Mean over users (NaN when n = 0). */
  mean: Record<string, number>;
}

/** Targets for all users: one item per user, or a set of items per user. */
export type Targets = ArrayLike<number> | readonly ArrayLike<number>[];

function targetsOf(targets: Targets, u: number): readonly number[] {
  const t: unknown = targets[u];
  let list: number[];
  if (typeof t === 'number') list = [t];
  else if (t !== null && typeof t === 'object' && typeof (t as ArrayLike<number>).length === 'number')
    list = Array.from(t as ArrayLike<number>);
  else throw new Error(`user ${u}: target must be an item index or a list of item indices, got ${String(t)}`);
  if (list.length === 0) throw new Error(`user ${u}: empty target set`);
  for (const x of list) {
    if (!Number.isSafeInteger(x) || x < 0) throw new Error(`user ${u}: target ${x} is not a valid item index`);
  }
  if (list.length > 1 && new Set(list).size !== list.length)
    throw new Error(`user ${u}: duplicate items in target set`);
  return list;
}

/**
 * Evaluate `metrics` (names like `ndcg@10`) for every user. `rankings[u]` lists item indices best first;
 * `targets[u]` is one item or a set of items. Throws on unknown metrics, length mismatches and malformed targets.
 */
export function evaluateRankings(
  rankings: readonly ArrayLike<number>[],
  targets: Targets,
  metrics: readonly string[],
  ctx: MetricContext = {},
): EvalResult {
  if (rankings.length !== targets.length)
    throw new Error(`evaluateRankings: ${rankings.length} rankings but ${targets.length} targets`);
  if (metrics.length === 0) throw new Error('evaluateRankings: no metrics requested');
  const parsed = metrics.map(parseMetric);
  const names = parsed.map((p) => p.name);
  const dup = names.find((x, i) => names.indexOf(x) !== i);
  if (dup !== undefined) throw new Error(`evaluateRankings: metric '${dup}' requested twice`);
  const n = rankings.length;
  const perUser: Record<string, Float64Array> = {};
  for (const p of parsed) perUser[p.name] = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const t = targetsOf(targets, u);
    const r = rankings[u];
    for (const p of parsed) perUser[p.name][u] = p.spec.compute(r, t, p.k, ctx);
  }
  const mean: Record<string, number> = {};
  for (const p of parsed) {
    let s = 0;
    for (const v of perUser[p.name]) s += v;
    mean[p.name] = n > 0 ? s / n : NaN;
  }
  return { n, metrics: names, perUser, mean };
}

/** Whether higher values of the named metric are better (`invalid` is lower-is-better). */
export function higherIsBetter(metric: string): boolean {
  return parseMetric(metric).spec.higherIsBetter;
}
