// The baselines of every comparison bench (office, sid, bear): most-popular and SASRec tuned on validation, on the
// bench's own splits (src/experiment/baselines.ts). --smoke tunes a 2-point grid of the small smoke SASRec.
import type { NextItemDataset } from '../src/data/index.js';
import { SasrecConfig } from '../src/baselines/index.js';
import { SASREC_GRID, type SasrecGrid, type SasrecTuning } from '../src/baselines/sasrec-tune.js';
import { sasrecTuning } from '../src/experiment/baselines.js';
import { SASREC_SMOKE } from './sasrec.js';

const log = (l: string): void => void process.stderr.write(l + '\n');

/** --smoke's grid: two dropouts of the smoke-size model. */
const SMOKE_GRID: SasrecGrid = { dropout: [0.2, 0.5] };

/**
 * SASRec's base configuration and its tuning on validation (cached under `root`); with `tune` false, the defaults
 * as they are (one empty tuning).
 */
export function tunedSasrec(
  set: string,
  ds: NextItemDataset,
  root: string,
  smoke: boolean,
  tune: boolean,
): { base: SasrecConfig; tuning: SasrecTuning } {
  const base = smoke
    ? SasrecConfig.merge(SasrecConfig.defaults(), SASREC_SMOKE, 'bench --smoke')
    : SasrecConfig.defaults();
  const tuning = tune
    ? sasrecTuning(set, ds, root, base, smoke ? SMOKE_GRID : SASREC_GRID, log)
    : { metric: base.validMetric, trials: [], best: {} };
  return { base, tuning };
}

export { log as benchLog };
