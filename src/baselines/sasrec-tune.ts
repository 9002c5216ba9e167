// SASRec's own hyperparameters chosen on validation, the way its paper does: a small grid (dropout, width, whether
// every position is trained), each point trained once with early stopping on the validation split (no refit); the
// point with the best validation score wins. Test is never looked at here.
import type { Example } from '../data/types.js';
import { Sasrec, SasrecConfig } from './sasrec.js';

/** The grid's values per SASRec key (a cartesian product is tried). */
export type SasrecGrid = Partial<Record<keyof SasrecConfig, readonly (number | boolean | string)[]>>;

/**
 * The default grid: dropout 0.2 / 0.5 (SASRec: 0.5 on sparse Amazon data) × width 64 / 128. Training every position
 * of each window as well (`trainOnPrefixes`) is left out: with sliding windows it mostly repeats targets, costs ~7×
 * per epoch, and scored lower on amazon-office validation (d 64, dropout 0.2: 0.0438 vs 0.0480 NDCG@10).
 */
export const SASREC_GRID: SasrecGrid = {
  dropout: [0.2, 0.5],
  dModel: [64, 128],
};

/** One grid point's outcome on validation. */
export interface SasrecTrial {
  setting: Partial<SasrecConfig>;
  /** Best validation score (validMetric) and the epoch that reached it. */
  valid: number;
  bestEpoch: number;
  seconds: number;
}

export interface SasrecTuning {
  metric: string;
  trials: SasrecTrial[];
  /** The winning setting (ties: the earlier grid point). */
  best: Partial<SasrecConfig>;
}

/** Every point of the grid, in order (the first key varies slowest); a key or value SASRec refuses fails here. */
export function gridPoints(grid: SasrecGrid): Partial<SasrecConfig>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!values || values.length === 0) throw new Error(`sasrec grid: '${key}' lists no values`);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  for (const p of points) SasrecConfig.merge(SasrecConfig.defaults(), p, 'sasrec grid');
  return points as Partial<SasrecConfig>[];
}

/**
 * Trains SASRec at every grid point on `train`, early-stopped on `valid` (refit off), and returns the trials and the
 * best point. `base` supplies everything the grid does not set (its seed included).
 */
export function tuneSasrec(
  numItems: number,
  base: SasrecConfig,
  grid: SasrecGrid,
  train: readonly Example[],
  valid: readonly Example[],
  log: (line: string) => void = () => undefined,
): SasrecTuning {
  if (valid.length === 0) throw new Error('sasrec tuning: the validation split is empty');
  const trials: SasrecTrial[] = [];
  for (const setting of gridPoints(grid)) {
    const cfg = SasrecConfig.merge(base, { ...setting, refit: false }, 'sasrec grid');
    const model = new Sasrec(numItems, cfg);
    try {
      const rep = model.fit(train, valid, { quiet: true });
      trials.push({ setting, valid: rep.bestValid, bestEpoch: rep.bestEpoch, seconds: rep.seconds });
      log(
        `[sasrec tune] ${JSON.stringify(setting)}: valid ${cfg.validMetric} ${rep.bestValid.toFixed(4)} at epoch ${rep.bestEpoch} (${rep.seconds.toFixed(0)} s)`,
      );
    } finally {
      model.dispose();
    }
  }
  let best = trials[0];
  for (const t of trials) if (t.valid > best.valid) best = t;
  return { metric: base.validMetric, trials, best: best.setting };
}
