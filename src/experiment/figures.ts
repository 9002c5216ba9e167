// A finished run's test figures (evaluation under a given scoring, BEAR's pruning diagnostics), cached next to the
// run: <dir>/eval-<split>-<n>-<scoring>.json and <dir>/pruning-test-<users>[-<scoring>].json, keyed by the settings,
// the data and the model file, so a retrained model or changed settings recompute them.
import { join } from 'node:path';
import type { Example } from '../data/index.js';
import type { TokenScoring } from '../decode/common.js';
import type { EvalResult } from '../eval/metrics.js';
import { modelPruningDiagnostics } from '../eval/pruning/model.js';
import type { PruningResult, PruningSummary } from '../eval/pruning/summary.js';
import { evaluateModel, scoreRankings } from '../pipeline/evaluate.js';
import { evalSettings, type RunConfig } from '../pipeline/config.js';
import { loadRun } from '../pipeline/load-run.js';
import { logWriter, progressCallback } from '../util/progress.js';
import { cached, modelStamp, readCached, writeCached, type CacheSlot } from './cache.js';

/** The run's decoding settings that the diagnostics take (besides the scoring). */
function diagnosticsSettings(config: RunConfig): { beamWidth: number; ks: number[]; chunkUsers: number } {
  return { beamWidth: config.eval.beamWidth, ks: config.eval.ks, chunkUsers: config.eval.chunkUsers };
}

/** The cache slot of the diagnostics of the run in `dir` on the first `pruneUsers` test rows (0 = all). */
export function diagnosticsSlot(dir: string, config: RunConfig, pruneUsers: number, scoring: TokenScoring): CacheSlot {
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

/** The cache slot of the evaluation of the run in `dir` on `n` rows of `split` of data set `fingerprint`. */
export function evaluationSlot(
  dir: string,
  config: RunConfig,
  n: number,
  split: string,
  fingerprint: string,
  scoring: TokenScoring,
): CacheSlot {
  const { decoder, temperature, sampleSeed, ...beam } = { ...evalSettings(config), scoring };
  // beam search reads neither temperature nor seed: its key stays as written before decoders were a setting
  const settings = decoder === 'beam' ? beam : { decoder, ...beam, temperature, sampleSeed };
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
