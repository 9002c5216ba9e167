// A finished run loaded back from its directory (for eval / recommend / serving), and the check that it is used with
// the data it was trained on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, restoreCheckpoint } from '../engine/checkpoint.js';
import type { ItemIdentifier } from '../ids/index.js';
import { identifierFromJSON } from './identifiers/registry.js';
import { GenRecModel } from '../model/genrec.js';
import { readJsonFile } from '../util/json-file.js';
import { RunConfigDef, type RunConfig } from './config.js';
import { hasPendingRun, pendingDir, recoverRunDir } from './run-dir.js';
import { loadDatasetFromSpec } from './dataset.js';
import type { PrefixValue } from '../decode/types.js';
import { headValue, loadValueHead, VALUE_HEAD_FILE } from '../model/value-head.js';
import { Catalogue } from './catalogue.js';

type Log = (line: string) => void;
const stderrLog: Log = (l) => void process.stderr.write(l + '\n');

/** What a run saves with its weights (the checkpoint's metadata), so that the weights load as they were trained. */
export interface RunMeta {
  config: RunConfig;
  ids: unknown;
  dataset: { name: string; fingerprint: string };
  runId: string;
  codeVersion: string;
}

/** A trained run loaded back from its directory (for eval / recommend / serving). */
export interface LoadedRun {
  config: RunConfig;
  ids: ItemIdentifier;
  model: GenRecModel;
  /** The data set it was trained on (null for runs written before this was recorded with the weights and results). */
  dataset: { name: string; fingerprint: string } | null;
  runId: string | null;
}

/**
 * Loads the finished run in `dir` from what was saved with its weights: configuration, identifiers and data set come
 * from the model file's metadata (runs written before they were stored there fall back to config.json / ids.json /
 * results.json). A publish that was interrupted after its commit point is completed first.
 */
export function loadRun(dir: string): LoadedRun {
  recoverRunDir(dir);
  const modelFile = join(dir, 'model.safetensors');
  if (!existsSync(modelFile)) {
    throw new Error(
      hasPendingRun(dir)
        ? `run ${dir} has not finished (its unfinished run is in ${pendingDir(dir)}; continue it with genrec train --resume true --out ${dir} and the same configuration)`
        : `run ${dir}: missing model.safetensors (train it first with genrec train --out ${dir})`,
    );
  }
  const checkpoint = readCheckpoint(modelFile); // read once: its metadata builds the model it then fills
  const meta = checkpoint.meta as Partial<RunMeta>;
  const legacy = (f: string): unknown => {
    const file = join(dir, f);
    if (!existsSync(file)) throw new Error(`run ${dir}: missing ${f}, and ${modelFile} does not record it either`);
    return readJsonFile(file);
  };
  const configSource = meta.config !== undefined ? `${modelFile} (metadata)` : join(dir, 'config.json');
  const config = RunConfigDef.parse(meta.config ?? legacy('config.json'), configSource);
  let ids: ItemIdentifier;
  try {
    ids = identifierFromJSON(meta.ids ?? legacy('ids.json'));
  } catch (e) {
    throw new Error(`run ${dir}: ${meta.ids !== undefined ? modelFile : 'ids.json'}: ${(e as Error).message}`);
  }
  let dataset = meta.dataset ?? null;
  if (dataset === null && existsSync(join(dir, 'results.json'))) {
    const r = readJsonFile(join(dir, 'results.json')) as { dataset?: { name?: unknown; fingerprint?: unknown } };
    if (typeof r.dataset?.name === 'string' && typeof r.dataset.fingerprint === 'string')
      dataset = { name: r.dataset.name, fingerprint: r.dataset.fingerprint };
  }
  const model = new GenRecModel(config.model, ids);
  try {
    restoreCheckpoint(checkpoint, { model });
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  return { config, ids, model, dataset, runId: typeof meta.runId === 'string' ? meta.runId : null };
}

/**
 * Refuses (or, with `allowDataChange`, warns loudly) when the data set a run is used with is not the one it was
 * trained on: its item indices and splits may differ, and every figure with them.
 */
export function checkRunData(
  run: LoadedRun,
  ds: { name: string; fingerprint: string },
  allowDataChange: boolean,
  log: Log = stderrLog,
): void {
  if (run.dataset === null) {
    log(
      `warning: the run records no data-set fingerprint (written by older code); cannot check that the data is unchanged`,
    );
    return;
  }
  if (run.dataset.fingerprint === ds.fingerprint) return;
  const what = `the run was trained on ${run.dataset.name} (fingerprint ${run.dataset.fingerprint}), but the data set now loads as ${ds.name} (fingerprint ${ds.fingerprint})`;
  if (!allowDataChange)
    throw new Error(
      `data changed: ${what}; its items and splits may differ. Pass --allow-data-change true to use it anyway`,
    );
  log(`WARNING: data changed: ${what}; continuing because of --allow-data-change (figures are not comparable)`);
}

/** A run with the catalogue of the data set it was trained on (what recommending for clients needs). */
export interface RunWithCatalogue {
  run: LoadedRun;
  catalogue: Catalogue;
  /** The data set's name. */
  datasetName: string;
}

/**
 * Loads the run in `dir` and its data set's items (for raw ids and titles), refusing a changed data set unless
 * `allowDataChange` (see checkRunData).
 */
export function loadRunWithCatalogue(dir: string, allowDataChange: boolean, log: Log = stderrLog): RunWithCatalogue {
  const run = loadRun(dir);
  try {
    const ds = loadDatasetFromSpec(run.config.dataset);
    checkRunData(run, ds, allowDataChange, log);
    return { run, catalogue: new Catalogue(ds.items), datasetName: ds.name };
  } catch (e) {
    run.model.dispose();
    throw e;
  }
}

/**
 * For decoder 'ved': the run's value head as VED's value function when the run has one (V-STAR training writes it
 * beside the model), else nothing (VED then ranks prefixes by their log-probability, said on stderr). Other
 * decoders: nothing.
 */
export function runValue(dir: string, decoder: string, log: Log = stderrLog): { value?: PrefixValue } {
  if (decoder !== 'ved') return {};
  const file = join(dir, VALUE_HEAD_FILE);
  if (!existsSync(file)) {
    log(`ved: run ${dir} has no ${VALUE_HEAD_FILE}; the value is the prefix log-probability`);
    return {};
  }
  return { value: headValue(loadValueHead(file)) };
}
