/**
 * RQ-VAE (Zeghidour et al. 2021; as used for semantic IDs by TIGER, Rajput et al. 2023, and V-STAR §5.1): an MLP
 * encoder maps an item embedding to a latent z, L codebooks quantise z residually (r_0 = z, c_l = argmin ‖r_l − e‖,
 * r_{l+1} = r_l − sg(e_{c_l})), an MLP decoder reconstructs the embedding from ẑ = Σ e_{c_l} through the
 * straight-through estimator (z + sg(ẑ − z)).
 *
 * Loss = ‖x − dec(ẑ)‖² (mean) + Σ_l [ ‖sg(r_l) − e_{c_l}‖² + β ‖r_l − sg(e_{c_l})‖² ] (means), β = 0.25 (TIGER).
 * Codebooks are initialised by k-means on the first batch's residuals, level by level (TIGER §4.1); at the end of
 * every epoch, codes no item of that epoch used are reset to random residuals of the last batch at that level
 * (dead-code reset, as in Jukebox / SoundStream). Optimiser AdamW. Seeded: libtorch's generator (weights) is seeded
 * with `seed`, batch order and resets use the JS Rng.
 *
 * Kept small for CPU: defaults hidden [128, 64], latent 32, 50 epochs of batch 256.
 */
import { manualSeed, noGrad } from '../engine/autograd.js';
import { Linear, Module } from '../engine/nn.js';
import { adamW } from '../engine/optim.js';
import { keep, tidy } from '../engine/scope.js';
import { tensor, zeros, type Tensor } from '../engine/tensor.js';
import { defineConfig, int, intList, num, type ConfigOf } from '../util/config.js';
import { Rng } from '../util/rng.js';
import { countDistinctRows, kmeans } from './kmeans.js';

export const RqVaeConfig = defineConfig('rqvae', {
  hidden: intList({
    default: [128, 64],
    min: 1,
    doc: 'Encoder hidden layer sizes (the decoder mirrors them).',
    paper: 'TIGER uses [512, 256, 128] for 768-d inputs; smaller here for CPU',
  }),
  latentDim: int({ default: 32, min: 1, doc: 'Latent (codebook vector) size.', paper: 'TIGER: 32' }),
  epochs: int({ default: 50, min: 1, doc: 'Training epochs over the catalog.' }),
  batchSize: int({ default: 256, min: 1, doc: 'Items per step; the first batch also seeds the k-means init.' }),
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: 'AdamW learning rate.' }),
  weightDecay: num({ default: 1e-4, min: 0, doc: 'AdamW decoupled weight decay.' }),
  beta: num({ default: 0.25, min: 0, doc: 'Commitment loss weight β.', paper: 'TIGER / VQ-VAE: 0.25' }),
  kmeansIters: int({ default: 20, min: 1, doc: 'Lloyd iterations of the codebook k-means initialisation.' }),
});
export type RqVaeConfig = ConfigOf<typeof RqVaeConfig>;

class Mlp extends Module {
  private readonly layers: Linear[] = [];
  constructor(sizes: readonly number[]) {
    super();
    for (let i = 0; i + 1 < sizes.length; i++) {
      // He-normal initialisation for the ReLU layers.
      this.layers.push(this.child(`l${i}`, new Linear(sizes[i], sizes[i + 1], { std: Math.sqrt(2 / sizes[i]) })));
    }
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (i + 1 < this.layers.length) h = h.relu();
    });
    return h;
  }
}

interface Quantized {
  zq: Tensor;
  /** Per level: chosen code of every row (int64). */
  codes: Tensor[];
  /** Per level: the (detached) residual entering that level. */
  residuals: Tensor[];
  /** Σ_l codebook + β·commitment. */
  vqLoss: Tensor;
  /** Residual after the last level. */
  last: Tensor;
}

/** The RQ-VAE network: encoder, L codebooks, decoder. */
export class RqVae extends Module {
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  readonly codebooks: Tensor[] = [];
  constructor(
    readonly inputDim: number,
    readonly hidden: readonly number[],
    readonly latentDim: number,
    readonly levels: number,
    readonly codebookSize: number,
  ) {
    super();
    this.encoder = this.child('encoder', new Mlp([inputDim, ...hidden, latentDim]));
    this.decoder = this.child('decoder', new Mlp([latentDim, ...[...hidden].reverse(), inputDim]));
    for (let l = 0; l < levels; l++) {
      this.codebooks.push(
        this.param(
          `codebook${l}`,
          noGrad(() => zeros([codebookSize, latentDim])),
        ),
      );
    }
  }

  /** Residual quantisation of latents z [B, latentDim]. */
  quantize(z: Tensor, beta: number): Quantized {
    let r = z;
    let zq: Tensor | null = null;
    let vqLoss: Tensor | null = null;
    const codes: Tensor[] = [];
    const residuals: Tensor[] = [];
    for (const cb of this.codebooks) {
      const rd = r.detach();
      residuals.push(rd);
      const idx = noGrad(() => {
        const cbd = cb.detach();
        const dist = rd
          .square()
          .sum(1, true)
          .sub(rd.matmul(cbd.transpose(0, 1)).mul(2))
          .add(cbd.square().sum(1));
        return dist.minDim(1)[1];
      });
      codes.push(idx);
      const e = cb.indexSelect(0, idx);
      const ed = e.detach();
      const lvl = e.sub(rd).square().mean().add(r.sub(ed).square().mean().mul(beta));
      vqLoss = vqLoss === null ? lvl : vqLoss.add(lvl);
      zq = zq === null ? e : zq.add(e);
      r = r.sub(ed);
    }
    return { zq: zq as Tensor, codes, residuals, vqLoss: vqLoss as Tensor, last: r.detach() };
  }
}

