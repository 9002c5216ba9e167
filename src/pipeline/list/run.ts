// The list task's main job (BLADE §4.1): list data → identifiers → either SFT on target lists from scratch (objective
// sft / msl: selected on validation, optionally refit) or alignment of a trained list run (align.init; grpo, dpo,
// sdpo, listdpo on align.prompts training prompts, the epoch chosen on align.validPrompts) → greedy test lists →
// list metrics beside the most-popular list → results, published atomically like every run (../run-dir.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint, type CheckpointMeta } from '../../engine/checkpoint.js';
import { inEvalMode, manualSeed, noGrad, tidy } from '../../engine/index.js';
import type { ListDataset, ListExample, NextItemDataset } from '../../data/types.js';
import { GenRecModel } from '../../model/genrec.js';
import { createReward, itemSideInfo, type ItemSideInfo, type ListReward } from '../../rewards/index.js';
import { createObjective } from '../../train/objectives/registry.js';
import { grpoTask, type GrpoTotals } from '../../train/rl/grpo-task.js';
import { bonRolloutReward } from '../../train/rl/bon-reward.js';
import type { BonTargetConfig } from '../../train/rl/bon-target.js';
import { selectThenRefit } from '../../train/select.js';
import { train, type TrainResult } from '../../train/trainer.js';
import type { StepRecord, TrainerConfig } from '../../train/trainer.js';
import { writeResults } from '../../report/results.js';
import { formatConsoleTable, type Row } from '../../report/table.js';
import { writeJsonAtomicSync } from '../../util/atomic.js';
import { readJsonFile } from '../../util/json-file.js';
import { logWriter, progressCallback } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { codeVersion } from '../../util/version.js';
import { objectiveSection, type RunConfig } from '../config.js';
import { loadListDatasetFromSpec } from '../dataset.js';
import { buildIdentifier } from '../identifiers/registry.js';
import { loadRun, type RunMeta } from '../load-run.js';
import { hasPendingRun, newRunId, openRunDir, publishRun, startPendingRun } from '../run-dir.js';
import { runTrainerSeed } from '../run.js';
import { applyThreads } from '../threads.js';
import { isAlignMethod, type AlignMethod } from './config.js';
import { evaluateLists, perUserForJson, scoreLists, type ListEvalResult } from './evaluate.js';
import { buildPreferences, preferenceTask, type PreferenceMethod } from './preference.js';
import { referenceSet, referenceSetFileName } from './reference-set.js';
import { listRolloutGenerator, listRolloutReward, listSftTask, listValidation, type ListPrompt } from './tasks.js';

type Log = (line: string) => void;
const stderrLog: Log = (l) => void process.stderr.write(l + '\n');

export interface ListRunOptions {
  log?: Log;
  resume?: boolean;
  overwrite?: boolean;
  /** The data set, when the caller has loaded it already. */
  data?: ListDataset;
}

export interface ListRunOutput {
  dir: string;
  config: RunConfig;
  test: ListEvalResult;
  references: Record<string, Record<string, number>>;
  train: TrainResult;
  /** Alignment throughput (grpo): rollouts vs updates. */
  alignment?: AlignmentStats;
  table: string;
}

export interface AlignmentStats {
  method: AlignMethod;
  prompts: number;
  seconds: number;
  rolloutSeconds?: number;
  updateSeconds?: number;
  rolloutListsPerSec?: number;
  rolloutTokensPerSec?: number;
  modelCalls?: number;
  /** Seconds in the reward plug-in (BoN / BLADE: the target's share of a step). */
  rewardSeconds?: number;
  preferenceSeconds?: number;
  warmupSeconds?: number;
  /** BoN / BLADE: the target's settings and its reference set. */
  bon?: BonStats;
  /** GRPO / BoN / BLADE: per optimizer step, the task's diagnostics, gradient norm and (every align.validEverySteps) validation metrics. */
  steps?: StepPoint[];
}

