// The generic training loop: seeded shuffling, mini-batches (with optional gradient accumulation), AdamW with a
// warm-up + decay schedule and gradient clipping, validation with early stopping, and checkpoints that make a
// killed run resumable with a result identical to an uninterrupted one.
//
// Checkpoint directory layout (all files written atomically):
//   last.safetensors   model + optimizer + JSON state (completed epoch, step, RNG state, best score, history,
//                      config fingerprint), rewritten after every epoch
//   best.safetensors   model weights of the best validated epoch (+ the same record in its metadata)
//   best.json          {epoch, score, metrics} of the best epoch (convenience copy)
// Determinism: the shuffling RNG state is checkpointed; libtorch's generator (dropout) is reseeded at the start
// of every epoch from (seed, epoch), so the stream does not depend on where a run was interrupted.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  adamW,
  clipGradNorm,
  inEvalMode,
  keep,
  manualSeed,
  noGrad,
  releaseMemory,
  tidy,
  type Optimizer,
  type Tensor,
} from '../engine/index.js';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { bool, defineConfig, int, num, oneOf, type ConfigOf } from '../util/config.js';
import { logWriter, Progress } from '../util/progress.js';
import { Rng, type RngState } from '../util/rng.js';
import {
  loadCheckpoint,
  readCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  type CheckpointFile,
} from '../engine/checkpoint.js';
import { learningRateAt, resolveWarmup, type ScheduleSpec } from './schedule.js';
import type { TrainTask } from './types.js';

export const TrainerConfig = defineConfig('trainer', {
  lr: num({
    default: 1e-4,
    min: 0,
    exclusiveMin: true,
    doc: 'Peak AdamW learning rate.',
    paper: 'BEAR §4.1: AdamW, lr 1e-4 (LoRA on Llama)',
  }),
  weightDecay: num({ default: 0.01, min: 0, doc: 'Decoupled AdamW weight decay.' }),
  beta1: num({ default: 0.9, min: 0, max: 1, exclusiveMax: true, doc: 'AdamW β1 (first-moment decay).' }),
  beta2: num({ default: 0.999, min: 0, max: 1, exclusiveMax: true, doc: 'AdamW β2 (second-moment decay).' }),
  eps: num({ default: 1e-8, min: 0, exclusiveMin: true, doc: 'AdamW ε added to the denominator.' }),
  batchSize: int({ default: 128, min: 1, doc: 'Examples per mini-batch.', paper: 'BEAR §4.1: batch size 128' }),
  gradAccumulation: int({
    default: 1,
    min: 1,
    doc: 'Mini-batches whose gradients are averaged per optimizer step (effective batch = batchSize × this).',
  }),
  dropLast: bool({ default: false, doc: 'Drop the last incomplete mini-batch of each epoch.' }),
  epochs: int({
    default: 10,
    min: 1,
    doc: 'Maximum number of epochs (the schedule spans all of them).',
    paper: 'BEAR §4.1: 10 epochs, best validation NDCG@10 checkpoint',
  }),
  patience: int({
    default: 3,
    min: 0,
    doc: 'Early stopping: stop after this many consecutive validations without improvement (0 disables).',
  }),
  minDelta: num({
    default: 0,
    min: 0,
    doc: 'A validation score must exceed the best by more than this to count as an improvement.',
  }),
  validateEvery: int({ default: 1, min: 1, doc: 'Validate every this many epochs (and always after the last epoch).' }),
  warmup: num({
    default: 0.05,
    min: 0,
    doc: 'Linear warm-up: a fraction of all optimizer steps if < 1, else a whole number of steps.',
  }),
  schedule: oneOf(['cosine', 'linear', 'constant'], {
    default: 'cosine',
    doc: 'Learning-rate decay after the warm-up.',
  }),
  minLrRatio: num({ default: 0.1, min: 0, max: 1, doc: 'Final learning rate as a fraction of lr (cosine/linear).' }),
  maxGradNorm: num({ default: 1, min: 0, doc: 'Clip the global gradient L2 norm to this value (0 disables).' }),
  seed: int({ default: 42, doc: 'Seed for shuffling and libtorch randomness (dropout); same seed → same run.' }),
  logIntervalSec: num({ default: 10, min: 0, doc: 'Minimum seconds between two progress lines.' }),
});
export type TrainerConfig = ConfigOf<typeof TrainerConfig>;

