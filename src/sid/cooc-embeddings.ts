/**
 * Collaborative embeddings (source `cooc`): symmetric co-occurrence counts from training examples (target, each
 * history item within the last `coocWindow` positions; with sliding windows every ordered pair of positions is
 * counted exactly once), PPMI with context-distribution smoothing α (Levy, Goldberg & Dagan 2015), truncated SVD,
 * item = U·Σ^½, rows L2-normalised. Items that never co-occur (cold items) get the zero vector. Deterministic given
 * `seed`.
 */
import { EmbeddingConfig } from './embedding-config.js';
import { makeEmbeddings, svdBlock, type EmbExample, type ItemEmbeddings } from './item-embeddings.js';

/** PPMI matrix of item co-occurrence (see the module comment); rows are items. */
export function ppmiMatrix(
  numItems: number,
  examples: ReadonlyArray<EmbExample>,
  window: number,
  alpha: number,
): Map<number, number>[] {
  const counts = Array.from({ length: numItems }, () => new Map<number, number>());
  const check = (v: number, where: string): void => {
    if (!Number.isInteger(v) || v < 0 || v >= numItems) throw new Error(`embeddings: ${where} = ${v} not an item`);
  };
  examples.forEach((ex, e) => {
    check(ex.target, `examples[${e}].target`);
    const h = ex.history;
    for (let k = Math.max(0, h.length - window); k < h.length; k++) {
      check(h[k], `examples[${e}].history[${k}]`);
      if (h[k] === ex.target) continue;
      counts[ex.target].set(h[k], (counts[ex.target].get(h[k]) ?? 0) + 1);
      counts[h[k]].set(ex.target, (counts[h[k]].get(ex.target) ?? 0) + 1);
    }
  });
  const rowSum = counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  const ctx = rowSum.map((c) => Math.pow(c, alpha));
  const ctxTotal = ctx.reduce((a, b) => a + b, 0);
  return counts.map((m, i) => {
    const row = new Map<number, number>();
    for (const [j, c] of m) {
      const pmi = Math.log(c / total / ((rowSum[i] / total) * (ctx[j] / ctxTotal)));
      if (pmi > 0) row.set(j, pmi);
    }
    return row;
  });
}

/** Collaborative embeddings: PPMI of training co-occurrence → truncated SVD (U·Σ^½) → L2 rows. */
export function coocEmbeddings(
  numItems: number,
  examples: ReadonlyArray<EmbExample>,
  config: Partial<EmbeddingConfig> = {},
): ItemEmbeddings {
  const cfg = EmbeddingConfig.parse(config);
  const rows = ppmiMatrix(numItems, examples, cfg.coocWindow, cfg.ppmiAlpha);
  const data = svdBlock(rows, numItems, cfg.dim, cfg, 0.5);
  return makeEmbeddings(data, numItems, cfg.dim, `cooc(dim=${cfg.dim})`);
}
