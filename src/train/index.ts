// Training: objectives (sft, msl, bear, beam-sim) and their registry, learning-rate schedule, checkpoints and the
// generic trainer; the RL loss math (GRPO advantages and clipped loss, DPO / S-DPO / List-DPO).
export type { TrainTask } from './types.js';
export type {
  Objective,
  ObjectiveExtras,
  ObjectiveInput,
  ObjectiveOutput,
  PrepareContext,
  PrepareHook,
  TargetInput,
} from './objectives/types.js';
export { checkObjectiveInput, validateObjectiveInput } from './objectives/common.js';
export { sft, sftLoss, SftConfig } from './objectives/sft.js';
export { msl, mslLoss, MslConfig } from './objectives/msl.js';
export {
  bear,
  bearLoss,
  bearParts,
  bearRegularizer,
  topBThreshold,
  BearConfig,
  type BearParts,
} from './objectives/bear.js';
export {
  createObjective,
  createObjectiveIn,
  defineObjective,
  instantiateObjective,
  isObjectiveName,
  OBJECTIVES,
  OBJECTIVE_NAMES,
  unusedObjectiveSections,
  type ObjectiveEntry,
  type ObjectiveLoss,
  type ObjectiveName,
  type ObjectiveRegistry,
} from './objectives/registry.js';
export { AdvantageConfig, groupAdvantages } from './rl/advantages.js';
export { GrpoConfig, grpoLoss, type GrpoInput, type GrpoLogs, type GrpoOutput } from './rl/grpo-loss.js';
export { DpoConfig, dpoLoss, sdpoLoss, listDpoLoss, type DpoInput, type ListDpoInput } from './rl/dpo-loss.js';
export { learningRateAt, resolveWarmup, type DecayKind, type ScheduleSpec } from './schedule.js';
export {
  train,
  TrainerConfig,
  LAST_CHECKPOINT,
  BEST_CHECKPOINT,
  BEST_JSON,
  type EpochRecord,
  type TrainOptions,
  type TrainResult,
} from './trainer.js';
export { selectThenRefit, type SelectThenRefitSpec, type SelectThenRefitResult } from './select.js';
