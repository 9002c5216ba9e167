// npm run bench -- office [--seeds 1] [--methods popularity,sasrec,sid:sft,sid:msl] [--preset base] [--reuse true]
//                         [--dataDir ../shared/data] [--set amazon-office] [--spec NAME=SPEC] [--smoke]
//                         [--<run config key> value ...]
// Issue 3's comparison on amazon-office (validation carved from the end of train, refit on
// train + valid before testing): NDCG@5/10, HR@5/10 on test, training time, evaluation
// users/s, peak RSS; mean ± std over seeds and paired bootstrap intervals over test users.
// --smoke: the embedded set's first 100 users, 1 seed, the tiny preset for 1 epoch (SASRec: one small epoch),
// everything under a fresh runs/smoke/<office|sid>-<time> (bench/args.ts).
// Prints a table; the last line is one JSON object keyed by method.
import { existsSync, readFileSync } from 'node:fs';
import { identifierFromJSON } from '../src/pipeline/identifiers/registry.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { setSpec, userSubset } from '../src/experiment/data.js';
import { BENCH_ROOT, benchRunDir, isRunTag } from '../src/experiment/naming.js';
import { trainOrReuse } from '../src/experiment/store.js';
import { join, resolve } from 'node:path';
import type { NextItemDataset } from '../src/data/index.js';
import { popularityRun, sasrecRun, type BaselineRun } from '../src/experiment/baselines.js';
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { meanStd, pairedBootstrap } from '../src/eval/stats.js';
import { formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { peakRssMb } from './timing.js';
import { benchCommand, configFlags, smokeRoot, SMOKE_RUN, SMOKE_USERS, type BenchArgs } from './args.js';
import { benchLog as log, tunedSasrec } from './baselines.js';

const METRICS = ['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10'];
const COMPARE_OPTIONS = {
  seeds: 'count',
  methods: 'string',
  dataDir: 'string',
  set: 'string',
  spec: 'string',
  reuse: 'bool',
  paperSample: 'bool',
  'sasrec.tune': 'bool',
} as const;
type CompareArgs = BenchArgs<typeof COMPARE_OPTIONS>;

/** Mean of the finite values (null when there is none, e.g. users/s of the popularity baseline). */
function finiteMean(xs: number[]): number | null {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
}

/** A baseline's run (src/experiment/baselines.ts) or a generative one, with its identifier figures. */
interface MethodRun extends BaselineRun {
  /** Training seconds per epoch (no validation) and mean identifier length in tokens (EOS included); NaN for baselines. */
  secondsPerEpoch?: number;
  codeLength?: number;
  /** Semantic IDs only: index build seconds (quantise + resolve), level-1 utilisation, collision rates. */
  index?: { seconds: number; level1: number; before: number; after: number };
}

/** Identifier figures of a run: mean code length (tokens per item, EOS included) and, for semantic IDs, index stats. */
function identifierFigures(dir: string): Pick<MethodRun, 'codeLength' | 'index'> {
  const ids = identifierFromJSON(JSON.parse(readFileSync(join(dir, 'ids.json'), 'utf8')));
  let sum = 0;
  for (let i = 0; i < ids.numItems; i++) sum += ids.code(i).length;
  const st = ids instanceof SemanticIdentifier ? ids.stats : null;
  return {
    codeLength: sum / Math.max(ids.numItems, 1),
    index: st
      ? {
          seconds: st.buildMs / 1000,
          level1: st.utilisation[0],
          before: st.collisionRateBefore,
          after: st.collisionRateAfter,
        }
      : undefined,
  };
}

/** A comparison bench's defaults: data set, methods, and the preset under its flags (`--preset` overrides it). */
interface CompareDefaults {
  set: string;
  methods: string;
  preset: RunConfig['preset'];
}

async function runCompareBench(
  bench: string,
  args: CompareArgs,
  defaults: CompareDefaults,
): Promise<Record<string, unknown>> {
  const { options } = args;
  const flags = configFlags(RunConfigDef, args); // first: a bad flag fails before any work
  const smoke = options.smoke ?? false;
  const dataDir = options.dataDir ?? process.env.GENREC_SHARED_DATA ?? resolve(process.cwd(), '../shared/data');
  const root = smoke ? smokeRoot(bench) : BENCH_ROOT;
  // --spec NAME=SPEC: any data-set spec (e.g. sequences:…/movielens-1m?protocol=leave-one-out), runs named NAME
  const named = options.spec?.split(/=(.*)/s);
  if (named && !(named[0] && named[1] && isRunTag(named[0])))
    throw new Error(
      `bench: --spec must be NAME=SPEC with NAME letters, digits, '.', '_' or '-', got '${options.spec}'`,
    );
  let set = smoke ? 'embedded:office-mini' : (named?.[0] ?? options.set ?? defaults.set);
  const dir = join(dataDir, set);
  if (!smoke && !named && !existsSync(join(dir, 'train.csv')))
    throw new Error(`bench: ${dir}/train.csv not found (set --dataDir)`);
  const seeds = Array.from({ length: options.seeds ?? 1 }, (_, i) => i);
  const methods = (options.methods ?? defaults.methods).split(',');
  const reuse = options.reuse ?? false;
  // the same data-set spec as `bench bear` (book and toy: the paper's train_10000 sample), so runs are shared
  const spec = named && !smoke ? named[1] : setSpec(set, dataDir, options.paperSample ?? true);
  const full: NextItemDataset = loadDatasetFromSpec(spec);
  const ds = smoke ? userSubset(full, SMOKE_USERS) : full;
  if (smoke) set = ds.name; // office-mini-100u
  const threads = applyThreads(flags.threads ?? 0);
  process.stderr.write(
    `[bench] ${set}: ${ds.items.length} items, train ${ds.train.length} / valid ${ds.valid.length} / test ${ds.test.length}; ${threads} threads\n`,
  );

  const runs: Record<string, MethodRun[]> = {};
  for (const m of methods) {
    runs[m] = [];
    for (const seed of seeds) {
      if (m === 'popularity') {
        runs[m].push(popularityRun(ds, METRICS));
        break; // deterministic: one run
      } else if (m === 'sasrec') {
        const { base, tuning } = tunedSasrec(set, ds, root, smoke, options['sasrec.tune'] ?? true);
        runs[m].push(sasrecRun(set, ds, seed, root, base, tuning, METRICS, log));
      } else {
        // 'msl' = title identifiers, 'sid:msl' = semantic IDs
        const [identifier, objective] = m.startsWith('sid:') ? ['sid', m.slice(4)] : ['title', m];
        const out = benchRunDir(set, m, seed, '', root);
        const cfg = resolveRunConfig([
          {
            value: { preset: defaults.preset, dataset: spec, identifier, objective, seed, out, threads },
            source: 'bench',
          },
          { value: smoke ? SMOKE_RUN : {}, source: `bench ${bench} --smoke` },
          { value: flags, source: 'bench arguments' },
        ]);
        const r = await trainOrReuse(cfg, ds, { reuse, log });
        runs[m].push({
          seed,
          mean: r.mean,
          perUser: r.perUser,
          trainSec: r.trainSeconds,
          usersPerSec: r.usersPerSec,
          secondsPerEpoch: r.secondsPerEpoch,
          ...identifierFigures(r.dir),
        });
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
    row['train s/ep'] = finiteMean(rs.map((r) => r.secondsPerEpoch ?? NaN));
    row['code len'] = finiteMean(rs.map((r) => r.codeLength ?? NaN));
    const ix = rs[0]?.index;
    row['index s'] = ix ? ix.seconds : null;
    row['L1 util'] = ix ? ix.level1 : null;
    row['collisions'] = ix ? `${(100 * ix.before).toFixed(1)}% → ${(100 * ix.after).toFixed(1)}%` : null;
    s.index = ix ?? null;
    s.trainSeconds = row['train s'];
    s.evalUsersPerSec = row['users/s'];
    s.trainSecondsPerEpoch = row['train s/ep'];
    s.meanCodeLength = row['code len'];
    rows.push(row);
    summary[m] = s;
  }
  const columns = [
    'method',
    'seeds',
    ...METRICS.map((k) => ({ key: k, decimals: 4, best: 'max' as const })),
    { key: 'train s', decimals: 0 },
    { key: 'train s/ep', decimals: 1 },
    { key: 'code len', decimals: 1 },
    { key: 'index s', decimals: 1 },
    { key: 'L1 util', decimals: 2 },
    { key: 'collisions' },
    { key: 'users/s', decimals: 1 },
  ];
  console.log(formatConsoleTable(rows, columns));
  // paired bootstrap over test users (seed 0 runs) for the comparisons the issue asks about
  const pairs: [string, string][] = [
    ['msl', 'sft'],
    ['sft', 'popularity'],
    ['bear', 'msl'],
    ['bear', 'sft'],
    ['sid:sft', 'sft'],
    ['sid:msl', 'msl'],
    ['sid:bear', 'bear'],
    // every generative method against both baselines
    ...methods
      .filter((m) => m !== 'popularity' && m !== 'sasrec')
      .flatMap((m): [string, string][] => [
        [m, 'sasrec'],
        [m, 'popularity'],
      ]),
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
  writeJsonAtomicSync(join(root, `${set}-${methods.join('+').replace(/:/g, '-')}.json`), result);
  console.log('\n' + formatMarkdownTable(rows, columns));
  return { ...summary, peak_rss_mb: Math.round(peakRssMb()) };
}

export const officeBench = benchCommand('office', COMPARE_OPTIONS, true, (args) =>
  runCompareBench('office', args, {
    set: 'amazon-office',
    methods: 'popularity,sasrec,sid:sft,sid:msl',
    preset: 'base',
  }),
);

/** Issue 5: semantic IDs vs title identifiers (`--set amazon-toy` for the second data set). */
export const sidBench = benchCommand('sid', COMPARE_OPTIONS, true, (args) =>
  runCompareBench(
    'sid',
    args,
    // issue 5's comparison as it was run: the small preset (title defaults) for both identifiers
    { set: 'amazon-office', methods: 'sft,msl,bear,sid:sft,sid:msl,sid:bear', preset: 'small' },
  ),
);
