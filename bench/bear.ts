// npm run bench -- bear [--sets amazon-office,amazon-book,amazon-toy] [--dataDir ../shared/data] [--seeds 3]
//                       [--paperSample true] [--methods popularity,sasrec,sid:sft,sid:msl,sid:bear (sid:<objective> = semantic IDs, <objective> = titles)] [--reuse true] [--diagnose true]
//                       [--pruneUsers 0] [--beamSim false] [--beamSimUsers 2000] [--beamSimSets amazon-toy,amazon-book]
//                       [--embedded false] [--users 0] [--tag ''] [--seedList 1,2] [--smoke]
//                       [--<run config key> value ...]
// BEAR's main comparison (Table 2 / Figures 3, 4, 6) on genrec: per data set, SFT, MSL and BEAR trained with the same
// preset over the seeds (the run config's default, `base`: semantic IDs; `--preset small --methods
// popularity,sasrec,sft,msl,bear` is the title-identifier protocol of the results before issue 17), then on test: NDCG@5/10, HR@5/10 of beam search, PR@5/10 (targets in the exact top-K that
// beam search loses), the share of pruned cases violating the necessary condition, exact top-K NDCG@10 (what pruning
// costs), training seconds per epoch — mean ± std over seeds — and paired bootstraps on NDCG@10 over test users of
// BEAR vs MSL / SFT and of every generative method vs SASRec and most-popular (seed 0, and the per-user mean over seeds). Most-popular (fitted on train + valid) and SASRec sit in every table on the same splits:
// SASRec's dropout, width and per-position training are chosen on validation once per set (cached), then each seed
// selects its epoch count on validation and refits on train + valid (bench/baselines.ts).
//
// Protocol. Seed 0 chooses the epoch count on validation (early stopping), then refits on train + valid; seeds ≥ 1
// train on train + valid for seed 0's epoch count (`select: false`): every hyperparameter is chosen on validation,
// none on test. --paperSample true (default) trains amazon-book and amazon-toy on the paper's fixed
// train_10000.csv sample; amazon-office uses all 15,400 train.csv rows. Runs live in runs/bench/<set>-<method>-s<seed>
// (shared with `npm run bench -- office|sid`) and are reused when their configuration matches (--reuse false
// retrains); diagnostics are cached next to them. --diagnose false only trains.
// --beamSim true also trains SFT, BEAR and `beam-sim` (BEAR §3.1, Table 5) on a --beamSimUsers subset of toy and book
// (users in sorted order, all their rows) and reports the runtime ratio beam-sim / SFT per epoch.
// --users N keeps only N users of every main set (0 = all; smoke runs), --pruneUsers N computes the diagnostics on
// the first N test rows only (0 = all). --embedded true replaces --sets by the embedded office-mini set (smoke runs).
// --tag T appends '-T' to every run directory, so that a variant protocol (e.g. --trainOnPrefixes true) keeps its own
// runs instead of replacing the shared ones. --seedList 1,2 trains and reports only those seeds (instead of
// 0 … --seeds−1). With selection on, seed 0's run is still read (or trained) for its epoch count; with --select false
// every seed trains trainer.epochs on its own, so processes can train different seeds of a method side by side.
// --smoke: the embedded set's first 100 users (--users), 1 seed, the tiny preset for 1 epoch without selection, PR@K on
// 20 test rows, everything under a fresh runs/smoke/bear-<time> (bench/args.ts); flags still override.
// The last line is one JSON object keyed by data set, then method.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NextItemDataset } from '../src/data/index.js';
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { applyThreads } from '../src/pipeline/threads.js';
import type { PruningSummary } from '../src/eval/pruning/summary.js';
import { pairedBootstrap } from '../src/eval/stats.js';
import { formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { setSpec, userSubset } from '../src/experiment/data.js';
import { cachedDiagnostics } from '../src/experiment/figures.js';
import { BENCH_ROOT, benchRunDir, isRunTag } from '../src/experiment/naming.js';
import { seedProtocolRuns } from '../src/experiment/seeds.js';
import { trainOrReuse, type StoredRun } from '../src/experiment/store.js';
import { perUserMeanNdcg10, seedRun, summarize, type SeedRun, type Summary } from '../src/experiment/summary.js';
import { popularityRun, sasrecRun, type BaselineRun } from '../src/experiment/baselines.js';
import { BASELINE_METRICS } from '../src/baselines/index.js';
import { tunedSasrec } from './baselines.js';
import { pooledCell, seedColumns, summaryCells } from './seeds.js';
import {
  benchCommand,
  configFlags,
  smokeRoot,
  SMOKE_PRUNE_USERS,
  SMOKE_RUN,
  SMOKE_USERS,
  type BenchArgs,
} from './args.js';

const BEAR_OPTIONS = {
  sets: 'string',
  dataDir: 'string',
  seeds: 'positive',
  embedded: 'bool',
  beamSim: 'bool',
  beamSimUsers: 'count',
  pruneUsers: 'count',
  users: 'count',
  paperSample: 'bool',
  methods: 'string',
  reuse: 'bool',
  diagnose: 'bool',
  beamSimSets: 'string',
  tag: 'text',
  seedList: 'string',
} as const;
type Log = (line: string) => void;
const log: Log = (l) => void process.stderr.write(l + '\n');

/** Diagnostics of a finished run on test, ranking by its eval.scoring (cached next to it). */
function diagnose(run: StoredRun, ds: NextItemDataset, pruneUsers: number): PruningSummary {
  return cachedDiagnostics(run.dir, run.config, ds.test, pruneUsers, run.config.eval.scoring, log);
}

function runConfig(
  spec: string,
  set: string,
  method: string,
  seed: number,
  flags: object,
  threads: number,
  tag: string,
  root: string,
  smoke: boolean,
  extra: object = {},
): RunConfig {
  // 'msl' = title identifiers, 'sid:msl' = semantic IDs (same run directories as `bench office|sid`)
  const [identifier, objective] = method.startsWith('sid:') ? ['sid', method.slice(4)] : ['title', method];
  return resolveRunConfig([
    {
      value: {
        dataset: spec,
        identifier,
        objective,
        seed,
        threads,
        out: benchRunDir(set, method, seed, tag, root),
      },
      source: 'bench bear',
    },
    { value: smoke ? SMOKE_RUN : {}, source: 'bench bear --smoke' },
    { value: flags, source: 'bench arguments' },
    { value: extra, source: 'bench bear (seed ≥ 1: epoch count of seed 0)' },
  ]);
}

/**
 * Trains (or reuses) the method's runs over the seeds by the seed protocol (src/experiment/seeds.ts): seed 0 selects
 * the epoch count, later seeds reuse it (with select false every seed trains the configured epoch count independently).
 */
async function methodRuns(
  ds: NextItemDataset,
  spec: string,
  set: string,
  method: string,
  seeds: number[],
  flags: object,
  threads: number,
  reuse: boolean,
  tag: string,
  root: string,
  smoke: boolean,
): Promise<StoredRun[]> {
  return seedProtocolRuns(seeds, {
    config: (seed, extra) => runConfig(spec, set, method, seed, flags, threads, tag, root, smoke, extra),
    run: (cfg, accept) => trainOrReuse(cfg, ds, { reuse, accept, log }),
    onRun: (seed, r) =>
      log(
        `[bench bear] ${set} ${method} seed ${seed}: ndcg@10 ${r.mean['ndcg@10'].toFixed(4)} (epochs ${r.bestEpoch}, ${r.secondsPerEpoch.toFixed(0)} s/epoch)`,
      ),
  });
}

/**
 * The baselines' rows (no diagnostics, no epochs): most-popular once (it is deterministic), SASRec per seed with its
 * hyperparameters tuned on validation (bench/baselines.ts).
 */
function baselineSeedRuns(
  method: 'popularity' | 'sasrec',
  set: string,
  ds: NextItemDataset,
  seeds: number[],
  root: string,
  smoke: boolean,
): SeedRun[] {
  const toSeedRun = (r: BaselineRun): SeedRun => seedRun(r.seed, r.mean, NaN, r.perUser['ndcg@10'], null);
  if (method === 'popularity') return [toSeedRun(popularityRun(ds, BASELINE_METRICS))];
  const { base, tuning } = tunedSasrec(set, ds, root, smoke, true);
  return seeds.map((seed) => toSeedRun(sasrecRun(set, ds, seed, root, base, tuning, BASELINE_METRICS, log)));
}

/**
 * The paired comparisons of a method list: BEAR / MSL / SFT / beam-sim against each other within one identifier
 * kind (titles, or semantic IDs as 'sid:<objective>'), and every generative method against SASRec and most-popular.
 */
function comparedPairs(ms: readonly string[]): [string, string][] {
  const within: [string, string][] = [
    ['bear', 'msl'],
    ['bear', 'sft'],
    ['msl', 'sft'],
    ['beam-sim', 'sft'],
  ];
  const pairs = ['', 'sid:'].flatMap((p) => within.map(([a, b]): [string, string] => [p + a, p + b]));
  for (const m of ms.filter((x) => x !== 'popularity' && x !== 'sasrec')) pairs.push([m, 'sasrec'], [m, 'popularity']);
  return pairs;
}

function rowsOf(summary: Record<string, Summary>): Row[] {
  return Object.entries(summary).map(([m, s]) => {
    const row: Row = { method: m, seeds: s['ndcg@10']?.n ?? 0, ...summaryCells(s) };
    row['PR@10 pooled'] = pooledCell(s, 'pr@10');
    return row;
  });
}

function printTable(title: string, summary: Record<string, Summary>): void {
  const rows = rowsOf(summary);
  const cols = [
    { key: 'method' },
    { key: 'seeds' },
    ...seedColumns(),
    { key: 'PR@10 pooled', header: 'PR@10 pooled (pruned/cases) [95%]' },
  ];
  console.log(`\n${title}`);
  console.log(formatConsoleTable(rows, cols));
  console.log('\n' + formatMarkdownTable(rows, cols));
}

export const bearBench = benchCommand('bear', BEAR_OPTIONS, true, (args) =>
  runBear(args, args.options.smoke ? smokeRoot('bear') : BENCH_ROOT),
);

/** `bench bear` with its runs and results under `root` (runs/bench, or a smoke run's own directory). */
export async function runBear(
  args: BenchArgs<typeof BEAR_OPTIONS>,
  root: string,
): Promise<Record<string, Record<string, unknown>>> {
  const { options } = args;
  const smoke = options.smoke ?? false;
  const dataDir = options.dataDir ?? process.env.GENREC_SHARED_DATA ?? resolve(process.cwd(), '../shared/data');
  const embedded = smoke || (options.embedded ?? false);
  const sets = embedded
    ? ['embedded:office-mini']
    : (options.sets ?? 'amazon-office,amazon-book,amazon-toy').split(',').filter(Boolean);
  const methods = (options.methods ?? 'popularity,sasrec,sid:sft,sid:msl,sid:bear').split(',');
  const nSeeds = options.seeds ?? (smoke ? 1 : 3);
  const beamSim = options.beamSim ?? false;
  const beamSimUsers = options.beamSimUsers ?? (smoke ? SMOKE_USERS : 2000);
  const pruneUsers = options.pruneUsers ?? (smoke ? SMOKE_PRUNE_USERS : 0);
  const users = options.users ?? (smoke ? SMOKE_USERS : 0);
  const paperSample = options.paperSample ?? true;
  const reuse = options.reuse ?? true;
  const doDiagnose = options.diagnose ?? true;
  const tag = options.tag ?? '';
  if (!isRunTag(tag)) throw new Error(`bench bear: --tag must be letters, digits, '.', '_' or '-', got '${tag}'`);
  const flags = configFlags(RunConfigDef, args);
  const threads = applyThreads(flags.threads ?? 0);
  const seedList = options.seedList;
  const seeds = seedList
    ? seedList.split(',').map((x) => {
        const v = Number(x);
        if (!Number.isInteger(v) || v < 0) throw new Error(`bench bear: --seedList must list seeds ≥ 0, got '${x}'`);
        return v;
      })
    : Array.from({ length: nSeeds }, (_, i) => i);

  const result: Record<string, Record<string, unknown>> = {};
  const compare = async (set: string, ds: NextItemDataset, spec: string, ms: string[], title: string) => {
    const runs: Record<string, SeedRun[]> = {};
    for (const m of ms) {
      if (m === 'popularity' || m === 'sasrec') {
        runs[m] = baselineSeedRuns(m, set, ds, seeds, root, smoke);
        continue;
      }
      const stored = await methodRuns(ds, spec, set, m, seeds, flags, threads, reuse, tag, root, smoke);
      runs[m] = stored.map((r) =>
        seedRun(
          r.config.seed,
          r.mean,
          r.secondsPerEpoch,
          r.perUser['ndcg@10'] ?? new Float64Array(0),
          doDiagnose ? diagnose(r, ds, pruneUsers) : null,
        ),
      );
    }
    const summary: Record<string, Summary> = {};
    for (const m of ms) summary[m] = summarize(runs[m]);
    printTable(title, summary);
    const comparisons: Record<string, unknown> = {};
    for (const [a, b] of comparedPairs(ms)) {
      if (!runs[a] || !runs[b]) continue;
      // seed 0 (the protocol's selection seed), and the per-user mean over each method's seeds
      for (const [label, x, y] of [
        ['', runs[a][0].ndcg10, runs[b][0].ndcg10],
        [' (seed mean)', perUserMeanNdcg10(runs[a]), perUserMeanNdcg10(runs[b])],
      ] as const) {
        if (label && runs[a].length === 1 && runs[b].length === 1) continue;
        const bs = pairedBootstrap(x, y, { resamples: 1000, seed: 0 });
        comparisons[`${a} vs ${b}${label}`] = bs;
        const who = label ? `mean over seeds ${runs[a].length} / ${runs[b].length}` : `seed ${runs[a][0].seed}`;
        console.log(
          `NDCG@10 ${a} − ${b} (${who}, paired bootstrap over ${ds.test.length} test users): ${bs.diff.toFixed(4)} [${bs.lo.toFixed(4)}, ${bs.hi.toFixed(4)}] → ${bs.verdict}`,
        );
      }
    }
    return { summary, comparisons };
  };

  for (const set of sets) {
    const spec = setSpec(set, dataDir, paperSample);
    if (!set.startsWith('embedded:') && !existsSync(join(dataDir, set, 'train.csv')))
      throw new Error(`bench bear: ${join(dataDir, set)}/train.csv not found (set --dataDir or --embedded true)`);
    const full = loadDatasetFromSpec(spec);
    const ds = users > 0 ? userSubset(full, users) : full;
    const name = users > 0 ? ds.name : set.replace(/^embedded:/, '');
    log(
      `[bench bear] ${name} (${spec}): ${ds.items.length} items, train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length}`,
    );
    const { summary, comparisons } = await compare(
      name,
      ds,
      spec,
      methods,
      `${name} (${spec.replace(/^windows:.*\//, '')})`,
    );
    result[name] = { ...summary, comparisons, spec, fingerprint: ds.fingerprint };
  }

  if (beamSim) {
    const simSets = embedded
      ? ['embedded:office-mini']
      : (options.beamSimSets ?? 'amazon-toy,amazon-book').split(',').filter(Boolean);
    for (const set of simSets) {
      const spec = setSpec(set, dataDir, false);
      const ds = userSubset(loadDatasetFromSpec(spec), beamSimUsers);
      log(`[bench bear] beam-sim on ${ds.name}: train ${ds.train.length} / test ${ds.test.length}`);
      const { summary, comparisons } = await compare(
        ds.name,
        ds,
        spec,
        ['sft', 'bear', 'beam-sim'],
        `${ds.name} (Table 5 setting)`,
      );
      const ratio = summary['beam-sim']['train s/ep'].mean / summary.sft['train s/ep'].mean;
      const bearRatio = summary.bear['train s/ep'].mean / summary.sft['train s/ep'].mean;
      console.log(`runtime per epoch: beam-sim / sft = ${ratio.toFixed(2)}×, bear / sft = ${bearRatio.toFixed(2)}×`);
      result[`${ds.name} beam-sim`] = {
        ...summary,
        comparisons,
        runtimeRatio: { beamSimOverSft: ratio, bearOverSft: bearRatio },
      };
    }
  }
  writeJsonAtomicSync(join(root, `bear-${Date.now()}.json`), { codeVersion: codeVersion().string, result });
  return result;
}
