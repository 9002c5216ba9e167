// npm run bench -- list [--seeds 3] [--methods sft,sdpo,listdpo,grpo,bon2,bon4] [--dataDir ../shared/data]
//                       [--reuse true] [--<run config key> value ...] [--smoke]
// Issue 18's comparison on MovieLens-1M's list task (BLADE §4.1: the last 10 items → the next 10): SFT on the whole
// training split, then alignment from it on 4,096 training prompts (512 validation prompts choose the epoch) —
// S-DPO, List-DPO, GRPO with the NDCG@10 reward — and Best-of-N inference (N sampled lists of the SFT model, the best
// by the oracle NDCG against the targets, N× the decoding cost). Every trained method is tested with greedy lists on
// the whole test split. Reported: Recall/NDCG@3/5 (and @10), MGU, ILD, training seconds, rollout lists/s, peak RSS;
// mean ± std over seeds for SFT and GRPO (their seed s aligns SFT seed s), paired bootstraps over test users.
// --smoke: the embedded genre-drift set, tiny preset, 1 seed, 1 epoch, 64 prompts; under runs/smoke/list-<time>.
// Prints a table; the last line is one JSON object keyed by method.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ListDataset } from '../src/data/types.js';
import { meanStd, pairedBootstrap, type BootstrapResult } from '../src/eval/stats.js';
import { configKey } from '../src/experiment/identity.js';
import { BENCH_ROOT } from '../src/experiment/naming.js';
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { loadListDatasetFromSpec } from '../src/pipeline/dataset.js';
import { evaluateLists, perUserForJson } from '../src/pipeline/list/evaluate.js';
import { runListExperiment, type StepPoint } from '../src/pipeline/list/run.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { formatConsoleTable, type Row } from '../src/report/table.js';
import { itemSideInfo } from '../src/rewards/index.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { readJsonFile } from '../src/util/json-file.js';
import { codeVersion } from '../src/util/version.js';
import { benchCommand, configFlags, smokeRoot, type BenchArgs } from './args.js';
import { benchLog as log } from './baselines.js';
import { peakRssMb } from './timing.js';

const OPTIONS = { seeds: 'count', methods: 'string', dataDir: 'string', reuse: 'bool' } as const;
const ALL_METHODS = ['sft', 'sdpo', 'listdpo', 'grpo', 'bon2', 'bon4', 'dpo', 'beam'];
const DEFAULT_METHODS = ['sft', 'sdpo', 'listdpo', 'grpo', 'bon2', 'bon4'];
const REPORT = ['recall@3', 'recall@5', 'ndcg@3', 'ndcg@5', 'ndcg@10', 'mgu', 'ild'];
/** Methods run for every seed (the rest on seed 0 only). */
const SEEDED = new Set(['sft', 'grpo']);

/**
 * The bench's settings on the full data (stated in docs/RESULTS.md): the base preset's model and semantic IDs; SFT
 * for 3 epochs (BLADE §4.1.4), the epoch chosen on 512 validation lists, no refit (alignment validates on the
 * validation split); alignment: G = 8 (the paper's 16 halved for this 2-core machine), 2 epochs, lr 1e-4 (GRPO
 * seed 0's validation NDCG@10: 0.1056 at 1e-4, 0.1011 at 3e-4; SFT 0.1029).
 */
const SFT_LAYER = {
  task: 'list',
  preset: 'base',
  objective: 'sft',
  refit: false,
  trainer: { epochs: 3, patience: 0, batchSize: 128 },
};
// the reward: NDCG over the whole list of 10 (the registry's ndcg defaults to k = 5)
const ALIGN_LAYER = {
  align: { groupSize: 8, epochs: 2, lr: 1e-4, batchPrompts: 16 },
  rewards: { ndcg: { k: 10 } },
};
/**
 * The DPO family's learning rate, chosen on validation (S-DPO seed 0: validation NDCG@10 0.0249 at lr 1e-4, a
 * collapse; 0.0950 at 1e-5): their loss sums the log-probs of every token of a list, so the same lr moves the policy
 * much further than GRPO's token mean.
 */
