// Training curves as Vega-Lite line charts: one line per seed over epochs (loss, a validation metric, RL reward /
// KL / zero-advantage share…).
import { SERIES_COLOURS } from './bars.js';
import type { ReportCurve } from './report-model.js';
import type { ChartSpec } from './vega.js';

export interface CurveOptions {
  width?: number;
  height?: number;
}

/** The line chart of one curve (colour by seed when it has several). */
export function curveSpec(c: ReportCurve, opts: CurveOptions = {}): ChartSpec {
  const seeds = [...new Set(c.points.map((p) => p.seed))].sort((a, b) => a - b);
  const epochs = c.points.map((p) => p.epoch);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: c.title,
    width: opts.width ?? 280,
    height: opts.height ?? 150,
    background: 'white',
    data: { values: c.points.map((p) => ({ ...p, seed: `seed ${p.seed}` })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        axis: { tickMinStep: 1, format: 'd' },
        scale: { domain: [Math.min(...epochs, 1), Math.max(...epochs, 1)] },
      },
      y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      color: {
        field: 'seed',
        type: 'nominal',
        scale: {
          domain: seeds.map((s) => `seed ${s}`),
          range: seeds.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]),
        },
        legend: seeds.length > 1 ? { orient: 'bottom', title: null } : null,
      },
      tooltip: [
        { field: 'seed', type: 'nominal' },
        { field: 'epoch', type: 'quantitative' },
        { field: 'value', type: 'quantitative', format: '.4f' },
      ],
    },
  };
  return spec as unknown as ChartSpec;
}
