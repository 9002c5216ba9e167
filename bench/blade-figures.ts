// The figures of `bench blade` as SVG (Vega-Lite rendered in Node, src/report/vega.ts): Fig. 4 (training curves of
// τ = 0 vs τ = 0.3 with the mechanism's diagnostics; test Recall@5 over τ), Fig. 5–6 (G with and without the prior),
// Fig. 8 (composite rewards: MGU / ILD against NDCG@5, SFT marked).
import { join } from 'node:path';
import type { StepPoint } from '../src/pipeline/list/run.js';
import { SERIES_COLOURS } from '../src/report/bars.js';
import { chartSvg, type ChartSpec } from '../src/report/vega.js';

export interface CurveRun {
  label: string;
  steps: StepPoint[];
}

interface FigureInput {
  curves: CurveRun[];
  /** Validation metrics at step 0 (the init run), drawn as every curve's first point when given. */
  start?: Record<string, number>;
  tau?: { points: { tau: number; 'recall@5': number; validation: number | null }[]; chosen: number };
  group?: { points: { G: number; prior: boolean; 'recall@5': number; 'ndcg@5': number }[] };
  composite?: {
    points: { reward: string; lambda: number; 'ndcg@5': number; mgu: number; ild: number }[];
    sft: Record<string, number> | null;
  };
}

type Datum = Record<string, number | string | null>;

/** A line panel: x / y fields of `values`, one line per `series` value. */
function linePanel(title: string, values: Datum[], x: string, y: string, series: string, xTitle: string): object {
  const names = [...new Set(values.map((v) => String(v[series])))];
  return {
    title,
    width: 260,
    height: 170,
    data: { values },
    mark: { type: 'line', point: { size: 25 } },
    encoding: {
      x: { field: x, type: 'quantitative', title: xTitle },
      y: { field: y, type: 'quantitative', title: null, scale: { zero: false } },
      color: {
        field: series,
        type: 'nominal',
        title: null,
        scale: { domain: names, range: names.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]) },
        legend: { orient: 'bottom' },
      },
    },
  };
}

/** Trailing mean over `w` steps (the per-step diagnostics are noisy: one batch of 16 prompts each). */
function smooth(xs: (number | null)[], w: number): (number | null)[] {
  return xs.map((_, i) => {
    const win = xs.slice(Math.max(0, i - w + 1), i + 1).filter((v): v is number => v !== null && Number.isFinite(v));
    return win.length ? win.reduce((a, b) => a + b, 0) / win.length : null;
  });
}

function figure(title: string, caption: string, panels: object[]): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: caption, anchor: 'start' },
    background: 'white',
    // two panels per row
    vconcat: Array.from({ length: Math.ceil(panels.length / 2) }, (_, i) => ({
      hconcat: panels.slice(2 * i, 2 * i + 2),
    })),
    config: { view: { stroke: '#ddd' } },
  } as unknown as ChartSpec;
}