export interface BonStats {
  n: number;
  tau: number;
  ties: string;
  referenceSize: number;
  referenceFile: string | null;
  referenceReused: boolean;
  referenceSeconds: number;
  /** Mean over prompts of the reference rewards' mean and maximum. */
  referenceMean: number;
  referenceMax: number;
}

/** Which of a step's logs the trace keeps (the rest stay in the epoch means). */
const TRACE_LOGS = ['reward', 'baseReward', 'saturated', 'meanAbsAdvantage', 'zeroAdvGroups', 'kl', 'clipFraction'];

export interface StepPoint {
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number | null;
  logs: Record<string, number>;
  validation?: Record<string, number>;
}

/**
 * The per-step trace of an alignment run, saved with each epoch's checkpoint (align/trace.json) so that a resumed run
 * keeps the steps it had; steps at or after a resumed step are replaced.
 */
class StepTrace {
  steps: StepPoint[] = [];
  constructor(
    private readonly file: string,
    resuming: boolean,
  ) {
    if (resuming && existsSync(file)) this.steps = (readJsonFile(file) as { steps: StepPoint[] }).steps;
  }
  add(s: StepRecord, validation?: Record<string, number>): void {
    while (this.steps.length > 0 && this.steps[this.steps.length - 1].step >= s.step) this.steps.pop();
    const logs = Object.fromEntries(TRACE_LOGS.filter((k) => s.logs[k] !== undefined).map((k) => [k, s.logs[k]]));
    this.steps.push({
      step: s.step,
      epoch: s.epoch,
      loss: s.loss,
      gradNorm: s.gradNorm,
      logs,
      ...(validation ? { validation } : {}),
    });
  }
  /** Validation metrics of the last recorded step (the trainer's own validation at the end of an epoch). */
  validated(metrics: Record<string, number>): void {
    const last = this.steps[this.steps.length - 1];
    if (last) last.validation = { ...metrics };
  }
  save(): void {
    writeJsonAtomicSync(this.file, { steps: this.steps });
  }
}

/**
 * BoN alignment's / BLADE's target: the reference set of the prompts under the init policy (cached), and the target's
 * settings (objective 'bon' is τ = 0 whatever bon.tau says; 'blade' with referenceSize 0 is the no-prior variant).
 */
function bonTarget(
  method: 'bon' | 'blade',
  cfg: RunConfig,
  ds: ListDataset,
  init: ReturnType<typeof loadRun>,
  prompts: readonly ListExample[],
  reward: ListReward,
  rollout: { temperature: number; repetitionPenalty: number; listLength: number; excludeHistory: boolean },
  log: Log,
): { reference: (Float64Array | null)[]; cfg: BonTargetConfig; stats: BonStats } {
  const b = cfg.bon;
  const tau = method === 'bon' ? 0 : b.tau;
  if (method === 'bon' && b.tau !== 0)
    log(`align: bon is static BoN alignment: τ = 0 (bon.tau ${b.tau} applies to blade)`);
  let reference: (Float64Array | null)[] = prompts.map(() => null);
  let file: string | null = null;
  let reused = false;
  let seconds = 0;
  if (b.referenceSize > 0) {
    // only what the draws depend on: G and the rollouts' seed do not change the reference set (nor its cache file)
    const settings = {
      temperature: rollout.temperature,
      repetitionPenalty: rollout.repetitionPenalty,
      listLength: rollout.listLength,
      excludeHistory: rollout.excludeHistory,
      size: b.referenceSize,
      seed: b.referenceSeed,
      chunk: 16,
    };
    const src = {
      model: init.runId ?? cfg.align.init,
      data: ds.fingerprint,
      reward: { name: reward.name, config: cfg.rewards[cfg.align.reward as keyof RunConfig['rewards']] },
    };
    file = join(b.cacheDir || join(cfg.align.init, 'bon-reference'), referenceSetFileName(prompts, settings, src));
    log(`align: reference set, M = ${b.referenceSize} lists for each of ${prompts.length} prompts (${file})`);
    const ref = referenceSet(
      init.model,
      prompts,
      reward,
      settings,
      src,
      file,
      progressCallback('reference set', prompts.length, {
        unit: 'prompts',
        intervalSec: cfg.trainer.logIntervalSec,
        writer: logWriter(log),
      }),
    );
    reference = ref.rewards;
    reused = ref.reused;
    seconds = ref.seconds;
    log(`align: reference set ${reused ? 'reused' : 'sampled'} in ${seconds.toFixed(1)}s`);
  }
  const mean = (f: (r: Float64Array) => number): number =>
    reference.reduce((s, r) => s + (r && r.length ? f(r) : 0), 0) / Math.max(reference.length, 1);
  const stats: BonStats = {
    n: b.n,
    tau,
    ties: b.ties,
    referenceSize: b.referenceSize,
    referenceFile: file,
    referenceReused: reused,
    referenceSeconds: seconds,
    referenceMean: mean((r) => r.reduce((s, x) => s + x, 0) / r.length),
    referenceMax: mean((r) => r[r.length - 1]),
  };
  log(
    `align: target ${method === 'bon' ? 'static BoN (τ = 0)' : `BLADE (τ = ${tau}${b.referenceSize === 0 ? ', no prior' : ''})`}, N = ${b.n}, ties ${b.ties}; reference reward mean ${stats.referenceMean.toFixed(4)}, max ${stats.referenceMax.toFixed(4)} (prompt means)`,
  );
  return { reference, cfg: { ...b, tau }, stats };
}

