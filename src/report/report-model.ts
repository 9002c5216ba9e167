// What a report shows, as plain data: one column per group of runs (one configuration, one or more seeds). Built by
// the experiment layer (src/experiment/report.ts) from run directories; rendered by ./report-html.ts. Optional
// sections are absent (undefined) when no run has them, and the page then leaves them out.
import type { BeamTreeView } from './beam-tree.js';

/** A figure over seeds: mean ± sample std (NaN with one seed), n seeds, and a 95% bootstrap interval if computed. */
export interface ReportStat {
  mean: number;
  std: number;
  n: number;
  lo?: number;
  hi?: number;
}

/** One point of a training curve: `value` at `epoch` of the run with seed `seed`. */
export interface CurvePoint {
  epoch: number;
  seed: number;
  value: number;
}

/** A training curve (loss, validation metric, RL reward / KL / zero-advantage share, …), one line per seed. */
export interface ReportCurve {
  /** Stable id (e.g. `loss`, `validation`, `logs.kl`). */
  key: string;
  title: string;
  points: CurvePoint[];
}

/** BEAR's pruning diagnostics at one cut-off K (pooled over seeds where counts add up). */
export interface PruningRow {
  k: number;
  cases: number;
  pruned: number;
  /** PR@K: pruned / cases (pooled over seeds), with its 95% Wilson interval. */
  rate: number;
  lo: number;
  hi: number;
  /** Share of the pruned cases whose target violates the necessary condition (mean ± std over seeds). */
  necessaryShare: ReportStat;
  beamNdcg: ReportStat;
  exactNdcg: ReportStat;
  beamHr: ReportStat;
  exactHr: ReportStat;
}

export interface PruningSection {
  /** Test users diagnosed per seed and the beam width. */
  users: number;
  beamWidth: number;
  rows: PruningRow[];
}

/** One group of runs: the same configuration with one or more seeds. */
export interface ReportColumn {
  label: string;
  dirs: string[];
  seeds: number[];
  dataset: { name: string; fingerprint: string; protocol: string };
  /** Distinct code versions and timestamps of the group's results files. */
  codeVersions: string[];
  timestamps: string[];
  /** Configuration flattened to dotted keys (the first seed's; `seed` and `out` differ by run). */
  config: Record<string, string>;
  /** Best epoch per seed, training seconds per epoch. */
  bestEpochs: number[];
  secondsPerEpoch?: ReportStat;
  curves: ReportCurve[];
  /** Test metrics (e.g. `ndcg@10`). */
  metrics: Record<string, ReportStat>;
  /** Reference figures of the data set (the most-popular baseline), when recorded. */
  popularity?: Record<string, number>;
  /** List-task metrics, when the results file has them (`metrics.list`). */
  listMetrics?: Record<string, ReportStat>;
  pruning?: PruningSection;
  beamTree?: BeamTreeView;
}

export interface ReportModel {
  title: string;
  /** ISO time the report was made. */
  generated: string;
  /** The code version that made the report. */
  codeVersion: string;
  columns: ReportColumn[];
}
