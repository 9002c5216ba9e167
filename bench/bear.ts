// npm run bench -- bear [--sets amazon-office,amazon-book,amazon-toy] [--dataDir ../shared/data] [--seeds 1]
//                       [--preset small] [--embedded true] [--beamSim true] [--beamSimUsers 2000]
//                       [--pruneUsers 0] [--users 0] [--<run config key> value ...]
// BEAR's main comparison (Table 2 / Figures 3, 4, 6) on genrec: per data set, SFT, MSL and BEAR trained with the same
// preset over the seeds (runExperiment), then on test: NDCG@5/10, HR@5/10 of beam search, PR@5/10 (targets in the
// exact top-K that beam search loses), the share of pruned cases violating the necessary condition, exact top-K
// NDCG@10 (what pruning costs), training seconds per epoch (training only, from examples/s) — mean ± std over
// seeds — and paired bootstraps of BEAR vs MSL / SFT on NDCG@10 (seed 0, test users).
// --beamSim true also trains SFT and `beam-sim` (BEAR §3.1, Table 5) on a --beamSimUsers subset of toy and book
// (users taken in sorted order, all their rows) and reports the runtime ratio beam-sim / SFT per epoch.
// --users N keeps only N users of every main set (0 = all; smoke runs), --pruneUsers N computes the diagnostics on
// the first N test rows only (0 = all). --embedded true replaces --sets by the embedded office-mini set (smoke runs). The last line is one JSON object
// keyed by data set, then method.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NextItemDataset } from '../src/data/index.js';
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { loadRun, runExperiment } from '../src/pipeline/run.js';
import { expandPrefixes } from '../src/pipeline/task.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { modelPruningDiagnostics } from '../src/eval/pruning.js';
import { meanStd, pairedBootstrap } from '../src/eval/stats.js';
import { formatConsoleTable, type Row } from '../src/report/table.js';

const OWN = new Set(['sets', 'dataDir', 'seeds', 'embedded', 'beamSim', 'beamSimUsers', 'pruneUsers', 'users']);
const METHODS = ['sft', 'msl', 'bear'] as const;
const COLS = ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10', 'pr@5', 'pr@10', 'nec@5', 'nec@10', 'exact ndcg@10', 'train s/ep'];

interface MethodRun {
  seed: number;
  values: Record<string, number>;
  ndcg10: Float64Array;
}

type Log = (line: string) => void;
const log: Log = (l) => void process.stderr.write(l + '\n');

function flag(args: Map<string, string>, key: string, def: string): string {
  return args.get(key) ?? def;
}

function bool(args: Map<string, string>, key: string): boolean {
  const v = flag(args, key, 'false');
  if (v !== 'true' && v !== 'false') throw new Error(`bench bear: --${key} must be true or false, got '${v}'`);
  return v === 'true';
}

