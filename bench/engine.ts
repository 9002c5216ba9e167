// npm run bench -- engine [--threads N] [--steps N] [--smoke]
// Reference transformer (vocab 2048, d 128, 4 heads, 2 layers, FFN 512 tanh-GELU, learned
// positions 64, untied head), batch 64 × 48, Adam lr 1e-3, token cross-entropy.
// Prints medians over >= 10 steps after 2 warm-ups (--smoke: 3 steps after 1 warm-up); last line is one JSON object.
import { adam, manualSeed, noGrad, randint, getNumThreads, tidy, keep } from '../src/engine/index.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { REFERENCE_CONFIG, Transformer, selectCache, type KVCache } from '../src/model/transformer.js';
import { benchCommand } from './args.js';
import { median, peakRssMb, timeMs } from './timing.js';

export const engineBench = benchCommand('engine', { threads: 'count', steps: 'count' }, false, ({ options }) => {
  applyThreads(options.threads ?? 0, console.log); // 0: the cores that are really free, and why
  const smoke = options.smoke ?? false;
  const steps = smoke ? Math.min(3, options.steps ?? 3) || 1 : Math.max(10, options.steps ?? 10);
  const warmups = smoke ? 1 : 2;
  manualSeed(0);
  const model = new Transformer(REFERENCE_CONFIG);
  const opt = adam(model.parameters(), { lr: 1e-3 });
  const [B, T, V] = [64, 48, REFERENCE_CONFIG.vocabSize];
  const x = keep(randint(V, [B, T]));
  const y = keep(randint(V, [B, T]));

  const trainStep = () =>
    tidy(() => {
      opt.zeroGrad();
      const { logits } = model.forward(x);
      const loss = logits.view([B * T, V]).crossEntropy(y.view([B * T]));
      loss.backward();
      opt.step();
      return loss.item();
    });
  const forward = () =>
    tidy(() =>
      noGrad(() => {
        const { logits } = model.forward(x);
        return logits
          .view([B * T, V])
          .crossEntropy(y.view([B * T]))
          .item();
      }),
    );

  // decode: 640 sequences with 20 cached positions, one new token each
  const N = 640;
  const prompt = keep(randint(V, [N, 20]));
  const next = keep(randint(V, [N, 1]));
  const cache: KVCache = noGrad(() => {
    const c = model.forward(prompt, { useCache: true }).cache!;
    c.layers.forEach((l) => (keep(l.k), keep(l.v)));
    return c;
  });
  const decodeStep = () =>
    tidy(() =>
      noGrad(() => {
        const { logits } = model.forward(next, { cache });
        return logits.shape[0];
      }),
    );
  // what a beam search adds per step: reorder the cache rows by the chosen beams
  const beamOrder = keep(randint(N, [N]));
  const reorder = () => tidy(() => noGrad(() => selectCache(cache, beamOrder).length));

  const measure = (fn: () => unknown) => {
    for (let i = 0; i < warmups; i++) fn();
    const ts: number[] = [];
    for (let i = 0; i < steps; i++) ts.push(timeMs(fn));
    return median(ts);
  };
  model.train();
  const train_step_ms = measure(trainStep);
  model.eval();
  const forward_ms = measure(forward);
  const decode_step_ms = measure(decodeStep);
  const reorder_ms = measure(reorder);
  const result = {
    train_step_ms: round(train_step_ms),
    forward_ms: round(forward_ms),
    decode_step_ms: round(decode_step_ms),
    rss_mb: round(peakRssMb()),
    threads: getNumThreads(),
  };
  console.log(`reference transformer: ${model.numParameters().toLocaleString()} parameters, batch ${B}x${T}`);
  console.log(`train step   ${result.train_step_ms} ms (median of ${steps})`);
  console.log(`forward      ${result.forward_ms} ms`);
  console.log(`decode step  ${result.decode_step_ms} ms (640 sequences, cache 20)`);
  console.log(`cache reorder ${round(reorder_ms)} ms (beam search's extra per step, not in decode_step_ms)`);
  console.log(`peak RSS     ${result.rss_mb} MB, threads ${result.threads}`);
  return result;
});

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