export const PREFERENCE_LAYER = { align: { lr: 1e-5 } };
const PREFERENCE_METHODS = new Set(['dpo', 'sdpo', 'listdpo']);
const SMOKE_LAYER = {
  preset: 'tiny',
  trainer: { epochs: 1 },
  list: { validUsers: 64 },
  align: { prompts: 64, validPrompts: 32, groupSize: 4, epochs: 1, batchPrompts: 16 },
};

export interface MethodResult {
  dir: string;
  mean: Record<string, number>;
  perUser: Record<string, Float64Array>;
  trainSeconds: number;
  rolloutListsPerSec: number | null;
  rolloutSeconds: number | null;
  updateSeconds: number | null;
  /** Lists decoded per test user (Best-of-N: N, the cost relative to one greedy list). */
  listsPerUser: number;
  reused: boolean;
  /** The results file's training section (trained runs only; inference-only rows have none). */
  training?: ListResultsFile['training'];
}

/** Keys that decide a list run; an alignment run's model and identifiers are its init run's (recorded from it). */
function listKey(cfg: RunConfig): string {
  const c = JSON.parse(configKey(cfg)) as Record<string, unknown>;
  delete c.out; // the directory a run is looked for in (runs may be moved aside and back)
  if (cfg.objective !== 'sft' && cfg.objective !== 'msl')
    for (const k of ['model', 'identifier', 'ids', 'sid', 'embeddings', 'sidIndex']) delete c[k];
  return JSON.stringify(c);
}

function perUserOf(o: Record<string, (number | null)[]>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float64Array.from(v, (x) => x ?? NaN)]));
}

interface ListResultsFile {
  config: unknown;
  metrics: { test: Record<string, number> };
  perUser: { test: Record<string, (number | null)[]> };
  training: {
    bestEpoch: number;
    bestValidation: number | null;
    history: { seconds: number; validation?: { metrics: Record<string, number> } }[];
    alignment?: {
      seconds: number;
      rolloutListsPerSec?: number;
      rolloutSeconds?: number;
      updateSeconds?: number;
      rewardSeconds?: number;
      bon?: Record<string, unknown>;
      steps?: StepPoint[];
    };
  };
}

function fromListResults(dir: string, r: ListResultsFile, reused: boolean): MethodResult {
  const a = r.training.alignment;
  return {
    dir,
    mean: r.metrics.test,
    perUser: perUserOf(r.perUser.test),
    trainSeconds: a?.seconds ?? r.training.history.reduce((s, h) => s + h.seconds, 0),
    rolloutListsPerSec: a?.rolloutListsPerSec ?? null,
    rolloutSeconds: a?.rolloutSeconds ?? null,
    updateSeconds: a?.updateSeconds ?? null,
    listsPerUser: 1,
    reused,
    training: r.training,
  };
}

export async function trainOrReuseList(cfg: RunConfig, ds: ListDataset, reuse: boolean): Promise<MethodResult> {
  const file = join(cfg.out, 'results.json');
  if (reuse && existsSync(file)) {
    const r = readJsonFile(file) as ListResultsFile;
    if (listKey(RunConfigDef.parse(r.config, file)) === listKey(cfg)) {
      log(`[bench] reusing ${file} (same configuration)`);
      return fromListResults(cfg.out, r, true);
    }
  }
  await runListExperiment(cfg, { data: ds, log, overwrite: true });
  return fromListResults(cfg.out, readJsonFile(file) as ListResultsFile, false);
}

/**
 * Inference-only lists of the SFT run in `sftDir` on the test split (method `name`): Best-of-N (`n` sampled lists, the
 * best by oracle NDCG) or beam search (`n` = 0); cached in runs/bench/<set>-list-<name>-s<seed>/eval.json by run id.
 */
