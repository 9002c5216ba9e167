// Objectives are small pure functions over the logits of a batch of target identifiers.
// A new objective registers itself in ./registry.ts without touching the others.
import type { Tensor } from '../../engine/index.js';

export interface ObjectiveInput {
  /** [B, L, V] raw logits predicting each token of each target identifier. */
  logits: Tensor;
  /** [B, L] int64 target tokens (0 where `mask` is 0). */
  targets: Tensor;
  /** [B, L] float32, 1 for real target positions, 0 for padding. */
  mask: Tensor;
  /**
   * Trie-valid next tokens at each target position (the children of the target's prefix):
   * `tokens` [B, L, C] int64 (0 where padded), `mask` [B, L, C] bool (true = valid).
   * The target token is always among them.
   */
  valid: { tokens: Tensor; mask: Tensor };
  /**
   * Only for objectives that ask for it (`Objective.beamThresholds`): [B, L] log-prob of the B-th best prefix of
   * length t+1 in a beam search simulated on the batch's histories (constant, no gradient), −Infinity where that
   * step has fewer than B candidates. Filled by the training task.
   */
  beamThresholds?: Tensor;
}

export interface ObjectiveOutput {
  /** Scalar loss to minimise (mean over the batch's target identifiers unless documented otherwise). */
  loss: Tensor;
  /** Extra scalars to log (plain numbers; computing them must not keep tensors alive). */
  logs?: Record<string, number>;
}

export interface Objective {
  (input: ObjectiveInput): ObjectiveOutput;
  /** Present when the objective needs `input.beamThresholds` from a simulated beam search of this width. */
  readonly beamThresholds?: { readonly beamWidth: number };
}