export interface RqVaeResult {
  /** n × L codes, row-major. */
  codes: Int32Array;
  /** Codebook size used at every level (K clamped to the number of distinct inputs). */
  sizes: number[];
  /** n × latentDim encoder outputs (after training). */
  latent: Float32Array;
  /** n × latentDim residual after L levels. */
  residual: Float32Array;
  /** Mean loss of every epoch. */
  losses: number[];
  /** Mean reconstruction MSE (decoder output vs input) of every epoch. */
  reconLosses: number[];
  model: RqVae;
}

/** Trains an RQ-VAE on n × d inputs and returns every item's codes. The caller owns `model` (dispose it). */
export function trainRqVae(
  x: Float32Array,
  n: number,
  d: number,
  levels: number,
  codebookSize: number,
  config: Partial<RqVaeConfig>,
  seed: number,
): RqVaeResult {
  const cfg = RqVaeConfig.parse(config);
  if (x.length !== n * d) throw new Error(`rqvae: ${x.length} values for ${n} × ${d}`);
  const K = Math.min(codebookSize, countDistinctRows(x, n, d));
  manualSeed(seed);
  const rng = new Rng(seed).fork('rqvae');
  const model = new RqVae(d, cfg.hidden, cfg.latentDim, levels, K);
  const opt = adamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const losses: number[] = [];
  const reconLosses: number[] = [];
  const e = cfg.latentDim;
  let initialised = false;
  const xAll = keep(tensor(x, [n, d]));

  const initCodebooks = (xb: Tensor, m: number): void =>
    noGrad(() =>
      tidy(() => {
        const r = model.encoder.forward(xb).toFloat32();
        for (let l = 0; l < levels; l++) {
          const k = Math.min(K, countDistinctRows(r, m, e));
          const km = kmeans(r, m, e, { k, iters: cfg.kmeansIters, seed: seed * 1000 + l });
          const cb = new Float32Array(K * e);
          cb.set(km.centroids);
          for (let j = k; j < K; j++) {
            const src = rng.int(m);
            for (let t = 0; t < e; t++) cb[j * e + t] = r[src * e + t] + 1e-3 * rng.normal();
          }
          model.codebooks[l].assign(tensor(cb, [K, e]));
          for (let i = 0; i < m; i++) {
            const c = km.assign[i];
            for (let t = 0; t < e; t++) r[i * e + t] -= km.centroids[c * e + t];
          }
        }
      }),
    );

  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const perm = rng.permutation(n);
    const usage = Array.from({ length: levels }, () => new Uint8Array(K));
    let lastResiduals: Float32Array[] = [];
    let lastRows = 0;
    let lossSum = 0;
    let reconSum = 0;
    let steps = 0;
    for (let s = 0; s < n; s += cfg.batchSize) {
      const m = Math.min(cfg.batchSize, n - s);
      tidy(() => {
        const xb = xAll.indexSelect(0, tensor(Int32Array.from(perm.subarray(s, s + m))));
        if (!initialised) {
          initCodebooks(xb, m);
          initialised = true;
        }
        const z = model.encoder.forward(xb);
        const q = model.quantize(z, cfg.beta);
        const zst = z.add(q.zq.sub(z).detach());
        const xhat = model.decoder.forward(zst);
        const recon = xhat.sub(xb).square().mean();
        const loss = recon.add(q.vqLoss);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        lossSum += loss.item();
        reconSum += recon.item();
        steps++;
        q.codes.forEach((c, l) => {
          for (const v of c.toInt32()) usage[l][v] = 1;
        });
        lastResiduals = q.residuals.map((r) => r.toFloat32());
        lastRows = m;
      });
    }
    losses.push(lossSum / steps);
    reconLosses.push(reconSum / steps);
    // Dead-code reset (skipped after the last epoch so the final codes come from trained codebooks).
    if (epoch + 1 < cfg.epochs) {
      for (let l = 0; l < levels; l++) {
        const dead: number[] = [];
        usage[l].forEach((u, j) => u === 0 && dead.push(j));
        if (dead.length === 0) continue;
        noGrad(() =>
          tidy(() => {
            const cb = model.codebooks[l].toFloat32();
            for (const j of dead) {
              const src = rng.int(lastRows);
              cb.set(lastResiduals[l].subarray(src * e, (src + 1) * e), j * e);
            }
            model.codebooks[l].assign(tensor(cb, [K, e]));
          }),
        );
      }
    }
  }

  const out = noGrad(() =>
    tidy(() => {
      model.eval();
      const z = model.encoder.forward(xAll);
      const q = model.quantize(z, cfg.beta);
      const codes = new Int32Array(n * levels);
      q.codes.forEach((c, l) => c.toInt32().forEach((v, i) => (codes[i * levels + l] = v)));
      return { codes, latent: z.toFloat32(), residual: q.last.toFloat32() };
    }),
  );
  xAll.dispose();
  return { ...out, sizes: new Array<number>(levels).fill(K), losses, reconLosses, model };
}
