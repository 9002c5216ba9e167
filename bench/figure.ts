// npm run bench -- figure --files runs/bench/scoring-amazon-office-<t>.json,… [--out docs/figures/bear.svg]
//                         [--title '…'] [--smoke]
// BEAR's comparison as a figure a person can open (SVG): one group per data set (one `bench scoring` results file
// each), one bar per method, three panels — NDCG@10 (mean ± std over seeds), PR@10 pooled over seeds with its 95%
// Wilson interval (the paper's Figures 3 and 6), and the necessary-condition share of the pruned cases (Figure 4,
// mean ± std over seeds). `bench scoring` draws the same figure for its own set next to its JSON. --smoke (without
// --files) draws a small synthetic results file it writes under a fresh runs/smoke/figure-<time>, the figure beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wilsonInterval } from '../src/eval/stats.js';
import { barFigureSpec, type Bar, type BarPanel } from '../src/report/bars.js';
import { chartSvg } from '../src/report/vega.js';
import { writeFileAtomicSync, writeJsonAtomicSync } from '../src/util/atomic.js';
import { benchCommand, smokeRoot } from './args.js';
import { summarize, type Summary } from '../src/experiment/summary.js';

/** What the figure reads from a `bench scoring` result. */
export interface ScoringFigureInput {
  set: string;
  methods: Record<string, { summary: Summary; finalTag?: string; chosen?: string }>;
}

const meanStdBar = (s: Summary, key: string): Bar | null => {
  const v = s[key];
  if (!v || !Number.isFinite(v.mean)) return null;
  return v.n > 1 && Number.isFinite(v.std)
    ? { value: v.mean, lo: v.mean - v.std, hi: v.mean + v.std }
    : { value: v.mean };
};

const pooledBar = (s: Summary, key: string): Bar | null => {
  const cases = s[`${key} cases`]?.mean;
  const pruned = s[`${key} pruned`]?.mean;
  if (!cases || pruned === undefined) return null;
  const w = wilsonInterval(pruned, cases);
  return { value: pruned / cases, lo: w.lo, hi: w.hi };
};

/** The three panels over the given results (groups: their sets, in order; series: every method that appears). */
export function scoringPanels(results: ScoringFigureInput[]): BarPanel[] {
  const series = [...new Set(results.flatMap((r) => Object.keys(r.methods)))];
  const label = (m: string): string => m.toUpperCase();
  const panel = (title: string, yLabel: string, bar: (s: Summary) => Bar | null, decimals: number): BarPanel => ({
    title,
    yLabel,
    series: series.map(label),
    decimals,
    groups: results.map((r) => ({
      label: r.set.replace(/^amazon-/, ''),
      bars: series.map((m) => (r.methods[m] ? bar(r.methods[m].summary) : null)),
    })),
  });
  return [
    panel('NDCG@10 (mean ± std over seeds)', 'NDCG@10', (s) => meanStdBar(s, 'ndcg@10'), 4),
    panel('PR@10, pooled over seeds (95% Wilson)', 'pruned / cases', (s) => pooledBar(s, 'pr@10'), 3),
    panel('pruned cases violating the necessary condition', 'share (mean ± std)', (s) => meanStdBar(s, 'nec@10'), 2),
  ];
}

/** The figure's SVG (Vega-Lite, rendered in Node) with the given title and caption (a line under the title). */
export async function scoringFigureSvg(results: ScoringFigureInput[], title: string, caption: string): Promise<string> {
  return chartSvg(barFigureSpec(scoringPanels(results), { title, caption, panelWidth: 330, panelHeight: 230 }));
}

const FIGURE_OPTIONS = { files: 'string', out: 'string', title: 'string' } as const;

/** --smoke's input: a synthetic `bench scoring` results file (two seeds of SFT, MSL and BEAR) in `root`. */
function smokeResults(root: string): string {
  const methods: ScoringFigureInput['methods'] = {};
  ['sft', 'msl', 'bear'].forEach((m, i) => {
    const seeds = [0, 1].map((seed) => ({
      seed,
      values: { 'ndcg@10': 0.01 * (i + 1) + 0.002 * seed, 'nec@10': 0.5 - 0.1 * i },
      counts: { 'pr@10': { cases: 40, pruned: 12 - 4 * i + seed } },
      ndcg10: new Float64Array(0),
    }));
    methods[m] = { summary: summarize(seeds), finalTag: 'smoke', chosen: 'full' };
  });
  const file = join(root, 'scoring-smoke.json');
  writeJsonAtomicSync(file, { result: { set: 'smoke', methods } });
  return file;
}

export const figureBench = benchCommand('figure', FIGURE_OPTIONS, false, async ({ options }) => {
  const root = options.smoke && options.files === undefined ? smokeRoot('figure') : null;
  const files = (root ? smokeResults(root) : (options.files ?? '')).split(',').filter(Boolean);
  if (files.length === 0) throw new Error('bench figure: --files a.json,b.json (bench scoring results) is required');
  const results = files.map((file) => {
    let doc: { result?: ScoringFigureInput };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as { result?: ScoringFigureInput };
    } catch (e) {
      throw new Error(`bench figure: ${file}: ${(e as Error).message}`);
    }
    const r = doc.result;
    if (!r || typeof r.set !== 'string' || typeof r.methods !== 'object' || r.methods === null)
      throw new Error(`bench figure: ${file}: not a bench scoring results file (no result.set / result.methods)`);
    return r;
  });
  const out = options.out ?? (root ? join(root, 'figure-bear.svg') : 'runs/bench/figure-bear.svg');
  const tags = results
    .map((r) => {
      const t = Object.entries(r.methods).map(([m, v]) =>
        [m, v.finalTag, v.chosen].filter((x) => x !== undefined && x !== '').join(' '),
      );
      return `${r.set.replace(/^amazon-/, '')}: ${t.join(', ')}`;
    })
    .join('; ');
  const title = options.title ?? 'SFT, MSL and BEAR: accuracy and beam-search pruning';
  writeFileAtomicSync(out, await scoringFigureSvg(results, title, `method, run tag, decoding distribution — ${tags}`));
  console.log(`figure: ${out}`);
  return { out, files, sets: results.map((r) => r.set) };
});
