// npm run bench -- blade [--parts table,tau,group,composite,cost] [--seeds 3] [--only bon@1,blade-n@1,…]
//                        [--figures DIR] [--dataDir ../shared/data] [--reuse true] [--<run config key> value …] [--smoke]
// Issue 19's reproduction of BLADE (/work/shared/papers/blade.md §4) on MovieLens-1M's list task: the SFT runs of
// `bench list` (same settings, reused), then alignment from them on the same training prompts with every method of
// Table 3 — GRPO on the raw reward, S-DPO, List-DPO, static BoN alignment (τ = 0), BLADE-R (Recall), BLADE-N (NDCG) —
// and beam-search lists; every trained method tested with greedy lists on the whole test split. Parts:
//   table      Table 3 (3 seeds for SFT, BoN alignment and BLADE-N), paired bootstraps over test users
//   tau        Fig. 4: validation Recall@5 over steps for τ = 0 and 0.3 (with saturation, |advantage|, gradient norm);
//              test Recall@5 for τ ∈ {0, 0.1, 0.3, 0.5, 1.0}, τ chosen on validation
//   group      Fig. 5–6: G ∈ {2, 4, 8, 16} with the prior (M reference lists) and without it (M = 0)
//   composite  Fig. 8: R_fair / R_div with λ ∈ {0, 0.1, 0.5, 1.0}: MGU vs NDCG@5 and ILD vs NDCG@5 against SFT
//   cost       BLADE's training step vs static BoN alignment's on the same rollouts (median ratio over repeats)
// --only name[@seed],…: train just those runs (e.g. to split the work over two processes); reporting needs them all.
// --smoke: the embedded genre-drift set, tiny settings, one seed, every part; under runs/smoke/blade-<time>.
// Prints tables; figures (SVG) go to --figures (default runs/bench/blade-figures); the last line is one JSON object
// keyed by method.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { meanStd, type BootstrapResult } from '../src/eval/stats.js';
import { formatConsoleTable, type Row } from '../src/report/table.js';
import { writeFileAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { benchCommand, type BenchArgs } from './args.js';
import { benchLog as log } from './baselines.js';
import { bladeFigures, type CurveRun } from './blade-figures.js';
import { stepCostRatio } from './blade-cost.js';
import {
  inferenceRun,
  listBenchContext,
  listBootstrap,
  metricSummary,
  PREFERENCE_LAYER,
  trainOrReuseList,
  type MethodResult,
} from './list.js';
import { peakRssMb } from './timing.js';

const OPTIONS = {
  seeds: 'count',
  parts: 'string',
  only: 'string',
  figures: 'string',
  dataDir: 'string',
  reuse: 'bool',
} as const;
const PARTS = ['table', 'tau', 'group', 'composite', 'cost'] as const;
type Part = (typeof PARTS)[number];
const REPORT = ['recall@3', 'recall@5', 'ndcg@3', 'ndcg@5', 'ndcg@10', 'mgu', 'ild'];

/**
 * The alignment settings of every run here (stated in docs/RESULTS.md). To fit the bench into about four hours on
 * two cores: 2,048 training prompts (the paper's 4,096 halved), G = 8 (16 halved), M = 32 reference lists (128 / 4),
 * 2 epochs; validation (512 prompts) every 16 of the 256 steps for Fig. 4's curve. lr 1e-4 is GRPO's, chosen on
 * validation in `bench list`. The rewards score the whole list of 10 (the registry's cut-offs default to 5).
 */
const BLADE_LAYER = {
  align: {
    prompts: 2048,
    validPrompts: 512,
    groupSize: 8,
    epochs: 2,
    lr: 1e-4,
    batchPrompts: 16,
    validEverySteps: 16,
  },
  rewards: { ndcg: { k: 10 }, recall: { k: 10 }, fair: { k: 10 }, div: { k: 10 } },
  bon: { referenceSize: 32, n: 4 },
};
const BLADE_SMOKE_LAYER = {
  align: { prompts: 64, validPrompts: 32, groupSize: 4, epochs: 1, batchPrompts: 16, validEverySteps: 2 },
  bon: { referenceSize: 8 },
};

interface Experiment {
  name: string;
  part: Part;
  /** Run for every seed (the rest on seed 0). */
  seeded?: boolean;
  /** Seed 0 is this run (the same configuration, trained under another name), e.g. a sweep point. */
  alias?: string;
  /** 'sft': the init runs; 'beam': beam-search lists of SFT seed 0; otherwise an alignment run. */
  kind?: 'sft' | 'beam';
  layer?: object;
}

const blade = (extra: object = {}): object => ({ objective: 'blade', ...extra });
const TAUS = [0.1, 0.5, 1.0];
const GROUPS = [2, 4, 16];
const LAMBDAS = [0.1, 0.5, 1.0];
const EXPERIMENTS: Experiment[] = [
  { name: 'sft', part: 'table', seeded: true, kind: 'sft' },
  { name: 'grpo', part: 'table', layer: { objective: 'grpo' } },
  { name: 'sdpo', part: 'table', layer: { objective: 'sdpo', ...PREFERENCE_LAYER } },
  { name: 'listdpo', part: 'table', layer: { objective: 'listdpo', ...PREFERENCE_LAYER } },
  { name: 'bon', part: 'table', seeded: true, layer: { objective: 'bon' } },
  { name: 'blade-r', part: 'table', layer: blade({ align: { reward: 'recall' } }) },
  { name: 'blade-n', part: 'table', seeded: true, layer: blade() },
  { name: 'beam', part: 'table', kind: 'beam' },
  // the one extra, validation-chosen attempt at BLADE-N > BoN: τ = 1.0 had the best validation NDCG@10 of the τ
  // sweep (seed 0: 0.1078 vs 0.0993–0.1030 for τ = 0, 0.1, 0.3, 0.5), so it gets seeds 1 and 2 too
  { name: 'blade-n-tau1', part: 'table', seeded: true, alias: 'blade-tau1', layer: blade({ bon: { tau: 1.0 } }) },
  ...TAUS.map((t) => ({ name: `blade-tau${t}`, part: 'tau' as const, layer: blade({ bon: { tau: t } }) })),
  ...GROUPS.map((g) => ({ name: `blade-g${g}`, part: 'group' as const, layer: blade({ align: { groupSize: g } }) })),
  ...[...GROUPS, 8].map((g) => ({
    name: `blade-noprior-g${g}`,
    part: 'group' as const,
    layer: blade({ align: { groupSize: g }, bon: { referenceSize: 0 } }),
  })),
  ...(['fair', 'div'] as const).flatMap((r) =>
    LAMBDAS.map((l) => ({
      name: `${r}-l${l}`,
      part: 'composite' as const,
      layer: blade({ align: { reward: r }, rewards: { [r]: { lambda: l } } }),
    })),
  ),
];
/** What each part reads besides its own runs (τ = 0 is `bon`, τ = 0.3 / G = 8 / λ = 0 are `blade-n`). */
const PART_NEEDS: Record<Part, string[]> = {
  table: [],
  tau: ['sft', 'bon', 'blade-n'],
  group: ['sft', 'blade-n'],
  composite: ['sft', 'blade-n'],
  cost: ['sft'],
};

/** What the bench reads of an alignment run besides its test metrics: validation, per-step trace, target stats. */
interface AlignInfo {
  bestValidation: number | null;
  steps: CurveRun['steps'];
  bon: Record<string, unknown> | null;
  rewardSeconds: number | null;
}

function alignInfo(r: MethodResult): AlignInfo {
  const a = r.training?.alignment;
  return {
    bestValidation: r.training?.bestValidation ?? null,
    steps: a?.steps ?? [],
    bon: a?.bon ?? null,
    rewardSeconds: a?.rewardSeconds ?? null,
  };
}

const fmt = (x: BootstrapResult): string =>
  `${x.diff >= 0 ? '+' : ''}${x.diff.toFixed(4)} [${x.lo.toFixed(4)}, ${x.hi.toFixed(4)}] ${x.verdict}`;

async function run(args: BenchArgs<typeof OPTIONS>): Promise<Record<string, unknown>> {
  const smoke = args.options.smoke === true;
  const seeds = smoke ? 1 : (args.options.seeds ?? 3);
  const parts = ((args.options.parts as string | undefined)?.split(',') ?? [...PARTS]).map((p) => p.trim());
  for (const p of parts)
    if (!(PARTS as readonly string[]).includes(p))
      throw new Error(`bench blade: unknown part '${p}' (known: ${PARTS.join(', ')})`);
  const only = (args.options.only as string | undefined)?.split(',').map((s) => s.trim()) ?? null;
  for (const o of only ?? [])
    if (!EXPERIMENTS.some((e) => e.name === o.split('@')[0]))
      throw new Error(`bench blade: --only '${o}' names no run (known: ${EXPERIMENTS.map((e) => e.name).join(', ')})`);
  const { root, set, reuse, config, ds } = listBenchContext('blade', args, smoke, [BLADE_SMOKE_LAYER]);
  const figDir = (args.options.figures as string | undefined) ?? join(root, smoke ? 'figures' : 'blade-figures');
  log(
    `[bench blade] ${ds.name}: ${ds.train.length} / ${ds.valid.length} / ${ds.test.length} lists; parts ${parts.join(', ')}; ${seeds} seed(s)${only ? `; only ${only.join(', ')}` : ''}`,
  );

  const sftDir = (s: number): string => join(root, `${set}-list-sft-s${s}`);
  const runDir = (name: string, s: number): string => join(root, `${set}-blade-${name}-s${s}`);
  const wanted = new Set(
    EXPERIMENTS.filter((e) => parts.includes(e.part) || parts.some((p) => PART_NEEDS[p as Part].includes(e.name))).map(
      (e) => e.name,
    ),
  );
  const seedsOf = (e: Experiment): number[] => (e.seeded ? Array.from({ length: seeds }, (_, s) => s) : [0]);

  const results: Record<string, MethodResult[]> = {};
  const infos: Record<string, AlignInfo[]> = {};
  // the SFT runs first (every alignment starts from one), then the rest in the listed order; --only: the SFT runs, then the named runs in the order given (to put what matters first)
  const plan: [Experiment, number][] = [];
  for (const e of EXPERIMENTS)
    if (e.kind === 'sft' || (only === null && wanted.has(e.name))) for (const s of seedsOf(e)) plan.push([e, s]);
  for (const o of only ?? []) {
    const [name, at] = o.split('@');
    const e = EXPERIMENTS.find((x) => x.name === name)!;
    if (e.kind !== 'sft') for (const s of at === undefined ? seedsOf(e) : [Number(at)]) plan.push([e, s]);
  }
  for (const [e, s] of plan) {
    let r: MethodResult;
    if (e.kind === 'sft') r = await trainOrReuseList(config([{ seed: s }], sftDir(s)), ds, reuse);
    else if (e.kind === 'beam')
      r = inferenceRun(sftDir(0), 'beam', 0, config([{ seed: 0 }], sftDir(0)), ds, root, reuse);
    else {
      const cfg = config(
        [BLADE_LAYER, e.layer ?? {}, { seed: s, align: { init: sftDir(s), seed: s } }],
        runDir(e.alias !== undefined && s === 0 ? e.alias : e.name, s),
      );
      r = await trainOrReuseList(cfg, ds, reuse);
    }
    (results[e.name] ??= []).push(r);
    (infos[e.name] ??= []).push(alignInfo(r));
  }
  if (only !== null) {
    log('[bench blade] --only: the selected runs are done; run without --only to report');
    return { trained: only, codeVersion: codeVersion().string };
  }

  // Table 3 (and every other run's test metrics): mean (± std over seeds)
  const json: Record<string, unknown> = {};
  const rows: Row[] = [];
  for (const [m, runs] of Object.entries(results)) {
    const { row, entry } = metricSummary(m, runs, REPORT);
    const inf = infos[m];
    const val = inf.map((i) => i.bestValidation).filter((x): x is number => x !== null);
    if (val.length) row['valid ndcg@10'] = meanStd(val).mean;
    const last = (k: string): number | undefined => {
      const xs = inf.map((i) => i.steps.at(-1)?.logs[k]).filter((x): x is number => x !== undefined);
      return xs.length ? meanStd(xs).mean : undefined;
    };
    row['saturated (last)'] = last('saturated');
    row['|adv| (last)'] = last('meanAbsAdvantage');
    row['train s'] = meanStd(runs.map((r) => r.trainSeconds)).mean;
    entry.validation = val.length ? meanStd(val).mean : null;
    entry.trainSeconds = row['train s'];
    entry.bon = inf[0].bon;
    entry.reused = runs.every((r) => r.reused);
    rows.push(row);
    json[m] = entry;
  }
  process.stdout.write(
    formatConsoleTable(rows, [
      { key: 'method' },
      { key: 'seeds' },
      ...REPORT.flatMap((k) => [
        { key: k, decimals: 4, best: k === 'mgu' ? ('min' as const) : ('max' as const) },
        ...(k === 'ndcg@5' || k === 'recall@5' ? [{ key: `${k} sd`, decimals: 4 }] : []),
      ]),
      { key: 'valid ndcg@10', decimals: 4 },
      { key: 'saturated (last)', decimals: 3 },
      { key: '|adv| (last)', decimals: 3 },
      { key: 'train s', decimals: 0 },
    ]) + '\n',
  );

  // paired bootstraps over test users (seed means where both sides have several seeds)
  const pairs: [string, string][] = [
    ['blade-n', 'bon'],
    ['bon', 'sft'],
    ['blade-n-tau1', 'bon'],
    ['blade-n-tau1', 'sft'],
    ['blade-n', 'sft'],
    ['blade-r', 'bon'],
    ['grpo', 'sft'],
    ['blade-n', 'grpo'],
    ['blade-n', 'beam'],
    ['bon', 'beam'],
  ];
  const comparisons: Record<string, unknown> = {};
  for (const [a, b] of pairs) {
    if (!results[a] || !results[b]) continue;
    for (const metric of ['ndcg@5', 'recall@5']) {
      const n = Math.min(results[a].length, results[b].length);
      const r = listBootstrap(results[a].slice(0, n), results[b].slice(0, n), metric);
      log(`[bench blade] ${a} − ${b} ${metric}${n > 1 ? ` (seed means, ${n} seeds)` : ''}: ${fmt(r)}`);
      comparisons[`${a} - ${b} ${metric}`] = { seeds: n, diff: r.diff, lo: r.lo, hi: r.hi, verdict: r.verdict };
    }
  }

  const seed0 = (m: string): { mean: Record<string, number>; info: AlignInfo } | null =>
    results[m] ? { mean: results[m][0].mean, info: infos[m][0] } : null;
  const out: Record<string, unknown> = { ...json, comparisons };

  // Fig. 4: τ sweep (τ chosen on validation NDCG@10, the alignment's selection score)
  if (parts.includes('tau')) {
    const points = [
      ['bon', 0],
      ...TAUS.slice(0, 1).map((t) => [`blade-tau${t}`, t]),
      ['blade-n', 0.3],
      ...TAUS.slice(1).map((t) => [`blade-tau${t}`, t]),
    ]
      .map(([m, t]) => ({ m: m as string, tau: t as number, r: seed0(m as string) }))
      .filter((p) => p.r !== null)
      .map((p) => ({
        method: p.m,
        tau: p.tau,
        validation: p.r!.info.bestValidation,
        'recall@5': p.r!.mean['recall@5'],
        'ndcg@5': p.r!.mean['ndcg@5'],
      }));
    const best = points.reduce((a, b) => ((b.validation ?? -1) > (a.validation ?? -1) ? b : a), points[0]);
    log(`[bench blade] τ chosen on validation: ${best.tau} (validation NDCG@10 ${best.validation?.toFixed(4)})`);
    process.stdout.write(
      formatConsoleTable(points as unknown as Row[], [
        { key: 'tau' },
        { key: 'validation', decimals: 4 },
        { key: 'recall@5', decimals: 4 },
        { key: 'ndcg@5', decimals: 4 },
      ]) + '\n',
    );
    out.tau = { points, chosen: best.tau };
  }
  // Fig. 5–6: G with and without the prior
  if (parts.includes('group')) {
    const points = [2, 4, 8, 16].flatMap((g) =>
      (
        [
          [g === 8 ? 'blade-n' : `blade-g${g}`, true],
          [`blade-noprior-g${g}`, false],
        ] as const
      )
        .map(([m, prior]) => ({ m, prior, r: seed0(m) }))
        .filter((p) => p.r !== null)
        .map((p) => ({
          method: p.m,
          G: g,
          prior: p.prior,
          'recall@5': p.r!.mean['recall@5'],
          'ndcg@5': p.r!.mean['ndcg@5'],
        })),
    );
    process.stdout.write(
      formatConsoleTable(points.map((p) => ({ ...p, prior: p.prior ? 'yes' : 'no' })) as unknown as Row[], [
        { key: 'G' },
        { key: 'prior' },
        { key: 'recall@5', decimals: 4 },
        { key: 'ndcg@5', decimals: 4 },
      ]) + '\n',
    );
    out.group = { points };
  }
  // Fig. 8: composite rewards against SFT
  if (parts.includes('composite')) {
    const points = (['fair', 'div'] as const).flatMap((r) =>
      [0, ...LAMBDAS]
        .map((l) => ({ m: l === 0 ? 'blade-n' : `${r}-l${l}`, l, r: seed0(l === 0 ? 'blade-n' : `${r}-l${l}`) }))
        .filter((p) => p.r !== null)
        .map((p) => ({
          reward: r,
          lambda: p.l,
          method: p.m,
          'ndcg@5': p.r!.mean['ndcg@5'],
          mgu: p.r!.mean.mgu,
          ild: p.r!.mean.ild,
        })),
    );
    process.stdout.write(
      formatConsoleTable(points as unknown as Row[], [
        { key: 'reward' },
        { key: 'lambda' },
        { key: 'ndcg@5', decimals: 4 },
        { key: 'mgu', decimals: 4 },
        { key: 'ild', decimals: 4 },
      ]) + '\n',
    );
    out.composite = { points, sft: seed0('sft')?.mean ?? null };
  }
  if (parts.includes('cost')) {
    const c = stepCostRatio(
      sftDir(0),
      ds,
      config([BLADE_LAYER, blade(), { align: { init: sftDir(0) } }], ''),
      smoke ? 3 : 9,
    );
    log(
      `[bench blade] step on the same rollouts: BLADE ${c.bladeMs.toFixed(1)} ms vs static BoN ${c.bonMs.toFixed(1)} ms (medians of ${c.repeats}): ratio ${c.ratio.toFixed(3)}; target alone ${c.bladeTargetMs.toFixed(3)} vs ${c.bonTargetMs.toFixed(3)} ms`,
    );
    out.cost = c;
  }

  mkdirSync(figDir, { recursive: true });
  const curves: CurveRun[] = (['bon', 'blade-n'] as const)
    .map((m) => ({
      label: m === 'bon' ? 'τ = 0 (static BoN)' : 'τ = 0.3 (BLADE-N)',
      steps: seed0(m)?.info.steps ?? [],
    }))
    .filter((c) => c.steps.length > 0);
  // step 0 of the validation curves: the SFT run's selected epoch on the same validation prompts
  const sftVal = results.sft?.[0].training;
  const start = sftVal?.history[sftVal.bestEpoch - 1]?.validation?.metrics;
  const figures = await bladeFigures(
    figDir,
    {
      curves,
      start,
      tau: out.tau as Parameters<typeof bladeFigures>[1]['tau'],
      group: out.group as Parameters<typeof bladeFigures>[1]['group'],
      composite: out.composite as Parameters<typeof bladeFigures>[1]['composite'],
    },
    ds.name,
  );
  for (const f of figures) writeFileAtomicSync(f.file, f.svg);
  log(`[bench blade] figures: ${figures.map((f) => f.file).join(', ')}`);
  return {
    ...out,
    figures: figures.map((f) => f.file),
    dataset: { name: ds.name, fingerprint: ds.fingerprint, lists: [ds.train.length, ds.valid.length, ds.test.length] },
    peakRssMb: peakRssMb(),
    codeVersion: codeVersion().string,
  };
}

export const bladeBench = benchCommand('blade', OPTIONS, true, run);