/** One epoch of the run's history. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's mini-batches. */
  loss: number;
  /** Means of the objective's extra logs over the epoch. */
  logs: Record<string, number>;
  /** Optimizer steps done after this epoch (cumulative). */
  step: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  /** Mean gradient norm before clipping (null when clipping is off). */
  gradNorm: number | null;
  /** Wall-clock seconds of the epoch (training + validation). */
  seconds: number;
  examplesPerSec: number;
  /** Present on validated epochs. */
  validation?: { score: number; metrics: Record<string, number> };
  /** True when this epoch became the best so far. */
  improved: boolean;
}

export interface TrainResult {
  history: EpochRecord[];
  /** Best validated epoch (1-based) and its score; its weights are loaded into the model. */
  bestEpoch: number;
  bestScore: number;
  stoppedEarly: boolean;
  /** Epoch the run resumed after (0 = fresh start). */
  resumedFrom: number;
  totalSteps: number;
}

export interface TrainOptions {
  /** Where `last` / `best` checkpoints go; without it nothing is written (best weights are kept in memory). */
  checkpointDir?: string;
  /** Continue from `checkpointDir/last.safetensors` if it exists (a corrupt one is an error, never ignored). */
  resume?: boolean;
  /** Receives progress and epoch lines (default: stderr). */
  log?: (line: string) => void;
  /** Called after each epoch, once its checkpoints are on disk. */
  onEpoch?: (record: EpochRecord, info: { stopping: boolean; checkpointDir?: string }) => void;
  /** Called after each optimizer step (per-step curves: the task's logs, the gradient norm). */
  onStep?: (record: StepRecord) => void;
}

/** One optimizer step, for per-step diagnostics (EpochRecord holds the epoch means). */
export interface StepRecord {
  epoch: number;
  /** 1-based, cumulative over epochs. */
  step: number;
  loss: number;
  /** The task's logs of the step (means over its accumulated batches). */
  logs: Record<string, number>;
  /** Global gradient L2 norm before clipping (null when clipping is off). */
  gradNorm: number | null;
  lr: number;
  /** The epoch's last step: the end-of-epoch validation (on validated epochs) and onEpoch follow. */
  epochEnd: boolean;
}

/** State persisted in `last.safetensors`. */
interface RunState {
  format: 'genrec.train/1';
  config: TrainerConfig;
  numExamples: number;
  numParams: number;
  epoch: number;
  step: number;
  rng: RngState;
  bestScore: number | null;
  bestEpoch: number;
  badValidations: number;
  done: boolean;
  stoppedEarly: boolean;
  history: EpochRecord[];
}

export const LAST_CHECKPOINT = 'last.safetensors';
export const BEST_CHECKPOINT = 'best.safetensors';
export const BEST_JSON = 'best.json';

function parseRunState(meta: unknown, file: string): RunState {
  const m = meta as Partial<RunState> | null;
  const ok =
    m !== null &&
    typeof m === 'object' &&
    m.format === 'genrec.train/1' &&
    typeof m.epoch === 'number' &&
    typeof m.step === 'number' &&
    typeof m.numExamples === 'number' &&
    typeof m.config === 'object' &&
    Array.isArray(m.history) &&
    typeof m.rng === 'object' &&
    m.rng !== null &&
    Array.isArray(m.rng.s) &&
    Array.isArray(m.rng.seedKey);
  if (!ok) throw new Error(`checkpoint ${file}: not a genrec training state (format 'genrec.train/1' expected)`);
  return m as RunState;
}

