// The seed protocol of the comparison experiments: seed 0 chooses the epoch count on validation (early stopping,
// then refit on train + valid); seeds ≥ 1 train on train + valid for seed 0's epoch count (`select: false`), so every
// hyperparameter is chosen on validation and none on test. Without selection every seed trains `trainer.epochs` on
// its own and needs nothing from seed 0.
import type { RunConfig } from '../pipeline/config.js';
import type { StoredRun } from './store.js';

/** The config override of a seed ≥ 1 under selection: no selection, seed 0's epoch count. */
export interface FixedEpochs {
  select: false;
  trainer: { epochs: number };
}

/** The override that trains a later seed for the epoch count `seed0` chose. */
export function fixedEpochs(seed0: Pick<StoredRun, 'bestEpoch'>): FixedEpochs {
  return { select: false, trainer: { epochs: seed0.bestEpoch } };
}

/** How one method's runs are configured and obtained. */
export interface SeedProtocol {
  /** The run config of `seed`, with `extra` (a later seed's {@link FixedEpochs}) layered on top when given. */
  config: (seed: number, extra?: FixedEpochs) => RunConfig;
  /** Trains `cfg`, or reuses a finished run of it or of one of `accept` (e.g. trainOrReuse). */
  run: (cfg: RunConfig, accept?: RunConfig[]) => Promise<StoredRun>;
  /** Called with every seed's run, in order. */
  onRun?: (seed: number, run: StoredRun) => void;
}

/**
 * A method's runs over `seeds` (in the given order): seed 0 selects the epoch count, later seeds reuse it (seed 0 is
 * read or trained first when it is not among `seeds`); with `select` false in a seed's config every seed trains the
 * configured epoch count independently. A later seed's stored run is also accepted when it was trained with the
 * selecting config.
 */
export async function seedProtocolRuns(seeds: readonly number[], p: SeedProtocol): Promise<StoredRun[]> {
  const out: StoredRun[] = [];
  let seed0: StoredRun | null = null;
  for (const seed of seeds) {
    const selecting = p.config(seed);
    let r: StoredRun;
    if (seed === 0) r = seed0 = await p.run(selecting);
    else if (!selecting.select) {
      // no selection: every seed trains exactly trainer.epochs, so it needs nothing from seed 0
      r = await p.run(selecting);
    } else {
      seed0 ??= await p.run(p.config(0));
      r = await p.run(p.config(seed, fixedEpochs(seed0)), [selecting]);
    }
    p.onRun?.(seed, r);
    out.push(r);
  }
  return out;
}
