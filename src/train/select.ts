// Validation-based selection and refit, the one implementation shared by the generative runs (pipeline/run.ts) and
// SASRec (baselines/sasrec.ts): train with validation to choose the epoch count, then (optionally) discard that model
// and retrain a fresh one from the same seed on train + valid for exactly that many epochs.
import { manualSeed } from '../engine/index.js';

/** What {@link selectThenRefit} needs: the two training phases and how to discard the first phase's model. */
export interface SelectThenRefitSpec<S extends { bestEpoch: number }, R> {
  /** Trains with validation (early stopping); its result carries the chosen epoch count. */
  trainWithValidation: () => S;
  /** Whether to refit at all (e.g. the refit setting is on and the validation split is not empty). */
  refit: boolean;
  /** The seed the engine's generator is reset to before the fresh model is built (its initialisation, dropout). */
  seed: number;
  /** Frees the selection phase's model; called before the generator is reseeded. */
  discard: () => void;
  /** Builds a fresh model and trains it on train + valid for `epochs` epochs (no validation, no early stopping). */
  retrain: (epochs: number, selected: S) => R;
}

/** The selection phase's result and, when a refit ran, the refit's. */
export interface SelectThenRefitResult<S, R> {
  selected: S;
  refitted: R | null;
}

/**
 * Select-then-refit: `trainWithValidation()` chooses `bestEpoch`; with `refit`, `discard()` frees that model, the
 * engine is reseeded with `seed` and `retrain(bestEpoch)` builds and trains a fresh model on train + valid.
 */
export function selectThenRefit<S extends { bestEpoch: number }, R>(
  spec: SelectThenRefitSpec<S, R>,
): SelectThenRefitResult<S, R> {
  const selected = spec.trainWithValidation();
  if (!spec.refit) return { selected, refitted: null };
  spec.discard();
  manualSeed(spec.seed);
  return { selected, refitted: spec.retrain(selected.bestEpoch, selected) };
}