function defaultListRunDir(cfg: RunConfig): string {
  const ds =
    cfg.dataset
      .replace(/\?.*$/, '')
      .replace(/^.*[:/]/, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_') || 'data';
  return join('runs', `${ds}-list-${cfg.objective}-s${cfg.seed}`);
}

/** The list data seen as next-item rows (history → each target), for what identifiers learn from (co-occurrence). */
export function listAsNextItem(ds: ListDataset): NextItemDataset {
  const rows = (xs: readonly ListExample[]) =>
    xs.flatMap((e) =>
      e.targets.map((t, i) => ({
        user: e.user,
        history: [...e.history, ...e.targets.slice(0, i)],
        target: t,
        timestamp: e.timestamp,
      })),
    );
  return {
    name: ds.name,
    items: ds.items,
    train: rows(ds.train),
    valid: [],
    test: [],
    protocol: ds.protocol,
    fingerprint: ds.fingerprint,
    log: ds.log,
  };
}

/** The K most popular training targets (excluding the user's history with `exclude`): the list task's reference. */
export function popularLists(ds: ListDataset, users: readonly ListExample[], k: number, exclude: boolean): number[][] {
  const counts = new Float64Array(ds.items.length);
  for (const e of ds.train) for (const t of e.targets) counts[t]++;
  const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
  return users.map((e) => {
    const h = exclude ? new Set(e.history) : new Set<number>();
    const out: number[] = [];
    for (const i of order) {
      if (out.length === k) break;
      if (!h.has(i)) out.push(i);
    }
    return out;
  });
}

/** The alignment prompts: `n` training examples sampled with `seed` (all of them, shuffled, when fewer). */
export function alignmentPrompts(train: readonly ListExample[], n: number, seed: number): ListExample[] {
  const perm = new Rng(seed).fork('align-prompts').permutation(train.length);
  return Array.from(perm.subarray(0, Math.min(n, train.length)), (i) => train[i]);
}

/** Refuses an init run that cannot start this alignment (wrong task, data, list length), naming the difference. */
function checkInit(dir: string, init: RunConfig, cfg: RunConfig, ds: ListDataset, fingerprint: string | null): void {
  const bad = (why: string): never => {
    throw new Error(`align.init ${dir} cannot start this run: ${why}`);
  };
  if (init.task !== 'list') bad(`it was trained for task '${init.task}', not 'list'`);
  if (fingerprint !== null && fingerprint !== ds.fingerprint)
    bad(`it was trained on other data (fingerprint ${fingerprint}; ${ds.name} loads as ${ds.fingerprint})`);
  if (init.model.responseItems < cfg.list.listLength)
    bad(
      `its model holds ${init.model.responseItems} items per response, this run decodes lists of ${cfg.list.listLength}`,
    );
}

function reportRow(r: Record<string, number>, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

/** Trains (or aligns) and evaluates one list-task configuration end to end. */
export async function runListExperiment(cfgIn: RunConfig, opts: ListRunOptions = {}): Promise<ListRunOutput> {
  const log = opts.log ?? stderrLog;
  let cfg = cfgIn;
  if (cfg.task !== 'list') throw new Error(`runListExperiment: task is '${cfg.task}', not 'list'`);
  const align = isAlignMethod(cfg.objective) ? cfg.objective : null;
  if (align && cfg.align.init === '')
    throw new Error(
      `objective '${cfg.objective}' aligns a trained list run: give it with --init RUN_DIR (or --align.init RUN_DIR)`,
    );
  const dir = cfg.out || defaultListRunDir(cfg);
  const threads = applyThreads(cfg.threads, log);
  manualSeed(cfg.seed);

  const ds = opts.data ?? loadListDatasetFromSpec(cfg.dataset);
  log(
    `data ${ds.name} (${ds.fingerprint}): ${ds.items.length} items, lists train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length}; protocol ${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}`,
  );
  for (const l of ds.log) log(`data: ${l}`);
  const K = Number((ds.protocol.params as Record<string, unknown>).targets ?? cfg.list.listLength);
  if (K !== cfg.list.listLength)
    throw new Error(
      `list.listLength ${cfg.list.listLength} differs from the data set's target lists of ${K} items (the spec's targets option)`,
    );
  if (ds.train.length === 0 || ds.test.length === 0) throw new Error(`data set ${ds.name}: empty train or test split`);
  const side: ItemSideInfo = itemSideInfo(ds.name, ds.items);
  for (const m of ['mgu', 'ild'])
    if (side.genres === undefined) log(`eval: ${m.toUpperCase()} unavailable: data set ${ds.name} has no item genres`);

  // everything that can fail is checked before the run directory is touched
  let reward: ListReward | null = null;
  let initRun: ReturnType<typeof loadRun> | null = null;
  if (align) {
    const r = createReward(
      cfg.align.reward,
      side,
      cfg.rewards[cfg.align.reward as keyof RunConfig['rewards']],
      'align.reward',
    );
    if (r.scope !== 'list')
      throw new Error(
        `align.reward '${r.name}' scores candidates of a group, not lists: the list task needs a list reward`,
      );
    reward = r;
    if (align === 'bon' && cfg.bon.referenceSize === 0)
      throw new Error('objective bon (static BoN alignment) needs a reference set: bon.referenceSize must be > 0');
    if (align === 'blade' && cfg.bon.tau === 0 && cfg.bon.referenceSize === 0)
      throw new Error('objective blade with bon.tau 0 and bon.referenceSize 0 has nothing to estimate F̂ from');
    initRun = loadRun(cfg.align.init);
    checkInit(cfg.align.init, initRun.config, cfg, ds, initRun.dataset?.fingerprint ?? null);
    // the model and its identifiers are the init run's
    const c = initRun.config;
    cfg = {
      ...cfg,
      model: c.model,
      identifier: c.identifier,
      ids: c.ids,
      sid: c.sid,
      embeddings: c.embeddings,
      sidIndex: c.sidIndex,
    };
    log(`align: ${align} from ${cfg.align.init} (its model and identifiers); reward ${reward.name}`);
  }
  const objective = align ? null : createObjective(cfg.objective, objectiveSection(cfg), 'run config');
  const { pending, resuming } = openRunDir(dir, cfg, opts, log);
  const ids = initRun ? initRun.ids : buildIdentifier(cfg.identifier, cfg, listAsNextItem(ds), log);

  let runId: string;
  if (resuming) {
    const state = readJsonFile(join(pending, 'state.json')) as { runId?: unknown; fingerprint?: unknown };
    if (state.fingerprint !== ds.fingerprint)
      throw new Error(`cannot resume the unfinished run in ${dir}: the data set changed; nothing was changed`);
    runId = String(state.runId);
    log(`resume: continuing run ${runId} in ${pending}`);
  } else {
    if (hasPendingRun(dir)) log(`run ${dir}: discarding the unfinished run in ${pending}`);
    startPendingRun(dir);
    runId = newRunId();
    writeJsonAtomicSync(join(pending, 'config.json'), cfg);
    writeJsonAtomicSync(join(pending, 'ids.json'), ids.toJSON());
    writeJsonAtomicSync(join(pending, 'state.json'), { runId, fingerprint: ds.fingerprint });
  }

  const trainer = { ...cfg.trainer, seed: runTrainerSeed(cfg.seed, cfg.trainer.seed) };
  let model: GenRecModel;
  let trainRes: TrainResult;
  let alignment: AlignmentStats | undefined;
  if (!align) {
    model = new GenRecModel(cfg.model, ids);
    log(
      `model: ${cfg.preset} preset, ${model.numParameters().toLocaleString('en-US')} parameters; SFT on ${ds.train.length} target lists`,
    );
    const validSet = cfg.list.validUsers > 0 ? ds.valid.slice(-cfg.list.validUsers) : ds.valid;
    const selecting = cfg.select && validSet.length > 0;
    const fit = (examples: readonly ListExample[], epochs: number | null, what: string): TrainResult => {
      const validate = epochs === null ? listValidation(model, validSet, cfg.list, side) : undefined;
      log(`${what}: ${examples.length} lists`);
      return train(
        listSftTask(model, objective!, validate),
        examples,
        epochs === null ? trainer : { ...trainer, epochs, patience: 0 },
        { checkpointDir: join(pending, epochs === null ? 'checkpoints' : 'refit'), resume: resuming, log },
      );
    };
    if (!selecting) trainRes = fit([...ds.train, ...ds.valid], cfg.trainer.epochs, 'train (no selection)');
    else
      trainRes = selectThenRefit({
        trainWithValidation: () => {
          const r = fit(ds.train, null, 'train');
          log(`train: best epoch ${r.bestEpoch} (validation NDCG@${cfg.list.listLength} ${r.bestScore.toFixed(4)})`);
          return r;
        },
        refit: cfg.refit && ds.valid.length > 0,
        seed: cfg.seed,
        discard: () => model.dispose(),
        retrain: (epochs) => {
          model = new GenRecModel(cfg.model, ids);
          fit([...ds.train, ...ds.valid], epochs, 'refit');
        },
      }).selected;
  } else {
    const out = runAlignment(align, cfg, ds, side, initRun!, reward!, trainer, pending, resuming, log);
    model = out.model;
    trainRes = out.result;
    alignment = out.stats;
  }

  const meta: RunMeta = {
    config: cfg,
    ids: ids.toJSON(),
    dataset: { name: ds.name, fingerprint: ds.fingerprint },
    runId,
    codeVersion: codeVersion().string,
  };
  saveCheckpoint(join(pending, 'model.safetensors'), { model, meta: meta as unknown as CheckpointMeta });

  log(`test: decoding lists for ${ds.test.length} users (${cfg.list.decoder})`);
  const test = evaluateLists(
    model,
    ds.test,
    cfg.list,
    side,
    progressCallback('test', ds.test.length, { intervalSec: cfg.trainer.logIntervalSec, writer: logWriter(log) }),
  );
  const popular = scoreLists(popularLists(ds, ds.test, K, cfg.list.excludeHistory), ds.test, side, cfg.list.ks).mean;
  const references = { 'most-popular': popular };
  const names = test.metrics;
  const rows: Row[] = [
    { method: 'most-popular', ...reportRow(popular, names) },
    {
      method: `genrec ${cfg.objective}`,
      ...reportRow(test.mean, names),
      invalid: test.mean.invalid,
      repeated: test.mean.repeated,
      'users/s': test.usersPerSec,
    },
  ];
  const table = formatConsoleTable(rows, [
    { key: 'method' },
    ...names.map((k) => ({ key: k, decimals: 4, best: k === 'mgu' ? ('min' as const) : ('max' as const) })),
    { key: 'invalid', decimals: 3 },
    { key: 'repeated', decimals: 3 },
    { key: 'users/s', decimals: 1 },
  ]);
  const perUser = perUserForJson(test.perUser);
  await writeResults(join(pending, 'results.json'), {
    kind: 'train',
    task: 'list',
    runId,
    config: cfg,
    dataset: {
      name: ds.name,
      fingerprint: ds.fingerprint,
      protocol: `${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}; test: ${cfg.list.decoder} lists of ${K}${cfg.list.decoder === 'sample' && cfg.list.bestOf > 1 ? ` (best of ${cfg.list.bestOf} by ${cfg.list.bestBy})` : ''}, excludeHistory ${cfg.list.excludeHistory}`,
    },
    metrics: { test: test.mean, references, unavailable: test.unavailable },
    perUser: { test: perUser },
    speed: { testUsersPerSec: test.usersPerSec, testListsPerSec: test.listsPerSec, testSeconds: test.seconds, threads },
    training: {
      bestEpoch: trainRes.bestEpoch,
      bestValidation: Number.isFinite(trainRes.bestScore) ? trainRes.bestScore : null,
      history: trainRes.history,
      ...(alignment ? { alignment } : {}),
    },
  });
  publishRun(dir, runId);
  return { dir, config: cfg, test, references, train: trainRes, alignment, table };
}

/** A copy of `model`'s weights in eval mode: the frozen reference policy of an alignment. */
export function frozenCopy(model: GenRecModel): GenRecModel {
  const copy = new GenRecModel(model.cfg, model.ids);
  const src = model.parameters();
  noGrad(() => copy.parameters().forEach((p, i) => p.assign(src[i])));
  copy.eval();
  return copy;
}

/** The alignment phase: prompts, the method's trainer view, and training from the init run's weights. */
function runAlignment(
  method: AlignMethod,
  cfg: RunConfig,
  ds: ListDataset,
  side: ItemSideInfo,
  init: ReturnType<typeof loadRun>,
  reward: ListReward,
  trainerBase: TrainerConfig,
  pending: string,
  resuming: boolean,
  log: Log,
): { model: GenRecModel; result: TrainResult; stats: AlignmentStats } {
  const a = cfg.align;
  const prompts = alignmentPrompts(ds.train, a.prompts, a.promptSeed);
  const validSet = a.validPrompts > 0 ? ds.valid.slice(-a.validPrompts) : [];
  const policy = init.model;
  const validate = validSet.length > 0 ? listValidation(policy, validSet, cfg.list, side) : undefined;
  const trainer: TrainerConfig = {
    ...trainerBase,
    lr: a.lr,
    epochs: a.epochs,
    batchSize: a.batchPrompts,
    gradAccumulation: 1,
    schedule: 'linear',
    warmup: 0,
    patience: 0,
    dropLast: false,
  };
  const rollout = {
    groupSize: a.groupSize,
    temperature: a.temperature,
    repetitionPenalty: a.repetitionPenalty,
    listLength: cfg.list.listLength,
    excludeHistory: cfg.list.excludeHistory,
    seed: a.seed,
  };
  log(`align: ${method} on ${prompts.length} prompts (validation ${validSet.length}), ${a.epochs} epochs, lr ${a.lr}`);
  const t0 = performance.now();
  const checkpointDir = join(pending, 'align');
  if (method === 'grpo' || method === 'bon' || method === 'blade') {
    const reference = cfg.grpo.beta > 0 ? frozenCopy(policy) : null;
    const target = method === 'grpo' ? null : bonTarget(method, cfg, ds, init, prompts, reward, rollout, log);
    const baseReward = listRolloutReward(reward);
    const trace = new StepTrace(join(checkpointDir, 'trace.json'), resuming);
    const due = (step: number): boolean =>
      validate !== undefined && a.validEverySteps > 0 && step % a.validEverySteps === 0;
    const validateNow = (): Record<string, number> | undefined =>
      validate ? inEvalMode(policy, () => tidy(() => noGrad(() => validate()))).metrics : undefined;
    const task = grpoTask<ListPrompt>({
      policy,
      reference,
      history: (p) => p.example.history,
      generator: listRolloutGenerator(policy, rollout),
      reward: target ? bonRolloutReward(baseReward, (p) => target.reference[p.index] ?? null, target.cfg) : baseReward,
      grpo: cfg.grpo,
      advantage: cfg.advantage,
      updates: a.updates,
      validate,
      log,
      logEvery: Math.max(1, Math.floor(prompts.length / a.batchPrompts / 10)),
    });
    const result = train(
      task,
      prompts.map((example, index) => ({ index, example })),
      trainer,
      {
        checkpointDir,
        resume: resuming,
        log,
        onStep: (s) => {
          // at an epoch's end the trainer usually validates anyway: onEpoch takes its metrics instead of decoding twice
          trace.add(s, due(s.step) && !s.epochEnd ? validateNow() : undefined);
        },
        onEpoch: (record) => {
          if (due(record.step)) trace.validated(record.validation?.metrics ?? validateNow()!);
          trace.save();
        },
      },
    );
    reference?.dispose();
    const t: GrpoTotals = task.totals();
    const seconds = (performance.now() - t0) / 1000;
    const trainSeconds = result.history.reduce((s, h) => s + prompts.length / Math.max(h.examplesPerSec, 1e-9), 0);
    return {
      model: policy,
      result,
      stats: {
        method,
        prompts: prompts.length,
        seconds,
        rolloutSeconds: t.rolloutSeconds,
        updateSeconds: Math.max(0, trainSeconds - t.rolloutSeconds),
        rewardSeconds: t.rewardSeconds,
        rolloutListsPerSec: t.responses / Math.max(t.rolloutSeconds, 1e-9),
        rolloutTokensPerSec: t.responseTokens / Math.max(t.rolloutSeconds, 1e-9),
        modelCalls: t.modelCalls,
        ...(target ? { bon: target.stats } : {}),
        steps: trace.steps,
      },
    };
  }
  // DPO family: warm-up SFT on the prompts' target lists, then preference optimisation against the warmed policy
  let warmupSeconds = 0;
  if (a.warmupEpochs > 0) {
    const w0 = performance.now();
    train(
      listSftTask(policy, createObjective('sft', {}, 'warm-up')),
      prompts,
      { ...trainer, epochs: a.warmupEpochs },
      {
        checkpointDir: join(pending, 'align-warmup'),
        resume: resuming,
        log,
      },
    );
    warmupSeconds = (performance.now() - w0) / 1000;
  }
  const reference = frozenCopy(policy);
  const p0 = performance.now();
  const count = method === 'dpo' ? 1 : method === 'sdpo' ? a.negatives : a.groupSize;
  const records = buildPreferences(reference, prompts, method as PreferenceMethod, count, rollout, reward);
  reference.dispose();
  const preferenceSeconds = (performance.now() - p0) / 1000;
  log(`align: ${records.length} preference records (${count} sampled lists each) in ${preferenceSeconds.toFixed(1)}s`);
  const result = train(preferenceTask(policy, method as PreferenceMethod, cfg.dpo, validate), records, trainer, {
    checkpointDir,
    resume: resuming,
    log,
  });
  return {
    model: policy,
    result,
    stats: {
      method,
      prompts: prompts.length,
      seconds: (performance.now() - t0) / 1000,
      preferenceSeconds,
      warmupSeconds,
    },
  };
}
