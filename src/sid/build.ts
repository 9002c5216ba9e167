/**
 * Builds semantic identifiers from item embeddings: quantise (residual k-means or RQ-VAE), resolve collisions,
 * record statistics. Kept apart from identifier.ts so that rebuilding an identifier from JSON never loads libtorch.
 */
import type { IdItem } from '../ids/types.js';
import { defineConfig, int, num, oneOf, type ConfigOf, type DeepPartial } from '../util/config.js';
import { codebookUsage, collisionRate, reconstructionError, resolveCollisions, type SidStats } from './codes.js';
import type { ItemEmbeddings } from './item-embeddings.js';
import { SemanticIdentifier } from './identifier.js';
import { residualKMeans } from './kmeans.js';
import { RqVaeConfig, trainRqVae } from './rqvae.js';

export const SidConfig = defineConfig('sid', {
  quantizer: oneOf(['rkmeans', 'rqvae'], {
    default: 'rkmeans',
    doc: "Quantiser: 'rkmeans' (residual k-means on the embeddings) or 'rqvae' (trained RQ-VAE).",
    paper: 'rkmeans: MiniOneRec / OneRec RQ-KMeans; rqvae: TIGER §3.1, V-STAR §5.1',
  }),
  levels: int({ default: 3, min: 1, max: 26, doc: 'Code length L (levels / codebooks).', paper: 'V-STAR §5.1: 3' }),
  codebookSize: int({
    default: 256,
    min: 1,
    doc: 'Codes per level K; clamped to the number of distinct (residual) points when the catalog is small.',
    paper: 'TIGER / MiniOneRec: 256',
  }),
  seed: int({ default: 0, doc: 'Seed of k-means++ sampling, RQ-VAE weights and batch order.' }),
  kmeansIters: int({ default: 50, min: 1, doc: 'Max Lloyd iterations per level (rkmeans).' }),
  kmeansTol: num({ default: 1e-4, min: 0, doc: 'Stop a level when the relative inertia gain falls below this.' }),
  disambiguation: oneOf(['needed', 'all'], {
    default: 'needed',
    doc: "Extra token for items sharing all L codes: 'needed' (only colliding items) or 'all' (TIGER's fixed L+1).",
    paper: 'TIGER §3.1',
  }),
  rqvae: RqVaeConfig,
});
export type SidConfig = ConfigOf<typeof SidConfig>;

/** Quantises `embeddings` (row i = item i) and returns the identifier, with `stats` filled in. */
export function buildSemanticIdentifier(
  items: ReadonlyArray<IdItem>,
  embeddings: ItemEmbeddings,
  config: DeepPartial<SidConfig> = {},
): SemanticIdentifier {
  const cfg = SidConfig.parse(config);
  const n = items.length;
  if (embeddings.numItems !== n) {
    throw new Error(`sid: ${embeddings.numItems} embeddings for ${n} items (fingerprint ${embeddings.fingerprint})`);
  }
  const titles = new Array<string>(n);
  items.forEach((it, pos) => {
    if (!Number.isInteger(it.index) || it.index < 0 || it.index >= n || titles[it.index] !== undefined) {
      throw new Error(`sid: items[${pos}].index = ${String(it.index)} is not a unique dense index`);
    }
    titles[it.index] = it.title;
  });
  const d = embeddings.dim;
  const t0 = performance.now();
  let codes: Int32Array;
  let sizes: number[];
  let rec: { mse: number; relative: number };
  let losses: number[] | undefined;
  if (cfg.quantizer === 'rkmeans') {
    const q = residualKMeans(embeddings.data, n, d, {
      levels: cfg.levels,
      codebookSize: cfg.codebookSize,
      iters: cfg.kmeansIters,
      tol: cfg.kmeansTol,
      seed: cfg.seed,
    });
    codes = q.codes;
    sizes = q.sizes;
    rec = reconstructionError(embeddings.data, q.residual, n, d);
  } else {
    const r = trainRqVae(embeddings.data, n, d, cfg.levels, cfg.codebookSize, cfg.rqvae, cfg.seed);
    r.model.dispose();
    codes = r.codes;
    sizes = r.sizes;
    rec = reconstructionError(r.latent, r.residual, n, cfg.rqvae.latentDim);
    losses = r.losses;
  }
  const resolved = resolveCollisions(codes, n, cfg.levels, cfg.disambiguation);
  const usage = codebookUsage(codes, n, cfg.levels, sizes);
  const before = collisionRate(
    Array.from({ length: n }, (_, i) => codes.subarray(i * cfg.levels, (i + 1) * cfg.levels)),
  );
  const stats: SidStats = {
    quantizer: cfg.quantizer,
    levels: cfg.levels,
    codebookSize: cfg.codebookSize,
    sizes,
    used: usage.used,
    utilisation: usage.utilisation,
    balance: usage.balance,
    utilisationOfK: usage.used.map((u) => u / cfg.codebookSize),
    reconstructionMse: rec.mse,
    reconstructionRelative: rec.relative,
    collisionRateBefore: before,
    collisionRateAfter: 0,
    collisionGroups: resolved.groups,
    collidingItems: resolved.collidingItems,
    maxGroupSize: resolved.maxGroupSize,
    numDisambiguators: resolved.numDisambiguators,
    embeddingFingerprint: embeddings.fingerprint,
    embeddingSource: embeddings.source,
    buildMs: 0,
    ...(losses ? { losses } : {}),
  };
  const parts = {
    sizes,
    numDisambiguators: resolved.numDisambiguators,
    codes,
    extra: resolved.extra,
    titles,
    config: cfg,
  };
  // the identifier freezes a copy of its stats, so the final codes are measured on a probe built without them
  const probe = new SemanticIdentifier(parts);
  stats.collisionRateAfter = collisionRate(Array.from({ length: n }, (_, i) => probe.code(i)));
  stats.buildMs = performance.now() - t0;
  return new SemanticIdentifier({ ...parts, stats });
}