export function inferenceRun(
  sftDir: string,
  name: string,
  n: number,
  base: RunConfig,
  ds: ListDataset,
  root: string,
  reuse: boolean,
): MethodResult {
  const dir = join(root, `${base.out.split('/').pop()!.replace('-sft-', `-${name}-`)}`);
  const file = join(dir, 'eval.json');
  const run = loadRun(sftDir);
  const settings =
    n > 0
      ? { ...base.list, decoder: 'sample', bestOf: n, bestBy: 'oracle' as const, seed: 0 }
      : { ...base.list, decoder: 'beam' };
  const key = JSON.stringify({ runId: run.runId, settings, fingerprint: ds.fingerprint });
  if (reuse && existsSync(file)) {
    const c = readJsonFile(file) as {
      key: string;
      mean: Record<string, number>;
      perUser: Record<string, (number | null)[]>;
      seconds: number;
    };
    if (c.key === key) {
      run.model.dispose();
      log(`[bench] reusing ${file}`);
      return {
        dir,
        mean: c.mean,
        perUser: perUserOf(c.perUser),
        trainSeconds: c.seconds,
        rolloutListsPerSec: null,
        rolloutSeconds: null,
        updateSeconds: null,
        listsPerUser: Math.max(n, 1),
        reused: true,
      };
    }
  }
  log(
    `[bench] ${n > 0 ? `Best-of-${n} (oracle)` : `beam search (B = ${settings.beamWidth})`} from ${sftDir} on ${ds.test.length} test users`,
  );
  const r = evaluateLists(run.model, ds.test, settings, itemSideInfo(ds.name, ds.items));
  run.model.dispose();
  const perUser = perUserForJson(r.perUser);
  writeJsonAtomicSync(file, {
    key,
    sft: sftDir,
    settings,
    mean: r.mean,
    perUser,
    seconds: r.seconds,
    listsPerSec: r.listsPerSec,
    codeVersion: codeVersion().string,
  });
  return {
    dir,
    mean: r.mean,
    perUser: perUserOf(perUser),
    trainSeconds: r.seconds,
    rolloutListsPerSec: null,
    rolloutSeconds: null,
    updateSeconds: null,
    listsPerUser: Math.max(n, 1),
    reused: false,
  };
}

/** A method's row (mean, and std over seeds where there are several) and JSON entry (mean, std, per seed). */
export function metricSummary(
  method: string,
  runs: readonly MethodResult[],
  metrics: readonly string[],
): { row: Row; entry: Record<string, unknown> } {
  const row: Row = { method, seeds: runs.length };
  const entry: Record<string, unknown> = { seeds: runs.length, dirs: runs.map((r) => r.dir) };
  for (const k of metrics) {
    const vals = runs.map((r) => r.mean[k]).filter((v) => v !== undefined && Number.isFinite(v));
    if (vals.length === 0) continue;
    const ms = meanStd(vals);
    row[k] = ms.mean;
    if (runs.length > 1) row[`${k} sd`] = ms.std;
    entry[k] = { mean: ms.mean, std: Number.isFinite(ms.std) ? ms.std : null, perSeed: vals };
  }
  return { row, entry };
}

export function listBootstrap(a: MethodResult[], b: MethodResult[], metric: string): BootstrapResult {
  const avg = (runs: MethodResult[]): Float64Array => {
    const n = runs[0].perUser[metric].length;
    const out = new Float64Array(n);
    for (const r of runs) for (let i = 0; i < n; i++) out[i] += r.perUser[metric][i] / runs.length;
    return out;
  };
  return pairedBootstrap(avg(a), avg(b), { seed: `list-${metric}` });
}

/** What the list benches share: the data (MovieLens-1M, or genre-drift with --smoke), where runs go, the config. */
export interface ListBenchContext {
  root: string;
  set: string;
  reuse: boolean;
  /** SFT_LAYER < `layers` < the smoke layers (with --smoke) < the command line's run-config flags. */
  config: (layers: object[], out: string) => RunConfig;
  ds: ListDataset;
}

