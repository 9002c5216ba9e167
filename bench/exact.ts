// npm run bench -- exact --run DIR [--users 20] [--limits 16384,0] [--split test] [--threads N] [--smoke]
// Exact top-K search (K = 10, no floors: the diagnostics' 'full' mode, the heaviest case) on the first --users rows
// of a trained run's split, once per live-state limit (`maxStateRows`; 0 = unlimited), smallest limit first so that
// the process's peak RSS after each run is that run's peak. Reports model rows expanded, recomputed rows, peak live
// state rows, compactions / evictions, seconds, peak RSS, and whether every limit returns the same items (and
// log-probs to 1e-4) as the first. --smoke (no --run) first trains a tiny SFT run (`bench bear --smoke`) under a fresh
// runs/smoke/exact-<time> and searches for its first 5 users. Last line is JSON.
import { noGrad, tidy } from '../src/engine/index.js';
import { exactTopK } from '../src/decode/exact.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { formatConsoleTable, type Row } from '../src/report/table.js';
import { benchCommand, smokeRoot, type BenchArgs } from './args.js';
import { bearBench, runBear } from './bear.js';
import { benchRunDir } from '../src/experiment/naming.js';
import { peakRssMb } from './timing.js';

const EXACT_OPTIONS = {
  run: 'string',
  users: 'positive',
  limits: 'string',
  split: ['test', 'valid'],
  threads: 'count',
} as const;

export const exactBench = benchCommand('exact', EXACT_OPTIONS, false, (args) =>
  args.options.smoke && args.options.run === undefined ? exactSmoke(args) : runExact(args),
);

async function exactSmoke(args: BenchArgs<typeof EXACT_OPTIONS>): Promise<Record<string, unknown>> {
  const root = smokeRoot('exact');
  const threads = args.options.threads === undefined ? [] : ['--threads', String(args.options.threads)];
  const argv = ['--smoke', '--methods', 'sft', '--diagnose', 'false', ...threads];
  const [set] = Object.keys(await runBear(bearBench.parse(argv), root));
  return runExact({ ...args, options: { users: 5, ...args.options, run: benchRunDir(set, 'sft', 0, '', root) } });
}

function runExact({ options }: BenchArgs<typeof EXACT_OPTIONS>): Record<string, unknown> {
  const dir = options.run;
  if (!dir) throw new Error('bench exact: --run DIR is required (a trained run directory; or --smoke)');
  const users = options.users ?? (options.smoke ? 5 : 20);
  const limits = (options.limits ?? '16384,0').split(',').map((s) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < 0) throw new Error(`bench exact: --limits entry '${s}' is not an integer ≥ 0`);
    return v === 0 ? Number.MAX_SAFE_INTEGER : v;
  });
  limits.sort((a, b) => a - b);
  const split = options.split ?? 'test';
  applyThreads(options.threads ?? 0);
  const run = loadRun(dir);
  const ds = loadDatasetFromSpec(run.config.dataset);
  const rows = ds[split].slice(0, users);
  const model = run.model;
  const rowsOut: Row[] = [];
  const out: Record<string, unknown>[] = [];
  let reference: string | null = null;
  for (const maxStateRows of limits) {
    const t0 = Date.now();
    const res = tidy(() =>
      noGrad(() =>
        exactTopK(
          { model: model.stepModel(rows.map((e) => e.history)), constraint: model.ids.trie, numUsers: rows.length },
          { topK: 10, maxRowsPerRound: 4096, maxPopsPerUser: 32, maxStateRows, scoring: 'full' },
        ),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;
    const sig = JSON.stringify(res.hypotheses.map((hs) => hs.map((h) => [h.item, Math.round(h.logProb * 1e4)])));
    reference ??= sig;
    const expanded = res.expansions.reduce((a, b) => a + b, 0);
    const r = {
      limit: maxStateRows === Number.MAX_SAFE_INTEGER ? 'none' : maxStateRows,
      'rows/user': expanded / rows.length,
      'recomputed/user': res.recomputedRows / rows.length,
      'peak state rows': res.peakStateRows,
      compactions: res.compactions,
      evictions: res.evictions,
      seconds,
      'peak RSS MB': peakRssMb(),
      'same result': sig === reference ? 'yes' : 'NO',
    };
    rowsOut.push(r);
    out.push(r);
  }
  console.log(`\n${dir}: exact top-10 on the first ${rows.length} ${split} rows`);
  console.log(
    formatConsoleTable(rowsOut, [
      { key: 'limit' },
      { key: 'rows/user', decimals: 0 },
      { key: 'recomputed/user', decimals: 0 },
      { key: 'peak state rows' },
      { key: 'compactions' },
      { key: 'evictions' },
      { key: 'seconds', decimals: 1 },
      { key: 'peak RSS MB', decimals: 0 },
      { key: 'same result' },
    ]),
  );
  return { run: dir, split, users: rows.length, results: out };
}
