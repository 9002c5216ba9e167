// The main job: data → identifiers → model → train (validated, early-stopped) → refit →
// test evaluation (with the task's reference baselines) → results file and a metrics table, published atomically.
import { join } from 'node:path';
import { manualSeed } from '../engine/index.js';
import { saveCheckpoint, type CheckpointMeta } from '../engine/checkpoint.js';
import { datasetStats, type NextItemDataset } from '../data/index.js';
import { GenRecModel } from '../model/genrec.js';
import { createObjective } from '../train/objectives/registry.js';
import { train, type TrainResult } from '../train/trainer.js';
import { selectThenRefit } from '../train/select.js';
import { writeResults } from '../report/results.js';
import { logWriter, progressCallback } from '../util/progress.js';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { codeVersion } from '../util/version.js';
import { Rng } from '../util/rng.js';
import { formatConsoleTable, type Row } from '../report/table.js';
import { evalSettings, objectiveSection, type RunConfig } from './config.js';
import { loadDatasetFromSpec } from './dataset.js';
import type { ModelEvalResult } from './evaluate.js';
import { getTask } from './tasks/registry.js';
import { applyThreads } from './threads.js';
import { buildIdentifier } from './identifiers/registry.js';
import type { RunMeta } from './load-run.js';
import { readJsonFile } from '../util/json-file.js';
import { hasPendingRun, newRunId, openRunDir, publishRun, startPendingRun } from './run-dir.js';

export interface RunOutput {
  dir: string;
  config: RunConfig;
  test: ModelEvalResult;
  popularity?: Record<string, number>;
  train: TrainResult;
  table: string;
}

type Log = (line: string) => void;
const stderrLog: Log = (l) => void process.stderr.write(l + '\n');

