// What the generic training loop needs from a task (model + data + objective wiring).
import type { Module } from '../engine/index.js';
import type { ObjectiveOutput } from './objectives/types.js';

export interface TrainTask<E> {
  /** The module whose parameters are optimised and checkpointed. */
  readonly model: Module;
  /**
   * Forward pass and objective on one batch; called inside `tidy` with the model in train
   * mode. Must return a scalar loss tensor (backward is the trainer's job).
   */
  loss(batch: E[]): ObjectiveOutput;
  /**
   * Validation (model in eval mode, no grad): `score` is higher-is-better (e.g. NDCG@10). Without it
   * (e.g. a refit on train + valid for a fixed number of epochs) nothing is validated and the last
   * epoch's weights are the result.
   */
  validate?(): { score: number; metrics: Record<string, number> };
}
