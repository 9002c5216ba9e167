// Run directories → the report's columns (src/report/report-model.ts): runs are grouped by configuration (the same
// configuration with different seeds is one column), and each column gets its configuration, data set, code
// versions, training curves, test metrics over seeds (mean ± std, bootstrap interval of the seed-averaged per-user
// values), list metrics and cached pruning diagnostics when present. Reads files only; decodes nothing.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PruningSummary } from '../eval/pruning/summary.js';
import { bootstrapMeanInterval, meanStd, wilsonInterval } from '../eval/stats.js';
import { RunConfigDef, type RunConfig } from '../pipeline/config.js';
import type { TokenScoring } from '../decode/common.js';
import { readTrainResults, type TrainResults } from '../report/results.js';
import type {
  CurvePoint,
  PruningRow,
  PruningSection,
  ReportColumn,
  ReportCurve,
  ReportStat,
} from '../report/report-model.js';
import { diagnosticsSlot } from './figures.js';
import { readCached } from './cache.js';
import { configKey, unusedSections } from './identity.js';

/** One run directory as read: its results, its configuration and the diagnostics cached next to it. */
export interface ReportRun {
  dir: string;
  results: TrainResults;
  config: RunConfig;
  pruning: PruningSummary | null;
}

type Log = (line: string) => void;

/** Per-epoch log keys with names of their own (RL objectives record these); other log keys keep their key. */
const LOG_TITLES: Record<string, string> = {
  reward: 'reward',
  kl: 'KL to the reference',
  zeroAdvantageShare: 'zero-advantage share',
};

/** The newest valid cached pruning diagnostics of the run: its own scoring first, then the most users. */
function cachedPruning(dir: string, config: RunConfig, log: Log): PruningSummary | null {
  if (!existsSync(join(dir, 'model.safetensors'))) return null;
  const found: { users: number; scoring: TokenScoring; file: string }[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^pruning-test-(all|\d+)(?:-(full|valid))?\.json$/.exec(f);
    if (m) found.push({ users: m[1] === 'all' ? 0 : Number(m[1]), scoring: (m[2] ?? 'full') as TokenScoring, file: f });
  }
  const rank = (x: (typeof found)[number]): number =>
    (x.scoring === config.eval.scoring ? 2e9 : 0) + (x.users === 0 ? 1e9 : x.users);
  for (const x of found.sort((a, b) => rank(b) - rank(a))) {
    const v = readCached<PruningSummary>(diagnosticsSlot(dir, config, x.users, x.scoring));
    if (v) return v;
    log(`report: ${join(dir, x.file)} is stale (settings or model changed); not shown`);
  }
  return null;
}

/** Reads the run in `dir` (its results.json; cached diagnostics when valid). Errors name the file and field. */
export function readReportRun(dir: string, log: Log): ReportRun {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new Error(`report: ${dir} has no results.json (a finished genrec train run has one)`);
  const results = readTrainResults(file);
  const config = RunConfigDef.parse(results.config, `${file} config`);
  return { dir, results, config, pruning: cachedPruning(dir, config, log) };
}

/** Runs grouped by configuration (all but seed, output directory and threads) and data set, in the given order. */
export function groupRuns(runs: readonly ReportRun[]): ReportRun[][] {
  const groups = new Map<string, ReportRun[]>();
  for (const r of runs) {
    const key = `${configKey({ ...r.config, seed: 0, out: '' })}|${r.results.dataset.fingerprint}`;
    const g = groups.get(key) ?? [];
    if (g.some((x) => x.config.seed === r.config.seed))
      throw new Error(
        `report: ${r.dir} and ${g.find((x) => x.config.seed === r.config.seed)?.dir} are the same run configuration and seed`,
      );
    g.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a.config.seed - b.config.seed));
}

/** A configuration as dotted keys → printed values (without seed, out and threads: they differ by run or machine). */
function flattenConfig(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (prefix === '' && (k === 'seed' || k === 'out' || k === 'threads')) continue;
      flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  return out;
}

function stat(values: number[]): ReportStat {
  const xs = values.filter((x) => Number.isFinite(x));
  return xs.length > 0 ? meanStd(xs) : { mean: NaN, std: NaN, n: 0 };
}

/**
 * A metric over seeds: mean ± std of the seeds' means and, with several seeds whose per-user values cover the same
 * users, the 95% bootstrap interval of the mean over users of the seed-averaged per-user values.
 */
function metricStat(means: number[], perUser: (number[] | undefined)[], key: string): ReportStat {
  const s: ReportStat = stat(means);
  const n = perUser[0]?.length ?? 0;
  if (means.length < 2 || n === 0 || perUser.some((p) => p?.length !== n)) return s;
  const avg = new Float64Array(n);
  for (const p of perUser as number[][]) for (let u = 0; u < n; u++) avg[u] += p[u] / perUser.length;
  if (!avg.every((x) => Number.isFinite(x))) return s;
  const b = bootstrapMeanInterval(avg, { seed: key });
  return { ...s, lo: b.lo, hi: b.hi };
}

function metricStats(
  runs: readonly ReportRun[],
  means: (r: ReportRun) => Record<string, number> | undefined,
  perUser: (r: ReportRun) => Record<string, number[]> | undefined,
): Record<string, ReportStat> {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(means(r) ?? {})))];
  return Object.fromEntries(
    keys.map((k) => [
      k,
      metricStat(
        runs.map((r) => means(r)?.[k] ?? NaN),
        runs.map((r) => perUser(r)?.[k]),
        k,
      ),
    ]),
  );
}

