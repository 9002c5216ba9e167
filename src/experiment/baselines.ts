// The conventional baselines of every comparison table, on the same splits and refit protocol as the generative runs:
// most-popular (fitted on train + valid) and SASRec with its hyperparameters chosen on validation (sasrec-tune.ts),
// then per seed: early stopping on validation, refit on train + valid for that many epochs, test. The tuning and each
// seed's test figures are cached under the bench root (keyed by data fingerprint and configuration).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NextItemDataset } from '../data/index.js';
import { evaluateBaseline, Popularity, Sasrec, SasrecConfig } from '../baselines/index.js';
import { tuneSasrec, type SasrecGrid, type SasrecTuning } from '../baselines/sasrec-tune.js';
import { cached } from './cache.js';

/** A baseline's test figures for one seed (the shape the benches tabulate). */
export interface BaselineRun {
  seed: number;
  mean: Record<string, number>;
  perUser: Record<string, Float64Array>;
  trainSec: number;
  usersPerSec: number;
  /** SASRec: the selected epoch count and its validation score. */
  bestEpoch?: number;
  valid?: number;
}

interface StoredBaselineRun extends Omit<BaselineRun, 'perUser'> {
  perUser: Record<string, number[]>;
}

/** Most-popular fitted on train + valid (what the generative runs' refit sees), scored on test. */
export function popularityRun(ds: NextItemDataset, metrics: readonly string[]): BaselineRun {
  const n = ds.items.length;
  const pop = Popularity.fit(n, [...ds.train, ...ds.valid]);
  const r = evaluateBaseline(pop.recommendAll(ds.test, 10), ds.test, metrics, n);
  return { seed: 0, mean: r.mean, perUser: r.perUser, trainSec: 0, usersPerSec: NaN };
}

/** SASRec's grid search on validation for data set `set` (seed of `base`), cached in `<root>/<set>-sasrec-tune.json`. */
export function sasrecTuning(
  set: string,
  ds: NextItemDataset,
  root: string,
  base: SasrecConfig,
  grid: SasrecGrid,
  log: (line: string) => void,
): SasrecTuning {
  const key = JSON.stringify({ fingerprint: ds.fingerprint, base, grid });
  return cached({ file: join(root, `${set}-sasrec-tune.json`), key }, () =>
    tuneSasrec(ds.items.length, base, grid, ds.train, ds.valid, log),
  );
}

/**
 * SASRec with the tuned setting and `seed`: epoch count chosen on validation, refit on train + valid, test figures.
 * Cached in `<root>/<set>-sasrec-s<seed>.json`.
 */
export function sasrecRun(
  set: string,
  ds: NextItemDataset,
  seed: number,
  root: string,
  base: SasrecConfig,
  tuning: SasrecTuning,
  metrics: readonly string[],
  log: (line: string) => void,
): BaselineRun {
  const cfg = SasrecConfig.merge(base, { ...tuning.best, seed, refit: true }, 'tuned sasrec');
  const key = JSON.stringify({ fingerprint: ds.fingerprint, cfg, metrics });
  const stored = cached<StoredBaselineRun>({ file: join(root, `${set}-sasrec-s${seed}.json`), key }, () => {
    const t0 = performance.now();
    const model = new Sasrec(ds.items.length, cfg);
    try {
      const rep = model.fit(ds.train, ds.valid, { quiet: true });
      const trainSec = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const recs = model.recommend(ds.test, 10);
      const usersPerSec = ds.test.length / ((performance.now() - t1) / 1000);
      const r = evaluateBaseline(recs, ds.test, metrics, ds.items.length);
      log(
        `[sasrec] ${set} seed ${seed} ${JSON.stringify(tuning.best)}: epochs ${rep.bestEpoch}, test ndcg@10 ${r.mean['ndcg@10']?.toFixed(4)}`,
      );
      return {
        seed,
        mean: r.mean,
        perUser: Object.fromEntries(Object.entries(r.perUser).map(([k, v]) => [k, Array.from(v)])),
        trainSec,
        usersPerSec,
        bestEpoch: rep.bestEpoch,
        valid: rep.bestValid,
      };
    } finally {
      model.dispose();
    }
  });
  return {
    ...stored,
    perUser: Object.fromEntries(Object.entries(stored.perUser).map(([k, v]) => [k, Float64Array.from(v)])),
  };
}
