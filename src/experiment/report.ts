// `genrec report`: run directories → one self-contained HTML file. Reads each run's results (./report-columns.ts),
// groups seeds of one configuration into a column, decodes one test user per column with a traced beam search for the
// beam-tree view (the column's first seed; the model is loaded and freed here), and renders the page (src/report).
import { loadDatasetFromSpec } from '../pipeline/dataset.js';
import { beamTreeView } from '../pipeline/beam-trace.js';
import { checkRunData, loadRun } from '../pipeline/load-run.js';
import type { NextItemDataset } from '../data/index.js';
import type { ReportModel } from '../report/report-model.js';
import { reportHtml } from '../report/report-html.js';
import { vegaBrowserBundle } from '../report/vega.js';
import { writeFileAtomicSync } from '../util/atomic.js';
import { codeVersion } from '../util/version.js';
import { groupRuns, readReportRun, reportColumn } from './report-columns.js';

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** Test row (0-based) whose beam search the beam-tree view shows in every column; null: no beam tree. */
  user: number | null;
  /** Page title. */
  title: string;
  /** Decode the beam tree even when the data set no longer matches the run's fingerprint (with a warning). */
  allowDataChange: boolean;
  log: (line: string) => void;
}

/** Pruned children shown per prefix in the beam tree besides the top-2B-ranked ones and the target's. */
const PRUNED_SHOWN = 3;
/** History items shown above the beam tree. */
const HISTORY_SHOWN = 5;

/** The report's content for the runs in `dirs` (at least one). */
export function buildReport(dirs: readonly string[], opts: ReportOptions): ReportModel {
  if (dirs.length === 0) throw new Error('report: give at least one run directory');
  const groups = groupRuns(dirs.map((d) => readReportRun(d, opts.log)));
  const datasets = new Map<string, NextItemDataset>();
  const columns = groups.map((runs) => {
    const col = reportColumn(runs);
    if (opts.user === null) return col;
    const run = loadRun(runs[0].dir);
    try {
      const cfg = run.config;
      const ds = datasets.get(cfg.dataset) ?? loadDatasetFromSpec(cfg.dataset);
      datasets.set(cfg.dataset, ds);
      checkRunData(run, ds, opts.allowDataChange, opts.log);
      const ex = ds.test[opts.user];
      if (ex === undefined)
        throw new Error(`report: --user ${opts.user} is not a test row of ${ds.name} (it has ${ds.test.length})`);
      const beamTree = beamTreeView(run.model, run.ids, ex, opts.user, {
        beamWidth: cfg.eval.beamWidth,
        topK: Math.max(...cfg.eval.ks),
        scoring: cfg.eval.scoring,
        prunedShown: PRUNED_SHOWN,
        historyShown: HISTORY_SHOWN,
      });
      return { ...col, beamTree };
    } finally {
      run.model.dispose();
    }
  });
  return { title: opts.title, generated: new Date().toISOString(), codeVersion: codeVersion().string, columns };
}

/** Writes the report page to `file` (atomically); returns its size in bytes. */
export function writeReport(file: string, model: ReportModel): number {
  const html = reportHtml(model, { vegaJs: vegaBrowserBundle() });
  writeFileAtomicSync(file, html);
  return Buffer.byteLength(html);
}
