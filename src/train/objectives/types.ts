// Objectives are small pure functions over the logits of a batch of target identifiers, plus an optional per-batch
// `prepare` hook for the inputs that teacher-forced logits cannot give (simulated beams today; rollouts, rewards or
// reference log-probabilities tomorrow). A new objective lives in its own file and adds one line to ./registry.ts.
import type { Tensor } from '../../engine/index.js';
import type { StepModel } from '../../decode/types.js';
import type { PrefixTrie } from '../../ids/trie.js';

/** The teacher-forced side of a batch: what every objective receives. */
export interface TargetInput {
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
}

/**
 * Named inputs beyond the teacher-forced logits, computed per batch by an objective's `prepare` hook.
 *
 * Why an interface that objective files extend (TypeScript declaration merging) rather than a field list here or
 * an untyped `Record<string, Tensor>`: the objective that produces an input is the one that reads it, so the name
 * and its type are declared next to both, in the objective's own file:
 *
 * ```ts
 * declare module './types.js' {
 *   interface ObjectiveExtras {
 *     // [B, L] log-prob of the B-th simulated beam …
 *     beamThresholds: Tensor;
 *   }
 * }
 * ```
 *
 * Every field is then a typed optional field of {@link ObjectiveInput} (`input.beamThresholds: Tensor | undefined`)
 * and of what `prepare` returns; two objectives declaring the same name with different types fail to compile. The
 * training task never names them: it spreads whatever `prepare` returned into the input. Tensors created by
 * `prepare` live in the training step's scope like the logits (freed after the step).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging (see above)
export interface ObjectiveExtras {}

export interface ObjectiveInput extends TargetInput, Partial<ObjectiveExtras> {
  /** [B, L, V] raw logits predicting each token of each target identifier. */
  logits: Tensor;
}

export interface ObjectiveOutput {
  /** Scalar loss to minimise (mean over the batch's target identifiers unless documented otherwise). */
  loss: Tensor;
  /** Extra scalars to log (plain numbers; computing them must not keep tensors alive). */
  logs?: Record<string, number>;
}

/**
 * What a `prepare` hook sees of one training batch: the batch's histories and teacher-forced targets, the
 * identifier trie, and the model's decoding interface (the same StepModel the decoders use). It is built by the
 * training task only for objectives that have a hook. New needs (a reference model's log-probs, a reward model)
 * become new fields here, filled by the task; objectives that do not read them are unaffected.
 */
export interface PrepareContext {
  /** Item histories of the batch's examples; row b of every tensor belongs to `histories[b]`. */
  readonly histories: ReadonlyArray<ReadonlyArray<number>>;
  /** The batch's targets as the objective will receive them ([B, L] = batch size × longest identifier). */
  readonly target: Readonly<TargetInput>;
  /** The catalogue's identifier trie (the valid continuations decoders are constrained to). */
  readonly trie: PrefixTrie;
  /**
   * Runs `fn` with the model's step interface over `histories`, the model in eval mode (no dropout) and without
   * gradient; the training mode is restored afterwards. For simulated decoding and rollouts: what `fn` computes
   * is a constant for the loss.
   */
  withStepModel<R>(fn: (model: StepModel<unknown>) => R): R;
}

/** Computes an objective's extra inputs for one batch (see {@link ObjectiveExtras}). */
export type PrepareHook = (ctx: PrepareContext) => Partial<ObjectiveExtras>;

export interface Objective {
  (input: ObjectiveInput): ObjectiveOutput;
  /** Present when the objective needs inputs beyond the teacher-forced logits; the task calls it once per batch. */
  readonly prepare?: PrepareHook;
}