function configDiff(a: TrainerConfig, b: TrainerConfig): string[] {
  const out: string[] = [];
  for (const k of Object.keys(a) as (keyof TrainerConfig)[]) {
    if (k === 'logIntervalSec') continue; // cosmetic
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      out.push(`trainer.${k}: checkpoint ${JSON.stringify(a[k])}, now ${JSON.stringify(b[k])}`);
  }
  return out;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** libtorch seed of an epoch: a function of (seed, epoch) only. */
function epochSeed(seed: number, epoch: number): number {
  return new Rng(seed).fork(`torch-epoch-${epoch}`).uint32();
}

/**
 * Trains `task.model` on `examples`. Returns the per-epoch history and the best epoch, whose weights are loaded
 * into the model at the end.
 */
export function train<E>(
  task: TrainTask<E>,
  examples: readonly E[],
  config: Partial<TrainerConfig> | TrainerConfig,
  opts: TrainOptions = {},
): TrainResult {
  const cfg = TrainerConfig.parse(config);
  const log = opts.log ?? ((line: string) => void process.stderr.write(line + '\n'));
  const n = examples.length;
  if (n === 0) throw new Error('train: no training examples');
  const batchesPerEpoch = cfg.dropLast ? Math.floor(n / cfg.batchSize) : Math.ceil(n / cfg.batchSize);
  if (batchesPerEpoch === 0) throw new Error(`train: ${n} examples make no full batch of ${cfg.batchSize} (dropLast)`);
  // μ optimizer steps on each (accumulated) batch: the task sees the same batch μ times in a row (GRPO's inner
  // iterations reuse one batch of rollouts)
  const mu = task.updatesPerBatch ?? 1;
  if (!Number.isInteger(mu) || mu < 1) throw new Error(`train: task.updatesPerBatch must be an integer ≥ 1, got ${mu}`);
  if (mu > 1 && cfg.gradAccumulation > 1)
    throw new Error('train: task.updatesPerBatch > 1 cannot be combined with trainer.gradAccumulation > 1');
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / cfg.gradAccumulation) * mu;
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const sched: ScheduleSpec = {
    lr: cfg.lr,
    totalSteps,
    warmupSteps: resolveWarmup(cfg.warmup, totalSteps),
    kind: cfg.schedule,
    minLrRatio: cfg.minLrRatio,
  };
  const model = task.model;
  const params = model.parameters();
  const opt: Optimizer = adamW(params, {
    lr: cfg.lr,
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    eps: cfg.eps,
    weightDecay: cfg.weightDecay,
  });
  const dir = opts.checkpointDir;
  const lastPath = dir ? path.join(dir, LAST_CHECKPOINT) : undefined;
  const bestPath = dir ? path.join(dir, BEST_CHECKPOINT) : undefined;

  let st: RunState = {
    format: 'genrec.train/1',
    config: cfg,
    numExamples: n,
    numParams: params.length,
    epoch: 0,
    step: 0,
    rng: new Rng(cfg.seed).getState(),
    bestScore: null,
    bestEpoch: 0,
    badValidations: 0,
    done: false,
    stoppedEarly: false,
    history: [],
  };
  if (opts.resume) {
    if (!lastPath) throw new Error('train: resume needs a checkpointDir');
    if (existsSync(lastPath)) {
      let last: CheckpointFile;
      try {
        last = readCheckpoint(lastPath);
      } catch (e) {
        throw new Error(`cannot resume: checkpoint ${lastPath} is unreadable or corrupt (${(e as Error).message})`);
      }
      const saved = parseRunState(last.meta, lastPath);
      const diff = configDiff(saved.config, cfg);
      if (diff.length)
        throw new Error(`cannot resume from ${lastPath}: the trainer config changed (${diff.join('; ')})`);
      if (saved.numExamples !== n) {
        throw new Error(`cannot resume from ${lastPath}: it was trained on ${saved.numExamples} examples, now ${n}`);
      }
      restoreCheckpoint(last, { model, optimizer: opt });
      st = { ...saved, config: cfg };
      log(`[train] resumed from ${lastPath}: epoch ${st.epoch}/${cfg.epochs} done, step ${st.step}/${totalSteps}`);
    } else {
      log(`[train] no checkpoint at ${lastPath}; starting from scratch`);
    }
  }
  if (!opts.resume && lastPath && existsSync(lastPath)) {
    log(`[train] ${lastPath} exists; starting over and overwriting it (pass resume to continue that run)`);
  }
  const resumedFrom = st.epoch;
  const rng = Rng.fromState(st.rng);

  // Best weights in memory when there is no checkpoint directory.
  let bestInMemory: Tensor[] | null = null;
  const snapshotBest = (): void => {
    bestInMemory?.forEach((t) => t.dispose());
    bestInMemory = noGrad(() => params.map((p) => keep(p.detach().clone())));
  };

  const progress = new Progress({
    total: totalSteps - st.step,
    label: 'train',
    unit: 'examples',
    intervalSec: cfg.logIntervalSec,
    writer: logWriter(log),
  });

  const runBatch = (batch: E[], scale: number): { loss: number; logs?: Record<string, number> } =>
    tidy(() => {
      const out = task.loss(batch);
      const l = out.loss;
      if (l.numel !== 1) throw new Error(`task.loss must return a scalar loss, got shape [${l.shape.join(', ')}]`);
      (scale === 1 ? l : l.mul(scale)).backward();
      return { loss: l.item(), logs: out.logs };
    });

  while (!st.done && st.epoch < cfg.epochs) {
    const epoch = st.epoch + 1;
    const t0 = performance.now();
    manualSeed(epochSeed(cfg.seed, epoch));
    const order = rng.permutation(n);
    model.train();
    const losses: number[] = [];
    const norms: number[] = [];
    const logSums = new Map<string, number[]>();
    let lr = opt.learningRate;
    // the batch arrays of the current group of μ steps: the task sees the same array on each of its μ updates
    let groupBatches: E[][] = [];
    for (let step = 0; step < stepsPerEpoch; step++) {
      const g = Math.floor(step / mu);
      if (step % mu === 0) groupBatches = [];
      const first = g * cfg.gradAccumulation;
      const count = Math.min(cfg.gradAccumulation, batchesPerEpoch - first);
      opt.zeroGrad();
      let items = 0;
      let stepLoss = 0;
      const stepLogs: Record<string, number> = {};
      for (let k = 0; k < count; k++) {
        const b = first + k;
        const idx = order.subarray(b * cfg.batchSize, Math.min(n, (b + 1) * cfg.batchSize));
        const batch = (groupBatches[k] ??= Array.from(idx, (i) => examples[i]));
        const r = runBatch(batch, 1 / count);
        if (!Number.isFinite(r.loss)) {
          throw new Error(`train: non-finite loss ${r.loss} at epoch ${epoch}, step ${st.step + 1}, batch ${b + 1}`);
        }
        losses.push(r.loss);
        stepLoss += r.loss / count;
        items += batch.length;
        for (const [key, v] of Object.entries(r.logs ?? {})) {
          stepLogs[key] = (stepLogs[key] ?? 0) + v / count;
          const arr = logSums.get(key) ?? [];
          arr.push(v);
          logSums.set(key, arr);
        }
      }
      const gradNorm = cfg.maxGradNorm > 0 ? clipGradNorm(params, cfg.maxGradNorm) : null;
      if (gradNorm !== null) norms.push(gradNorm);
      lr = learningRateAt(st.step, sched);
      opt.setLr(lr);
      opt.step();
      st.step++;
      progress.update({ items, loss: stepLoss });
      opts.onStep?.({
        epoch,
        step: st.step,
        loss: stepLoss,
        logs: stepLogs,
        gradNorm,
        lr,
        epochEnd: step === stepsPerEpoch - 1,
      });
    }
    const trainSec = (performance.now() - t0) / 1000;

    let validation: EpochRecord['validation'];
    let improved = false;
    const validate = task.validate?.bind(task);
    if (!validate) {
      improved = epoch === cfg.epochs; // no validation: the final weights are the result
      if (improved) st.bestEpoch = epoch;
    } else if (epoch % cfg.validateEvery === 0 || epoch === cfg.epochs) {
      const v = inEvalMode(model, () => tidy(() => noGrad(() => validate())));
      if (!Number.isFinite(v.score)) throw new Error(`train: validation score is ${v.score} at epoch ${epoch}`);
      validation = { score: v.score, metrics: { ...v.metrics } };
      if (st.bestScore === null || v.score > st.bestScore + cfg.minDelta) {
        improved = true;
        st.bestScore = v.score;
        st.bestEpoch = epoch;
        st.badValidations = 0;
      } else {
        st.badValidations++;
      }
    }
    const stopEarly = cfg.patience > 0 && st.badValidations >= cfg.patience;
    const record: EpochRecord = {
      epoch,
      loss: mean(losses),
      logs: Object.fromEntries([...logSums].map(([k, v]) => [k, mean(v)])),
      step: st.step,
      lr,
      gradNorm: norms.length ? mean(norms) : null,
      seconds: (performance.now() - t0) / 1000,
      examplesPerSec: n / Math.max(trainSec, 1e-9),
      validation,
      improved,
    };
    st.history.push(record);
    st.epoch = epoch;
    st.stoppedEarly = stopEarly;
    st.done = stopEarly || epoch === cfg.epochs;
    st.rng = rng.getState();

    if (improved) {
      if (bestPath && dir) {
        const bestMeta = { epoch, score: validation?.score, metrics: validation?.metrics };
        saveCheckpoint(bestPath, { model, meta: bestMeta });
        writeJsonAtomicSync(path.join(dir, BEST_JSON), bestMeta);
      } else snapshotBest();
    }
    if (lastPath) saveCheckpoint(lastPath, { model, optimizer: opt, meta: { ...st } });

    const val = validation
      ? ` | val ${validation.score.toPrecision(4)}${improved ? ' (best)' : ` (best ${st.bestScore?.toPrecision(4)} @${st.bestEpoch})`}`
      : '';
    const extra = Object.entries(record.logs)
      .map(([k, v]) => ` ${k} ${v.toPrecision(4)}`)
      .join('');
    log(
      `[train] epoch ${epoch}/${cfg.epochs} | loss ${record.loss.toPrecision(4)}${extra} | lr ${lr.toExponential(2)}` +
        `${val} | ${record.examplesPerSec.toFixed(0)} ex/s | ${record.seconds.toFixed(1)}s`,
    );
    if (stopEarly) log(`[train] early stop: no improvement in ${cfg.patience} validation(s)`);
    releaseMemory(); // give the epoch's freed activations back to the OS (glibc keeps them otherwise)
    opts.onEpoch?.(record, { stopping: st.done, checkpointDir: dir });
  }

  // Load the best weights back.
  if (bestPath) {
    if (!existsSync(bestPath)) throw new Error(`train: best checkpoint ${bestPath} is missing`);
    loadCheckpoint(bestPath, { model });
  } else if (bestInMemory) {
    const best: Tensor[] = bestInMemory;
    noGrad(() => params.forEach((p, i) => p.assign(best[i])));
    best.forEach((t) => t.dispose());
  }
  model.eval();
  return {
    history: st.history,
    bestEpoch: st.bestEpoch,
    bestScore: st.bestScore ?? NaN,
    stoppedEarly: st.stoppedEarly,
    resumedFrom,
    totalSteps,
  };
}
