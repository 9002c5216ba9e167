/**
 * Conventional baselines evaluated in the same engine and protocol as the generative models: most-popular and
 * SASRec. Both rank all items and filter nothing (see each module).
 */
import type { Example } from '../data/types.js';
import { evaluateRankings, rankingMetricNames, type EvalResult } from '../eval/metrics.js';

export { Popularity, PopularityConfig } from './popularity.js';
export {
  Sasrec,
  SasrecConfig,
  SasrecNet,
  type SasrecEpochLog,
  type SasrecFitOptions,
  type SasrecFitReport,
} from './sasrec.js';

/** Default metrics of the BEAR paper's tables. */
export const BASELINE_METRICS: readonly string[] = rankingMetricNames([5, 10]);

/**
 * Scores top-k lists (`recs[i]` for `examples[i]`) against the examples' targets. `numItems`, when given, lets
 * the `invalid` metric flag out-of-catalogue entries.
 */
export function evaluateBaseline(
  recs: readonly ArrayLike<number>[],
  examples: readonly Example[],
  metrics: readonly string[] = BASELINE_METRICS,
  numItems?: number,
): EvalResult {
  if (recs.length !== examples.length)
    throw new Error(`evaluateBaseline: ${recs.length} recommendation lists for ${examples.length} examples`);
  return evaluateRankings(
    recs,
    examples.map((e) => e.target),
    metrics,
    numItems === undefined ? {} : { numItems },
  );
}
