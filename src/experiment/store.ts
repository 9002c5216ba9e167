// The run store: train a run configuration, or read back a finished run of the same configuration (results.json in
// its directory), so that experiments can be resumed, extended by seeds, and share runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NextItemDataset } from '../data/index.js';
import { RunConfigDef, type RunConfig } from '../pipeline/config.js';
import { runExperiment } from '../pipeline/run.js';
import { readTrainResults, type TrainResults } from '../report/results.js';
import { configKey } from './identity.js';

export interface StoredRun {
  dir: string;
  config: RunConfig;
  mean: Record<string, number>;
  perUser: Record<string, Float64Array>;
  bestEpoch: number;
  /** Training seconds per epoch (no validation decoding). */
  secondsPerEpoch: number;
  /** Wall-clock training seconds of the reported phase (validation included). */
  trainSeconds: number;
  usersPerSec: number;
  reused: boolean;
}

/** A stored run from its results file (`fallbackExamples`: examples per epoch for files that do not record it). */
export function fromResults(
  dir: string,
  r: TrainResults,
  config: RunConfig,
  fallbackExamples: number,
  reused: boolean,
): StoredRun {
  const h = r.training.history;
  const n = r.training.examplesPerEpoch ?? fallbackExamples;
  return {
    dir,
    config,
    mean: r.metrics.test,
    perUser: Object.fromEntries(Object.entries(r.perUser.test).map(([k, v]) => [k, Float64Array.from(v)])),
    bestEpoch: r.training.bestEpoch,
    secondsPerEpoch:
      r.training.secondsPerEpoch ??
      h.reduce((a, e) => a + n / Math.max(e.examplesPerSec, 1e-9), 0) / Math.max(h.length, 1),
    trainSeconds: h.reduce((a, e) => a + e.seconds, 0),
    usersPerSec: r.speed.testUsersPerSec,
    reused,
  };
}

/** The finished run in `dir` if its saved config has the same key as one of `cfgs` (configs written by older code are
 * completed with the defaults of newer keys first). */
export function storedRun(dir: string, cfgs: RunConfig[], fallbackExamples: number): StoredRun | null {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) return null;
  const r = readTrainResults(file);
  const saved = RunConfigDef.parse(r.config, file);
  const key = configKey(saved);
  return cfgs.some((c) => configKey(c) === key) ? fromResults(dir, r, saved, fallbackExamples, true) : null;
}

/** The finished run in `dir`, whatever its configuration (null without results.json). */
export function readRun(dir: string, fallbackExamples: number): StoredRun | null {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) return null;
  const r = readTrainResults(file);
  return fromResults(dir, r, RunConfigDef.parse(r.config, file), fallbackExamples, true);
}

/** With `reuse`, a finished run in cfg.out of `cfg` or of one of `accept` is read back; otherwise `cfg` is trained. */
export async function trainOrReuse(
  cfg: RunConfig,
  ds: NextItemDataset,
  opts: { reuse: boolean; accept?: RunConfig[]; log: (l: string) => void },
): Promise<StoredRun> {
  const dir = cfg.out;
  if (!dir) throw new Error('bench: a run config needs out');
  if (opts.reuse) {
    const prev = storedRun(dir, [cfg, ...(opts.accept ?? [])], ds.train.length);
    if (prev) {
      opts.log(`[bench] reusing ${dir}/results.json (same configuration)`);
      return prev;
    }
  }
  // the caller decided to (re)train: a finished run with another configuration is replaced
  await runExperiment(cfg, { data: ds, log: opts.log, overwrite: true });
  return fromResults(dir, readTrainResults(join(dir, 'results.json')), cfg, ds.train.length, false);
}
