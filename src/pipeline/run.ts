// The main job: data → identifiers → model → train (validated, early-stopped) → refit →
// test evaluation against the popularity baseline → results file and a metrics table.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../engine/index.js';
import { saveCheckpoint, loadCheckpoint } from '../engine/checkpoint.js';
import { datasetStats, type NextItemDataset } from '../data/index.js';
import { buildTitleIdentifier, identifierFromJSON, type ItemIdentifier } from '../ids/index.js';
import { loadSidIndex } from '../sid/cache.js';
import { GenRecModel } from '../model/genrec.js';
import { createObjective } from '../train/objectives/registry.js';
import { train, type TrainResult } from '../train/trainer.js';
import { evaluateBaseline, Popularity } from '../baselines/index.js';
import { writeResults } from '../report/results.js';
import { logWriter, progressCallback } from '../util/progress.js';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { codeVersion } from '../util/version.js';
import { Rng } from '../util/rng.js';
import { formatConsoleTable, type Row } from '../report/table.js';
import { RunConfigDef, type RunConfig } from './config.js';
import { loadDatasetFromSpec } from './dataset.js';
import { evaluateModel, type EvalSettings, type ModelEvalResult } from './evaluate.js';
import { expandPrefixes, nextItemTask } from './task.js';
import { applyThreads } from './threads.js';
import { buildSemanticIds } from './sid-index.js';

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

