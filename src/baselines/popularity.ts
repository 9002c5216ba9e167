/**
 * Most-popular baseline: every user gets the same list, the items ranked by how often they occur in training.
 *
 * - By default only training *targets* are counted. Each training window's target is one interaction of the
 *   training period, so target counts are (close to) interaction counts there; counting histories as well
 *   (`countHistories: true`) counts an interaction once per window that holds it in its history (up to 10 times
 *   under sliding windows), which over-weights older interactions.
 * - Ties are broken by item index (lower index first), so the list is fully deterministic; items never seen
 *   rank last, in index order.
 * - Nothing is filtered: the evaluation protocol here ranks all items and does not remove history items (a user
 *   may buy the same item again), so neither does this baseline.
 */
import { bool, defineConfig, type ConfigOf } from '../util/config.js';
import type { Example } from '../data/types.js';

export const PopularityConfig = defineConfig('popularity', {
  countHistories: bool({
    default: false,
    doc: 'Also count history items of each training window (default: targets only, i.e. one count per interaction).',
  }),
});
export type PopularityConfig = ConfigOf<typeof PopularityConfig>;

export class Popularity {
  /** Count per item index. */
  readonly counts: Float64Array;
  /** All item indices, most popular first (ties: lower index first). */
  readonly ranking: number[];

  private constructor(counts: Float64Array) {
    this.counts = counts;
    this.ranking = Array.from({ length: counts.length }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  }

  /** Counts item occurrences in `train` over a catalogue of `numItems` items. */
  static fit(numItems: number, train: readonly Example[], cfg: Partial<PopularityConfig> = {}): Popularity {
    if (!Number.isSafeInteger(numItems) || numItems < 1)
      throw new Error(`popularity: numItems must be a positive integer, got ${numItems}`);
    const c = PopularityConfig.merge(PopularityConfig.defaults(), cfg);
    const counts = new Float64Array(numItems);
    const add = (item: number, row: number, field: string): void => {
      if (!Number.isSafeInteger(item) || item < 0 || item >= numItems)
        throw new Error(`popularity: train row ${row}: ${field} ${item} is not an item index in [0, ${numItems})`);
      counts[item]++;
    };
    train.forEach((e, r) => {
      add(e.target, r, 'target');
      if (c.countHistories) for (const h of e.history) add(h, r, 'history item');
    });
    return new Popularity(counts);
  }

  /** The top `k` items (the same list for every user). */
  recommend(k: number): number[] {
    if (!Number.isSafeInteger(k) || k < 1) throw new Error(`popularity: k must be a positive integer, got ${k}`);
    return this.ranking.slice(0, k);
  }

  /** One top-`k` list per example (all equal; for symmetry with the personalised baselines). */
  recommendAll(examples: readonly Example[], k: number): number[][] {
    const top = this.recommend(k);
    return examples.map(() => top);
  }
}