export function listBenchContext(
  name: string,
  args: BenchArgs<{ dataDir: 'string'; reuse: 'bool' }>,
  smoke: boolean,
  smokeLayers: object[],
): ListBenchContext {
  const root = smoke ? smokeRoot(name) : BENCH_ROOT;
  const dataDir = (args.options.dataDir as string | undefined) ?? resolve('..', 'shared', 'data');
  const spec = smoke ? 'embedded:genre-drift?task=list' : `sequences:${join(dataDir, 'movielens-1m')}?task=list`;
  if (!smoke && !existsSync(join(dataDir, 'movielens-1m')))
    throw new Error(
      `bench ${name}: ${join(dataDir, 'movielens-1m')} is missing (give --dataDir; --smoke runs on the embedded set)`,
    );
  const flags = configFlags(RunConfigDef, args);
  const source = `bench ${name}`;
  const config = (layers: object[], out: string): RunConfig =>
    resolveRunConfig([
      { value: { ...SFT_LAYER, dataset: spec, out }, source },
      ...layers.map((value) => ({ value, source })),
      ...(smoke ? [SMOKE_LAYER, ...smokeLayers].map((value) => ({ value, source: `${source} --smoke` })) : []),
      { value: flags, source: 'command line' },
    ]);
  const ds = loadListDatasetFromSpec(spec);
  applyThreads(config([], '').threads, log);
  return { root, set: smoke ? 'genre-drift' : 'ml1m', reuse: args.options.reuse ?? true, config, ds };
}

