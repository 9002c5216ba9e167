// A task says what a run learns to produce and how it is judged: which examples an epoch trains on, how a batch
// becomes a loss and a validation score, how examples are decoded and scored, and which non-generative references
// sit beside the model in the results. `runExperiment` and `genrec eval` dispatch on the run config's `task` key;
// a new task is one file here plus one line in ./registry.ts.
import type { Example, NextItemDataset } from '../../data/types.js';
import type { GenRecModel } from '../../model/genrec.js';
import type { Objective } from '../../train/objectives/types.js';
import type { TrainTask } from '../../train/types.js';
import type { OnProgress } from '../../util/progress.js';
import type { EvalSettings, ModelEvalResult } from '../evaluate.js';

/**
 * The run settings a task reads (a run config satisfies it). Spelled out rather than imported so that the run config,
 * which takes its `task` values from the registry, and the tasks do not import each other.
 */
export interface TaskSettings {
  trainOnPrefixes: boolean;
  prefixTargets: 'all' | 'novel';
  refit: boolean;
  popularity: { enabled: boolean };
  eval: { ks: number[] };
}

export interface Task {
  readonly name: string;
  /** One line for `genrec config` and help texts. */
  readonly doc: string;
  /** The examples one epoch trains on, built from a split's rows (e.g. every prefix of each window). */
  trainingExamples(rows: readonly Example[], s: TaskSettings): Example[];
  /** How the training examples were built, for the log ('' when they are the rows themselves). */
  describeTraining(s: TaskSettings): string;
  /** The trainer's view of the task: a batch's loss under `objective`, and validation on `valid` decoded with `settings`. */
  trainTask(
    model: GenRecModel,
    objective: Objective,
    valid: readonly Example[],
    settings: EvalSettings,
  ): TrainTask<Example>;
  /** Decodes `examples` with `settings` and scores the outputs. */
  evaluate(
    model: GenRecModel,
    examples: readonly Example[],
    settings: EvalSettings,
    onProgress?: OnProgress,
  ): ModelEvalResult;
  /** The metrics a results table shows for this task (HR/NDCG at the cut-offs for next-item). */
  metricNames(s: TaskSettings): string[];
  /** Non-generative references on the test split (e.g. most-popular), by name; metric → value. */
  references(ds: NextItemDataset, s: TaskSettings): Record<string, Record<string, number>>;
}
