// Shared by the comparison benches: train a run configuration, or read back a finished run of the same
// configuration (results.json in its directory), so that benches can be resumed, extended by seeds, and share runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Example, NextItemDataset } from '../src/data/index.js';
import type { TokenScoring } from '../src/decode/common.js';
import type { EvalResult } from '../src/eval/metrics.js';
import { modelPruningDiagnostics, type PruningResult, type PruningSummary } from '../src/eval/pruning.js';
import { RunConfigDef, type RunConfig } from '../src/pipeline/config.js';
import { evaluateModel, scoreRankings } from '../src/pipeline/evaluate.js';
import { evalSettings, loadRun, runExperiment } from '../src/pipeline/run.js';
import { unusedObjectiveSections } from '../src/train/objectives/registry.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { logWriter, progressCallback } from '../src/util/progress.js';
import { codeVersion } from '../src/util/version.js';

/** Whether `tag` can name runs in benchRunDir: empty (untagged) or letters, digits, '.', '_' and '-'. */
export function isRunTag(tag: string): boolean {
  return /^[A-Za-z0-9_.-]*$/.test(tag);
}

/**
 * The run directory shared by the comparison benches: runs/bench/<set>-<method>-s<seed>[-<tag>] ('sid:msl' is spelled
 * 'sid-msl'; a tag keeps a variant protocol's runs apart).
 */
export function benchRunDir(set: string, method: string, seed: number, tag = ''): string {
  return join('runs', 'bench', `${set}-${method.replace(':', '-')}-s${seed}${tag ? `-${tag}` : ''}`);
}

/**
 * What decides a run's outcome: the config without `threads` (speed only), without the sections of the objectives
 * it does not use, and without the semantic-ID sections when it uses title identifiers. Two configs with the same
 * key train the same model.
 */
export function configKey(cfg: RunConfig): string {
  const c: Record<string, unknown> = { ...cfg };
  delete c.threads;
  delete c.cacheDir;
  for (const s of unusedObjectiveSections(cfg.objective)) delete c[s]; // e.g. bear's base settings are in `bear`
  if (cfg.identifier === 'title') {
    delete c.sid;
    delete c.embeddings;
  } else delete c.ids;
  return JSON.stringify(c);
}

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

interface ResultsFile {
  config: unknown;
  metrics: { test: Record<string, number> };
  perUser: { test: Record<string, number[]> };
  speed: { testUsersPerSec: number };
  training: {
    bestEpoch: number;
    secondsPerEpoch?: number;
    examplesPerEpoch?: number;
    history: { seconds: number; examplesPerSec: number }[];
  };
}

function fromResults(
  dir: string,
  r: ResultsFile,
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
  const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  const saved = RunConfigDef.parse(r.config, file);
  const key = configKey(saved);
  return cfgs.some((c) => configKey(c) === key) ? fromResults(dir, r, saved, fallbackExamples, true) : null;
}

/** The finished run in `dir`, whatever its configuration (null without results.json). */
export function readRun(dir: string, fallbackExamples: number): StoredRun | null {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  return fromResults(dir, r, RunConfigDef.parse(r.config, file), fallbackExamples, true);
}

/** The model file's identity (size, mtime): a cached figure is stale once the model is retrained. */
function modelStamp(dir: string): [number, number] {
  const st = statSync(join(dir, 'model.safetensors'));
  return [st.size, st.mtimeMs];
}

/** A cache entry: its file and the key its content must carry. */
interface CacheSlot {
  file: string;
  key: string;
}

/** The value cached in `slot`, or null when absent or stale. */
function readCached<T>(slot: CacheSlot): T | null {
  if (!existsSync(slot.file)) return null;
  const c = JSON.parse(readFileSync(slot.file, 'utf8')) as { key: string; value?: T; summary?: T };
  return c.key === slot.key ? ((c.value ?? c.summary) as T) : null;
}

