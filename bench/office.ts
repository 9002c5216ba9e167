// npm run bench -- office [--seeds 1] [--methods popularity,sasrec,sft,msl] [--preset small] [--reuse true]
//                         [--dataDir ../shared/data] [--set amazon-office] [--<run config key> value ...]
// Issue 3's comparison on amazon-office (validation carved from the end of train, refit on
// train + valid before testing): NDCG@5/10, HR@5/10 on test, training time, evaluation
// users/s, peak RSS; mean ± std over seeds and paired bootstrap intervals over test users.
// Prints a table; the last line is one JSON object keyed by method.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDataset, type NextItemDataset } from '../src/data/index.js';
import { evaluateBaseline, Popularity, Sasrec, SasrecConfig } from '../src/baselines/index.js';
import { RunConfigDef, resolveRunConfig } from '../src/pipeline/config.js';
import { runExperiment } from '../src/pipeline/run.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { meanStd, pairedBootstrap } from '../src/eval/stats.js';
import { formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { peakRssMb } from './timing.js';

const METRICS = ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10'];
const OWN = new Set(['seeds', 'methods', 'dataDir', 'set', 'reuse', 'sasrec.refit', 'sasrec.trainOnPrefixes']);

/** Mean of the finite values (null when there is none, e.g. users/s of the popularity baseline). */
function finiteMean(xs: number[]): number | null {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
}

/** With --reuse true, a finished run whose saved config equals this one is read back instead of retrained. */
function reusable(dir: string, cfg: unknown): Omit<MethodRun, 'seed'> | null {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as {
    config: unknown;
    metrics: { test: Record<string, number> };
    perUser: { test: Record<string, number[]> };
    speed: { testUsersPerSec: number };
    training: { history: { seconds: number }[] };
  };
  // configs written by older code lack newer keys: fill them with their defaults before comparing
  if (JSON.stringify(RunConfigDef.parse(r.config, file)) !== JSON.stringify(cfg)) return null;
  return {
    mean: r.metrics.test,
    perUser: Object.fromEntries(Object.entries(r.perUser.test).map(([k, v]) => [k, Float64Array.from(v)])),
    trainSec: r.training.history.reduce((a, h) => a + h.seconds, 0),
    usersPerSec: r.speed.testUsersPerSec,
  };
}

interface MethodRun {
  seed: number;
  mean: Record<string, number>;
  perUser: Record<string, Float64Array>;
  trainSec: number;
  usersPerSec: number;
}

export async function runCompareBench(
  args: Map<string, string>,
  defaultSet = 'amazon-office',
): Promise<Record<string, unknown>> {
  const dataDir = args.get('dataDir') ?? process.env.GENREC_SHARED_DATA ?? resolve(process.cwd(), '../shared/data');
  const set = args.get('set') ?? defaultSet;
  const dir = join(dataDir, set);
  if (!existsSync(join(dir, 'train.csv'))) throw new Error(`bench: ${dir}/train.csv not found (set --dataDir)`);
  const seeds = Array.from({ length: Number(args.get('seeds') ?? 1) }, (_, i) => i);
  const methods = (args.get('methods') ?? 'popularity,sasrec,sft,msl').split(',');
  const reuse = args.get('reuse') === 'true';
  const flags: Record<string, string> = {};
  for (const [k, v] of args) if (!OWN.has(k)) flags[k] = v;
  const ds: NextItemDataset = loadDataset({ format: 'windows', dir });
  const threads = applyThreads(Number(flags.threads ?? 0));
  process.stderr.write(
    `[bench] ${set}: ${ds.items.length} items, train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length}; ${threads} threads\n`,
  );

  const runs: Record<string, MethodRun[]> = {};
  for (const m of methods) {
    runs[m] = [];
    for (const seed of seeds) {
      const t0 = performance.now();
      if (m === 'popularity') {
        const pop = Popularity.fit(ds.items.length, [...ds.train, ...ds.valid]);
        const r = evaluateBaseline(pop.recommendAll(ds.test, 10), ds.test, METRICS, ds.items.length);
        runs[m].push({ seed, mean: r.mean, perUser: r.perUser, trainSec: 0, usersPerSec: NaN });
        break; // deterministic: one run
      } else if (m === 'sasrec') {
        const cfg = SasrecConfig.merge(SasrecConfig.defaults(), {
          seed,
          refit: (args.get('sasrec.refit') ?? 'true') === 'true',
          trainOnPrefixes: (args.get('sasrec.trainOnPrefixes') ?? 'false') === 'true',
        });
        const model = new Sasrec(ds.items.length, cfg);
        model.fit(ds.train, ds.valid);
        const trainSec = (performance.now() - t0) / 1000;
        const t1 = performance.now();
        const recs = model.recommend(ds.test, 10);
        const usersPerSec = ds.test.length / ((performance.now() - t1) / 1000);
        const r = evaluateBaseline(recs, ds.test, METRICS, ds.items.length);
        model.dispose();
        runs[m].push({ seed, mean: r.mean, perUser: r.perUser, trainSec, usersPerSec });
      } else {
        // 'msl' = title identifiers, 'sid:msl' = semantic IDs
        const [identifier, objective] = m.startsWith('sid:') ? ['sid', m.slice(4)] : ['title', m];
        const out = join('runs', 'bench', `${set}-${m.replace(':', '-')}-s${seed}`);
        const cfg = resolveRunConfig([
          { value: { dataset: `windows:${dir}`, identifier, objective, seed, out, threads }, source: 'bench' },
          { value: RunConfigDef.fromFlags(flags, 'bench arguments'), source: 'bench arguments' },
        ]);
        const prev = reuse ? reusable(out, cfg) : null;
        if (prev) {
          process.stderr.write(`[bench] ${m} seed ${seed}: reusing ${out}/results.json (same config)\n`);
          runs[m].push({ seed, ...prev });
        } else {
          const r = await runExperiment(cfg, { data: ds });
          const trainSec = (performance.now() - t0) / 1000 - r.test.seconds;
          runs[m].push({ seed, mean: r.test.mean, perUser: r.test.perUser, trainSec, usersPerSec: r.test.usersPerSec });
        }
      }
      process.stderr.write(
        `[bench] ${m} seed ${seed}: ` +
          METRICS.map((k) => `${k} ${runs[m].at(-1)!.mean[k].toFixed(4)}`).join(' ') +
          '\n',
      );
    }
  }

  const rows: Row[] = [];
  const summary: Record<string, Record<string, unknown>> = {};
  for (const m of methods) {
    const rs = runs[m];
    const row: Row = { method: m, seeds: rs.length };
    const s: Record<string, unknown> = { seeds: rs.length };
    for (const k of METRICS) {
      const ms = meanStd(rs.map((r) => r.mean[k]));
      row[k] = rs.length > 1 ? { mean: ms.mean, std: ms.std } : ms.mean; // no '± 0' for one seed
      s[k] = { mean: ms.mean, std: ms.std };
    }
    row['train s'] = finiteMean(rs.map((r) => r.trainSec));
    row['users/s'] = finiteMean(rs.map((r) => r.usersPerSec));
    s.trainSeconds = row['train s'];
    s.evalUsersPerSec = row['users/s'];
    rows.push(row);
    summary[m] = s;
  }
  const columns = [
    'method',
    'seeds',
    ...METRICS.map((k) => ({ key: k, decimals: 4, best: 'max' as const })),
    { key: 'train s', decimals: 0 },
    { key: 'users/s', decimals: 1 },
  ];
  console.log(formatConsoleTable(rows, columns));
  // paired bootstrap over test users (seed 0 runs) for the comparisons the issue asks about
  const pairs: [string, string][] = [
    ['msl', 'sft'],
    ['sft', 'popularity'],
    ['msl', 'sasrec'],
    ['bear', 'msl'],
    ['bear', 'sft'],
  ];
  const comparisons: Record<string, unknown> = {};
  for (const [a, b] of pairs) {
    if (!runs[a]?.length || !runs[b]?.length) continue;
    const bs = pairedBootstrap(runs[a][0].perUser['ndcg@10'], runs[b][0].perUser['ndcg@10'], {
      resamples: 1000,
      seed: 0,
    });
    comparisons[`${a} vs ${b}`] = bs;
    console.log(
      `NDCG@10 ${a} − ${b}: ${bs.diff.toFixed(4)} [${bs.lo.toFixed(4)}, ${bs.hi.toFixed(4)}] → ${bs.verdict}`,
    );
  }
  const result = {
    bench: 'office',
    set,
    codeVersion: codeVersion().string,
    fingerprint: ds.fingerprint,
    threads,
    peakRssMb: peakRssMb(),
    methods: summary,
    comparisons,
  };
  writeJsonAtomicSync(join('runs', 'bench', `${set}-${methods.join('+').replace(/:/g, '-')}.json`), result);
  console.log('\n' + formatMarkdownTable(rows, columns));
  return { ...summary, peak_rss_mb: Math.round(peakRssMb()) };
}

export const runOfficeBench = (args: Map<string, string>) => runCompareBench(args, 'amazon-office');

/** Issue 5: semantic IDs vs title identifiers (`--set amazon-toy` for the second data set). */
export const runSidBench = (args: Map<string, string>) =>
  runCompareBench(new Map([['methods', 'sft,msl,bear,sid:sft,sid:msl,sid:bear'], ...args]), 'amazon-office');