export async function bladeFigures(dir: string, f: FigureInput, set: string): Promise<{ file: string; svg: string }[]> {
  const out: { file: string; svg: string }[] = [];
  if (f.curves.length) {
    const W = 8;
    const perStep = (key: (s: StepPoint) => number | null): Datum[] =>
      f.curves.flatMap((c) => {
        const ys = smooth(c.steps.map(key), W);
        return c.steps.map((s, i) => ({ step: s.step, value: ys[i], run: c.label }));
      });
    const val = f.curves.flatMap((c) => [
      ...(f.start?.['recall@5'] !== undefined ? [{ step: 0, value: f.start['recall@5'], run: c.label }] : []),
      ...c.steps
        .filter((s) => s.validation?.['recall@5'] !== undefined)
        .map((s) => ({ step: s.step, value: s.validation!['recall@5'], run: c.label })),
    ]);
    out.push({
      file: join(dir, 'blade-fig4-curves.svg'),
      svg: await chartSvg(
        figure(
          `BLADE Fig. 4 on ${set}: static target (τ = 0) vs BLADE (τ = 0.3)`,
          `validation Recall@5 (512 prompts) every 16 steps from the SFT model (step 0); diagnostics per step, trailing mean over ${W} steps`,
          [
            linePanel('validation Recall@5', val, 'step', 'value', 'run', 'step'),
            linePanel(
              'saturated share (F̂ = 1)',
              perStep((s) => s.logs.saturated ?? null),
              'step',
              'value',
              'run',
              'step',
            ),
            linePanel(
              'mean |advantage|',
              perStep((s) => s.logs.meanAbsAdvantage ?? null),
              'step',
              'value',
              'run',
              'step',
            ),
            linePanel(
              'gradient norm (before clipping)',
              perStep((s) => s.gradNorm),
              'step',
              'value',
              'run',
              'step',
            ),
          ],
        ),
      ),
    });
  }
  if (f.tau && f.tau.points.length) {
    const values = f.tau.points.map((p) => ({ tau: p.tau, value: p['recall@5'], run: 'test Recall@5' }));
    out.push({
      file: join(dir, 'blade-fig4-tau.svg'),
      svg: await chartSvg(
        figure(
          `BLADE Fig. 4 on ${set}: test Recall@5 over τ`,
          `τ = 0 is static BoN alignment; τ chosen on validation: ${f.tau.chosen}`,
          [linePanel('test Recall@5', values, 'tau', 'value', 'run', 'τ')],
        ),
      ),
    });
  }
  if (f.group && f.group.points.length) {
    const values = (k: 'recall@5' | 'ndcg@5'): Datum[] =>
      f.group!.points.map((p) => ({ G: p.G, value: p[k], run: p.prior ? 'BLADE (prior M)' : 'w/o prior (M = 0)' }));
    out.push({
      file: join(dir, 'blade-fig5-group.svg'),
      svg: await chartSvg(
        figure(
          `BLADE Fig. 5–6 on ${set}: group size G with and without the prior`,
          'test split, greedy lists, one seed',
          [
            linePanel('test Recall@5', values('recall@5'), 'G', 'value', 'run', 'G'),
            linePanel('test NDCG@5', values('ndcg@5'), 'G', 'value', 'run', 'G'),
          ],
        ),
      ),
    });
  }
  if (f.composite && f.composite.points.length) {
    const sft = f.composite.sft;
    const panel = (reward: string, aux: 'mgu' | 'ild', title: string): object => {
      const pts: Datum[] = f
        .composite!.points.filter((p) => p.reward === reward)
        .map((p) => ({
          ndcg: p['ndcg@5'],
          aux: p[aux],
          label: p.lambda === 0 ? 'λ = 0 (BLADE-N)' : `λ = ${p.lambda}`,
          kind: 'BLADE-N composite',
        }));
      if (sft) pts.push({ ndcg: sft['ndcg@5'], aux: sft[aux], label: 'SFT', kind: 'SFT' });
      return {
        title,
        width: 260,
        height: 200,
        data: { values: pts },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 70 },
            encoding: {
              x: { field: 'ndcg', type: 'quantitative', title: 'test NDCG@5', scale: { zero: false } },
              y: { field: 'aux', type: 'quantitative', title: aux.toUpperCase(), scale: { zero: false } },
              color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
            },
          },
          {
            mark: { type: 'text', dx: 6, dy: -8, align: 'left', fontSize: 10 },
            encoding: {
              x: { field: 'ndcg', type: 'quantitative' },
              y: { field: 'aux', type: 'quantitative' },
              text: { field: 'label' },
            },
          },
        ],
      };
    };
    out.push({
      file: join(dir, 'blade-fig8-composite.svg'),
      svg: await chartSvg(
        figure(
          `BLADE Fig. 8 on ${set}: composite rewards`,
          'R_fair = NDCG@10 − λ·MGU, R_div = NDCG@10 + λ·ILD; lower MGU / higher ILD is better',
          [panel('fair', 'mgu', 'fairness: MGU vs NDCG@5'), panel('div', 'ild', 'diversity: ILD vs NDCG@5')],
        ),
      ),
    });
  }
  return out;
}