/** The training curves of a group: loss, validation score, epoch time and every per-epoch log, one line per seed. */
function curves(runs: readonly ReportRun[]): ReportCurve[] {
  const series = new Map<string, { title: string; points: CurvePoint[] }>();
  const add = (key: string, title: string, p: CurvePoint): void => {
    if (!Number.isFinite(p.value)) return;
    const s = series.get(key) ?? { title, points: [] };
    s.points.push(p);
    series.set(key, s);
  };
  for (const r of runs)
    for (const h of r.results.training.history) {
      const epoch = typeof h.epoch === 'number' ? h.epoch : NaN;
      if (!Number.isFinite(epoch)) continue;
      const seed = r.config.seed;
      if (typeof h.loss === 'number') add('loss', 'training loss', { epoch, seed, value: h.loss });
      const v = h.validation as { score?: unknown } | undefined;
      if (typeof v?.score === 'number')
        add('validation', 'validation score (NDCG@10)', { epoch, seed, value: v.score });
      const logs = (h.logs ?? {}) as Record<string, unknown>;
      for (const [k, x] of Object.entries(logs))
        if (typeof x === 'number') add(`logs.${k}`, LOG_TITLES[k] ?? k, { epoch, seed, value: x });
      add('seconds', 'epoch seconds (training + validation)', { epoch, seed, value: h.seconds });
    }
  const order = (k: string): number =>
    k === 'loss'
      ? 0
      : k === 'validation'
        ? 1
        : k.startsWith('logs.') && k.slice(5) in LOG_TITLES
          ? 2
          : k === 'seconds'
            ? 4
            : 3;
  return [...series]
    .sort((a, b) => order(a[0]) - order(b[0]))
    .map(([key, s]) => ({ key, title: s.title, points: s.points }));
}

/** Pruning diagnostics over the group's seeds that have them (null when none has). */
function pruning(runs: readonly ReportRun[]): PruningSection | undefined {
  const ps = runs.map((r) => r.pruning).filter((p): p is PruningSummary => p !== null);
  if (ps.length === 0) return undefined;
  const ks = [...new Set(ps.flatMap((p) => Object.keys(p.byK)))]
    .map((k) => Number(k.replace('pr@', '')))
    .sort((a, b) => a - b);
  const rows = ks.map((k): PruningRow => {
    const byK = ps.map((p) => p.byK[`pr@${k}`]).filter((x) => x !== undefined);
    const cases = byK.reduce((a, b) => a + b.cases, 0);
    const pruned = byK.reduce((a, b) => a + b.pruned, 0);
    const w = wilsonInterval(pruned, cases);
    return {
      k,
      cases,
      pruned,
      rate: cases > 0 ? pruned / cases : NaN,
      lo: w.lo,
      hi: w.hi,
      necessaryShare: stat(byK.map((b) => b.necessaryShare)),
      beamNdcg: stat(ps.map((p) => p.beam[`ndcg@${k}`])),
      exactNdcg: stat(ps.map((p) => p.exact[`ndcg@${k}`])),
      beamHr: stat(ps.map((p) => p.beam[`hr@${k}`])),
      exactHr: stat(ps.map((p) => p.exact[`hr@${k}`])),
    };
  });
  return { users: ps[0].users, beamWidth: ps[0].beamWidth, rows };
}

/** The run config without the sections the run never reads (other objectives', the list task's in a next-item run). */
function withoutUnusedSections(cfg: RunConfig): Record<string, unknown> {
  const c: Record<string, unknown> = { ...cfg };
  for (const s of unusedSections(cfg)) delete c[s];
  return c;
}

/** The label of a group: its first directory's name without the seed suffix, with the seed count. */
function label(runs: readonly ReportRun[]): string {
  const base = basename(runs[0].dir.replace(/\/+$/, '')) || runs[0].dir;
  return runs.length > 1 ? `${base.replace(/-s\d+$/, '')} (${runs.length} seeds)` : base;
}

/** One group of runs as a report column (no beam tree: that needs the model, see ./report.ts). */
export function reportColumn(runs: readonly ReportRun[]): ReportColumn {
  const first = runs[0].results;
  const metrics = (r: ReportRun): Record<string, number> | undefined => r.results.metrics.test;
  const list = (r: ReportRun): Record<string, number> | undefined => {
    const l = r.results.metrics.list;
    return typeof l === 'object' && l !== null && !Array.isArray(l) ? (l as Record<string, number>) : undefined;
  };
  const listPerUser = (r: ReportRun): Record<string, number[]> | undefined =>
    (r.results.perUser as { list?: Record<string, number[]> }).list;
  const popularity = first.metrics.popularity;
  const spe = runs.map((r) => r.results.training.secondsPerEpoch).filter((x): x is number => typeof x === 'number');
  return {
    label: label(runs),
    dirs: runs.map((r) => r.dir),
    seeds: runs.map((r) => r.config.seed),
    dataset: { ...first.dataset },
    codeVersions: [...new Set(runs.map((r) => r.results.codeVersion))],
    timestamps: runs.map((r) => r.results.timestamp),
    config: flattenConfig(withoutUnusedSections(runs[0].config)),
    bestEpochs: runs.map((r) => r.results.training.bestEpoch),
    ...(spe.length > 0 ? { secondsPerEpoch: stat(spe) } : {}),
    curves: curves(runs),
    metrics: metricStats(runs, metrics, (r) => r.results.perUser.test),
    ...(typeof popularity === 'object' && popularity !== null
      ? { popularity: popularity as Record<string, number> }
      : {}),
    ...(runs.some((r) => list(r)) ? { listMetrics: metricStats(runs, list, listPerUser) } : {}),
    ...(pruning(runs) ? { pruning: pruning(runs) } : {}),
  };
}
