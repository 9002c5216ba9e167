// npm run bench -- objectives [--threads N] [--repeats N] [--objective-repeats N] [--smoke]
// Times the training objectives on realistic shapes: B=64 target identifiers × L=16 positions, V=2048, up to
// C=40 trie-valid tokens per position (1..40, some single-child steps, ~15% padding).
//  1. objective only: forward + backward of the loss w.r.t. logits [B, L, V] that require grad;
//  2. whole training step: reference transformer (as in the engine bench) on [64, 48] inputs, logits for the
//     last 16 positions, objective, backward, AdamW step.
// Medians over >= 20 repeats after 3 warm-ups (--smoke: 2 repeats after 1 warm-up); prints bear/sft (and bear/msl)
// ratios for BEAR's default form ('direct'); last line is JSON.
import {
  adamW,
  getNumThreads,
  keep,
  manualSeed,
  randint,
  randn,
  setNumThreads,
  tensor,
  tidy,
} from '../src/engine/index.js';
import { REFERENCE_CONFIG, Transformer } from '../src/model/transformer.js';
import { benchCommand } from './args.js';
import { Rng } from '../src/util/rng.js';
import { createObjective } from '../src/train/objectives/registry.js';
import type { Objective, ObjectiveInput } from '../src/train/objectives/types.js';
import { median, timeMs } from './timing.js';

const [B, L, V, C] = [64, 16, 2048, 40];

function makeInput(rng: Rng): Omit<ObjectiveInput, 'logits'> {
  const tg: number[] = [];
  const mk: number[] = [];
  const vt = new Int32Array(B * L * C);
  const vm = new Uint8Array(B * L * C);
  for (let b = 0; b < B; b++) {
    const len = rng.bernoulli(0.5) ? L : 8 + rng.int(L - 8);
    for (let t = 0; t < L; t++) {
      const p = b * L + t;
      if (t >= len) {
        tg.push(0);
        mk.push(0);
        continue;
      }
      const n = rng.bernoulli(0.2) ? 1 : 1 + rng.int(C);
      const toks = rng.sample(
        Array.from({ length: V }, (_, i) => i),
        n,
      );
      tg.push(toks[rng.int(n)]);
      mk.push(1);
      toks.forEach((tok, j) => {
        vt[p * C + j] = tok;
        vm[p * C + j] = 1;
      });
    }
  }
  return {
    targets: keep(tensor(tg, [B, L], 'int64')),
    mask: keep(tensor(mk, [B, L], 'float32')),
    valid: { tokens: keep(tensor(vt, [B, L, C], 'int64')), mask: keep(tensor(vm, [B, L, C])) },
  };
}

/** Medians of interleaved timings (round-robin over the variants, so load drift hits them all alike). */
function measureAll(fns: [string, () => unknown][], repeats: number, warmups: number): Record<string, number> {
  for (let i = 0; i < warmups; i++) for (const [, fn] of fns) fn();
  const ts = new Map<string, number[]>(fns.map(([k]) => [k, []]));
  for (let i = 0; i < repeats; i++) for (const [k, fn] of fns) ts.get(k)!.push(timeMs(fn));
  return Object.fromEntries([...ts].map(([k, v]) => [k, median(v)]));
}

const VARIANTS: [string, string, Record<string, unknown>][] = [
  ['sft', 'sft', {}],
  ['msl', 'msl', {}],
  ['bear_msl_reweighted', 'bear', { base: 'msl', form: 'reweighted' }],
  ['bear_msl_direct', 'bear', { base: 'msl', form: 'direct' }],
  ['bear_sft_reweighted', 'bear', { base: 'sft', form: 'reweighted' }],
  ['bear_sft_direct', 'bear', { base: 'sft', form: 'direct' }],
];

const OBJECTIVES_OPTIONS = { threads: 'count', repeats: 'count', 'objective-repeats': 'count' } as const;

export const objectivesBench = benchCommand('objectives', OBJECTIVES_OPTIONS, false, ({ options }) => {
  const threads = options.threads ?? (Number(process.env.GENREC_THREADS ?? 0) || getNumThreads());
  const smoke = options.smoke ?? false;
  const repeats = smoke ? 2 : Math.max(20, options.repeats ?? 20);
  const objectiveRepeats = smoke ? 2 : Math.max(repeats, options['objective-repeats'] ?? 100);
  const warmups = smoke ? 1 : 3;
  setNumThreads(threads);
  manualSeed(0);
  const rng = new Rng(0);
  const base = makeInput(rng);
  const objectives: [string, Objective][] = VARIANTS.map(([name, kind, cfg]) => [name, createObjective(kind, cfg)]);

  // 1. objective only
  const logits = keep(randn([B, L, V]).mul(2)).requiresGrad_(true);
  const input: ObjectiveInput = { ...base, logits };
  const objectiveMs = measureAll(
    objectives.map(([name, f]) => [
      name,
      () =>
        tidy(() => {
          logits.clearGrad();
          const { loss } = f(input);
          loss.backward();
          return loss.item();
        }),
    ]),
    objectiveRepeats,
    warmups,
  );

  // 2. whole training step
  const model = new Transformer(REFERENCE_CONFIG);
  model.train();
  const opt = adamW(model.parameters(), { lr: 1e-4 });
  const T = 48;
  const x = keep(randint(V, [B, T]));
  const stepMs = measureAll(
    objectives.map(([name, f]) => [
      name,
      () =>
        tidy(() => {
          opt.zeroGrad();
          const { logits: lg } = model.forward(x, { logitsFrom: T - L });
          const { loss } = f({ ...base, logits: lg });
          loss.backward();
          opt.step();
          return loss.item();
        }),
    ]),
    repeats,
    warmups,
  );

  const r2 = (v: number): number => Math.round(v * 1000) / 1000;
  const ratio = (a: Record<string, number>, num: string, den: string): number => r2(a[num] / a[den]);
  console.log(
    `objectives: B=${B} L=${L} V=${V} C<=${C}, threads ${getNumThreads()}, median of ${objectiveRepeats} (objective) / ${repeats} (step)`,
  );
  console.log('variant                 objective fwd+bwd (ms)   train step (ms)');
  for (const [name] of objectives) {
    console.log(
      `${name.padEnd(24)}${objectiveMs[name].toFixed(3).padStart(12)}${stepMs[name].toFixed(2).padStart(22)}`,
    );
  }
  const res: Record<string, unknown> = {
    objective_ms: Object.fromEntries(Object.entries(objectiveMs).map(([k, v]) => [k, r2(v)])),
    step_ms: Object.fromEntries(Object.entries(stepMs).map(([k, v]) => [k, r2(v)])),
    objective_ratio_bear_over_sft: ratio(objectiveMs, 'bear_msl_direct', 'sft'),
    objective_ratio_bear_over_msl: ratio(objectiveMs, 'bear_msl_direct', 'msl'),
    step_ratio_bear_over_sft: ratio(stepMs, 'bear_msl_direct', 'sft'),
    step_ratio_bear_sft_base_over_sft: ratio(stepMs, 'bear_sft_direct', 'sft'),
    step_ratio_bear_over_msl: ratio(stepMs, 'bear_msl_direct', 'msl'),
    threads: getNumThreads(),
    repeats,
    objective_repeats: objectiveRepeats,
  };
  console.log(
    `bear/sft: objective ${res.objective_ratio_bear_over_sft}x, whole step ${res.step_ratio_bear_over_sft}x ` +
      `(bear[sft base]/sft step ${res.step_ratio_bear_sft_base_over_sft}x; bear/msl step ${res.step_ratio_bear_over_msl}x)`,
  );
  return res;
});