function defaultRunDir(cfg: RunConfig): string {
  const ds = cfg.dataset.replace(/^.*[:/]/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'data';
  return join('runs', `${ds}-${cfg.objective}-${cfg.preset}-s${cfg.seed}`);
}

/**
 * The trainer's seed (batch order, dropout) in a run with seed `runSeed`: `trainer.seed` itself for run seed 0, so
 * seed-0 runs are unchanged, and otherwise a stream forked from both, so that the run seed varies shuffling and dropout
 * as well as the initialisation. (Before this, runs with seeds ≥ 1 shared seed 0's batch order and dropout.)
 */
export function runTrainerSeed(runSeed: number, trainerSeed: number): number {
  return runSeed === 0 ? trainerSeed : new Rng(trainerSeed).fork(`run-seed-${runSeed}`).uint32();
}

/** Options of {@link runExperiment}. */
export interface RunOptions {
  log?: Log;
  /** Continue the unfinished run in `<dir>/.pending` (its configuration must be the same). */
  resume?: boolean;
  /** Replace a finished run in the directory (it stays intact until the new run has completed). */
  overwrite?: boolean;
  /** The data set, when the caller has loaded it already (otherwise loaded from `cfg.dataset`). */
  data?: NextItemDataset;
}

/**
 * Trains and evaluates one configuration end to end. The run works in `<dir>/.pending` and is published into `<dir>`
 * (`config.json`, `ids.json`, `model.safetensors`, `results.json`) only once complete (see run-dir.ts); everything
 * that can be checked is checked before anything is written.
 */
export async function runExperiment(cfg: RunConfig, opts: RunOptions = {}): Promise<RunOutput> {
  const log = opts.log ?? stderrLog;
  if (cfg.task === 'list')
    throw new Error(
      "runExperiment: task 'list' runs with runListExperiment (src/pipeline/list/run.ts; genrec train dispatches)",
    );
  const dir = cfg.out || defaultRunDir(cfg);
  const { pending, resuming } = openRunDir(dir, cfg, opts, log);
  const threads = applyThreads(cfg.threads, log);
  manualSeed(cfg.seed);

  const ds = opts.data ?? loadDatasetFromSpec(cfg.dataset);
  const st = datasetStats(ds);
  log(
    `data ${ds.name} (${ds.fingerprint}): ${st.items} items, train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length} rows; protocol ${ds.protocol.name}`,
  );
  for (const l of ds.log) log(`data: ${l}`);
  checkSplits(cfg, ds);
  const task = getTask(cfg.task);
  const ids = buildIdentifier(cfg.identifier, cfg, ds, log);
  const objective = createObjective(cfg.objective, objectiveSection(cfg), 'run config');

  // Everything is checked: from here on the run writes, in its pending directory only.
  let runId: string;
  if (resuming) {
    const state = readJsonFile(join(pending, 'state.json')) as { runId?: unknown; fingerprint?: unknown };
    if (state.fingerprint !== ds.fingerprint)
      throw new Error(
        `cannot resume the unfinished run in ${dir}: it started on data with fingerprint ${String(state.fingerprint)}, the data set now has ${ds.fingerprint}; nothing was changed`,
      );
    if (JSON.stringify(readJsonFile(join(pending, 'ids.json'))) !== JSON.stringify(ids.toJSON()))
      throw new Error(
        `cannot resume the unfinished run in ${dir}: its item identifiers differ from today's; nothing was changed`,
      );
    runId = String(state.runId);
    log(`resume: continuing run ${runId} in ${pending}`);
  } else {
    if (hasPendingRun(dir))
      log(`run ${dir}: discarding the unfinished run in ${pending} (--resume true would continue it)`);
    startPendingRun(dir);
    runId = newRunId();
    writeJsonAtomicSync(join(pending, 'config.json'), cfg);
    writeJsonAtomicSync(join(pending, 'ids.json'), ids.toJSON());
    writeJsonAtomicSync(join(pending, 'state.json'), { runId, fingerprint: ds.fingerprint });
  }

  const trainEx = task.trainingExamples(ds.train, cfg);
  log(
    `train: task ${task.name}, objective ${cfg.objective}, ${trainEx.length} examples${task.describeTraining(cfg)}, ${threads} threads`,
  );

  let model = new GenRecModel(cfg.model, ids);
  log(`model: ${cfg.preset} preset, ${model.numParameters().toLocaleString('en-US')} parameters`);
  const all = [...ds.train, ...ds.valid];
  const trainer = { ...cfg.trainer, seed: runTrainerSeed(cfg.seed, cfg.trainer.seed) };
  /** Trains `model` on train + valid for `epochs` epochs, no validation (the refit, or a run without selection). */
  const fitAll = (epochs: number, what: string): { res: TrainResult; examples: number } => {
    const ex = task.trainingExamples(all, cfg);
    const { validate: _unused, ...allTask } = task.trainTask(model, objective, [], evalSettings(cfg));
    log(`${what}: ${ex.length} examples (train + valid) for ${epochs} epochs`);
    const res = train(
      allTask,
      ex,
      { ...trainer, epochs, patience: 0 },
      {
        checkpointDir: join(pending, 'refit'),
        resume: resuming,
        log,
      },
    );
    return { res, examples: ex.length };
  };
  let trainRes: TrainResult;
  let examplesPerEpoch = trainEx.length; // of the phase whose history is reported
  if (!cfg.select) {
    const fit = fitAll(cfg.trainer.epochs, 'train (no selection: select = false)');
    trainRes = fit.res;
    examplesPerEpoch = fit.examples;
  } else {
    const validSet = cfg.eval.validUsers > 0 ? ds.valid.slice(-cfg.eval.validUsers) : ds.valid;
    const withValidation = task.trainTask(model, objective, validSet, evalSettings(cfg));
    // with refit: retrain from scratch (same seed) on train + valid for the chosen number of epochs (no early stopping)
    trainRes = selectThenRefit({
      trainWithValidation: () => {
        const res = train(withValidation, trainEx, trainer, {
          checkpointDir: join(pending, 'checkpoints'),
          resume: resuming,
          log,
        });
        log(`train: best epoch ${res.bestEpoch} (validation NDCG@10 ${res.bestScore.toFixed(4)})`);
        return res;
      },
      refit: cfg.refit && ds.valid.length > 0,
      seed: cfg.seed,
      discard: () => model.dispose(),
      retrain: (epochs) => {
        model = new GenRecModel(cfg.model, ids);
        fitAll(epochs, 'refit');
      },
    }).selected;
  }
  const dataset = { name: ds.name, fingerprint: ds.fingerprint };
  const meta: RunMeta = { config: cfg, ids: ids.toJSON(), dataset, runId, codeVersion: codeVersion().string };
  saveCheckpoint(join(pending, 'model.safetensors'), { model, meta: meta as unknown as CheckpointMeta });

  log(`test: decoding ${ds.test.length} users (beam ${cfg.eval.beamWidth})`);
  const test = task.evaluate(
    model,
    ds.test,
    evalSettings(cfg),
    progressCallback('test', ds.test.length, {
      intervalSec: cfg.trainer.logIntervalSec,
      writer: logWriter(log),
    }),
  );
  const references = task.references(ds, cfg);
  const popularity: Record<string, number> | undefined = references['most-popular'];
  const metricNames = task.metricNames(cfg);
  const rows: Row[] = Object.entries(references).map(([method, m]) => ({ method, ...m }));
  rows.push({
    method: `genrec ${cfg.objective}`,
    ...pick(test.mean, metricNames),
    invalid: test.mean[`invalid@${Math.max(...cfg.eval.ks)}`],
    'users/s': test.usersPerSec,
  });
  const table = formatConsoleTable(rows, [
    { key: 'method' },
    ...metricNames.map((k) => ({ key: k, decimals: 4, best: 'max' as const })),
    { key: 'invalid', decimals: 3 },
    { key: 'users/s', decimals: 1 },
  ]);

  await writeResults(join(pending, 'results.json'), {
    kind: 'train',
    runId,
    config: cfg,
    dataset: {
      name: ds.name,
      fingerprint: ds.fingerprint,
      protocol: `${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}; test: constrained beam search B=${cfg.eval.beamWidth}, length penalty 0`,
    },
    metrics: { test: test.mean, popularity: popularity ?? null },
    perUser: { test: test.perUser },
    speed: { testUsersPerSec: test.usersPerSec, testSeconds: test.seconds, threads },
    training: {
      bestEpoch: trainRes.bestEpoch,
      bestValidation: Number.isFinite(trainRes.bestScore) ? trainRes.bestScore : null,
      selected: cfg.select,
      examplesPerEpoch,
      // training only (no validation decoding): examples / throughput, averaged over the reported epochs
      secondsPerEpoch:
        trainRes.history.reduce((a, h) => a + examplesPerEpoch / Math.max(h.examplesPerSec, 1e-9), 0) /
        Math.max(trainRes.history.length, 1),
      history: trainRes.history,
    },
  });
  publishRun(dir, runId);
  return { dir, config: cfg, test, popularity, train: trainRes, table };
}

/** Fails before training when a split the run needs is empty (rather than after an epoch, with a NaN score). */
function checkSplits(cfg: RunConfig, ds: NextItemDataset): void {
  const where = `data set ${ds.name}`;
  if (ds.train.length === 0) throw new Error(`${where}: the training split is empty`);
  if (ds.test.length === 0) throw new Error(`${where}: the test split is empty; nothing to evaluate`);
  if (cfg.select && ds.valid.length === 0)
    throw new Error(
      `${where}: the validation split is empty, but select = true chooses the epoch count on it; give validation data or set --select false (trains trainer.epochs epochs on train)`,
    );
}

function pick(m: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, m[k]]));
}