/** Writes `value` to `slot` atomically; returns it as a cached read would (NaN → null). */
function writeCached<T>(slot: CacheSlot, value: T): T {
  writeJsonAtomicSync(slot.file, { key: slot.key, codeVersion: codeVersion().string, value });
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `compute()` cached in `slot` (recomputed when the key differs; written atomically). */
function cached<T>(slot: CacheSlot, compute: () => T): T {
  return readCached<T>(slot) ?? writeCached(slot, compute());
}

/** The run's decoding settings that the diagnostics take (besides the scoring). */
function diagnosticsSettings(config: RunConfig): { beamWidth: number; ks: number[]; chunkUsers: number } {
  return { beamWidth: config.eval.beamWidth, ks: config.eval.ks, chunkUsers: config.eval.chunkUsers };
}

function diagnosticsSlot(dir: string, config: RunConfig, pruneUsers: number, scoring: TokenScoring): CacheSlot {
  const settings = diagnosticsSettings(config);
  // 'full' keeps the key files written before scoring was a setting
  const key = JSON.stringify({
    settings,
    pruneUsers,
    model: modelStamp(dir),
    mode: 'target',
    ...(scoring === 'full' ? {} : { scoring }),
  });
  return { file: join(dir, `pruning-test-${pruneUsers || 'all'}${scoring === 'full' ? '' : `-${scoring}`}.json`), key };
}

function evaluationSlot(
  dir: string,
  config: RunConfig,
  n: number,
  split: string,
  fingerprint: string,
  scoring: TokenScoring,
): CacheSlot {
  const settings = { ...evalSettings(config), scoring };
  const key = JSON.stringify({ settings, split, fingerprint, n, model: modelStamp(dir) });
  return { file: join(dir, `eval-${split}-${n}-${scoring}.json`), key };
}

/** The diagnostics of the run in `dir` on `test` (model loaded and disposed here), logged with their cost. */
function diagnoseRun(
  dir: string,
  config: RunConfig,
  test: readonly Example[],
  scoring: TokenScoring,
  log: (l: string) => void,
): { result: PruningResult; numItems: number } {
  const loaded = loadRun(dir);
  const t0 = Date.now();
  const result = modelPruningDiagnostics(
    loaded.model,
    test,
    { ...diagnosticsSettings(config), scoring },
    progressCallback(`diagnose ${dir}`, test.length, { writer: logWriter(log) }),
  );
  const numItems = loaded.model.numItems;
  loaded.model.dispose();
  const s = result.summary;
  log(
    `[bench] diagnostics ${dir} (${scoring}): ${test.length} users in ${((Date.now() - t0) / 1000).toFixed(0)}s, ` +
      `exact search for ${s.searchedUsers} (mean ${s.meanExpansions.toFixed(0)} rows/user); seconds: beam ` +
      `${s.seconds.beam.toFixed(0)}, ranks ${s.seconds.ranks.toFixed(0)}, pool ${s.seconds.pool.toFixed(0)}, ` +
      `exact ${s.seconds.exact.toFixed(0)}`,
  );
  return { result, numItems };
}

/**
 * BEAR's pruning diagnostics of the run in `dir` on `examples` (the first `pruneUsers` of them; 0 = all), ranking by
 * `scoring`; cached in `<dir>/pruning-test-<users>[-valid].json`, keyed by the settings and the model file.
 */
export function cachedDiagnostics(
  dir: string,
  config: RunConfig,
  examples: readonly Example[],
  pruneUsers: number,
  scoring: TokenScoring,
  log: (l: string) => void,
): PruningSummary {
  const test = pruneUsers > 0 ? examples.slice(0, pruneUsers) : examples;
  return cached(
    diagnosticsSlot(dir, config, pruneUsers, scoring),
    () => diagnoseRun(dir, config, test, scoring, log).result.summary,
  );
}

/**
 * A run's test evaluation and diagnostics together. When the diagnostics cover every test row and neither figure is
 * cached, one decode serves both: the diagnostics' beam search is the evaluation's (same decoder, width, top-K, chunks
 * and scoring), so its lists give the evaluation's metrics and beam search runs once instead of twice.
 */
export function cachedTestFigures(
  dir: string,
  config: RunConfig,
  examples: readonly Example[],
  fingerprint: string,
  pruneUsers: number,
  scoring: TokenScoring,
  log: (l: string) => void,
): { evaluation: CachedEval; diagnostics: PruningSummary } {
  const evalSlot = evaluationSlot(dir, config, examples.length, 'test', fingerprint, scoring);
  const diagSlot = diagnosticsSlot(dir, config, pruneUsers, scoring);
  const everyRow = pruneUsers === 0 || pruneUsers >= examples.length;
  const evaluation = readCached<CachedEval>(evalSlot);
  const diagnostics = readCached<PruningSummary>(diagSlot);
  if (everyRow && evaluation === null && diagnostics === null) {
    const { result, numItems } = diagnoseRun(dir, config, examples, scoring, log);
    const r = scoreRankings(result.perUser.beamLists, examples, config.eval.ks, numItems);
    log(
      `[bench] ${dir} test (${examples.length} rows, ${scoring}, from the diagnostics' beam search): NDCG@10 ${r.mean['ndcg@10']?.toFixed(4)}`,
    );
    return { evaluation: writeCached(evalSlot, toCachedEval(r)), diagnostics: writeCached(diagSlot, result.summary) };
  }
  return {
    evaluation: evaluation ?? cachedEvaluation(dir, config, examples, 'test', fingerprint, scoring, log),
    diagnostics: diagnostics ?? cachedDiagnostics(dir, config, examples, pruneUsers, scoring, log),
  };
}

export interface CachedEval {
  mean: Record<string, number>;
  perUser: Record<string, number[]>;
}

/** An evaluation in its cached (JSON) form. */
function toCachedEval(r: EvalResult): CachedEval {
  return { mean: r.mean, perUser: Object.fromEntries(Object.entries(r.perUser).map(([k, v]) => [k, Array.from(v)])) };
}

/**
 * HR/NDCG of the run in `dir` on `examples` (split `split`, data set `fingerprint`) decoded with `scoring` and the
 * run's other eval settings; cached in `<dir>/eval-<split>-<n>-<scoring>.json`, keyed by settings, data and model.
 */
export function cachedEvaluation(
  dir: string,
  config: RunConfig,
  examples: readonly Example[],
  split: string,
  fingerprint: string,
  scoring: TokenScoring,
  log: (l: string) => void,
): CachedEval {
  const settings = { ...evalSettings(config), scoring };
  return cached(evaluationSlot(dir, config, examples.length, split, fingerprint, scoring), () => {
    const loaded = loadRun(dir);
    const r = evaluateModel(
      loaded.model,
      examples,
      settings,
      progressCallback(`${split} ${dir}`, examples.length, { writer: logWriter(log) }),
    );
    loaded.model.dispose();
    log(`[bench] ${dir} ${split} (${examples.length} rows, ${scoring}): NDCG@10 ${r.mean['ndcg@10']?.toFixed(4)}`);
    return toCachedEval(r);
  });
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
  // the bench decided to (re)train: a finished run with another configuration is replaced
  await runExperiment(cfg, { data: ds, log: opts.log, overwrite: true });
  const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
  return fromResults(dir, r, cfg, ds.train.length, false);
}