export function defaultRunDir(cfg: RunConfig): string {
  const ds = cfg.dataset.replace(/^.*[:/]/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'data';
  return join('runs', `${ds}-${cfg.objective}-${cfg.preset}-s${cfg.seed}`);
}

export function evalSettings(cfg: RunConfig): EvalSettings {
  return {
    beamWidth: cfg.eval.beamWidth,
    ks: cfg.eval.ks,
    chunkUsers: cfg.eval.chunkUsers,
    scoring: cfg.eval.scoring,
  };
}

function metricNames(cfg: RunConfig): string[] {
  return cfg.eval.ks.flatMap((k) => [`hr@${k}`, `ndcg@${k}`]);
}

/**
 * The trainer's seed (batch order, dropout) in a run with seed `runSeed`: `trainer.seed` itself for run seed 0, so
 * seed-0 runs are unchanged, and otherwise a stream forked from both, so that the run seed varies shuffling and dropout
 * as well as the initialisation. (Before this, runs with seeds ≥ 1 shared seed 0's batch order and dropout.)
 */
export function runTrainerSeed(runSeed: number, trainerSeed: number): number {
  return runSeed === 0 ? trainerSeed : new Rng(trainerSeed).fork(`run-seed-${runSeed}`).uint32();
}

/** Trains and evaluates one configuration end to end; writes `<dir>/{config,ids}.json, model.safetensors, results.json`. */
export async function runExperiment(
  cfg: RunConfig,
  opts: { log?: Log; resume?: boolean; data?: NextItemDataset } = {},
): Promise<RunOutput> {
  const log = opts.log ?? stderrLog;
  const dir = cfg.out || defaultRunDir(cfg);
  mkdirSync(dir, { recursive: true });
  const threads = applyThreads(cfg.threads, log);
  manualSeed(cfg.seed);
  writeJsonAtomicSync(join(dir, 'config.json'), cfg);

  const ds = opts.data ?? loadDatasetFromSpec(cfg.dataset);
  const st = datasetStats(ds);
  log(
    `data ${ds.name} (${ds.fingerprint}): ${st.items} items, train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length} rows; protocol ${ds.protocol.name}`,
  );
  for (const l of ds.log) log(`data: ${l}`);

  const ids = buildIdentifier(cfg, ds, log);
  writeJsonAtomicSync(join(dir, 'ids.json'), ids.toJSON());

  const objective = createObjective(cfg.objective, cfg[cfg.objective], 'run config');
  const trainEx = cfg.trainOnPrefixes ? expandPrefixes(ds.train) : ds.train;
  log(
    `train: objective ${cfg.objective}, ${trainEx.length} examples${cfg.trainOnPrefixes ? ' (every prefix of each window)' : ''}, ${threads} threads`,
  );

  let model = new GenRecModel(cfg.model, ids);
  log(`model: ${cfg.preset} preset, ${model.numParameters().toLocaleString('en-US')} parameters`);
  const all = [...ds.train, ...ds.valid];
  const trainer = { ...cfg.trainer, seed: runTrainerSeed(cfg.seed, cfg.trainer.seed) };
  /** Trains `model` on train + valid for `epochs` epochs, no validation (the refit, or a run without selection). */
  const fitAll = (epochs: number, what: string): { res: TrainResult; examples: number } => {
    const ex = cfg.trainOnPrefixes ? expandPrefixes(all) : all;
    const { validate: _unused, ...allTask } = nextItemTask(model, objective, [], evalSettings(cfg));
    log(`${what}: ${ex.length} examples (train + valid) for ${epochs} epochs`);
    const res = train(
      allTask,
      ex,
      { ...trainer, epochs, patience: 0 },
      {
        checkpointDir: join(dir, 'refit'),
        resume: opts.resume,
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
    const task = nextItemTask(model, objective, validSet, evalSettings(cfg));
    trainRes = train(task, trainEx, trainer, {
      checkpointDir: join(dir, 'checkpoints'),
      resume: opts.resume,
      log,
    });
    log(`train: best epoch ${trainRes.bestEpoch} (validation NDCG@10 ${trainRes.bestScore.toFixed(4)})`);
    if (cfg.refit && ds.valid.length > 0) {
      // retrain from scratch on train + valid for the chosen number of epochs (no early stopping)
      model.dispose();
      manualSeed(cfg.seed);
      model = new GenRecModel(cfg.model, ids);
      fitAll(trainRes.bestEpoch, 'refit');
    }
  }
  saveCheckpoint(join(dir, 'model.safetensors'), { model, meta: { config: cfg, codeVersion: codeVersion().string } });

  log(`test: decoding ${ds.test.length} users (beam ${cfg.eval.beamWidth})`);
  const test = evaluateModel(
    model,
    ds.test,
    evalSettings(cfg),
    progressCallback('test', ds.test.length, {
      intervalSec: cfg.trainer.logIntervalSec,
      writer: logWriter(log),
    }),
  );
  let popularity: Record<string, number> | undefined;
  if (cfg.popularity.enabled) {
    const pop = Popularity.fit(ds.items.length, cfg.refit ? [...ds.train, ...ds.valid] : ds.train);
    const recs = pop.recommendAll(ds.test, Math.max(...cfg.eval.ks));
    popularity = evaluateBaseline(recs, ds.test, metricNames(cfg), ds.items.length).mean;
  }
  const rows: Row[] = [];
  if (popularity) rows.push({ method: 'most-popular', ...popularity });
  rows.push({
    method: `genrec ${cfg.objective}`,
    ...pick(test.mean, metricNames(cfg)),
    invalid: test.mean[`invalid@${Math.max(...cfg.eval.ks)}`],
    'users/s': test.usersPerSec,
  });
  const table = formatConsoleTable(rows, [
    { key: 'method' },
    ...metricNames(cfg).map((k) => ({ key: k, decimals: 4, best: 'max' as const })),
    { key: 'invalid', decimals: 3 },
    { key: 'users/s', decimals: 1 },
  ]);

  await writeResults(join(dir, 'results.json'), {
    kind: 'train',
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
  return { dir, config: cfg, test, popularity, train: trainRes, table };
}

/** Builds the configured item identifiers (title BPE codes or semantic IDs) and logs their statistics. */
export function buildIdentifier(cfg: RunConfig, ds: NextItemDataset, log: Log): ItemIdentifier {
  if (cfg.identifier === 'title') {
    const ids = buildTitleIdentifier(ds.items, cfg.ids);
    const s = ids.stats;
    log(
      `ids: title BPE vocab ${ids.vocabSize}, mean code length ${s.meanLength.toFixed(1)} (max ${s.maxLength}), ` +
        `${s.collisions} items disambiguated in ${s.groups} collision groups, ${s.truncated} titles truncated`,
    );
    return ids;
  }
  if (cfg.sidIndex !== '') {
    const ids = loadSidIndex(cfg.sidIndex, ds.items);
    log(`ids: semantic IDs from index ${cfg.sidIndex} (${ids.numItems} items, max code length ${ids.maxCodeLength})`);
    return ids;
  }
  const { ids, emb, seconds } = buildSemanticIds(cfg, ds, log);
  const s = ids.stats;
  if (s) {
    log(
      `ids: semantic IDs (${s.quantizer}, L=${s.levels}, K=${s.codebookSize}) from ${emb.source} embeddings ${emb.fingerprint}${emb.cached ? ' (cached)' : ''} ` +
        `in ${seconds.toFixed(1)}s; utilisation per level ${s.utilisation.map((u) => u.toFixed(2)).join('/')}, ` +
        `collision rate ${(100 * s.collisionRateBefore).toFixed(1)}% → ${(100 * s.collisionRateAfter).toFixed(1)}% ` +
        `(${s.collidingItems} items disambiguated), reconstruction ${s.reconstructionRelative.toFixed(3)}`,
    );
  }
  return ids;
}

function pick(m: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, m[k]]));
}

/** A trained run loaded back from its directory (for eval / recommend / serving). */
export interface LoadedRun {
  config: RunConfig;
  ids: ItemIdentifier;
  model: GenRecModel;
}

export function loadRun(dir: string): LoadedRun {
  for (const f of ['config.json', 'ids.json', 'model.safetensors']) {
    if (!existsSync(join(dir, f)))
      throw new Error(`run ${dir}: missing ${f} (train it first with genrec train --out ${dir})`);
  }
  const config = RunConfigDef.parse(
    JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    join(dir, 'config.json'),
  );
  const ids = identifierFromJSON(JSON.parse(readFileSync(join(dir, 'ids.json'), 'utf8')));
  const model = new GenRecModel(config.model, ids);
  loadCheckpoint(join(dir, 'model.safetensors'), { model });
  model.eval();
  return { config, ids, model };
}
