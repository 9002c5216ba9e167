// Grouped bar charts as Vega-Lite specs: a figure is a row of panels, each a set of groups (e.g. data sets or cut-offs
// K) with one bar per series (e.g. methods), optional interval whiskers (a 95% interval, mean ± std) and the value
// printed above each bar. Colours follow the series' position, so the same method keeps its colour across panels.
// Rendered to SVG in Node (./vega.ts chartSvg: docs and bench figures) or drawn by the report page.
import type { ChartSpec } from './vega.js';

/** One bar: a value with an optional interval [lo, hi]. A non-finite value draws no bar and prints '–'. */
export interface Bar {
  value: number;
  lo?: number;
  hi?: number;
}

export interface BarGroup {
  label: string;
  /** One bar per series, in the panel's series order (null: no bar for this series here). */
  bars: (Bar | null)[];
}

export interface BarPanel {
  title: string;
  yLabel: string;
  series: string[];
  groups: BarGroup[];
  /** Top of the y axis (default: chosen by the chart, above every bar and whisker). */
  yMax?: number;
  /** Decimals of the printed values (default 3). */
  decimals?: number;
}

export interface FigureOptions {
  title?: string;
  /** A line under the title (e.g. what the whiskers are and the command that made the figure). */
  caption?: string;
  panelWidth?: number;
  panelHeight?: number;
}

/** Okabe-Ito colours (distinguishable with the common colour-vision deficiencies). */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

function checkPanel(p: BarPanel): void {
  if (p.series.length === 0) throw new Error(`plot: panel '${p.title}' has no series`);
  for (const g of p.groups)
    if (g.bars.length !== p.series.length)
      throw new Error(
        `plot: panel '${p.title}', group '${g.label}': ${g.bars.length} bars for ${p.series.length} series`,
      );
  if (p.yMax !== undefined && !(p.yMax > 0))
    throw new Error(`plot: panel '${p.title}': yMax must be > 0, got ${p.yMax}`);
}

/** One row per (group, series) of a panel: the chart's data. */
interface BarDatum {
  group: string;
  series: string;
  value: number | null;
  lo: number | null;
  hi: number | null;
  label: string;
}

function panelData(p: BarPanel): BarDatum[] {
  const dec = p.decimals ?? 3;
  return p.groups.flatMap((g) =>
    g.bars.map((b, si): BarDatum => {
      const ok = b !== null && Number.isFinite(b.value);
      const whisker = ok && b.lo !== undefined && b.hi !== undefined && Number.isFinite(b.lo) && Number.isFinite(b.hi);
      return {
        group: g.label,
        series: p.series[si],
        value: ok ? b.value : null,
        lo: whisker ? (b.lo as number) : null,
        hi: whisker ? (b.hi as number) : null,
        label: ok ? b.value.toFixed(dec) : '–',
      };
    }),
  );
}

function panelSpec(p: BarPanel, width: number, height: number): Record<string, unknown> {
  const groups = p.groups.map((g) => g.label);
  const x = { field: 'group', type: 'nominal', sort: groups, title: null, axis: { labelAngle: 0 } };
  const xOffset = { field: 'series', type: 'nominal', sort: p.series };
  const scale = p.yMax !== undefined ? { domain: [0, p.yMax], clamp: true } : { zero: true };
  const y = { field: 'value', type: 'quantitative', title: p.yLabel, scale };
  return {
    title: p.title,
    width,
    height,
    data: { values: panelData(p) },
    encoding: { x, xOffset },
    layer: [
      {
        mark: { type: 'bar' },
        transform: [{ filter: 'datum.value !== null' }],
        encoding: {
          y,
          color: {
            field: 'series',
            type: 'nominal',
            sort: p.series,
            scale: { domain: p.series, range: p.series.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]) },
            legend: { orient: 'bottom', title: null },
          },
          tooltip: [
            { field: 'series', type: 'nominal' },
            { field: 'group', type: 'nominal' },
            { field: 'label', type: 'nominal', title: 'value' },
          ],
        },
      },
      {
        mark: { type: 'errorbar', ticks: true, size: 8, thickness: 1.2, color: '#222' },
        transform: [{ filter: 'datum.lo !== null' }],
        encoding: { y: { field: 'lo', type: 'quantitative', scale, title: p.yLabel }, y2: { field: 'hi' } },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 9 },
        transform: [
          { calculate: 'datum.value === null ? 0 : max(datum.value, datum.hi === null ? 0 : datum.hi)', as: 'top' },
        ],
        encoding: { y: { field: 'top', type: 'quantitative', scale }, text: { field: 'label' } },
      },
    ],
  };
}

/** The Vega-Lite spec of the panels side by side. */
export function barFigureSpec(panels: BarPanel[], opts: FigureOptions = {}): ChartSpec {
  if (panels.length === 0) throw new Error('plot: a figure needs at least one panel');
  for (const p of panels) checkPanel(p);
  const w = opts.panelWidth ?? 360;
  const h = opts.panelHeight ?? 240;
  const title = opts.title ? { text: opts.title, ...(opts.caption ? { subtitle: opts.caption } : {}) } : undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title } : opts.caption ? { title: { text: '', subtitle: opts.caption } } : {}),
    background: 'white',
    config: { font: 'Helvetica, Arial, sans-serif' },
    resolve: { scale: { color: 'shared' } },
    hconcat: panels.map((p) => panelSpec(p, w, h)),
  } as unknown as ChartSpec;
}