function posInt(args: Map<string, string>, key: string, def: number): number {
  const v = Number(flag(args, key, String(def)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`bench bear: --${key} must be a non-negative integer`);
  return v;
}

/** The first `n` users (sorted by id) with all their rows in every split. */
export function userSubset(ds: NextItemDataset, n: number): NextItemDataset {
  const users = [...new Set([...ds.train, ...ds.valid, ...ds.test].map((e) => e.user))].sort().slice(0, n);
  const keep = new Set(users);
  const f = (xs: NextItemDataset['train']) => xs.filter((e) => keep.has(e.user));
  return {
    ...ds,
    name: `${ds.name}-${users.length}u`,
    train: f(ds.train),
    valid: f(ds.valid),
    test: f(ds.test),
    fingerprint: `${ds.fingerprint}-${users.length}u`,
  };
}

async function trainAndDiagnose(
  ds: NextItemDataset,
  spec: string,
  method: string,
  seed: number,
  flags: Record<string, string>,
  threads: number,
  pruneUsers: number,
): Promise<MethodRun> {
  const cfg: RunConfig = resolveRunConfig([
    {
      value: {
        dataset: spec,
        objective: method,
        seed,
        threads,
        out: join('runs', 'bench', 'bear', `${ds.name}-${method}-s${seed}`),
      },
      source: 'bench bear',
    },
    { value: RunConfigDef.fromFlags(flags, 'bench arguments'), source: 'bench arguments' },
  ]);
  const r = await runExperiment(cfg, { data: ds, log });
  const nTrain = cfg.trainOnPrefixes ? expandPrefixes(ds.train).length : ds.train.length;
  const epochSec = meanStd(r.train.history.map((h) => nTrain / Math.max(h.examplesPerSec, 1e-9))).mean;
  const run = loadRun(r.dir);
  const test = pruneUsers > 0 ? ds.test.slice(0, pruneUsers) : ds.test;
  const ks = cfg.eval.ks;
  const diag = modelPruningDiagnostics(run.model, test, {
    beamWidth: cfg.eval.beamWidth,
    ks,
    chunkUsers: cfg.eval.chunkUsers,
  });
  run.model.dispose();
  const s = diag.summary;
  const values: Record<string, number> = { 'train s/ep': epochSec };
  for (const k of ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10']) values[k] = r.test.mean[k] ?? NaN;
  for (const k of ks) {
    values[`pr@${k}`] = s.byK[`pr@${k}`].rate;
    values[`nec@${k}`] = s.byK[`pr@${k}`].necessaryShare;
  }
  values['exact ndcg@10'] = s.exact['ndcg@10'] ?? NaN;
  values['beam ndcg@10 (diag)'] = s.beam['ndcg@10'] ?? NaN;
  values['violation rate'] = s.violationRate;
  values['exact expansions/user'] = s.meanExpansions;
  values['trie internal nodes'] = s.internalNodes;
  log(
    `[bench bear] ${ds.name} ${method} seed ${seed}: ndcg@10 ${values['ndcg@10'].toFixed(4)}, PR@10 ${values['pr@10']?.toFixed(3)}, nec@10 ${values['nec@10']?.toFixed(3)}, ${epochSec.toFixed(1)} s/epoch`,
  );
  return { seed, values, ndcg10: r.test.perUser['ndcg@10'] ?? new Float64Array(0) };
}

/** mean ± std over seeds of every value (NaN-valued seeds, e.g. PR@K with no case, are skipped). */
function summarize(runs: MethodRun[]): Record<string, { mean: number; std: number; n: number }> {
  const out: Record<string, { mean: number; std: number; n: number }> = {};
  for (const k of Object.keys(runs[0].values)) {
    const xs = runs.map((r) => r.values[k]).filter((x) => Number.isFinite(x));
    out[k] = xs.length > 0 ? meanStd(xs) : { mean: NaN, std: NaN, n: 0 };
  }
  return out;
}

function printTable(title: string, summary: Record<string, Record<string, { mean: number; std: number }>>): void {
  const rows: Row[] = Object.entries(summary).map(([m, s]) => {
    const row: Row = { method: m };
    for (const c of COLS) row[c] = s[c] ? { mean: s[c].mean, std: Number.isNaN(s[c].std) ? 0 : s[c].std } : null;
    return row;
  });
  console.log(`\n${title}`);
  console.log(
    formatConsoleTable(rows, [
      { key: 'method' },
      ...COLS.map((k) => ({ key: k, decimals: k === 'train s/ep' ? 1 : 4 })),
    ]),
  );
}

export async function runBearBench(args: Map<string, string>): Promise<Record<string, unknown>> {
  const dataDir = args.get('dataDir') ?? process.env.GENREC_SHARED_DATA ?? resolve(process.cwd(), '../shared/data');
  const embedded = bool(args, 'embedded');
  const sets = embedded
    ? ['embedded:office-mini']
    : flag(args, 'sets', 'amazon-office,amazon-book,amazon-toy').split(',');
  const nSeeds = posInt(args, 'seeds', 1);
  if (nSeeds < 1) throw new Error('bench bear: --seeds must be ≥ 1');
  const beamSim = bool(args, 'beamSim');
  const beamSimUsers = posInt(args, 'beamSimUsers', 2000);
  const pruneUsers = posInt(args, 'pruneUsers', 0);
  const users = posInt(args, 'users', 0);
  const flags: Record<string, string> = {};
  for (const [k, v] of args) if (!OWN.has(k)) flags[k] = v;
  const threads = applyThreads(Number(flags.threads ?? 0));
  const seeds = Array.from({ length: nSeeds }, (_, i) => i);

  const result: Record<string, Record<string, unknown>> = {};
  for (const set of sets) {
    const spec = set.startsWith('embedded:') ? set : `windows:${join(dataDir, set)}`;
    if (!set.startsWith('embedded:') && !existsSync(join(dataDir, set, 'train.csv')))
      throw new Error(`bench bear: ${join(dataDir, set)}/train.csv not found (set --dataDir or --embedded true)`);
    const full = loadDatasetFromSpec(spec);
    const ds = users > 0 ? userSubset(full, users) : full;
    log(`[bench bear] ${set}: ${ds.items.length} items, train ${ds.train.length} / test ${ds.test.length}`);
    const runs: Record<string, MethodRun[]> = {};
    for (const m of METHODS) {
      runs[m] = [];
      for (const seed of seeds) runs[m].push(await trainAndDiagnose(ds, spec, m, seed, flags, threads, pruneUsers));
    }
    const summary: Record<string, Record<string, { mean: number; std: number; n: number }>> = {};
    for (const m of METHODS) summary[m] = summarize(runs[m]);
    printTable(set, summary);
    const comparisons: Record<string, unknown> = {};
    for (const other of ['msl', 'sft']) {
      const bs = pairedBootstrap(runs.bear[0].ndcg10, runs[other][0].ndcg10, { resamples: 1000, seed: 0 });
      comparisons[`bear vs ${other}`] = bs;
      console.log(
        `NDCG@10 bear − ${other}: ${bs.diff.toFixed(4)} [${bs.lo.toFixed(4)}, ${bs.hi.toFixed(4)}] p≈${bs.pValue.toFixed(3)} → ${bs.verdict}`,
      );
    }
    result[set] = { ...summary, comparisons };
  }

  if (beamSim) {
    const simSets = embedded ? ['embedded:office-mini'] : ['amazon-toy', 'amazon-book'];
    for (const set of simSets) {
      const spec = set.startsWith('embedded:') ? set : `windows:${join(dataDir, set)}`;
      const ds = userSubset(loadDatasetFromSpec(spec), beamSimUsers);
      log(`[bench bear] beam-sim on ${ds.name}: train ${ds.train.length} / test ${ds.test.length}`);
      const runs: Record<string, MethodRun[]> = {};
      for (const m of ['sft', 'bear', 'beam-sim']) {
        runs[m] = [];
        for (const seed of seeds) runs[m].push(await trainAndDiagnose(ds, spec, m, seed, flags, threads, pruneUsers));
      }
      const summary: Record<string, Record<string, { mean: number; std: number; n: number }>> = {};
      for (const m of Object.keys(runs)) summary[m] = summarize(runs[m]);
      printTable(`${ds.name} (Table 5 setting)`, summary);
      const ratio = summary['beam-sim']['train s/ep'].mean / summary.sft['train s/ep'].mean;
      const bearRatio = summary.bear['train s/ep'].mean / summary.sft['train s/ep'].mean;
      console.log(`runtime per epoch: beam-sim / sft = ${ratio.toFixed(2)}×, bear / sft = ${bearRatio.toFixed(2)}×`);
      result[`${ds.name} beam-sim`] = { ...summary, runtimeRatio: { beamSimOverSft: ratio, bearOverSft: bearRatio } };
    }
  }
  return result;
}
