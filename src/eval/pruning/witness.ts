/**
 * The witness pool of the pruning diagnostics' 'target' mode (PruningSettings.exactMode, .poolSize): the exact search
 * only needs the target's rank, so a user with ≥ max K witnesses (items more probable than the target) is settled
 * without search. Witnesses are the user's beam items, then, for the users the beam list leaves unsettled, the items
 * most often found by earlier exact searches (the pool), scored for them alone; every other user searches
 * best-first with the floor log p(target) − TARGET_MARGIN.
 */
import type { Hypothesis } from '../../decode/types.js';
import type { SiblingRanks } from './sibling-ranks.js';

/** Log-prob tolerance between teacher-forced and step-wise scoring of the same sequence. */
const TARGET_MARGIN = 1e-3;

/** Items found by earlier exact searches, with how often: the candidate witnesses. */
export class WitnessPool {
  private readonly found = new Map<number, number>(); // item → times found by an exact search

  constructor(private readonly poolSize: number) {}

  /** Counts the items one exact search returned. */
  add(hypotheses: readonly Hypothesis[]): void {
    for (const h of hypotheses) this.found.set(h.item, (this.found.get(h.item) ?? 0) + 1);
  }

  /** The `poolSize` items found most often (ties: smaller item first). */
  top(): number[] {
    return [...this.found.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, this.poolSize)
      .map(([item]) => item);
  }
}

/**
 * The exact search's per-user floors for users [from, from + tg.length) (targets `tg`): +Infinity for a user settled
 * by its witnesses (no search), else log p(target) − TARGET_MARGIN; `searched` counts the users left to search.
 * `source.scoreItems` (optional) scores the pool items for the unsettled users.
 */
export function searchThresholds(
  source: { scoreItems?(users: Int32Array, items: Int32Array): Float64Array },
  chunk: { from: number; tg: Int32Array; beam: { hypotheses: Hypothesis[][] }; ranks: SiblingRanks },
  maxK: number,
  pool: WitnessPool,
): { thresholds: Float64Array; searched: number } {
  const { from, tg, beam, ranks } = chunk;
  const n = tg.length;
  let searched = 0;
  // witnesses: beam items, then, for the users the beam list leaves unsettled, pool items (frequent winners of
  // earlier searches) scored for them alone
  const above = Array.from({ length: n }, (_, i) => {
    const lpT = ranks.logProb[i];
    const a = new Set<number>();
    for (const h of beam.hypotheses[i]) if (h.logProb > lpT + TARGET_MARGIN) a.add(h.item);
    return a;
  });
  const unsettled: number[] = [];
  for (let i = 0; i < n; i++) if (above[i].size < maxK) unsettled.push(i);
  const poolItems = pool.top();
  if (poolItems.length > 0 && source.scoreItems && unsettled.length > 0) {
    const P = poolItems.length;
    const flat = new Int32Array(unsettled.length * P);
    for (let j = 0; j < unsettled.length; j++) flat.set(poolItems, j * P);
    const scores = source.scoreItems(
      Int32Array.from(unsettled, (i) => from + i),
      flat,
    );
    unsettled.forEach((i, j) => {
      const lpT = ranks.logProb[i];
      for (let p = 0; p < P && above[i].size < maxK; p++) {
        if (poolItems[p] !== tg[i] && scores[j * P + p] > lpT + TARGET_MARGIN) above[i].add(poolItems[p]);
      }
    });
  }
  const thresholds = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    thresholds[i] = above[i].size >= maxK ? Infinity : ranks.logProb[i] - TARGET_MARGIN;
    if (above[i].size < maxK) searched++;
  }
  return { thresholds, searched };
}
