// Binary relevance shared by the list metrics (./recall.ts, ./ndcg.ts), the composite rewards and the next-item
// rewards: the target list is a set; a generated item is relevant when it is in that set, and an item repeated in
// the list is relevant at its first position only (later copies take a slot and earn nothing).
import { int } from '../util/config.js';

/** Positions among the first `k` entries of `list` that hold a target for the first time, ascending. */
export function hitPositions(list: readonly number[], targets: readonly number[], k: number): number[] {
  const remaining = new Set(targets);
  const out: number[] = [];
  const n = Math.min(list.length, k);
  for (let i = 0; i < n && remaining.size > 0; i++) if (remaining.delete(list[i])) out.push(i);
  return out;
}

/** The DCG discount of 0-based position `pos`: 1 / log2(pos + 2). */
export const discount = (pos: number): number => 1 / Math.log2(pos + 2);

/** The cutoff K of a list metric's config section (a fresh field per section). */
export function cutoffField(): ReturnType<typeof int> {
  return int({
    default: 5,
    min: 1,
    doc: 'Cutoff K: only the first K entries of the generated list count (a shorter list is not padded).',
    paper: 'BLADE §4.1.3 reports k ∈ {3, 5}; its headline comparisons (Table 1, Figs. 5-8) use k = 5',
  });
}