async function run(args: BenchArgs<typeof OPTIONS>): Promise<Record<string, unknown>> {
  const smoke = args.options.smoke === true;
  const seeds = smoke ? 1 : (args.options.seeds ?? 3);
  const methods = ((args.options.methods as string | undefined)?.split(',') ?? DEFAULT_METHODS).map((m) => m.trim());
  for (const m of methods)
    if (!ALL_METHODS.includes(m))
      throw new Error(`bench list: unknown method '${m}' (known: ${ALL_METHODS.join(', ')})`);
  const { root, set, reuse, config, ds } = listBenchContext('list', args, smoke, []);
  log(
    `[bench list] ${ds.name}: ${ds.train.length} / ${ds.valid.length} / ${ds.test.length} lists; methods ${methods.join(', ')}; ${seeds} seed(s)`,
  );

  const results: Record<string, MethodResult[]> = {};
  const sftDir = (s: number): string => join(root, `${set}-list-sft-s${s}`);
  const needSft = methods.length > 0;
  const sftSeeds = Array.from({ length: methods.some((m) => SEEDED.has(m)) ? seeds : 1 }, (_, s) => s);
  if (needSft) {
    results.sft = [];
    for (const s of sftSeeds) results.sft.push(await trainOrReuseList(config([{ seed: s }], sftDir(s)), ds, reuse));
  }
  for (const m of methods) {
    if (m === 'sft') continue;
    results[m] = [];
    const ss = SEEDED.has(m) ? sftSeeds : [0];
    for (const s of ss) {
      if (m.startsWith('bon') || m === 'beam') {
        const n = m === 'beam' ? 0 : Number(m.slice(3));
        results[m].push(inferenceRun(sftDir(s), m, n, config([{ seed: s }], sftDir(s)), ds, root, reuse));
      } else {
        const out = join(root, `${set}-list-${m}-s${s}`);
        const layers = [ALIGN_LAYER, ...(PREFERENCE_METHODS.has(m) ? [PREFERENCE_LAYER] : [])];
        const cfg = config([...layers, { seed: s, objective: m, align: { init: sftDir(s), seed: s } }], out);
        results[m].push(await trainOrReuseList(cfg, ds, reuse));
      }
    }
  }

  // table: mean (± std over seeds where there are several)
  const rows: Row[] = [];
  const json: Record<string, unknown> = {};
  for (const [m, runs] of Object.entries(results)) {
    const { row, entry } = metricSummary(m, runs, REPORT);
    const sec = meanStd(runs.map((r) => r.trainSeconds)).mean;
    row['train/decode s'] = sec;
    row['lists/user'] = runs[0].listsPerUser;
    const lps = runs.map((r) => r.rolloutListsPerSec).filter((x): x is number => x !== null);
    if (lps.length) row['rollout lists/s'] = meanStd(lps).mean;
    entry.trainSeconds = sec;
    entry.listsPerUser = runs[0].listsPerUser;
    entry.rolloutListsPerSec = lps.length ? meanStd(lps).mean : null;
    const ro = runs.map((r) => r.rolloutSeconds).filter((x): x is number => x !== null);
    const up = runs.map((r) => r.updateSeconds).filter((x): x is number => x !== null);
    entry.rolloutSeconds = ro.length ? meanStd(ro).mean : null;
    entry.updateSeconds = up.length ? meanStd(up).mean : null;
    entry.reused = runs.every((r) => r.reused);
    rows.push(row);
    json[m] = entry;
  }
  const cols = [
    { key: 'method' },
    { key: 'seeds' },
    ...REPORT.flatMap((k) => [
      { key: k, decimals: 4, best: k === 'mgu' ? ('min' as const) : ('max' as const) },
      ...(rows.some((r) => r[`${k} sd`] !== undefined) && (k === 'ndcg@5' || k === 'recall@5')
        ? [{ key: `${k} sd`, decimals: 4 }]
        : []),
    ]),
    { key: 'train/decode s', decimals: 0 },
    { key: 'lists/user' },
    { key: 'rollout lists/s', decimals: 1 },
  ];
  process.stdout.write(formatConsoleTable(rows, cols) + '\n');

  // paired bootstraps over test users on NDCG@5 / Recall@5 (seed means where both sides have several seeds)
  const pairs: [string, string][] = [
    ['grpo', 'sft'],
    ['sdpo', 'sft'],
    ['listdpo', 'sft'],
    ['dpo', 'sft'],
    ['bon2', 'sft'],
    ['bon4', 'bon2'],
    ['bon4', 'sft'],
    ['grpo', 'sdpo'],
    ['grpo', 'listdpo'],
    ['beam', 'sft'],
    ['grpo', 'beam'],
  ];
  const comparisons: Record<string, unknown> = {};
  for (const [a, b] of pairs) {
    if (!results[a] || !results[b]) continue;
    for (const metric of ['ndcg@5', 'recall@5']) {
      const n = Math.min(results[a].length, results[b].length);
      const sa = results[a].slice(0, n);
      const sb = results[b].slice(0, n);
      const r = listBootstrap(sa, sb, metric);
      const seed0 = n > 1 ? listBootstrap(sa.slice(0, 1), sb.slice(0, 1), metric) : r;
      const text = (x: BootstrapResult): string =>
        `${x.diff >= 0 ? '+' : ''}${x.diff.toFixed(4)} [${x.lo.toFixed(4)}, ${x.hi.toFixed(4)}] ${x.verdict}`;
      log(
        `[bench list] ${a} − ${b} ${metric}: ${n > 1 ? `seed mean (${n} seeds) ${text(r)}; seed 0 ` : ''}${text(seed0)}`,
      );
      comparisons[`${a} - ${b} ${metric}`] = {
        seeds: n,
        diff: r.diff,
        lo: r.lo,
        hi: r.hi,
        verdict: r.verdict,
        seed0: { diff: seed0.diff, lo: seed0.lo, hi: seed0.hi, verdict: seed0.verdict },
      };
    }
  }
  return {
    ...json,
    comparisons,
    dataset: { name: ds.name, fingerprint: ds.fingerprint, lists: [ds.train.length, ds.valid.length, ds.test.length] },
    peakRssMb: peakRssMb(),
    codeVersion: codeVersion().string,
  };
}

export const listBench = benchCommand('list', OPTIONS, true, run);
