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
   * μ: optimizer steps per batch (default 1). The trainer then calls `loss` μ times in a row with the same batch array
   * (GRPO's inner iterations on one batch of rollouts: the task may cache what it computed for that batch).
   */
  readonly updatesPerBatch?: number;
  /**
   * Validation (model in eval mode, no grad): `score` is higher-is-better (e.g. NDCG@10). Without it
   * (e.g. a refit on train + valid for a fixed number of epochs) nothing is validated and the last
   * epoch's weights are the result.
   */
  validate?(): { score: number; metrics: Record<string, number> };
}
